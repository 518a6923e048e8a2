#!/usr/bin/env bash
# The package of the previous release, for the system test's upgrade: built from this
# repository's own history (the commit below, the last of version 0.1.0) with its own CMake and
# its tests off, once, and kept in OUT_DIR. Prints the .deb's path.
# Usage: previous_package.sh REPO OUT_DIR
set -euo pipefail
PREVIOUS_COMMIT=660bafb47a3a18a6ad40143517932e50ff2ad9c4
PREVIOUS_VERSION=0.1.0
REPO=$(realpath "$1")
OUT=$2
DEB="$OUT/novacron-agent_${PREVIOUS_VERSION}_$(dpkg --print-architecture).deb"
if [[ -f $DEB ]]; then
  echo "$DEB"
  exit 0
fi
# A shallow clone (a CI's, say) fetches the history it lacks first.
if ! git -C "$REPO" cat-file -e "$PREVIOUS_COMMIT^{commit}" 2>/dev/null &&
  [[ $(git -C "$REPO" rev-parse --is-shallow-repository 2>/dev/null) == true ]]; then
  git -C "$REPO" fetch --quiet --unshallow 2>/dev/null || true
fi
git -C "$REPO" cat-file -e "$PREVIOUS_COMMIT^{commit}" 2>/dev/null || {
  echo "previous_package: commit $PREVIOUS_COMMIT (version $PREVIOUS_VERSION) is not in $REPO's history: a shallow clone? (git fetch --unshallow)" >&2
  exit 1
}
mkdir -p "$OUT"
SRC=$(mktemp -d)
trap 'rm -rf "$SRC"' EXIT
git -C "$REPO" archive "$PREVIOUS_COMMIT" | tar -x -C "$SRC"
# ccache keys on paths relative to the base dir: the previous tree hits what is unchanged since.
export CCACHE_BASEDIR=$SRC CCACHE_NOHASHDIR=1 CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
{
  cmake -S "$SRC" -B "$SRC/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNOVACRON_TESTS=OFF &&
    cmake --build "$SRC/build" -j "$(nproc)" &&
    (cd "$SRC/build" && cpack -G DEB)
} >"$OUT/previous-build.log" 2>&1 || {
  echo "previous_package: building $PREVIOUS_COMMIT failed: $(tail -n 20 "$OUT/previous-build.log")" >&2
  exit 1
}
cp "$SRC/build/novacron-agent_${PREVIOUS_VERSION}_"*.deb "$DEB"
echo "$DEB"
