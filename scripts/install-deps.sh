#!/usr/bin/env bash
# Installs the Debian 12 packages NovaCron needs to build, test and run, and nothing else.
# Only missing packages are installed, so a second run costs one dpkg query.
set -euo pipefail

packages=(
  # toolchain
  cmake ninja-build g++ lld pkg-config ccache make curl clang-format
  # packaging: dpkg-shlibdeps computes the .deb's dependencies; man checks the unit's Documentation=;
  # lintian checks both packages
  dpkg-dev man-db lintian
  # libraries (Boost 1.81: Process v2 does not exist in the default 1.74)
  libboost1.81-dev libboost-filesystem1.81-dev
  libyaml-dev libnftables-dev nlohmann-json3-dev libsqlite3-dev libpq-dev libhiredis-dev libssl-dev zlib1g-dev
  # the process table's BPF program: clang compiles it for the BPF target; libbpf's headers (the
  # broker loads libbpf1 at run time)
  clang libbpf-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev sqlite3 openssl
  # the contract tests validate real payloads against contract/ (Draft 2020-12), and the OpenAPI
  # documents with swagger-parser (npm, tests/contract/package-lock.json)
  python3-jsonschema nodejs
  # real servers used by integration tests (promtool ships with prometheus)
  postgresql redis-server prometheus prometheus-alertmanager
)

# Extra groups for the targets that need more than make test: install-deps.sh fuzz|stress|system|profile
for group in "$@"; do
  case $group in
    fuzz) packages+=(clang-15 libfuzzer-15-dev) ;;
    stress) packages+=(stress-ng util-linux) ;;
    system) packages+=(systemd-container mmdebstrap) ;;
    profile) packages+=(valgrind) ;;
    *) echo "install-deps: unknown group $group (fuzz, stress, system, profile)" >&2; exit 64 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# The user the agent's main process drops to when it is started as root (the package's
# sysusers.d makes it too). Its group is the control socket's read-only group.
if ! getent passwd novacron >/dev/null && ((EUID == 0)); then
  getent group novacron >/dev/null || groupadd --system novacron
  useradd --system --gid novacron --home-dir /var/lib/novacron --no-create-home \
    --shell /usr/sbin/nologin --comment "NovaCron agent" novacron
  echo "install-deps: created the system user novacron" >&2
fi

# Debian's nodejs comes without npm (NodeSource's has it).
command -v npm >/dev/null || missing+=(npm)

# The contract tests' npm packages, pinned by their lockfile; again when the lockfile changes.
npm_packages() {
  local dir
  dir="$(dirname "$0")/../tests/contract"
  if [[ ! -e $dir/node_modules/.package-lock.json || $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]]; then
    echo "install-deps: npm ci in tests/contract" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}

if ((${#missing[@]} == 0)); then
  npm_packages
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo=()
if ((EUID != 0)); then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi

# Package scripts must not start postgresql/prometheus/alertmanager on their default ports.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee /usr/sbin/policy-rc.d >/dev/null
  "${sudo[@]}" chmod 0755 /usr/sbin/policy-rc.d
  trap '"${sudo[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
fi

export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
npm_packages
