# NovaCron Agent. `make run` and `make test` work on a fresh Debian 12 machine: each installs
# the missing Debian packages first (scripts/install-deps.sh, apt-get only).
SHELL := /bin/bash
BUILD ?= build
SANITIZE_BUILD ?= build-asan
FUZZ_SECONDS ?= 30
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
# ccache keys on paths; a base dir makes a fresh clone elsewhere (CI) hit the same cache.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

CMAKE_FLAGS := -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)


.PHONY: all deps build run run-fleet test test-unit test-integration test-sanitize test-package test-system test-stress fuzz install package bench format check-format check-layering clean

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD)/build.ninja: CMakeLists.txt | deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# Runs the agent in the foreground on its embedded defaults (Ctrl-C stops it). As root, its main
# process runs as novacron, which must reach the state dir: from a checkout closed to it (one
# under /root, 0700) the state goes to /var/lib/novacron-run instead, and make says so.
run: build
	@dir=$${NOVACRON_STATE_DIR:-$(CURDIR)/var/novacron}; \
	if [ "$$(id -u)" = 0 ] && [ -z "$$NOVACRON_STATE_DIR" ] && \
	   ! runuser -u novacron -- test -x "$(CURDIR)" 2>/dev/null; then \
	  dir=/var/lib/novacron-run; \
	  echo "make run: novacron cannot reach $(CURDIR): state in $$dir" \
	       "(for the novacron command: export NOVACRON_STATE_DIR=$$dir)"; \
	fi; \
	NOVACRON_STATE_DIR=$$dir exec ./$(BUILD)/bin/novacron-agent

# The fleet on this machine: a throw-away PostgreSQL cluster under ./var/fleet, the coordinator
# on it and the local agent reporting to it (Ctrl-C stops all three); `novacron fleet nodes`
# then lists this host (the script prints how).
run-fleet: build
	./scripts/run-fleet.sh $(BUILD)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

test-integration: build
	cd $(BUILD) && ctest --output-on-failure -L integration

# One clang-15 build with AddressSanitizer and UndefinedBehaviorSanitizer serves two targets:
# test-sanitize runs the unit tests in it, and fuzz links every libFuzzer target against the same
# instrumented libraries (a build of its own would cost CI ten minutes more).
SANITIZE_FLAGS := $(CMAKE_FLAGS) -DCMAKE_C_COMPILER=clang-15 -DCMAKE_CXX_COMPILER=clang++-15 \
  -DNOVACRON_FUZZ=ON

test-sanitize: deps
	@./scripts/install-deps.sh fuzz
	cmake -S . -B $(SANITIZE_BUILD) $(SANITIZE_FLAGS)
	cmake --build $(SANITIZE_BUILD) -j $(JOBS) --target unit_tests
	cd $(SANITIZE_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS) -L unit

# Every parser of outside input under libFuzzer, FUZZ_SECONDS each (one target per core at a
# time), from the corpora in tests/fuzz/corpus.
fuzz: deps
	@./scripts/install-deps.sh fuzz
	cmake -S . -B $(SANITIZE_BUILD) $(SANITIZE_FLAGS)
	cmake --build $(SANITIZE_BUILD) -j $(JOBS) --target fuzz_targets
	./tests/fuzz/run.sh $(SANITIZE_BUILD)/bin $(FUZZ_SECONDS)

# Installs under $(PREFIX) (default /usr, as the package does); DESTDIR=/some/root is honoured.
PREFIX ?= /usr
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# The Debian package novacron-agent_VERSION_ARCH.deb, in $(BUILD).
package: build
	cd $(BUILD) && cpack -G DEB

# Builds the package, installs it on this machine with dpkg -i, runs and queries the installed
# binaries, checks the unit, then purges the package (CI runs this on a throwaway machine).
test-package: package
	./tests/package/package_test.sh $(BUILD)

# The package under a real systemd: Debian 12 booted with systemd-nspawn (root file system kept
# in /var/lib/machines/novacron-test), the .deb installed with apt, the hardened unit exercised.
test-system: package
	@./scripts/install-deps.sh system
	./tests/system/system_test.sh $(BUILD)

# Tests that pass on any machine: the whole suite STRESS_ROUNDS times with stress-ng loading both
# cores and 1 GiB of memory, then STRESS_ROUNDS times pinned to one core. Not in CI (slow).
STRESS_ROUNDS ?= 3
test-stress: build
	@./scripts/install-deps.sh stress
	./tests/stress.sh $(BUILD) $(STRESS_ROUNDS)

bench: build
	./bench/run.sh $(BUILD)

format:
	git ls-files '*.h' '*.cpp' | xargs clang-format -i

check-format:
	git ls-files '*.h' '*.cpp' | xargs clang-format --dry-run -Werror

# Fails on an include that goes up the dependency order (see the README's Layout).
check-layering:
	./scripts/check-layering.sh

clean:
	rm -rf $(BUILD) $(SANITIZE_BUILD)
