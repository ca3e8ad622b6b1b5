#!/usr/bin/env bash
# semdex watch latency on three@0.187.0: from a saved change to the change being searchable, and
# to the graph being current, median [min, max] over several saves (build/bench/watch_bench does
# the measuring). Two configurations: the whole package with --no-embed, and the default model
# on a small subtree (src/math). Prints numbers; asserts nothing.
#   bench/watch_bench.sh [CORPUS_DIR] [SAVES]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="${1:-$root/.cache/npm/three-0.187.0/package}"
saves="${2:-7}"
build="${SEMDEX_BUILD:-$root/build}"
semdex="${SEMDEX_BIN:-$build/semdex}"
bench="$build/bench/watch_bench"
[ -x "$semdex" ] && [ -x "$bench" ] ||
  { echo "build first: ninja -C $build semdex watch_bench (or set SEMDEX_BUILD)" >&2; exit 2; }
[ -d "$corpus" ] || { echo "corpus $corpus missing: run scripts/setup.sh" >&2; exit 2; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load: $(uptime | sed 's/.*load average: //')"
echo "== three@0.187.0, whole package, --no-embed"
"$bench" "$semdex" "$corpus" --no-embed --saves "$saves" --file src/math/Vector3.js
echo "== three@0.187.0 src/math, default model"
"$bench" "$semdex" "$corpus" --subtree src/math --saves "$saves" --file Vector3.js
