#!/usr/bin/env bash
# Quick start, command 1: installs every dependency, builds semdex, indexes rxjs@7.8.2's src/
# (fetched from npm at that pinned version) into the default database, and prints the summary
# and the repository's stats. Idempotent; a second run only re-indexes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

scripts/setup.sh
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
ninja -C build semdex >/dev/null

corpus=.cache/npm/rxjs-7.8.2/package/src
# Chunks, vectors from the default model (about half a minute on 2 cores) and the code graph.
build/semdex index "$corpus" --repository rxjs
build/semdex stats --repository rxjs
