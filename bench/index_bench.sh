#!/usr/bin/env bash
# Indexing benchmark (no embeddings): wall time, files/s, MB/s and peak RSS for --sequential and
# --workers 1/2 on a pinned corpus. Prints a table; asserts nothing.
#   bench/index_bench.sh [CORPUS_DIR] [RUNS]
# Default corpus: three@0.187.0 (the whole package), fetched by scripts/setup.sh.
# Each figure is the median of RUNS runs (default 5) with min and max; the speed-up is the
# ratio of medians measured in this one invocation.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="${1:-$root/.cache/npm/three-0.187.0/package}"
runs="${2:-5}"
semdex="${SEMDEX_BIN:-$root/build/semdex}"
[ -x "$semdex" ] || { echo "build semdex first (scripts/quickstart.sh or ninja -C build)" >&2; exit 2; }
[ -d "$corpus" ] || { echo "corpus $corpus missing: run scripts/setup.sh" >&2; exit 2; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "corpus: $corpus"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "semdex: $semdex; $runs runs per mode; figures are median [min, max]"
printf '%-14s %8s %8s %22s %10s %10s %14s\n' mode files chunks "wall s" files/s MB/s "peak RSS MiB"

declare -A median_wall
for mode in sequential workers1 workers2; do
  case "$mode" in
    sequential) flags=(--sequential) ;;
    workers1) flags=(--workers 1) ;;
    workers2) flags=(--workers 2) ;;
  esac
  walls=()
  rss=()
  for ((i = 0; i < runs; i++)); do
    rm -f "$tmp/index.db"*
    /usr/bin/time -f '%e %M' -o "$tmp/time" "$semdex" index "$corpus" --repository bench \
      --no-embed --json --db "$tmp/index.db" "${flags[@]}" >"$tmp/summary.json"
    read -r wall kb <"$tmp/time"
    walls+=("$wall")
    rss+=("$kb")
  done
  stats() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {printf "%s %s %s", a[int((NR+1)/2)], a[1], a[NR]}'; }
  read -r wmed wmin wmax <<<"$(stats "${walls[@]}")"
  read -r rmed _ _ <<<"$(stats "${rss[@]}")"
  files=$(grep -o '"total_files":[0-9]*' "$tmp/summary.json" | cut -d: -f2)
  chunks=$(grep -o '"total_chunks":[0-9]*' "$tmp/summary.json" | cut -d: -f2)
  bytes=$(grep -o '"total_bytes":[0-9]*' "$tmp/summary.json" | cut -d: -f2)
  median_wall[$mode]=$wmed
  printf '%-14s %8s %8s %22s %10.0f %10.1f %14.1f\n' "$mode" "$files" "$chunks" \
    "$wmed [$wmin, $wmax]" "$(echo "$files / $wmed" | bc -l)" \
    "$(echo "$bytes / 1048576 / $wmed" | bc -l)" "$(echo "$rmed / 1024" | bc -l)"
done
printf 'speed-up, --workers 2 vs --sequential (ratio of medians): %.2fx\n' \
  "$(echo "${median_wall[sequential]} / ${median_wall[workers2]}" | bc -l)"
