#!/usr/bin/python3
"""semdex's benchmark suite: every benchmark on the pinned corpora, one report.

  bench/run_all.sh [--runs N] [--embed-runs N] [--corpora LIST] [--embed-corpora LIST]
                   [--skip LIST] [--out DIR]

(run_all.sh fetches the corpora and builds; this script measures.) Writes DIR/report.md (tables,
the machine, the commands) and DIR/results.json (every figure and every raw run). Sections:

  index        per corpus: `semdex index --no-embed` with --sequential, --workers 1, 2 and 4, and
               with the default model (--workers = cores): files, chunks, nodes, edges by type,
               wall time, files/s, MB/s, tokens/s, peak RSS.
  postgresql   per corpus, --no-embed into SQLite and into a throwaway PostgreSQL 15 server
               (started here, as `postgres` when run as root), --workers 1 and 2: rows/s.
  embed        bench/embed_bench: tokens/s and GFLOP/s vs oneDNN sgemm measured in the same run,
               fp32 and int8, the default model and a random-weight JinaBERT-base-shaped model.
  incremental  bench/incremental_bench.sh on three@0.187.0: no-op, one file, 10% of the files.
  search       bench/search_bench on a default-model index (three's when the index section made
               one, else the largest embedded corpus): p50/p95 per mode, recall@10, MRR@10.

Every figure is the median of the runs with min and max. Ratios (speed-ups, PostgreSQL vs
SQLite) are computed pairwise: the cases of one repetition run back to back, each repetition
gives one ratio, and the ratio's median [min, max] is reported, so that load drifting between
repetitions cancels out. Runs of the same case always start from an empty index.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NPM = os.path.join(ROOT, ".cache", "npm")
PGBIN = "/usr/lib/postgresql/15/bin"

# name -> (package directory under .cache/npm, indexed subdirectory, label); see bench/corpora.txt.
CORPORA = {
    "rxjs": ("rxjs-7.8.2", "src", "rxjs@7.8.2 src/"),
    "eslint": ("eslint-9.39.5", "lib", "eslint@9.39.5 lib/"),
    "three": ("three-0.187.0", "", "three@0.187.0 (whole package)"),
    "webpack": ("webpack-5.112.2", "lib", "webpack@5.112.2 lib/"),
}
SECTIONS = ["index", "postgresql", "embed", "incremental", "search"]


def corpus_dir(name):
    package, sub, _ = CORPORA[name]
    return os.path.join(NPM, package, "package", sub)


def stats(values):
    """{median, min, max, runs} of a list of numbers (the lower median for an even count)."""
    v = sorted(values)
    return {"median": v[(len(v) - 1) // 2], "min": v[0], "max": v[-1], "runs": len(v)}


def fmt(s, digits=2):
    """'median [min, max]' of a stats() dict; just the value for one run."""
    if s is None:
        return "-"
    if s["runs"] == 1:
        return f"{s['median']:.{digits}f}"
    return f"{s['median']:.{digits}f} [{s['min']:.{digits}f}, {s['max']:.{digits}f}]"


def timed(cmd, env=None, stdout_path=None):
    """Runs cmd; returns (wall seconds, peak RSS MiB of the process, stdout text). Raises on a
    non-zero exit, with its stderr."""
    out = open(stdout_path, "w+") if stdout_path else tempfile.TemporaryFile("w+")
    err = tempfile.TemporaryFile("w+")
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    err.seek(0)
    text = out.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {err.read()[-2000:]}")
    return wall, usage.ru_maxrss / 1024.0, text


class Suite:
    def __init__(self, args):
        self.args = args
        self.semdex = args.semdex
        self.out = args.out
        self.tmp = tempfile.mkdtemp(prefix="semdex-bench-")
        self.results = {"commands": [], "sections": {}}
        self.md = []
        self.embedded_db = None  # (corpus, db path, chunks) of the default-model index to search

    def log(self, text):
        print(text, flush=True)

    def run_index(self, name, db, flags):
        """One `semdex index` of corpus `name` into a fresh `db`: the run's figures."""
        if not db.startswith("postgresql://"):
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(db + suffix):
                    os.remove(db + suffix)
        cmd = [self.semdex, "index", corpus_dir(name), "--repository", name, "--json", "--db", db]
        cmd += flags
        wall, rss, text = timed(cmd)
        s = json.loads(text)
        files = s["success_files"] + s["error_files"] + s["skipped_files"]
        return {
            "wall_s": wall, "peak_rss_mib": rss, "files": files, "indexed": s["success_files"],
            "failed": s["error_files"], "skipped": s["skipped_files"], "chunks": s["total_chunks"],
            "bytes": s["total_bytes"], "nodes": s["graph"]["nodes"], "edges": s["graph"]["edges"],
            "tokens": s["embedding"]["tokens"], "embed_s": s["embedding"]["seconds"],
            "rows": files + s["total_chunks"] + s["graph"]["nodes"] + s["graph"]["edges"],
        }

    # ---- index ---------------------------------------------------------------------------------
    def section_index(self):
        modes = [("sequential", ["--sequential"]), ("workers 1", ["--workers", "1"]),
                 ("workers 2", ["--workers", "2"]), ("workers 4", ["--workers", "4"])]
        cores = os.cpu_count() or 1
        section = {}
        self.md.append("## Indexing\n")
        self.md.append(
            f"`semdex index CORPUS --no-embed` in each mode ({self.args.runs} runs, interleaved), "
            f"and with the default model at `--workers {cores}` ({self.args.embed_runs} run(s)); "
            "each run into an empty SQLite index. Wall s and peak RSS MiB: median [min, max]. "
            "Speed-up: sequential wall / mode wall, computed per repetition.\n")
        for name in self.args.corpora:
            runs = {m: [] for m, _ in modes}
            db = os.path.join(self.tmp, f"{name}.db")
            for r in range(self.args.runs):
                for mode, flags in modes:
                    self.log(f"index {name} {mode} --no-embed (run {r + 1}/{self.args.runs})")
                    runs[mode].append(self.run_index(name, db, ["--no-embed"] + flags))
            edge_types = self.edges_by_type(db)
            last = runs["workers 2"][-1]
            entry = {"corpus": CORPORA[name][2], "files": last["files"], "indexed": last["indexed"],
                     "failed": last["failed"], "skipped": last["skipped"], "chunks": last["chunks"],
                     "bytes": last["bytes"], "nodes": last["nodes"], "edges": last["edges"],
                     "edges_by_type": edge_types, "modes": {}}
            for mode, _ in modes:
                walls = [x["wall_s"] for x in runs[mode]]
                speedups = [a["wall_s"] / b["wall_s"] for a, b in zip(runs["sequential"], runs[mode])]
                entry["modes"][mode] = {
                    "wall_s": stats(walls), "peak_rss_mib": stats([x["peak_rss_mib"] for x in runs[mode]]),
                    "files_per_s": last["files"] / stats(walls)["median"],
                    "mb_per_s": last["bytes"] / 1048576 / stats(walls)["median"],
                    "speedup_vs_sequential": stats(speedups), "raw": runs[mode]}
            if name in self.args.embed_corpora:
                edb = os.path.join(self.out, f"{name}-default-model.db")
                model_runs = []
                for r in range(self.args.embed_runs):
                    self.log(f"index {name} default model --workers {cores} (run {r + 1})")
                    model_runs.append(self.run_index(name, edb, ["--workers", str(cores)]))
                walls = [x["wall_s"] for x in model_runs]
                entry["modes"][f"default model, workers {cores}"] = {
                    "wall_s": stats(walls), "peak_rss_mib": stats([x["peak_rss_mib"] for x in model_runs]),
                    "files_per_s": last["files"] / stats(walls)["median"],
                    "mb_per_s": last["bytes"] / 1048576 / stats(walls)["median"],
                    "tokens_per_s": stats([x["tokens"] / x["wall_s"] for x in model_runs]),
                    "tokens": model_runs[-1]["tokens"], "raw": model_runs}
                # The search section uses three's index, else the largest one.
                if self.embedded_db is None or name == "three" or (
                        self.embedded_db[0] != "three" and last["chunks"] > self.embedded_db[2]):
                    self.embedded_db = (name, edb, last["chunks"])
            section[name] = entry
            self.md.append(f"### {entry['corpus']}\n")
            self.md.append(
                f"{entry['files']} files ({entry['indexed']} indexed, {entry['failed']} failed, "
                f"{entry['skipped']} skipped), {entry['chunks']} chunks, "
                f"{entry['bytes'] / 1048576:.2f} MB; graph: {entry['nodes']} nodes, "
                f"{entry['edges']} edges (" +
                ", ".join(f"{k} {v}" for k, v in sorted(edge_types.items())) + ").\n")
            self.md.append("| mode | wall s | files/s | MB/s | tokens/s | peak RSS MiB | speed-up |")
            self.md.append("|---|---|---|---|---|---|---|")
            for mode, m in entry["modes"].items():
                self.md.append(
                    f"| {mode} | {fmt(m['wall_s'])} | {m['files_per_s']:.0f} | {m['mb_per_s']:.2f} | "
                    f"{fmt(m.get('tokens_per_s'), 0)} | {fmt(m['peak_rss_mib'], 0)} | "
                    f"{fmt(m.get('speedup_vs_sequential'))} |")
            self.md.append("")
        self.results["sections"]["index"] = section

    def edges_by_type(self, db):
        con = sqlite3.connect(db)
        try:
            return dict(con.execute(
                "SELECT relation_type, count(*) FROM edges GROUP BY relation_type").fetchall())
        finally:
            con.close()

    # ---- postgresql ----------------------------------------------------------------------------
    def section_postgresql(self):
        if not os.path.exists(os.path.join(PGBIN, "initdb")):
            raise RuntimeError("postgresql-15 is not installed (scripts/setup.sh installs it)")
        data = tempfile.mkdtemp(prefix="semdex-bench-pg-")
        as_pg = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        if as_pg:
            shutil.chown(data, "postgres")
        pw = os.path.join(data, "pw")
        with open(pw, "w") as f:
            f.write("bench-password\n")
        if as_pg:
            shutil.chown(pw, "postgres")
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        subprocess.run(as_pg + [f"{PGBIN}/initdb", "-D", f"{data}/data", "-U", "bench",
                                f"--pwfile={pw}", "-A", "scram-sha-256", "-E", "UTF8",
                                "--locale=C.UTF-8"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(as_pg + [f"{PGBIN}/pg_ctl", "-D", f"{data}/data", "-l", f"{data}/log", "-w",
                                "-o", f"-p {port} -c listen_addresses=127.0.0.1 "
                                f"-c unix_socket_directories={data}", "start"],
                       check=True, stdout=subprocess.DEVNULL)
        try:
            self.postgresql_cases(port)
        finally:
            subprocess.run(as_pg + [f"{PGBIN}/pg_ctl", "-D", f"{data}/data", "-m", "fast", "stop"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            shutil.rmtree(data, ignore_errors=True)

    def postgresql_cases(self, port):
        env = dict(os.environ, PGPASSWORD="bench-password")
        base = f"postgresql://bench:bench-password@127.0.0.1:{port}"
        section = {}
        self.md.append("## SQLite vs PostgreSQL\n")
        self.md.append(
            "`semdex index CORPUS --no-embed --workers W` into an empty SQLite file and into an "
            "empty database of a local PostgreSQL 15 server (default durability settings), "
            f"{self.args.runs} runs. rows = files + chunks + graph nodes + graph edges. "
            "PG/SQLite: PostgreSQL wall / SQLite wall, per repetition.\n")
        self.md.append("| corpus | workers | SQLite wall s | PostgreSQL wall s | SQLite rows/s | "
                       "PostgreSQL rows/s | PG/SQLite |")
        self.md.append("|---|---|---|---|---|---|---|")
        n = 0
        for name in self.args.corpora:
            for workers in (1, 2):
                pairs = []
                for r in range(self.args.runs):
                    n += 1
                    subprocess.run([f"{PGBIN}/psql", "-q", "-h", "127.0.0.1", "-p", str(port), "-U",
                                    "bench", "-d", "postgres", "-c", f"CREATE DATABASE bench_{n}"],
                                   check=True, env=env, stdout=subprocess.DEVNULL)
                    self.log(f"postgresql {name} --workers {workers} (run {r + 1})")
                    flags = ["--no-embed", "--workers", str(workers)]
                    lite = self.run_index(name, os.path.join(self.tmp, f"pg-{name}.db"), flags)
                    pg = self.run_index(name, f"{base}/bench_{n}", flags)
                    pairs.append((lite, pg))
                e = {"sqlite_wall_s": stats([a["wall_s"] for a, _ in pairs]),
                     "postgresql_wall_s": stats([b["wall_s"] for _, b in pairs]),
                     "rows": pairs[-1][0]["rows"],
                     "sqlite_rows_per_s": stats([a["rows"] / a["wall_s"] for a, _ in pairs]),
                     "postgresql_rows_per_s": stats([b["rows"] / b["wall_s"] for _, b in pairs]),
                     "pg_over_sqlite": stats([b["wall_s"] / a["wall_s"] for a, b in pairs])}
                section[f"{name} workers {workers}"] = e
                self.md.append(
                    f"| {name} | {workers} | {fmt(e['sqlite_wall_s'])} | {fmt(e['postgresql_wall_s'])} | "
                    f"{fmt(e['sqlite_rows_per_s'], 0)} | {fmt(e['postgresql_rows_per_s'], 0)} | "
                    f"{fmt(e['pg_over_sqlite'])} |")
        self.md.append("")
        self.results["sections"]["postgresql"] = section

    # ---- embed ---------------------------------------------------------------------------------
    def section_embed(self):
        bench = os.path.join(self.args.build, "bench", "embed_bench")
        jina = os.path.join(ROOT, ".cache", "bench", "random-jina-base")
        if not os.path.exists(os.path.join(jina, "config.json")):
            self.log("making a random-weight JinaBERT-base-shaped model (bench/make_random_bert.py)")
            subprocess.run([sys.executable, os.path.join(ROOT, "bench", "make_random_bert.py"), jina],
                           check=True, stdout=subprocess.DEVNULL)
        rows = []
        # JinaBERT-base costs ~30x USE-Lite per token: smaller batches keep its rounds short.
        for model, batch in (("default", 32), (jina, 1)):
            cmd = [bench, "--model", model, "--precision", "fp32", "--precision", "int8",
                   "--batch", str(batch), "--seconds", str(self.args.embed_seconds), "--json"]
            self.log(" ".join(cmd))
            self.results["commands"].append(" ".join(cmd))
            _, _, text = timed(cmd)
            for r in json.loads(text):
                r["model"] = "default (USE-Lite)" if r.get("model") == "default" else \
                    "random JinaBERT-base" if r.get("model") == jina else r.get("model")
                rows.append(r)
        self.results["sections"]["embed"] = rows
        self.md.append("## Embedding engine\n")
        self.md.append(
            "bench/embed_bench over rxjs src/'s chunks: tokens/s and the model's GFLOP/s against "
            "oneDNN sgemm running the same products with the same threads in the same run "
            f"({self.args.embed_seconds} s per measurement). threads > 1: that many callers "
            "sharing one model.\n")
        self.md.append("| model | precision | threads | tokens/s | GFLOP/s | sgemm GFLOP/s | "
                       "of sgemm | int8 vs fp32 |")
        self.md.append("|---|---|---|---|---|---|---|---|")
        for r in rows:
            if "tokens_per_s" not in r:
                continue
            self.md.append(
                f"| {r['model']} | {r['precision']} | {r['threads']} | {r['tokens_per_s']:.0f} | "
                f"{r.get('gflops', 0):.1f} | {r.get('sgemm_gflops', 0):.1f} | "
                f"{r.get('ratio_to_sgemm', 0):.2f} | {r.get('tokens_per_s_vs_fp32', 1):.2f} |")
        for r in rows:
            if "dense_sgemm_gflops" in r:
                self.md.append(
                    f"\nRaw GEMM at {r['model']}'s dense shapes, {r['threads']} thread(s): sgemm "
                    f"{r['dense_sgemm_gflops']:.1f} GFLOP/s, u8s8s32 {r['dense_u8s8s32_gops']:.1f} "
                    f"GOP/s ({r['int8_gemm_vs_sgemm']:.2f}x).")
        self.md.append("")

    # ---- incremental ---------------------------------------------------------------------------
    def section_incremental(self):
        cmd = [os.path.join(ROOT, "bench", "incremental_bench.sh"), corpus_dir("three"),
               str(max(self.args.runs, 3))]
        env = dict(os.environ, SEMDEX_BIN=self.semdex)
        if "three" not in self.args.embed_corpora:
            env["NO_MODEL"] = "1"
        self.log(" ".join(cmd))
        self.results["commands"].append(("NO_MODEL=1 " if "NO_MODEL" in env else "") + " ".join(cmd))
        _, _, text = timed(cmd, env=env)
        rows = []
        pattern = re.compile(r"^(\S+)\s+(no-op|one-file|ten-percent|undo-one)\s+([\d.]+) \[([\d.]+), "
                             r"([\d.]+)\]\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+)")
        for line in text.splitlines():
            m = pattern.match(line)
            if m:
                rows.append({"model": m[1], "case": m[2],
                             "wall_s": {"median": float(m[3]), "min": float(m[4]), "max": float(m[5])},
                             "changed": int(m[6]), "added": int(m[7]), "unchanged": int(m[8]),
                             "embedded": int(m[9]), "graph": m[10]})
        self.results["sections"]["incremental"] = {"rows": rows, "output": text}
        self.md.append("## Incremental re-indexing (three@0.187.0)\n")
        self.md.append("bench/incremental_bench.sh: an indexed copy of the tree, then a no-op run, "
                       "one file edited, 10% of the files edited, and one file edited then "
                       "restored (its texts come back from the vector cache).\n")
        self.md.append("```\n" + text.strip() + "\n```\n")

    # ---- search --------------------------------------------------------------------------------
    def section_search(self):
        if self.args.search_db:
            # An index made earlier (three with the default model takes ~9 minutes on 2 cores).
            self.embedded_db = (self.args.search_repository, self.args.search_db, 0)
        if self.embedded_db is None:
            raise RuntimeError("no default-model index to search: the index section must run "
                               "with at least one corpus in --embed-corpora")
        name, db, _ = self.embedded_db
        bench = os.path.join(self.args.build, "bench", "search_bench")
        cmd = [bench, db, name, "--queries", "200"]
        hand = os.path.join(ROOT, "bench", f"search_queries_{name}.tsv")
        if os.path.exists(hand):
            cmd += ["--relevance", hand]
        self.log(" ".join(cmd))
        self.results["commands"].append(" ".join(cmd))
        _, _, text = timed(cmd)
        latency, mrr, recall, mrr_set = {}, {}, None, None
        for line in text.splitlines():
            m = re.match(r"^\s*(\S.*?)\s+p50\s+([\d.]+)\s*ms\s+p95\s+([\d.]+)\s*ms", line)
            if m:
                latency[m[1]] = {"p50_ms": float(m[2]), "p95_ms": float(m[3])}
            m = re.match(r"^HNSW recall@10 vs exact: ([\d.]+)", line)
            if m:
                recall = float(m[1])
            m = re.match(r"^MRR@10, (\S+)", line)
            if m:
                mrr_set = m[1]
                mrr[mrr_set] = {}
            m = re.match(r"^\s+(\S.*?)\s+([\d.]+)$", line)
            if m and mrr_set:
                mrr[mrr_set][m[1]] = float(m[2])
        label = CORPORA[name][2] if name in CORPORA else name
        self.results["sections"]["search"] = {"corpus": label, "index": db, "latency": latency,
                                              "recall_at_10": recall, "mrr_at_10": mrr,
                                              "output": text}
        self.md.append(f"## Search ({label}, default model)\n")
        self.md.append("bench/search_bench: 200 queries per mode after a warm-up pass, HNSW "
                       "recall@10 against the exact scan, MRR@10 on the doc-derived and the "
                       "hand-written relevance sets.\n")
        self.md.append("```\n" + text.strip() + "\n```\n")

    # ---- driver --------------------------------------------------------------------------------
    def machine(self):
        cpu = ""
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            mem_kb = int(f.readline().split()[1])
        commit = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                                capture_output=True, text=True).stdout.strip()
        return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_kb / 1048576, 1),
                "kernel": platform.release(), "semdex_commit": commit,
                "load_at_start": os.getloadavg(),
                "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")}

    def run(self):
        machine = self.machine()
        self.results["machine"] = machine
        self.results["settings"] = {k: v for k, v in vars(self.args).items()}
        start = time.monotonic()
        failures = []
        for section in SECTIONS:
            if section in self.args.skip:
                continue
            try:
                getattr(self, "section_" + section)()
            except Exception as e:  # one broken section must not lose the others' figures
                failures.append(f"{section}: {e}")
                self.md.append(f"## {section}: not measured\n\n{e}\n")
                self.log(f"run_all: section {section} failed: {e}")
            self.write(machine, start, failures)
        shutil.rmtree(self.tmp, ignore_errors=True)
        return 1 if failures else 0

    def write(self, machine, start, failures):
        machine["load_at_end"] = os.getloadavg()
        self.results["elapsed_s"] = time.monotonic() - start
        self.results["failures"] = failures
        with open(os.path.join(self.out, "results.json"), "w") as f:
            json.dump(self.results, f, indent=1)
        head = [
            "# semdex benchmark results\n",
            f"Measured {machine['date_utc']} UTC by `bench/run_all.sh` at semdex "
            f"{machine['semdex_commit']}: {machine['cpu']}, {machine['cores']} cores, "
            f"{machine['memory_gib']} GiB, Linux {machine['kernel']}; load average "
            f"{machine['load_at_start'][0]:.2f} at the start, {machine['load_at_end'][0]:.2f} at the "
            f"end; {self.results['elapsed_s'] / 60:.1f} min in all.\n",
            "Settings: " + ", ".join(f"`--{k.replace('_', '-')} {v if not isinstance(v, list) else ','.join(v)}`"
                                     for k, v in self.results["settings"].items()
                                     if k in ("runs", "embed_runs", "corpora", "embed_corpora", "skip",
                                              "search_db") and v) + "\n",
        ]
        with open(os.path.join(self.out, "report.md"), "w") as f:
            f.write("\n".join(head + self.md) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=3, help="runs per --no-embed case (default 3)")
    ap.add_argument("--embed-runs", type=int, default=3,
                    help="runs per default-model index (default 3; three takes ~9 min a run on "
                         "2 cores)")
    ap.add_argument("--corpora", default="rxjs,eslint,three,webpack")
    ap.add_argument("--embed-corpora", default="all",
                    help="corpora also indexed with the default model: a comma-separated list, "
                         "or 'all' (the default) for every one of --corpora")
    ap.add_argument("--skip", default="", help=f"sections not to run, of {','.join(SECTIONS)}")
    ap.add_argument("--embed-seconds", type=float, default=10.0)
    ap.add_argument("--search-db", default=None,
                    help="search this default-model SQLite index instead of one the index "
                         "section made (with --search-repository)")
    ap.add_argument("--search-repository", default="three",
                    help="the --search-db repository; bench/search_queries_NAME.tsv is its "
                         "hand-written relevance set when present (default three)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--semdex", default=None)
    args = ap.parse_args()
    args.corpora = [c for c in args.corpora.split(",") if c]
    args.embed_corpora = args.corpora if args.embed_corpora == "all" else \
        [c for c in args.embed_corpora.split(",") if c]
    args.skip = [s for s in args.skip.split(",") if s]
    for c in args.corpora + args.embed_corpora:
        if c not in CORPORA:
            ap.error(f"unknown corpus {c!r} (known: {', '.join(CORPORA)})")
        if not os.path.isdir(corpus_dir(c)):
            ap.error(f"corpus {corpus_dir(c)} missing: bench/run_all.sh fetches it")
    for s in args.skip:
        if s not in SECTIONS:
            ap.error(f"unknown section {s!r} (known: {', '.join(SECTIONS)})")
    args.semdex = args.semdex or os.path.join(args.build, "semdex")
    os.makedirs(args.out, exist_ok=True)
    sys.exit(Suite(args).run())


if __name__ == "__main__":
    main()
