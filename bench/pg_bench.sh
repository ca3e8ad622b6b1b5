#!/usr/bin/env bash
# PostgreSQL vs SQLite indexing benchmark: wall time and rows/s of a fresh `semdex index
# --no-embed` of rxjs@7.8.2 src/ and three@0.187.0 (the whole package) into each backend, with
# --workers 1 and 2. Starts its own throwaway PostgreSQL 15 server (initdb into a temporary
# directory, a free port on 127.0.0.1; as the `postgres` user when run as root) and stops it on
# exit. Prints a table; asserts nothing.
#   bench/pg_bench.sh [RUNS]
# rows = files + chunks + graph nodes + graph edges written by the run (from its --json summary);
# each figure is the median of RUNS runs (default 1), each into a fresh index.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-1}"
semdex="${SEMDEX_BIN:-$root/build/semdex}"
pgbin=/usr/lib/postgresql/15/bin
[ -x "$semdex" ] || { echo "build semdex first (ninja -C build semdex) or set SEMDEX_BIN" >&2; exit 2; }
[ -x "$pgbin/initdb" ] || { echo "postgresql-15 is not installed (scripts/setup.sh)" >&2; exit 2; }
corpora=("rxjs:$root/.cache/npm/rxjs-7.8.2/package/src" "three:$root/.cache/npm/three-0.187.0/package")
for c in "${corpora[@]}"; do
  [ -d "${c#*:}" ] || { echo "corpus ${c#*:} missing: run scripts/setup.sh" >&2; exit 2; }
done

tmp="$(mktemp -d)"
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  as_pg=(runuser -u postgres --)
  chown postgres "$tmp"
fi
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cleanup() {
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$tmp/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
echo "bench-password" >"$tmp/pw"
[ ${#as_pg[@]} -gt 0 ] && chown postgres "$tmp/pw"
"${as_pg[@]}" "$pgbin/initdb" -D "$tmp/data" -U bench --pwfile="$tmp/pw" -A scram-sha-256 \
  -E UTF8 --locale=C.UTF-8 >/dev/null
# Default durability settings (fsync on), as a real server would run.
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w \
  -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$tmp" start >/dev/null
url_base="postgresql://bench:bench-password@127.0.0.1:$port"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "load: $(uptime)"
echo "semdex: $semdex; PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') on 127.0.0.1; $runs run(s) per case, median"
printf '%-6s %-11s %8s %8s %8s %10s %10s\n' corpus backend workers "wall s" rows "rows/s" "chunks/s"

n=0
for c in "${corpora[@]}"; do
  name="${c%%:*}"
  dir="${c#*:}"
  for backend in sqlite postgresql; do
    for workers in 1 2; do
      results=()
      for ((r = 0; r < runs; r++)); do
        n=$((n + 1))
        if [ "$backend" = sqlite ]; then
          db="$tmp/index-$n.db"
        else
          PGPASSWORD=bench-password "$pgbin/psql" -q -h 127.0.0.1 -p "$port" -U bench \
            -d postgres -c "CREATE DATABASE bench_$n" >/dev/null
          db="$url_base/bench_$n"
        fi
        start=$(date +%s.%N)
        "$semdex" index "$dir" --repository "$name" --no-embed --workers "$workers" --json \
          --db "$db" >"$tmp/summary.json"
        end=$(date +%s.%N)
        results+=("$(python3 - "$tmp/summary.json" "$start" "$end" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
wall = float(sys.argv[3]) - float(sys.argv[2])
files = s["success_files"] + s["error_files"] + s["skipped_files"]
rows = files + s["total_chunks"] + s["graph"]["nodes"] + s["graph"]["edges"]
print(f"{wall:.2f} {rows} {rows / wall:.0f} {s['total_chunks'] / wall:.0f}")
PY
)")
      done
      median="$(printf '%s\n' "${results[@]}" | sort -n | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}')"
      read -r wall rows rps cps <<<"$median"
      printf '%-6s %-11s %8s %8s %8s %10s %10s\n' "$name" "$backend" "$workers" "$wall" "$rows" \
        "$rps" "$cps"
    done
  done
done
