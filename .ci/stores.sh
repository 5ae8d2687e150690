#!/usr/bin/env bash
# Load dist/ into real triple stores and query them over HTTP (issue 6).
#
#   .ci/stores.sh            (after `make build`; .ci/run calls it after `make test`)
#
# For Oxigraph server (pip package `oxigraph`) and Virtuoso (apt package
# virtuoso-opensource, installed here if missing): start the server on
# loopback in a temporary folder, `nlsc load` into it, check the per-graph
# triple counts, load again (counts unchanged), run the bundled queries
# through the SPARQL protocol and compare them term by term with the embedded
# engine, check that a wrong password is refused (Virtuoso). Servers are
# stopped by PID. The last line is `N passed, M failed`; exit 1 on any failure.
#
# Environment: PYTHON (default .venv/bin/python), NLSC_DIST (default dist),
# STORES (default "oxigraph virtuoso"), NLSC_NO_APT=1 to skip apt-get.
set -uo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3
DIST=${NLSC_DIST:-dist}
STORES=${STORES:-oxigraph virtuoso}
WORK=$(mktemp -d /tmp/nlsc-stores.XXXXXX)
PIDS=()
PASSED=0
FAILED=0

# Virtuoso deviations from SPARQL 1.1 that a bundled query trips over, as a
# comma-separated list of query names (kept explicit so a fix, or a new
# deviation, shows up). Empty: the queries avoid the two known ones (a BIND
# inside an OPTIONAL evaluated when the OPTIONAL does not match; "SQ200
# Aggregate function not allowed in context" for a sub-SELECT aggregate
# followed by FILTER).
VIRTUOSO_XFAIL=

say() { printf '%s\n' "$*"; }
pass() { PASSED=$((PASSED + 1)); say "PASS $*"; }
fail() { FAILED=$((FAILED + 1)); say "FAIL $*"; }

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    fi
  done
  wait 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_http() {  # URL SECONDS PID
  local url=$1 limit=$2 pid=$3 i
  for i in $(seq 1 $((limit * 4))); do
    curl -sf -o /dev/null "$url" && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.25
  done
  return 1
}

LOAD=("$PY" -m nlsc load)

counts_of() {  # report.json -> "graph=found ..." (sorted)
  "$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); print(" ".join(g + "=" + str(v["found"]) for g, v in sorted(r["graphs"].items())))' "$1"
}

# check_store NAME ENDPOINT [load options...]
check_store() {
  local name=$1 endpoint=$2; shift 2
  local out="$WORK/$name"
  local xfail=() rc
  [ "$name" = virtuoso ] && xfail=(--lenient-booleans --xfail "$VIRTUOSO_XFAIL")

  "${LOAD[@]}" --endpoint "$endpoint" --dist "$DIST" --report "$out.1.json" "$@" >"$out.1.log" 2>&1
  rc=$?
  cat "$out.1.log"
  if [ $rc -eq 0 ]; then pass "$name: first load, per-graph counts as expected"; else fail "$name: first load (exit $rc)"; return; fi

  "${LOAD[@]}" --endpoint "$endpoint" --dist "$DIST" --report "$out.2.json" --check-queries "${xfail[@]}" "$@" \
    >"$out.2.log" 2>&1
  rc=$?
  cat "$out.2.log"
  local c1 c2
  c1=$(counts_of "$out.1.json"); c2=$(counts_of "$out.2.json" 2>/dev/null)
  if [ -n "$c1" ] && [ "$c1" = "$c2" ]; then pass "$name: second load leaves counts unchanged ($c2)"
  else fail "$name: counts changed on second load: [$c1] -> [$c2]"; fi
  local q
  q=$(grep -E '^nlsc load: queries ' "$out.2.log" | tail -1)
  if [ $rc -eq 0 ] && [ -n "$q" ]; then pass "$name: bundled queries (${q#nlsc load: queries })"
  else fail "$name: bundled queries (exit $rc; ${q:-no summary})"; fi
  say "$name: load seconds $(
    "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["seconds"])' "$out.1.json" 2>/dev/null)"
}

if [ ! -f "$DIST/nlsc.nq" ]; then
  say "no $DIST/nlsc.nq: building it"
  "$PY" -m nlsc build --dist "$DIST" -q || true
fi
if [ ! -f "$DIST/nlsc.nq" ]; then
  fail "no $DIST/nlsc.nq and the build failed"
  say "$PASSED passed, $FAILED failed"
  exit 1
fi

# --- Oxigraph server (read-write on a temporary location) -------------------
if [[ " $STORES " == *" oxigraph "* ]]; then
  OXI=$(dirname "$PY")/oxigraph
  [ -x "$OXI" ] || OXI=$(command -v oxigraph || true)
  if [ -z "$OXI" ]; then
    "$PY" -m pip install --quiet 'oxigraph>=0.5,<0.6' && OXI=$(dirname "$PY")/oxigraph
  fi
  if [ ! -x "$OXI" ]; then
    fail "oxigraph: the oxigraph binary is not available (pip install 'oxigraph>=0.5,<0.6')"
  else
    PORT=$(free_port)
    "$OXI" serve --location "$WORK/oxigraph-db" --bind "127.0.0.1:$PORT" >"$WORK/oxigraph.log" 2>&1 &
    OXI_PID=$!; PIDS+=("$OXI_PID")
    if wait_http "http://127.0.0.1:$PORT/query?query=ASK%7B%7D" 30 "$OXI_PID"; then
      pass "oxigraph: server started on 127.0.0.1:$PORT (pid $OXI_PID)"
      check_store oxigraph "http://127.0.0.1:$PORT/query"
      # unreachable endpoint: clear message, non-zero exit
      DEAD=$(free_port)
      msg=$("${LOAD[@]}" --endpoint "http://127.0.0.1:$DEAD/query" --dist "$DIST" 2>&1); rc=$?
      if [ $rc -ne 0 ] && grep -q "cannot reach" <<<"$msg" && ! grep -q Traceback <<<"$msg"; then
        pass "unreachable endpoint refused (exit $rc): $(tail -1 <<<"$msg")"
      else fail "unreachable endpoint: exit $rc, $msg"; fi
    else
      fail "oxigraph: server did not start"; cat "$WORK/oxigraph.log"
    fi
  fi
fi

# --- Virtuoso (own database folder, loopback ports) -----------------------------
if [[ " $STORES " == *" virtuoso "* ]]; then
  if ! command -v virtuoso-t >/dev/null && [ "${NLSC_NO_APT:-}" != 1 ]; then
    export DEBIAN_FRONTEND=noninteractive
    (apt-get update -qq && apt-get install -y -qq virtuoso-opensource) >"$WORK/apt.log" 2>&1 \
      || { tail -20 "$WORK/apt.log"; }
  fi
  if ! command -v virtuoso-t >/dev/null; then
    fail "virtuoso: virtuoso-t not installed (apt-get install virtuoso-opensource)"
  else
    D="$WORK/virtuoso"; mkdir -p "$D"
    DIST_ABS=$(cd "$DIST" && pwd -P)
    ISQL_PORT=$(free_port); HTTP_PORT=$(free_port)
    sed -e "s#/var/lib/virtuoso-opensource-7/db#$D#g" \
        -e "s#^ServerPort\s*=\s*1111#ServerPort = 127.0.0.1:$ISQL_PORT#" \
        -e "s#^ServerPort\s*=\s*8890#ServerPort = 127.0.0.1:$HTTP_PORT#" \
        -e "s#^\(DirsAllowed\s*=.*\)\$#\1, $DIST_ABS#" \
        /etc/virtuoso-opensource-7/virtuoso.ini >"$D/virtuoso.ini"
    (cd "$D" && exec virtuoso-t +foreground +configfile "$D/virtuoso.ini") >"$D/out.log" 2>&1 &
    V_PID=$!; PIDS+=("$V_PID")
    t0=$(date +%s%N)
    if wait_http "http://127.0.0.1:$HTTP_PORT/sparql?query=ASK%7B%7D" 120 "$V_PID"; then
      pass "virtuoso: started on 127.0.0.1:$HTTP_PORT in $(( ($(date +%s%N) - t0) / 1000000 )) ms (pid $V_PID)"
      export NLSC_VIRTUOSO_PASSWORD=dba
      check_store virtuoso "http://127.0.0.1:$HTTP_PORT/sparql" --user dba --password-env NLSC_VIRTUOSO_PASSWORD \
        --auth digest
      # a wrong password: non-zero exit and a clear message, no traceback
      export NLSC_WRONG_PASSWORD=not-the-password
      msg=$("${LOAD[@]}" --endpoint "http://127.0.0.1:$HTTP_PORT/sparql" --dist "$DIST" --user dba \
            --password-env NLSC_WRONG_PASSWORD --auth digest 2>&1); rc=$?
      if [ $rc -ne 0 ] && grep -q "authentication failed" <<<"$msg" && ! grep -q Traceback <<<"$msg"; then
        pass "virtuoso: wrong password refused (exit $rc): $(tail -1 <<<"$msg" | cut -c1-160)"
      else fail "virtuoso: wrong password: exit $rc, $msg"; fi
      # bulk loader (the recipe in docs/triple-stores.md): clear, ld_dir + rdf_loader_run, recount
      ISQL=$(command -v isql-vt || command -v isql)
      clear=""; for g in ontology data context inferred; do clear+="SPARQL CLEAR GRAPH <https://w3id.org/nlsc/graph/$g>; "; done
      t1=$(date +%s%N)
      if "$ISQL" "127.0.0.1:$ISQL_PORT" dba dba exec="$clear DELETE FROM DB.DBA.load_list; ld_dir('$DIST_ABS', 'nlsc.nq', 'https://w3id.org/nlsc/graph/unnamed'); rdf_loader_run(); checkpoint;" >"$WORK/isql.log" 2>&1 \
         && ! grep -qi '\*\*\* Error' "$WORK/isql.log"; then
        ms=$(( ($(date +%s%N) - t1) / 1000000 ))
        bulk=$("$PY" - "http://127.0.0.1:$HTTP_PORT/sparql" "$DIST_ABS/nlsc.nq" <<'PYEOF'
import sys
from nlsc.sparql.remote_store import Client, count_graph, read_graphs
endpoint, nq = sys.argv[1], sys.argv[2]
client = Client()
bad = []
for g, triples in read_graphs(__import__("pathlib").Path(nq)).items():
    n = count_graph(client, endpoint, g)
    print(f"{g.rsplit('/', 1)[-1]}={n}/{len(triples)}", end=" ")
    bad += [g] if n != len(triples) else []
print("MISMATCH" if bad else "ok")
PYEOF
)
        errs=$("$ISQL" "127.0.0.1:$ISQL_PORT" dba dba exec="SELECT COUNT(*) FROM DB.DBA.load_list WHERE ll_error IS NOT NULL;" 2>/dev/null | grep -E '^[0-9]+$' | head -1)
        if [[ "$bulk" == *" ok" ]] && [ "${errs:-0}" = 0 ]; then pass "virtuoso: bulk load of nlsc.nq with ld_dir + rdf_loader_run in $ms ms: $bulk"
        else fail "virtuoso: bulk load: $bulk (load_list errors: ${errs:-?})"; cat "$WORK/isql.log"; fi
      else
        fail "virtuoso: bulk load via isql failed"; cat "$WORK/isql.log"
      fi
    else
      fail "virtuoso: did not answer on 127.0.0.1:$HTTP_PORT"; tail -20 "$D/out.log" "$D/virtuoso.log" 2>/dev/null
    fi
  fi
fi

say "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
