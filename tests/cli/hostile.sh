#!/bin/sh
# End-to-end tests of hostile input (issue 13) through trawl-index and trawl-search: FIFOs where
# files belong, damaged manifests that still carry a valid checksum, the same index given twice,
# query words longer than the index's maximum token length. Every command that could hang runs
# under `timeout`, so a hang fails the test (status 124) instead of stalling CI.
# Usage: sh tests/cli/hostile.sh BUILD_DIR (from anywhere). Prints "N passed, M failed".
set -u
B=${1:?usage: tests/cli/hostile.sh BUILD_DIR}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "$B" && pwd)
S=$B/trawl-search
X=$B/trawl-index
SEEDS=$ROOT/tests/data/seeds
T=$(mktemp -d "${TMPDIR:-/tmp}/trawl-hostile-test.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
. "$(dirname "$0")/lib.sh" # ok, bad, check, run, cli_done
TO=10 # seconds: a run takes milliseconds; only a hang reaches this

# run CMD...: runs under the timeout, capturing stdout, stderr and status into $T/out, $T/err, $st
run() {
    timeout "$TO" "$@" >"$T/out" 2>"$T/err"
    st=$?
}
# expect NAME STATUS PATTERN: the last run exited STATUS with one stderr line matching PATTERN
expect() {
    if [ "$st" = "$2" ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q -- "$3" "$T/err"; then ok; else
        bad "$1 (status $st)"
        head -3 "$T/err" >&2
    fi
}

if ! "$X" -q -o "$T/idx" "$SEEDS" >"$T/out" 2>&1; then
    bad "trawl-index failed: $(cat "$T/out")"
    cli_done
    exit 1
fi
SEG=seg-000001.trw

# ---- FIFOs where the index's files belong: a clear error, never a hang
cp -r "$T/idx" "$T/fifo-man"
rm "$T/fifo-man/MANIFEST" && mkfifo "$T/fifo-man/MANIFEST"
run "$S" -i "$T/fifo-man" rafah
expect "search: MANIFEST is a FIFO" 2 "^trawl-search: error: $T/fifo-man/MANIFEST: not a regular file$"
run "$X" --check "$T/fifo-man"
expect "--check: MANIFEST is a FIFO" 1 "MANIFEST: not a regular file"
run "$X" -q -o "$T/fifo-man" "$SEEDS"
expect "index: MANIFEST is a FIFO" 1 "existing index is unreadable (.*MANIFEST: not a regular file)"
cp -r "$T/idx" "$T/fifo-seg"
rm "$T/fifo-seg/$SEG" && mkfifo "$T/fifo-seg/$SEG"
run "$S" -i "$T/fifo-seg" rafah
expect "search: segment is a FIFO" 2 "^trawl-search: error: $T/fifo-seg/$SEG: not a regular file$"
run "$X" --check "$T/fifo-seg"
expect "--check: segment is a FIFO" 1 "$SEG: not a regular file"
run "$X" -q -o "$T/fifo-seg" "$SEEDS"
expect "index: segment is a FIFO" 1 "existing index is unreadable (.*$SEG: not a regular file)"
cp -r "$T/idx" "$T/fifo-lock"
rm -f "$T/fifo-lock/LOCK" && mkfifo "$T/fifo-lock/LOCK"
run "$X" -q -o "$T/fifo-lock" "$SEEDS"
expect "index: LOCK is a FIFO" 1 "LOCK: not a regular file"
mkdir "$T/fifo-corpus" && cp "$SEEDS"/* "$T/fifo-corpus/" && mkfifo "$T/fifo-corpus/pipe.txt"
run "$X" -o "$T/fifo-corpus-idx" "$T/fifo-corpus"
expect "index: corpus FIFO skipped" 0 "pipe.txt: not a regular file, skipped"
if grep -q '^5 added,' "$T/out"; then ok; else bad "index: the other files indexed"; fi

# ---- the same index twice, under any spelling, or sharing a segment file: refused, not doubled
ln -s "$T/idx" "$T/idx-link"
cp -al "$T/idx" "$T/idx-snap"
for second in "$T/idx" "$T/./idx/" "$T/idx-link"; do
    run "$S" -i "$T/idx" -i "$second" rafah
    expect "-i twice: $second" 2 "^trawl-search: error: $T/idx and $second are the same index directory$"
done
run "$S" -i "$T/idx" -i "$T/idx-snap" rafah
expect "-i hard-linked copy" 2 "$T/idx/$SEG and $T/idx-snap/$SEG are the same file"
cp -r "$T/idx" "$T/idx-copy"
run "$S" -i "$T/idx" -i "$T/idx-copy" --count rafah
if [ "$st" = 0 ] && [ "$(cat "$T/out")" = 10 ]; then ok; else bad "-i a real copy: both searched"; fi

# ---- a query word longer than the maximum token length: ignored, but said so
long=$(awk 'BEGIN { while (i++ < 100000) printf "x" }')
warning='trawl-search: warning: query word "xxxxxxxxxxxxxxxxxxxxxxxx…" (100000 bytes) is longer than the index'"'"'s maximum token length 64 and was ignored'
"$S" -i "$T/idx" --no-snippets rafah | sed 's/ in [0-9.]* ms$//' >"$T/plain"
run "$S" -i "$T/idx" --no-snippets rafah "$long"
sed 's/ in [0-9.]* ms$//' "$T/out" >"$T/got"
if [ "$st" = 0 ] && [ "$(cat "$T/err")" = "$warning" ] && cmp -s "$T/got" "$T/plain"; then ok; else
    bad "long word: one warning, the answer of the query without it"
    head -c 300 "$T/err" >&2
fi
run "$S" -i "$T/idx" --json --no-snippets rafah "$long"
cat >"$T/check.py" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]
w = lines[0]
assert w['type'] == 'warning' and w['kind'] == 'long_word', w
assert w['column'] == 7 and w['bytes'] == 100000, w
assert w['message'].startswith('query word "xxxxxxxxxxxxxxxxxxxxxxxx\u2026" (100000 bytes)'), w
assert 'rank' in lines[1] and 'count' in lines[-1]
EOF
if [ "$st" = 0 ] && [ "$(cat "$T/err")" = "$warning" ] && python3 "$T/check.py" "$T/out"; then ok; else
    bad "long word: --json warning record"
fi
run "$S" -i "$T/idx" --count rafah "$long"
if [ "$st" = 0 ] && [ "$(cat "$T/out")" = 5 ] && [ "$(cat "$T/err")" = "$warning" ]; then ok; else
    bad "long word: --count"
fi
run "$S" -i "$T/idx" "$long"
if [ "$st" = 2 ] && [ "$(wc -l <"$T/err")" = 3 ] && [ "$(wc -c <"$T/err")" -lt 600 ] &&
    grep -q '^trawl-search: error: query word "x*…" (100000 bytes) is longer than the index.s maximum token length 64 and was ignored; the query has nothing else to search for (column 1)$' "$T/err"; then ok; else
    bad "only long words: says so, in three short lines"
    head -c 600 "$T/err" >&2
fi

cli_done
