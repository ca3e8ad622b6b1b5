#!/usr/bin/env bash
# Quick start, command 2: installs every dependency, builds, and runs every test with ctest,
# first in the normal build (build/) and then under AddressSanitizer + UBSan (build-asan/).
# Idempotent; a second run rebuilds only what changed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

scripts/setup.sh
jobs="$(nproc)"

configure() {  # configure DIR [cmake args...] once
  local dir="$1"
  shift
  [ -f "$dir/build.ninja" ] || cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
}

configure build -DCMAKE_BUILD_TYPE=Release
ninja -C build
(cd build && ctest --output-on-failure -j "$jobs")

configure build-asan -DCMAKE_BUILD_TYPE=Debug -DSEMDEX_SANITIZE=ON
ninja -C build-asan
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j "$jobs")
