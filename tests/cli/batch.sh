#!/bin/sh
# trawl-search --queries: one JSON record per query line (line numbers count blank lines), the
# same hits as one query per process, an error record for a malformed line without stopping,
# --count, --timing's closing record, --warmup, standard input, usage errors.
# Usage: sh tests/cli/batch.sh BUILD_DIR. Prints "N passed, M failed".
set -u
B=${1:?usage: tests/cli/batch.sh BUILD_DIR}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "$B" && pwd)
S=$B/trawl-search
EXP=$ROOT/tests/data/expected
T=$(mktemp -d "${TMPDIR:-/tmp}/trawl-batch-test.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
. "$(dirname "$0")/lib.sh" # ok, bad, check, run, cli_done
# check NAME PYTHON: runs the Python statements with recs = the JSON records of $T/out
check() {
    if python3 - "$T/out" "$2" >"$T/py" 2>&1 <<'EOF'; then ok; else bad "$1: $(tail -3 "$T/py")"; fi
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
exec(sys.argv[2])
EOF
}

if "$B/trawl-index" -q -o "$T/idx" "$ROOT/tests/data/seeds" >"$T/out" 2>&1; then ok; else
    bad "trawl-index failed: $(cat "$T/out")"
fi
printf '%s\n' '"ground invasion"' '' 'blinken -netanyahu' '(unclosed' 'rafah' '   ' \
    '"arms smuggling"' >"$T/q"

"$S" -i "$T/idx" --queries "$T/q" -n 100 >"$T/out" 2>"$T/err"
st=$?
if [ "$st" = 2 ]; then ok; else bad "exit status $st with one bad line, want 2"; fi
if [ ! -s "$T/err" ]; then ok; else bad "stderr not empty: $(cat "$T/err")"; fi
check "records, line numbers" '
assert [r["line"] for r in recs] == [1, 3, 4, 5, 7], [r["line"] for r in recs]
assert recs[2]["error"]["code"] == "TRAWL_EQUERY" and recs[2]["error"]["column"] == 1
assert recs[2]["error"]["message"] and "hits" not in recs[2]
assert all("us" not in r for r in recs)'
for q in "1 ground_invasion" "3 blinken_not_netanyahu" "5 rafah" "7 arms_smuggling"; do
    set -- $q
    sort "$EXP/$2.ids" >"$T/want"
    python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["line"] == int(sys.argv[2]):
        print("\n".join(sorted(h["id"] for h in r["hits"])))' "$T/out" "$1" >"$T/got"
    if cmp -s "$T/got" "$T/want"; then ok; else bad "line $1: hits differ from $2.ids"; fi
done
# The same ranking, scores and snippets as one query per process.
"$S" -i "$T/idx" --json rafah >"$T/single"
check "same as one query" '
single = [json.loads(l) for l in open(sys.argv[1][:-len("out")] + "single")]
want = [(h["id"], h["score"], h["snippet"], h["highlights"]) for h in single if "rank" in h]
r = [r for r in recs if r["query"] == "rafah"][0]
got = [(h["id"], h["score"], h["snippet"], h["highlights"]) for h in r["hits"][:10]]
assert got == want, (got, want)'

grep -v unclosed "$T/q" | "$S" -i "$T/idx" --queries - --count --timing --warmup 2 >"$T/out"
st=$?
if [ "$st" = 0 ]; then ok; else bad "stdin, --count --timing: exit $st"; fi
check "count and timing" '
*q, s = recs
assert [r["count"] for r in q] == [2, 2, 5, 1], [r["count"] for r in q]
assert all("hits" not in r and r["us"] > 0 for r in q)
assert s["summary"] and s["queries"] == 4 and s["errors"] == 0 and s["warmup"] == 2
assert 0 < s["p50_us"] <= s["p95_us"] <= s["p99_us"] and s["qps"] > 0 and s["mean_us"] > 0'

if "$S" -i "$T/idx" --queries "$T/q" rafah >/dev/null 2>"$T/err"; then
    bad "query words and --queries accepted together"
elif grep -q "not both" "$T/err"; then ok; else bad "query + --queries: $(cat "$T/err")"; fi
if "$S" -i "$T/idx" --queries "$T/missing" >/dev/null 2>"$T/err"; then
    bad "a missing query file accepted"
elif grep -q "missing" "$T/err"; then ok; else bad "missing file: $(cat "$T/err")"; fi

if "$S" -i "$T/idx" --timing rafah >/dev/null 2>"$T/err"; then bad "--timing without --queries accepted"
elif grep -q "need --queries" "$T/err"; then ok; else bad "--timing alone: $(cat "$T/err")"; fi
if "$S" -i "$T/idx" --queries "$T/q" --from 2024-03-22 --to 2024-03-21 >/dev/null 2>"$T/err"; then
    bad "--from after --to accepted in batch mode"
elif grep -q "after --to" "$T/err"; then ok; else bad "batch --from after --to: $(cat "$T/err")"; fi

cli_done
