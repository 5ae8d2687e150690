"""Benchmark the nlsc build against today's build (a baseline checkout) and the peer pipeline.

    python bench/run.py --baseline /tmp/nlsc-b4a96f0          # real, x1, x10, x100
    python bench/run.py --baseline DIR --quick                 # real, x1, x10; 3 runs
    python bench/run.py --baseline DIR --scales 1,10 --runs 3  # a subset
    python bench/run.py --render bench/results/latest.json     # only re-render

The baseline is a second checkout with its own .venv (`git worktree add DIR b4a96f0 &&
make -C DIR`); its own python runs its own code. Without --baseline it is left out.

Per scale (real = this checkout's sources; xN = a landscape written by bench/generate.py),
every run is a fresh process, and the contenders' runs are interleaved (new, baseline,
peer, new, ...) so that a machine that gets busier slows them alike:

* new: `nlsc build -q` of this checkout (.venv/bin/nlsc);
* baseline: `nlsc build -q` of the --baseline checkout, on the same ontology and data,
  with its own shapes/ and queries/ (--baseline-rules same: this checkout's), and the
  reference table where it reads it (NLSC_SHARED=ROOT/shared);
* peer: bench/peer.py, what a user would write with rdflib + owlrl + pyshacl.

Reported: medians of the whole-build wall times, new / baseline and new / peer, the peak
memory of each build (ru_maxrss of the child from wait4: its largest process, forked
workers included), the floor `python -c "import rdflib, pyshacl, owlrl"` and real build /
floor. The stage breakdown of the new build is the pipeline's own timing
(`BuildResult.stages`), from --stage-runs extra runs of nlsc.build.pipeline.build; a pipeline
without it gives no breakdown. At --iso-scales (default x1) the outputs of the last new,
baseline and peer runs are compared file by file (isomorphic graphs, bench/outputs.py).
Every queries/*.rq is timed on an embedded pyoxigraph store per landscape; at x1000 (no
build by default) also on the N-Triples written from the sources, with its peak memory.

Results: bench/results/latest.{md,json} (--out), written after every scale.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
GRAPH_ONTOLOGY = "https://w3id.org/nlsc/graph/ontology"
GRAPH_DATA = "https://w3id.org/nlsc/graph/data"
GRAPH_CONTEXT = "https://w3id.org/nlsc/graph/context"
CONTENDERS = {"new": "new: `nlsc build` (this checkout)", "baseline": "baseline: `nlsc build`",
              "peer": "peer: bench/peer.py"}
REFERENCE = Path("reference") / "identifiers.csv"
#: deleting more files than this is followed by a pause (see _remove)
PAUSE_AFTER_FILES = 20_000


def _python() -> str:
    venv = REPO / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def median(xs):
    return statistics.median(xs) if xs else None


# --------------------------------------------------------------------------- workers (run in a child process)


def stage_worker(root: str, dist: str) -> int:
    """nlsc.build.pipeline.build of this checkout; print its own stage timings as one JSON line."""
    sys.path.insert(0, str(REPO / "src"))
    t0 = time.perf_counter()
    import nlsc.build.pipeline as pl
    from nlsc.paths import layout

    t_import = time.perf_counter() - t0
    t1 = time.perf_counter()
    result = pl.build(layout(root), Path(dist), quiet=True)
    total = time.perf_counter() - t1
    stages = getattr(result, "stages", None)  # absent before the pipeline timed itself
    print(json.dumps({"import": t_import, "total": total, "stages": dict(stages) if stages else None,
                      "counts": getattr(result, "counts", {})}, default=str), flush=True)
    return 0


def _store_from_sources(root: Path):
    import pyoxigraph as ox

    store = ox.Store()
    context = root / "data" / "context"
    parts = [(GRAPH_ONTOLOGY, sorted((root / "ontology").glob("*.ttl"))),
             (GRAPH_DATA, sorted(p for p in (root / "data").rglob("*.ttl") if context not in p.parents)),
             (GRAPH_CONTEXT, sorted(context.rglob("*.ttl")))]
    for g, files in parts:
        for f in files:
            store.bulk_load(path=str(f), format=ox.RdfFormat.TURTLE, base_iri="https://w3id.org/nlsc/",
                            to_graph=ox.NamedNode(g))
    return store


def write_ntriples(root: Path, out: Path) -> int:
    """The N-Triples distribution (asserted union, sorted like nlsc.nt) of a source root."""

    store = _store_from_sources(root)
    lines = set()
    for q in store:
        lines.add(f"{q.subject} {q.predicate} {q.object} .\n")
    out.write_text("".join(sorted(lines)), encoding="utf-8")
    return len(lines)


def query_worker(root: str, runs: int, source: str) -> int:
    """Load a store, run every bundled query `runs` times; print one JSON object."""
    sys.path.insert(0, str(REPO / "src"))
    import pyoxigraph as ox
    from nlsc.sparql.query import run_query

    rootp = Path(root)
    t0 = time.perf_counter()
    if source == "nt":
        store = ox.Store()
        store.bulk_load(path=str(rootp / "nlsc.nt"), format=ox.RdfFormat.N_TRIPLES)
    else:
        store = _store_from_sources(rootp)
    load_s = time.perf_counter() - t0
    out = {"source": source, "load_seconds": load_s, "quads": len(store), "queries": {}}
    for q in sorted((rootp / "queries").glob("*.rq")):
        text = q.read_text(encoding="utf-8")
        times, rows = [], None
        for _ in range(runs):
            t = time.perf_counter()
            res = run_query(text, store)
            if isinstance(res, ox.QuerySolutions):
                n = sum(1 for _ in res)
            elif isinstance(res, ox.QueryTriples):
                n = sum(1 for _ in res)
            else:
                n = int(bool(res))
            times.append(time.perf_counter() - t)
            rows = n
        out["queries"][q.stem] = {"median_ms": median(times) * 1000, "max_ms": max(times) * 1000, "runs": runs, "rows": rows}
    out["peak_mb"] = _peak_mb()
    print(json.dumps(out), flush=True)
    return 0


# --------------------------------------------------------------------------- running builds


def run_child(cmd: list, env: dict | None, timeout: float, log_dir: Path) -> dict:
    """Run `cmd` as a fresh process: wall seconds, exit code, peak memory (ru_maxrss from
    wait4, i.e. the largest of the child and the children it waited for)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    with open(log_dir / "stdout", "w+", encoding="utf-8") as out, open(log_dir / "stderr", "w+", encoding="utf-8") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, start_new_session=True)
        done: dict = {}

        def reap():
            _, status, usage = os.wait4(proc.pid, 0)
            done.update(wall=time.perf_counter() - t0, status=status, peak_mb=usage.ru_maxrss / 1024.0)

        waiter = threading.Thread(target=reap, daemon=True)
        waiter.start()
        waiter.join(timeout)
        timed_out = waiter.is_alive()
        if timed_out:
            os.killpg(proc.pid, signal.SIGKILL)  # the build and any worker it forked
            waiter.join()
        proc.wait()  # already reaped: only settles the Popen object
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    rc = None if timed_out else os.waitstatus_to_exitcode(done["status"])
    return {"wall": done["wall"], "rc": rc, "peak_mb": done["peak_mb"], "timed_out": timed_out,
            "stdout": stdout, "stderr_tail": stderr.strip()[-2000:]}


def _failure(i: int, r: dict, timeout: float) -> str:
    if r["timed_out"]:
        return f"run {i + 1}: stopped at the {timeout:.0f} s limit"
    last = r["stderr_tail"].splitlines()[-1] if r["stderr_tail"] else ""
    return f"run {i + 1}: failed (exit {r['rc']}): {last}"


def summarise(records: list, requested: int, timeout: float) -> dict:
    ok = [r for r in records if r["rc"] == 0]
    return {"runs_requested": requested, "runs_complete": len(ok), "runs_s": [r["wall"] for r in ok],
            "median_s": median([r["wall"] for r in ok]), "peak_mb": [r["peak_mb"] for r in ok],
            "peak_mb_max": max((r["peak_mb"] for r in ok), default=None),
            "notes": [_failure(i, r, timeout) for i, r in enumerate(records) if r["rc"] != 0]}


def time_builds(plan: dict, runs: dict, timeouts: dict, work: Path, log, warmup: bool = False) -> tuple[dict, dict]:
    """plan: contender -> (dist -> command, env). Runs interleaved, one contender after the
    other; a contender that fails or hits its limit is not run again at this scale.
    Returns (contender -> summary, contender -> dist of its last complete run)."""
    records: dict = {name: [] for name in plan}
    last: dict = {}
    if warmup:  # the first build after a checkout or a large deletion pays for a cold cache
        for name, (command, env) in plan.items():
            if runs[name]:
                run_dir = Path(tempfile.mkdtemp(prefix=f"warmup-{name}-", dir=work))
                run_child(command(run_dir / "dist"), env, timeouts[name], run_dir)
    for i in range(max(runs.values(), default=0)):
        for name, (command, env) in plan.items():
            if i >= runs[name] or any(r["rc"] != 0 for r in records[name]):
                continue
            run_dir = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=work))
            r = run_child(command(run_dir / "dist"), env, timeouts[name], run_dir)
            records[name].append(r)
            if r["rc"] == 0:
                last[name] = run_dir / "dist"
                log(f"    {name} run {i + 1}: {r['wall']:.2f} s, peak {r['peak_mb']:.0f} MB")
            else:
                log(f"    {name} run {i + 1}: {_failure(i, r, timeouts[name])}\n{r['stderr_tail']}")
    return {name: summarise(records[name], runs[name], timeouts[name]) for name in plan}, last


def stage_breakdown(root: Path, runs: int, timeout: float, work: Path, log) -> dict:
    """Medians of the new pipeline's own stage timings over `runs` runs of the stage worker."""
    per_run, notes = [], []
    for i in range(runs):
        run_dir = Path(tempfile.mkdtemp(prefix="stages-", dir=work))
        cmd = [_python(), str(Path(__file__).resolve()), "--stage-worker", str(root), "--dist", str(run_dir / "dist")]
        r = run_child(cmd, _env(root), timeout, run_dir)
        if r["rc"] != 0:
            notes.append(_failure(i, r, timeout))
            break
        per_run.append(json.loads(r["stdout"].strip().splitlines()[-1]))
    timed = [p for p in per_run if p.get("stages")]
    if per_run and not timed:
        notes.append("this checkout's BuildResult has no `stages`: no breakdown")
    names = list(dict.fromkeys(k for p in timed for k in p["stages"]))
    med = {k: median([p["stages"][k] for p in timed if k in p["stages"]]) for k in names}
    if timed:  # stages that run side by side overlap; 'other' is what no stage accounts for
        med["other"] = max(0.0, median([p["total"] for p in timed]) - sum(med.values()))
        log("    stages: " + ", ".join(f"{k} {v:.2f}" for k, v in med.items()))
    return {"runs": len(per_run), "stage_median_s": med, "import_median_s": median([p["import"] for p in per_run]),
            "build_median_s": median([p["total"] for p in per_run]),
            "counts": per_run[-1].get("counts", {}) if per_run else {}, "notes": notes}


# --------------------------------------------------------------------------- the contenders


def _reference_table(root: Path) -> Path | None:
    """The reference table of a source root: in it (data/reference/), beside it in
    shared/ (bench/generate.py writes both), or where $NLSC_SHARED says."""
    env = os.environ.get("NLSC_SHARED")
    for path in (root / "data" / REFERENCE, root / "shared" / REFERENCE, Path(env) / REFERENCE if env else None):
        if path is not None and path.is_file():
            return path
    return None


def _env(root: Path) -> dict:
    """NLSC_SHARED for builds that read the table from there (b4a96f0); newer ones ignore it."""
    return {**os.environ, "NLSC_SHARED": str(root / "shared")} if (root / "shared" / REFERENCE).is_file() else dict(os.environ)


def _link_or_copy(src, dst) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another file system
        shutil.copy2(src, dst)


def baseline_root(root: Path, baseline: Path, rules: str, out: Path) -> Path:
    """A source root for the baseline: our ontology and data (hard links), the baseline's
    own shapes/ and queries/ (rules "own") or ours ("same"), and the reference table in
    out/shared/, where b4a96f0 reads it."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for folder in ("ontology", "data"):
        shutil.copytree(root / folder, out / folder, copy_function=_link_or_copy)
    for folder in ("shapes", "queries"):
        source = (baseline if rules == "own" else root) / folder
        if source.is_dir():
            shutil.copytree(source, out / folder)
    table = _reference_table(root)
    if table is not None:
        (out / "shared" / REFERENCE).parent.mkdir(parents=True)
        shutil.copy2(table, out / "shared" / REFERENCE)
    return out


def build_command(checkout: Path, root: Path):
    return lambda dist: [str(checkout / ".venv" / "bin" / "nlsc"), "build", "--source-root", str(root),
                         "--dist", str(dist), "-q"]


def peer_command(root: Path):
    return lambda dist: [_python(), str(HERE / "peer.py"), "--source-root", str(root), "--dist", str(dist)]


def _remove(folder: Path) -> None:
    """Delete a scale's run folders after its last run, not between runs: on a disk
    mounted with online discard, deleting ~100,000 files keeps the disk busy for a
    while and slows the file creation of the next run (measured: creating 20,000 small
    files took 10-16 s in the first minute after deleting 98,000, 0.7 s once the disk
    had settled). Hence the pause after a large deletion."""
    files = sum(len(names) for _, _, names in os.walk(folder))
    shutil.rmtree(folder, ignore_errors=True)
    if files > PAUSE_AFTER_FILES:
        os.sync()
        time.sleep(60)


def run_queries(root: Path, runs: int, source: str, timeout: float, log) -> dict | None:
    cmd = [_python(), str(Path(__file__).resolve()), "--query-worker", str(root), "--query-runs", str(runs), "--query-source", source]
    time_v = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    if time_v:
        cmd = [time_v, "-v", *cmd]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        log(f"    queries ({source}): TIMEOUT at {timeout:.0f} s")
        return {"timed_out": True}
    if proc.returncode != 0:
        log(f"    queries ({source}): FAILED\n{proc.stderr[-3000:]}")
        return {"failed": proc.stderr[-2000:]}
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    for line in proc.stderr.splitlines():
        if "Maximum resident set size" in line:
            res["time_v_peak_mb"] = int(line.rsplit(":", 1)[1]) / 1024.0
    worst = max(res["queries"].items(), key=lambda kv: kv[1]["median_ms"])
    log(f"    queries ({source}): {res['quads']} quads loaded in {res['load_seconds']:.2f} s; slowest median "
        f"{worst[0]} {worst[1]['median_ms']:.1f} ms; peak {res.get('time_v_peak_mb', res['peak_mb']):.0f} MB")
    return res


# --------------------------------------------------------------------------- the driver


def _per_scale(spec: str) -> dict:
    """"100:3,1000:0" -> {"100": 3, "1000": 0}."""
    return {k: int(v) for k, v in (part.split(":") for part in filter(None, spec.split(",")))}


def source_root(scale: str, args, work: Path, log) -> tuple[Path, dict]:
    if scale == "real":
        return REPO, {}
    sys.path.insert(0, str(HERE))
    from generate import generate

    root = work / f"x{scale}"
    log(f"x{scale}: generating {root}")
    t = time.perf_counter()
    gen = generate(REPO, root, int(scale), args.seed, quiet=True)
    gen["seconds"] = time.perf_counter() - t
    return root, gen


def compare_builds(scale: str, root: Path, args, work: Path, log) -> dict:
    """Whole builds of every contender at one scale, ratios, and (at --iso-scales) the outputs compared."""
    runs = {"new": args.runs_at.get(scale, args.runs), "peer": args.peer_runs_at.get(scale, args.runs)}
    plan = {"new": (build_command(REPO, root), _env(root))}
    if args.baseline:
        broot = baseline_root(root, args.baseline, args.baseline_rules, work / f"{root.name}-baseline")
        plan["baseline"] = (build_command(args.baseline, broot), _env(broot))
        runs["baseline"] = runs["new"]
    plan["peer"] = (peer_command(root), None)
    timeouts = {"new": args.timeout, "baseline": args.timeout, "peer": args.peer_timeout}
    log(f"  whole builds: {', '.join(f'{k} x{v}' for k, v in runs.items())}")
    builds, last = time_builds(plan, runs, timeouts, work, log, warmup=scale == "real")
    entry = {"builds": builds, "ratios": {}}
    new = builds["new"]["median_s"]
    for other in ("baseline", "peer"):
        theirs = builds.get(other, {}).get("median_s")
        if new and theirs:
            entry["ratios"][f"new/{other}"] = new / theirs
    if scale in args.iso_scales and "new" in last:
        t = time.perf_counter()
        from outputs import compare

        entry["outputs"] = {other: compare(last["new"], last[other]) for other in ("baseline", "peer") if other in last}
        log(f"  outputs compared in {time.perf_counter() - t:.1f} s")
    return entry


def run_scale(scale: str, args, work: Path, log) -> dict:
    root, gen = source_root(scale, args, work, log)
    entry = {"generated": gen}
    runs_dir = work / f"runs-{scale}"
    runs_dir.mkdir(parents=True, exist_ok=True)
    if args.runs_at.get(scale, args.runs) or args.peer_runs_at.get(scale, args.runs):
        entry.update(compare_builds(scale, root, args, runs_dir, log))
        if args.stage_runs and args.runs_at.get(scale, args.runs):
            entry["stages"] = stage_breakdown(root, args.stage_runs, args.timeout, runs_dir, log)
    else:
        entry["note"] = "no build run at this scale (the queries and the N-Triples load are what is measured)"
    _remove(runs_dir)
    shutil.rmtree(work / f"{root.name}-baseline", ignore_errors=True)
    if scale != "real" and not args.no_queries:
        entry["queries"] = run_queries(root, args.query_runs, "sources", args.timeout, log)
        if int(scale) >= 1000:
            t = time.perf_counter()
            entry["generated"]["asserted_triples"] = write_ntriples(root, root / "nlsc.nt")
            entry["generated"]["nt_seconds"] = time.perf_counter() - t
            entry["queries_nt"] = run_queries(root, args.query_runs, "nt", args.timeout, log)
    return entry


def measure_floor(work: Path, log) -> dict:
    log("floor: python -c 'import rdflib, pyshacl, owlrl'")
    runs = [run_child([_python(), "-c", "import rdflib, pyshacl, owlrl"], None, 120, work / f"floor-{i}")["wall"]
            for i in range(5)]
    log(f"  median {median(runs):.2f} s")
    return {"runs_s": runs, "median_s": median(runs)}


def _baseline_info(baseline: Path | None) -> dict | None:
    if baseline is None:
        return None
    commit = subprocess.run(["git", "-C", str(baseline), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    return {"dir": str(baseline), "commit": commit or "unknown"}


# --------------------------------------------------------------------------- results as Markdown


def _s(x, nd=2):
    return "–" if x is None else f"{x:.{nd}f}"


def _label(s: str) -> str:
    return "real" if s == "real" else f"×{s}"


def _triples(entry: dict):
    counts = (entry.get("stages") or {}).get("counts") or {}
    return counts.get("asserted triples") or entry.get("generated", {}).get("asserted_triples") \
        or entry.get("generated", {}).get("triples_written")


def _table(header: list, rows: list, numbers: bool = True) -> list:
    return ["| " + " | ".join(header) + " |", "|---|" + ("---:|" if numbers else "---|") * (len(header) - 1),
            *("| " + " | ".join(map(str, r)) + " |" for r in rows), ""]


def _builds_section(res: dict) -> list:
    cols = [c for c, e in res["scales"].items() if e.get("builds")]
    if not cols:
        return []
    base = res.get("baseline") or {}
    names = {**CONTENDERS, "baseline": f"baseline: `nlsc build` at {base.get('commit', '–')}"}
    cell = lambda b: "–" if not b else f"{_s(b['median_s'])} ({b['runs_complete']})"
    sc = res["scales"]
    rows = [["asserted triples", *(_triples(sc[c]) or "–" for c in cols)]]
    for name in CONTENDERS:
        rows.append([names[name], *(cell(sc[c]["builds"].get(name)) for c in cols)])
    for ratio in ("new/baseline", "new/peer"):
        rows.append([f"**{ratio}**", *(f"**{sc[c]['ratios'][ratio]:.2f}×**" if ratio in sc[c]["ratios"] else "–"
                                       for c in cols)])
    for name in CONTENDERS:
        rows.append([f"peak MB, {name}", *(_s((sc[c]["builds"].get(name) or {}).get("peak_mb_max"), 0) for c in cols)])
    notes = [f"{_label(c)} {name}: {n}" for c in cols for name, b in sc[c]["builds"].items() for n in b["notes"]]
    fewer = [f"{_label(c)} {name}: {b['runs_complete']} of {b['runs_requested']} runs requested"
             for c in cols for name, b in sc[c]["builds"].items() if b["runs_requested"] < res.get("runs", 5)]
    out = ["## Whole build, fresh process (median seconds, runs in brackets)\n",
           "Runs interleaved (new, baseline, peer, new, ...). Peak memory: ru_maxrss of the build "
           "process (its largest process, forked workers included), the largest over the runs.\n"]
    out += _table(["", *map(_label, cols)], rows)
    if fewer or notes:
        out.append("Notes: " + "; ".join(fewer + notes) + "\n")
    return out


def _floor_section(res: dict) -> list:
    fl, real = res.get("floor"), res["scales"].get("real", {}).get("builds")
    if not fl or not real:
        return []
    rows = [['floor: `python -c "import rdflib, pyshacl, owlrl"`', _s(fl["median_s"]), "–", len(fl["runs_s"])]]
    for name in CONTENDERS:
        b = real.get(name)
        if b and b["median_s"]:
            rows.append([f"real build, {name}", _s(b["median_s"]), f"{b['median_s'] / fl['median_s']:.1f}×", b["runs_complete"]])
    return ["## Real dataset against the import floor\n", *_table(["measure", "median s", "/ floor", "runs"], rows)]


def _stages_section(res: dict) -> list:
    cols = [c for c, e in res["scales"].items() if e.get("stages")]
    if not cols:
        return []
    sc = res["scales"]
    names = list(dict.fromkeys(k for c in cols for k in sc[c]["stages"]["stage_median_s"]))
    rows = [["import (before build())", *(_s(sc[c]["stages"]["import_median_s"]) for c in cols)]]
    rows += [[k, *(_s(sc[c]["stages"]["stage_median_s"].get(k)) for c in cols)] for k in names]
    rows.append(["**build() total**", *(f"**{_s(sc[c]['stages']['build_median_s'])}**" for c in cols)])
    rows.append(["runs", *(sc[c]["stages"]["runs"] for c in cols)])
    notes = [f"{_label(c)}: {n}" for c in cols for n in sc[c]["stages"]["notes"]]
    out = ["## Stages of the new build (the pipeline's own timings, `BuildResult.stages`; medians)\n"]
    out += _table(["stage", *map(_label, cols)], rows)
    return out + (["Notes: " + "; ".join(notes) + "\n"] if notes else [])


def _outputs_section(res: dict) -> list:
    out = []
    for c, e in res["scales"].items():
        for other, files in (e.get("outputs") or {}).items():
            rows = [[name, {True: "yes", False: "**no**", None: "–"}[r["isomorphic"]], r["detail"]]
                    for name, r in files.items()]
            out += [f"## Outputs at {_label(c)}: new against {other} (isomorphic per file)\n",
                    *_table(["file", "isomorphic", "detail"], rows, numbers=False)]
    return out


def _queries_section(res: dict) -> list:
    sc = res["scales"]
    qcols = [(c, k) for c in sc for k in ("queries", "queries_nt") if (sc[c].get(k) or {}).get("queries")]
    if not qcols:
        return []
    names = sorted({q for c, k in qcols for q in sc[c][k]["queries"]})
    rows = [["store load (s)", *(f"{sc[c][k]['load_seconds']:.2f}" for c, k in qcols)],
            ["quads", *(sc[c][k]["quads"] for c, k in qcols)],
            ["peak memory MB", *(f"{sc[c][k].get('time_v_peak_mb', sc[c][k]['peak_mb']):.0f}" for c, k in qcols)]]
    for q in names:
        rows.append([q, *(f"{sc[c][k]['queries'][q]['median_ms']:.1f}" if q in sc[c][k]["queries"] else "–"
                          for c, k in qcols)])
    header = ["query", *(f"{_label(c)}{' (nlsc.nt)' if k == 'queries_nt' else ''}" for c, k in qcols)]
    return ["## Bundled queries (median ms, embedded pyoxigraph)\n", *_table(header, rows)]


def render_markdown(res: dict) -> str:
    m = res["machine"]
    base = res.get("baseline") or {}
    lines = [f"# nlsc benchmark ({res['date']})\n",
             f"Machine: {m['platform']}, Python {m['python']}, {m['cpus']} CPUs. Seed {res['seed']}. "
             f"Baseline: {base.get('commit', 'none')} ({base.get('dir', '–')}), its rules: {res.get('baseline_rules', '–')}. "
             "Times in seconds unless marked ms.\n"]
    if res.get("label"):
        lines.append(f"**{res['label']}**\n")
    for section in (_builds_section, _floor_section, _stages_section, _outputs_section, _queries_section):
        lines += section(res)
    if res.get("targets"):
        lines += ["## Targets (issue 14)\n",
                  *_table(["target", "measured", "met"], [[t["target"], t["measured"], t["met"]] for t in res["targets"]], numbers=False)]
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------- targets


def _build_targets(res: dict, add) -> None:
    sc = res.get("scales", {})
    ratio = lambda c, r: sc.get(c, {}).get("ratios", {}).get(r)
    for other in ("baseline", "peer"):
        for c in ("1", "10", "100"):
            r = ratio(c, f"new/{other}")
            add(f"faster than {other} at ×{c}", "–" if r is None else f"new / {other} = {r:.2f}", None if r is None else r < 1)
    r = ratio("100", "new/baseline")
    add("×100: ≤ 0.5× the baseline (goal)", "–" if r is None else f"{r:.2f}×", None if r is None else r <= 0.5)
    fl = (res.get("floor") or {}).get("median_s")
    real = ((sc.get("real", {}).get("builds") or {}).get("new") or {}).get("median_s")
    add("real build ≤ 3× floor", "–" if not (fl and real) else f"{real:.2f} s / {fl:.2f} s = {real / fl:.1f}×",
        None if not (fl and real) else real / fl <= 3)
    b = {c: ((sc.get(c, {}).get("builds") or {}).get("new") or {}).get("median_s") for c in ("10", "100")}
    add("×100 / ×10 (new build) ≤ 11", "–" if not all(b.values()) else f"{b['100'] / b['10']:.1f}",
        None if not all(b.values()) else b["100"] / b["10"] <= 11)
    files = (sc.get("1", {}).get("outputs") or {}).get("baseline")
    bad = [n for n, f in (files or {}).items() if not f["isomorphic"]]
    add("×1 outputs isomorphic per distribution (new vs baseline)",
        "–" if files is None else f"{len(files) - len(bad)} of {len(files)} files" + (f"; not: {', '.join(bad)}" if bad else ""),
        None if files is None else not bad)


def _query_targets(res: dict, add) -> None:
    sc = res.get("scales", {})

    def qmax(c, key="queries"):
        q = sc.get(c, {}).get(key) or {}
        return max(v["median_ms"] for v in q["queries"].values()) if q.get("queries") else None

    for c, lim in (("1", 20), ("100", 200)):
        m = qmax(c)
        add(f"every query median < {lim} ms at ×{c}", "–" if m is None else f"slowest {m:.1f} ms", None if m is None else m < lim)
    m = qmax("1000", "queries_nt")
    add("×1000: every query on nlsc.nt median < 1 s", "–" if m is None else f"slowest {m:.0f} ms", None if m is None else m < 1000)
    q = sc.get("1000", {}).get("queries_nt") or {}
    pk = q.get("time_v_peak_mb", q.get("peak_mb"))
    add("×1000: peak memory (load + queries) < 4 GB", "–" if pk is None else f"{pk:.0f} MB", None if pk is None else pk < 4096)


def targets(res: dict) -> list[dict]:
    out = []

    def add(target, measured, met):
        out.append({"target": target, "measured": measured, "met": {True: "yes", False: "**no**", None: "not measured"}[met]})

    _build_targets(res, add)
    _query_targets(res, add)
    return out


# --------------------------------------------------------------------------- command line


def _arguments(argv):
    ap = argparse.ArgumentParser(description="nlsc benchmark: new build vs a baseline checkout vs the peer pipeline")
    ap.add_argument("--baseline", type=Path, help="a second checkout with its own .venv (e.g. of b4a96f0)")
    ap.add_argument("--baseline-rules", choices=("own", "same"), default="own",
                    help="shapes/ and queries/ of the baseline: its own (default) or this checkout's")
    ap.add_argument("--scales", default="real,1,10,100", help="real and/or scale factors, e.g. real,1,10,100,1000")
    ap.add_argument("--runs", type=int, default=5, help="whole-build runs per contender and scale (default 5)")
    ap.add_argument("--runs-at", default="1000:0", help="runs of new and baseline per scale, e.g. 100:3 (0: none)")
    ap.add_argument("--peer-runs-at", default="100:3,1000:0", help="runs of the peer per scale (~10 min a run at ×100)")
    ap.add_argument("--stage-runs", type=int, default=3, help="extra runs for the new build's stage breakdown")
    ap.add_argument("--iso-scales", default="1", help="scales whose outputs are compared (empty: none)")
    ap.add_argument("--query-runs", type=int, default=5)
    ap.add_argument("--no-queries", action="store_true", help="skip the bundled queries")
    ap.add_argument("--timeout", type=float, default=900, help="limit per build run, seconds")
    ap.add_argument("--peer-timeout", type=float, default=2400, help="limit per peer run, seconds")
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "nlsc-bench")
    ap.add_argument("--quick", action="store_true", help="real, x1 and x10; 3 runs, 1 stage run")
    ap.add_argument("--label", help="a line shown at the top of the results (e.g. 'smoke run')")
    ap.add_argument("--out", default=str(RESULTS / "latest"))
    ap.add_argument("--render", metavar="JSON", help="only re-render a results JSON to Markdown (and targets)")
    ap.add_argument("--stage-worker", metavar="ROOT", help=argparse.SUPPRESS)
    ap.add_argument("--dist", help=argparse.SUPPRESS)
    ap.add_argument("--query-worker", metavar="ROOT", help=argparse.SUPPRESS)
    ap.add_argument("--query-source", default="sources", choices=("sources", "nt"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.quick:
        args.scales, args.runs, args.query_runs, args.stage_runs = "real,1,10", 3, 3, 1
    args.runs_at, args.peer_runs_at = _per_scale(args.runs_at), _per_scale(args.peer_runs_at)
    args.iso_scales = {s for s in args.iso_scales.split(",") if s}
    if args.baseline is not None:
        args.baseline = args.baseline.resolve()
        if not (args.baseline / ".venv" / "bin" / "nlsc").exists():
            ap.error(f"--baseline {args.baseline}: no .venv/bin/nlsc there (run make in it)")
    return args


def main(argv=None) -> int:
    args = _arguments(argv)
    if args.stage_worker:
        return stage_worker(args.stage_worker, args.dist)
    if args.query_worker:
        return query_worker(args.query_worker, args.query_runs, args.query_source)
    if args.render:
        res = json.loads(Path(args.render).read_text(encoding="utf-8"))
        _write(res, Path(args.render).with_suffix(""))
        print(render_markdown(res))
        return 0
    sys.path.insert(0, str(HERE))
    log = lambda msg: print(msg, file=sys.stderr, flush=True)
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    res = {"date": _dt.datetime.now().strftime("%Y-%m-%d %H:%M"), "seed": args.seed, "runs": args.runs,
           "label": args.label, "baseline": _baseline_info(args.baseline), "baseline_rules": args.baseline_rules,
           "machine": {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count()},
           "floor": measure_floor(work, log), "scales": {}}
    for scale in [s.strip() for s in args.scales.split(",") if s.strip()]:
        log(f"{_label(scale)}:")
        res["scales"][scale] = run_scale(scale, args, work, log)
        _write(res, Path(args.out))  # after every scale, so a long run leaves results behind
    print(render_markdown(res))
    return 0


def _write(res: dict, out: Path) -> None:
    res["targets"] = targets(res)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(res, indent=2, default=str) + "\n", encoding="utf-8")
    out.with_suffix(".md").write_text(render_markdown(res), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
