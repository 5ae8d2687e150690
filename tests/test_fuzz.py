"""Fuzzing the build with mutated copies of the real sources (and hostile sources, and the command line).

Each case copies the sources (ontology/, data/, shapes/, queries/) to a fresh
folder and mutates ONE file: a Turtle-level token is deleted, duplicated,
swapped with another, or has one character corrupted; or the file is truncated
at a byte; or invalid UTF-8 bytes are injected. The build then runs in-process
(nlsc.build.pipeline.build) into a dist/ that holds a stand-in previous release.

Every case must end in one of two ways:

* valid        - the build finishes, and `nlsc verify` finds dist/ complete and
                 consistent (checksums and counts);
* clear error  - an NlscError whose message points at a file (`file:line: ...`,
                 `file: ...`) or is the SHACL validation report, with the previous
                 dist/ byte for byte untouched and no staging folder left behind.

Anything else (another exception, a case running over CASE_TIMEOUT seconds, a
partial or changed dist/, a message that names no file) is an "other" outcome
and fails the test. The tally is printed and written to fuzz-tally.json in the
test's temporary folder (and to $NLSC_FUZZ_TALLY if set).

Hypothesis profiles: "ci" (50 examples of 10 cases = 500, used when $CI is set) and "dev"
(3 x 10 = 30, which keeps a local `make test` quick; `.ci/run` runs under CI=true, so
with the 500); cases run on NLSC_FUZZ_WORKERS processes (default 2);
$NLSC_FUZZ_EXAMPLES overrides the number. Both are derandomized, so a run is
reproducible, with no deadline and no example database.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import time
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import IN_CI, REPO

SOURCE_FOLDERS = ("ontology", "data", "shapes", "queries")
CASE_TIMEOUT = int(os.environ.get("NLSC_FUZZ_TIMEOUT", "120"))

settings.register_profile("ci", max_examples=50, derandomize=True, deadline=None, database=None,
                          suppress_health_check=list(HealthCheck), print_blob=True)
settings.register_profile("dev", max_examples=3, derandomize=True, deadline=None, database=None,
                          suppress_health_check=list(HealthCheck), print_blob=True)
PROFILE = "ci" if IN_CI else "dev"
#: cases per hypothesis example, run in parallel on WORKERS processes
BATCH = 10
CASES = int(os.environ.get("NLSC_FUZZ_EXAMPLES", "0")) or settings.get_profile(PROFILE).max_examples * BATCH
WORKERS = int(os.environ.get("NLSC_FUZZ_WORKERS", "0")) or min(2, os.cpu_count() or 1)

#: the files a case may mutate (relative to the source root)
FILES = sorted(
    p.relative_to(REPO).as_posix()
    for folder in ("ontology", "data", "shapes")
    for p in (REPO / folder).rglob("*")
    if p.is_file() and p.suffix in (".ttl", ".txt")
)

#: Turtle-level tokens: strings, IRIs, comments, language tags and directives, names, punctuation
TOKEN = re.compile(r'''
      "{3}[\s\S]*?"{3} | '{3}[\s\S]*?'{3}
    | "(?:[^"\\\n]|\\.)*" | '(?:[^'\\\n]|\\.)*'
    | <[^<>\s]*>
    | \#[^\n]*
    | @[A-Za-z]+(?:-[A-Za-z0-9]+)*
    | \^\^
    | [^\s;,.\[\]()"'<>#^]+(?:\.[^\s;,.\[\]()"'<>#^]+)*
    | [;,.\[\]()]
''', re.X)
OPS = ("delete", "duplicate", "swap", "corrupt", "truncate", "bad-utf8")
CORRUPT_CHARS = list("aAzZ09-_:.;,\"'<>@^#\\{}[] é") + ["\t", "\n", "\u00a0", "\u200b", "\U0001F600"]
BAD_BYTES = [b"\xff", b"\xfe\xff", b"\x80", b"\xc3\x28", b"\xe2\x82", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\xc0\xaf"]
LOCATED = re.compile(r"(?m)^\s*(?:nlsc \w+: )?\S+\.(?:ttl|txt|csv|rq)(?::\d+)*: \S|^\s*\S+\.(?:ttl|txt)(?::\d+)+: ")


class CaseTimeout(BaseException):
    """A case ran over CASE_TIMEOUT seconds."""


@st.composite
def mutations(draw):
    return {
        "file": draw(st.sampled_from(FILES)),
        "op": draw(st.sampled_from(OPS)),
        "a": draw(st.integers(0, 10**6)),
        "b": draw(st.integers(0, 10**6)),
        "char": draw(st.sampled_from(CORRUPT_CHARS)),
        "bytes": draw(st.sampled_from(BAD_BYTES)),
    }


def mutate(data: bytes, m: dict) -> bytes:
    """Apply mutation `m` to the bytes of one file."""
    op = m["op"]
    if op == "none":
        return data
    if op == "truncate":
        return data[: m["a"] % (len(data) + 1)]
    if op == "bad-utf8":
        at = m["a"] % (len(data) + 1)
        return data[:at] + m["bytes"] + data[at:]
    text = data.decode("utf-8")
    spans = [x.span() for x in TOKEN.finditer(text)]
    if not spans:
        return data
    i, j = spans[m["a"] % len(spans)], spans[m["b"] % len(spans)]
    tok = text[i[0]:i[1]]
    if op == "delete":
        out = text[: i[0]] + text[i[1]:]
    elif op == "duplicate":
        out = text[: i[1]] + " " + tok + text[i[1]:]
    elif op == "swap":
        first, second = sorted((i, j))
        if first == second or first[1] > second[0]:
            return data
        out = (text[: first[0]] + text[second[0]:second[1]] + text[first[1]:second[0]]
               + text[first[0]:first[1]] + text[second[1]:])
    else:  # corrupt one character of the token
        k = m["b"] % len(tok)
        out = text[: i[0]] + tok[:k] + m["char"] + tok[k + 1:] + text[i[1]:]
    return out.encode("utf-8")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def run_case(pristine: Path, work: Path, m: dict) -> tuple[str, str]:
    """(outcome, detail) of one mutated build."""
    from nlsc.errors import NlscError, ValidationFailure
    from nlsc.paths import SourceLayout
    from nlsc.build.pipeline import build
    from nlsc.commands.verify import verify

    if work.exists():
        shutil.rmtree(work)
    root, dist = work / "src", work / "out" / "dist"
    shutil.copytree(pristine, root)
    target = root / m["file"]
    original = target.read_bytes()
    if m["op"] == "hostile":  # not a mutation of the file: something appended or put beside it
        HOSTILE_SOURCES[m["kind"]](target)
        mutated = None
    else:
        mutated = mutate(original, m)
        target.write_bytes(mutated)
    dist.mkdir(parents=True)
    (dist / "nlsc.ttl").write_text("# the previous release\n", encoding="utf-8")
    (dist / "SHA256SUMS").write_text("0" * 64 + "  nlsc.ttl\n", encoding="utf-8")
    before = snapshot(dist)

    def alarm(signum, frame):
        raise CaseTimeout()

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(CASE_TIMEOUT)
    try:
        build(SourceLayout(root), dist, quiet=True)
    except CaseTimeout:
        return "other", f"timeout after {CASE_TIMEOUT} s"
    except NlscError as exc:
        signal.alarm(0)
        message = str(exc)
        leftovers = [p.name for p in dist.parent.iterdir() if p.name != "dist"]
        if snapshot(dist) != before:
            return "other", f"dist/ changed by a failed build: {message[:200]}"
        if leftovers:
            return "other", f"staging left behind: {leftovers}"
        if "Traceback" in message:
            return "other", f"traceback in the message: {message[:200]}"
        if LOCATED.search(message):
            return "clear error", type(exc).__name__
        if isinstance(exc, ValidationFailure) and "SHACL validation failed" in message:
            return "clear error", "ValidationFailure (SHACL report)"
        return "other", f"message names no file: {type(exc).__name__}: {message[:300]}"
    except Exception as exc:  # noqa: BLE001 - any other exception is what we look for
        return "other", f"{type(exc).__name__}: {str(exc)[:300]}"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    problems = verify(dist)
    leftovers = [p.name for p in dist.parent.iterdir() if p.name != "dist"]
    if problems or leftovers or (dist / "nlsc.ttl").read_bytes() == before["nlsc.ttl"]:
        return "other", f"valid build but dist/ inconsistent: {problems[:5]} {leftovers}"
    return "valid", "file unchanged" if mutated == original else "built"


def _append(text: str):
    def apply(target: Path) -> None:
        with target.open("a", encoding="utf-8") as fh:
            fh.write("\n" + text + "\n")
    return apply


def _beside(make):
    def apply(target: Path) -> None:
        make(target.with_name("hostile.ttl"))
    return apply


RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#: hostile sources (issue 18): each must end as a clear error or a valid build within CASE_TIMEOUT
HOSTILE_SOURCES = {
    "nested-brackets": _append("<urn:s> <urn:p> " + "[ <urn:p> " * 10000 + "<urn:x>" + " ]" * 10000 + " ."),
    "nested-collections": _append("<urn:s> <urn:p> " + "( " * 10000 + "<urn:x>" + " )" * 10000 + " ."),
    "alike-blank-nodes": _append("\n".join("<urn:s> <urn:p> [ <urn:q> [ <urn:r> 1 ] ] ." for _ in range(200))),
    "blank-node-cycle": _append("\n".join(f"_:c{i} <urn:p> _:c{(i + 1) % 100} ." for i in range(100))),
    "cyclic-list": _append(f"_:l <{RDF_NS}first> <urn:x> ; <{RDF_NS}rest> _:l . <urn:s> <urn:p> _:l ."),
    "huge-literal": _append('<urn:s> <urn:p> "' + "a" * (17 << 20) + '" .'),
    "device-link": _beside(lambda p: p.symlink_to("/dev/zero")),
    "link-out-of-root": _beside(lambda p: p.symlink_to("/etc/hostname")),
    "fifo": _beside(os.mkfifo),
    "oversize": _beside(lambda p: _sparse(p, (64 << 20) + 1)),
}


def _sparse(path: Path, size: int) -> None:
    with path.open("wb") as fh:
        fh.truncate(size)  # no 64 MB written


def test_hostile_sources_fail_clearly_in_time(tmp_path):
    """The hostile-source profile: one case per attack, on the small fixture (quick builds)
    with one shape, under the CASE_TIMEOUT alarm of run_case."""
    from conftest import MINI

    pristine = tmp_path / "pristine"
    shutil.copytree(MINI, pristine)
    (pristine / "shapes").mkdir()
    (pristine / "shapes" / "named.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n<urn:x:Named> a sh:NodeShape ; sh:targetClass "
        "<http://www.w3.org/ns/org#Organization> ; sh:property [ sh:path <http://www.w3.org/2004/02/skos/core#prefLabel> ;"
        " sh:minCount 1 ] .\n", encoding="utf-8")
    cases = [("data/y.ttl", kind) for kind in HOSTILE_SOURCES] + [("shapes/named.ttl", "cyclic-list")]
    tally: Counter = Counter()
    others = []
    for k, (file, kind) in enumerate(cases):
        started = time.perf_counter()
        outcome, detail = run_case(pristine, tmp_path / f"case-{k}", {"file": file, "op": "hostile", "kind": kind})
        tally[outcome] += 1
        if outcome == "other":
            others.append((file, kind, detail))
        print(f"hostile {file} {kind}: {outcome} ({detail}) {time.perf_counter() - started:.1f} s")
    print(f"hostile-source tally: {dict(tally)}")
    assert not others, others
    assert tally["clear error"] >= 8


def _same_triples(original: bytes, mutated: bytes) -> bool:
    """Whether a mutated Turtle file still says exactly what the original says
    (a change in a comment or in white space); files with blank nodes never match."""
    import pyoxigraph as ox

    def triples(data: bytes):
        quads = list(ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri="https://w3id.org/nlsc/"))
        if any(isinstance(x, ox.BlankNode) for q in quads for x in (q.subject, q.object)):
            raise ValueError("blank nodes")
        return sorted(map(str, quads))

    try:
        return triples(original) == triples(mutated)
    except (SyntaxError, ValueError):
        return False


def _worker(args) -> tuple[str, str, float]:
    pristine, work, m = args
    start = time.perf_counter()
    outcome, detail = run_case(Path(pristine), Path(work), m)
    return outcome, detail, time.perf_counter() - start


@given(batch=st.lists(mutations(), min_size=BATCH, max_size=BATCH))
def _fuzz(batch, *, pristine: Path, work: Path, pool, record) -> None:
    """One hypothesis example: BATCH cases, run on the worker pool."""
    jobs = []
    for k, m in enumerate(batch):
        if m["file"].endswith(".ttl") and m["op"] != "bad-utf8":
            original = (pristine / m["file"]).read_bytes()
            if _same_triples(original, mutate(original, m)):
                # the same dataset as the real sources, whose build was verified once at the start
                record(m, "valid", "same triples as the real sources", 0.0)
                continue
        jobs.append((m, pool.submit(_worker, (str(pristine), str(work / f"case-{k}"), m))))
    for m, future in jobs:
        try:
            outcome, detail, seconds = future.result(timeout=CASE_TIMEOUT + 60)
        except Exception as exc:  # noqa: BLE001 - a worker that died or hung
            outcome, detail, seconds = "other", f"worker failed: {type(exc).__name__}: {exc}", CASE_TIMEOUT + 60
        record(m, outcome, detail, seconds)


def test_mutated_sources_build_or_fail_clearly(tmp_path, capsys):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pristine = tmp_path / "pristine"
    pristine.mkdir()
    for name in SOURCE_FOLDERS:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, pristine / name)
    # the unmutated sources must build, and give a consistent dist/
    baseline = run_case(pristine, tmp_path / "baseline", {"file": FILES[0], "op": "none"})
    assert baseline[0] == "valid", baseline

    tally: Counter = Counter()
    details: Counter = Counter()
    others: list = []
    times: dict[str, list[float]] = {}

    def record(m, outcome, detail, seconds):
        times.setdefault(outcome, []).append(seconds)
        tally[outcome] += 1
        details[f"{outcome}: {detail}"] += 1
        if outcome == "other":  # collected, not raised: the tally stays complete and nothing is shrunk
            others.append({**m, "bytes": m["bytes"].hex(), "detail": detail})

    examples = max(1, -(-CASES // BATCH))
    run = settings(settings.get_profile(PROFILE), max_examples=examples)(_fuzz)
    t0 = time.perf_counter()
    # spawn, not fork: a child forked from a process whose reasoner (sparq) has started
    # its thread pool inherits that pool's locks held and hangs in its first build
    with ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("spawn")) as pool:
        try:
            run(pristine=pristine, work=tmp_path / "cases", pool=pool, record=record)
        finally:
            seconds = time.perf_counter() - t0
            report = {"profile": PROFILE, "workers": WORKERS, "cases": sum(tally.values()),
                      "seconds": round(seconds, 1), "outcomes": dict(tally),
                      "seconds per case": {k: {"mean": round(sum(v) / len(v), 2), "max": round(max(v), 2)}
                                           for k, v in sorted(times.items())},
                      "details": dict(sorted(details.items())), "others": others[:20]}
            text = json.dumps(report, indent=2, ensure_ascii=False)
            (tmp_path / "fuzz-tally.json").write_text(text, encoding="utf-8")
            if os.environ.get("NLSC_FUZZ_TALLY"):
                Path(os.environ["NLSC_FUZZ_TALLY"]).write_text(text, encoding="utf-8")
            with capsys.disabled():  # shown in the CI log even when the test passes
                summary = {k: report[k] for k in ("profile", "cases", "seconds", "outcomes")}
                print(f"\nfuzz tally: {json.dumps(summary, ensure_ascii=False)} (details: {tmp_path / 'fuzz-tally.json'})")
    assert tally["other"] == 0, json.dumps(others, indent=2, ensure_ascii=False)
    assert sum(tally.values()) >= CASES * 0.9  # hypothesis may drop a duplicate example


def test_mutations_are_what_they_claim():
    text = b'@prefix ex: <http://e/> .\nex:a ex:b "c d"@nl ; # note\n  ex:e ex:f .\n'
    base = {"file": "x", "a": 0, "b": 0, "char": "Z", "bytes": b"\xff"}
    assert mutate(text, {**base, "op": "truncate", "a": 5}) == text[:5]
    assert mutate(text, {**base, "op": "bad-utf8", "a": 3}) == text[:3] + b"\xff" + text[3:]
    tokens = [x.group() for x in TOKEN.finditer(text.decode())]
    assert tokens[:5] == ["@prefix", "ex:", "<http://e/>", ".", "ex:a"]
    assert '"c d"' in tokens and "@nl" in tokens and "# note" in tokens
    assert mutate(text, {**base, "op": "delete", "a": 2}) == text.replace(b"<http://e/>", b"")
    assert mutate(text, {**base, "op": "swap", "a": 4, "b": 5}).startswith(b"@prefix ex: <http://e/> .\nex:b ex:a")


# --------------------------------------------------------------------------- the command line
# Every subcommand x every option that takes a value x hostile values, run in-process
# (nlsc.commands.main): each must end with exit 2 and one line on stderr, with no traceback
# and no "internal error". The other options are set so that a run the hostile value does
# not stop fails fast at its first step (an empty source root or dist/), never serves or builds.

HOSTILE = ["", "-1", "0", "nan", "inf", "-inf", "1e400", "9" * 40, "\udcff\udcfe", "{dir}", "{file}",
           "{missing}", "/dev/zero", "/dev/null"]
#: per subcommand: the options that make every run fail fast (a hostile value replaces one)
CONTEXT = {
    "build": {"--source-root": "{dir}", "--dist": "{tmp}/out", "-q": None},
    "validate": {"--root": "{dir}"},
    "query": {"": "no-such-query"},
    "verify": {"--dist": "{dir}"},
    "diff": {"": "{missing}", " ": "{missing}"},
    "serve": {"--dist": "{dir}"},
    "load": {"--endpoint": "http://127.0.0.1:9/sparql", "--dist": "{dir}"},
    "site": {"--dist": "{dir}", "--source-root": "{dir}"},
    "source": {"": "{file}", "--dist": "{dir}"},
}
POSITIONALS = {"query": [""], "diff": ["", " "], "source": [""]}
#: the words that name a command with subcommands of its own
WORDS = {"source": ["source", "check"]}


def _valued_options(command: list[str]) -> list[str]:
    """The options of `nlsc COMMAND --help` that take a value (first spelling)."""
    import contextlib
    import io

    import pytest

    from nlsc.commands import parser

    text = io.StringIO()
    with contextlib.redirect_stdout(text), pytest.raises(SystemExit):
        parser().parse_args([*command, "--help"])
    found = []
    for line in text.getvalue().splitlines():
        m = re.match(r"^  (--[a-z][\w-]*) (\S+)", line)  # `--dist DIR`, `--format {a,b}`
        if m and m.group(1) != "--help":
            found.append(m.group(1))
    return found


def _cli_case(argv: list[str]) -> tuple[int | None, str, float]:
    """(exit code, stderr, seconds) of `nlsc ARGV` in-process, under an alarm."""
    import contextlib
    import io

    from nlsc.commands import main

    err = io.StringIO()

    def alarm(signum, frame):
        raise CaseTimeout()

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(30)
    started = time.perf_counter()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.TextIOWrapper(io.BytesIO())):
            try:
                code = main(argv)
            except SystemExit as exc:
                code = exc.code
    except CaseTimeout:
        code = None
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    return code, err.getvalue(), time.perf_counter() - started


def test_hostile_option_values_get_one_clear_line(tmp_path, monkeypatch):
    from nlsc.commands import SUBCOMMANDS

    monkeypatch.chdir(tmp_path)
    (tmp_path / "dir").mkdir()
    (tmp_path / "file").write_bytes(b"\xff\xfe not RDF, not SPARQL {\n")
    fill = {"dir": str(tmp_path / "dir"), "file": str(tmp_path / "file"), "missing": str(tmp_path / "missing"),
            "tmp": str(tmp_path)}
    tally: Counter = Counter()
    bad, slowest = [], 0.0
    for command in SUBCOMMANDS:
        words = WORDS.get(command, [command])
        targets = POSITIONALS.get(command, []) + _valued_options(words)
        assert targets, command
        for target in targets:
            for value in HOSTILE:
                options = {**CONTEXT[command], target: value}
                argv = list(words)
                for key, val in options.items():
                    shown = None if val is None else val.format(**fill)
                    argv += ([key] if key.strip() else []) + ([shown] if shown is not None else [])
                code, err, seconds = _cli_case(argv)
                slowest = max(slowest, seconds)
                lines = err.strip().splitlines()
                if code is None:
                    outcome = "hang"
                elif "Traceback" in err or "internal error" in err:
                    outcome = "traceback"
                elif code == 2 and len(lines) == 1:
                    outcome = "clear error"
                else:
                    outcome = "other"
                tally[outcome] += 1
                if outcome != "clear error":
                    bad.append({"argv": argv, "exit": code, "stderr": err[-500:]})
    print(f"\ncli fuzz tally: {dict(tally)}, {sum(tally.values())} cases, slowest {slowest:.2f} s")
    assert not bad, json.dumps(bad[:20], indent=2, ensure_ascii=False)
    assert sum(tally.values()) > 400
