#!/usr/bin/env bash
# The benchmark suite in one command: installs what semdex needs (scripts/setup.sh), fetches the
# pinned corpora of bench/corpora.txt from npm into .cache/npm/ (ignored by git), builds semdex
# and the benchmarks in build/ (Release), then runs bench/run_all.py, which writes report.md and
# results.json into the output directory (default .cache/bench/results-<UTC date and time>/).
#   bench/run_all.sh [run_all.py options: --runs N --embed-runs N --corpora LIST
#                     --embed-corpora LIST|all --skip SECTIONS --out DIR]
# Defaults: every corpus and section, 3 runs per case, every corpus also with the default model:
# 77 minutes on 2 cores (docs/benchmarks/2026-11-26-results.md). `--embed-corpora rxjs,eslint`
# leaves out the default model on three and webpack (about 9 and 6.5 minutes a run).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

scripts/setup.sh
scripts/fetch_npm.sh bench/corpora.txt
[ -f build/build.ninja ] || cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build semdex embed_bench search_bench >/dev/null

out="$root/.cache/bench/results-$(date -u +%Y%m%d-%H%M)"
for arg in "$@"; do
  if [ "${prev:-}" = --out ]; then out="$arg"; fi
  prev="$arg"
done
case " $* " in *" --out "*) ;; *) set -- "$@" --out "$out" ;; esac
bench/run_all.py "$@"
echo "run_all: report in $out/report.md, figures in $out/results.json"
