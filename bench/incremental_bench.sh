#!/usr/bin/env bash
# Incremental re-indexing benchmark: wall time of `semdex index` on an already indexed tree when
# nothing changed (no-op), when one file changed, and when 10% of the files changed; with
# --no-embed and, unless NO_MODEL=1, with the default model. Prints a table; asserts nothing.
#   bench/incremental_bench.sh [CORPUS_DIR] [RUNS]
# Default corpus: three@0.187.0 (the whole package), fetched by scripts/setup.sh. The corpus is
# copied (mtimes aged an hour, so no file is "racy") and edited by appending a comment line.
# Each figure is the median of RUNS runs (default 3) with min and max; every changed-files run
# edits the files again, so each run has the same amount of work. undo-one: the one file edited
# and indexed (not timed), then restored and indexed (timed): its texts come from the vector cache.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="${1:-$root/.cache/npm/three-0.187.0/package}"
runs="${2:-3}"
semdex="${SEMDEX_BIN:-$root/build/semdex}"
[ -x "$semdex" ] || { echo "build semdex first (ninja -C build semdex) or set SEMDEX_BIN" >&2; exit 2; }
[ -d "$corpus" ] || { echo "corpus $corpus missing: run scripts/setup.sh" >&2; exit 2; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cp -a "$corpus" "$tmp/tree"
find "$tmp/tree" -type f -exec touch -d '1 hour ago' {} +
# The files semdex indexes (by extension), in a fixed order; every 10th is the 10% sample.
(cd "$tmp/tree" && find . -type f \( -name '*.js' -o -name '*.ts' -o -name '*.mjs' -o -name '*.cjs' \
  -o -name '*.tsx' -o -name '*.jsx' \) ! -name '*.min.js' ! -path '*/node_modules/*' | sort) \
  >"$tmp/files"
one="$(grep -m1 'src/math/Vector3.js' "$tmp/files" || head -1 "$tmp/files")"
awk 'NR % 10 == 0' "$tmp/files" >"$tmp/tenth"

echo "corpus: $corpus ($(wc -l <"$tmp/files") candidate files; 10% sample: $(wc -l <"$tmp/tenth"))"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "semdex: $semdex; $runs runs per case; wall seconds, median [min, max]"
printf '%-10s %-12s %24s %9s %9s %9s %8s %8s\n' model case "wall s" changed added unchanged \
  embedded graph

edit() {  # appends a comment line to each file listed in $1 (paths relative to the tree)
  local n=$((RANDOM))
  while read -r f; do echo "// edit $n" >>"$tmp/tree/$f"; done <"$1"
}

measure() {  # model-label case-label setup-command semdex-flags...
  local label="$1" case="$2" setup="$3"
  shift 3
  local walls=()
  for ((i = 0; i < runs; i++)); do
    $setup
    local t0 t1
    t0=$(date +%s.%N)
    "$semdex" index "$tmp/tree" --repository bench --json --db "$tmp/index.db" "$@" \
      >"$tmp/summary.json"
    t1=$(date +%s.%N)
    walls+=("$(echo "$t1 - $t0" | bc)")
  done
  local sorted
  sorted=($(printf '%s\n' "${walls[@]}" | sort -g))
  python3 - "$tmp/summary.json" "$label" "$case" "${sorted[$((runs / 2))]}" "${sorted[0]}" \
    "${sorted[$((runs - 1))]}" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
c = s["changes"]
print(f"{sys.argv[2]:<10} {sys.argv[3]:<12} {float(sys.argv[4]):8.3f} [{float(sys.argv[5]):.3f}, "
      f"{float(sys.argv[6]):.3f}] {c['changed']:9d} {c['added']:9d} {c['unchanged']:9d} "
      f"{s['embedding']['chunks']:8d} {'rebuilt' if s['graph']['rebuilt'] else 'kept':>8}")
PY
}

none() { :; }
edit_one() { echo "$one" >"$tmp/one"; edit "$tmp/one"; }
edit_tenth() { edit "$tmp/tenth"; }
# An edit of the one file, indexed, then undone: the texts that come back are in the vector
# cache (nothing to embed when it works).
undo_one() {
  cp "$tmp/tree/$one" "$tmp/one.orig"
  echo "$one" >"$tmp/one"
  edit "$tmp/one"
  "$semdex" index "$tmp/tree" --repository bench --json --db "$tmp/index.db" "${flags[@]}" \
    >/dev/null
  cp "$tmp/one.orig" "$tmp/tree/$one"
}

run_cases() {  # model-label semdex-flags...
  local label="$1"
  shift
  flags=("$@")
  rm -f "$tmp/index.db"*
  local t0 t1
  t0=$(date +%s.%N)
  "$semdex" index "$tmp/tree" --repository bench --json --db "$tmp/index.db" "$@" >/dev/null
  t1=$(date +%s.%N)
  printf '%-10s %-12s %8.3f (first index, for scale)\n' "$label" full "$(echo "$t1 - $t0" | bc)"
  measure "$label" no-op none "$@"
  measure "$label" one-file edit_one "$@"
  measure "$label" ten-percent edit_tenth "$@"
  measure "$label" undo-one undo_one "$@"
}

run_cases no-embed --no-embed
if [ "${NO_MODEL:-0}" != 1 ]; then
  run_cases default
fi
