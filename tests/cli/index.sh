#!/bin/sh
# End-to-end tests of trawl-index: usage $0 BUILD_DIR (holding trawl-index). Run from the source
# root. Prints "N passed, M failed" and exits non-zero on any failure.
# A full disk needs a small tmpfs, which these machines do not offer; instead a file size limit
# (ulimit -f, with SIGXFSZ ignored) makes write() fail with EFBIG on the same code paths that
# ENOSPC takes.
set -u
BIN=${1:?usage: index.sh BUILD_DIR}/trawl-index
SEEDS=tests/data/seeds
T=$(mktemp -d /tmp/trawl-cli-index.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
. "$(dirname "$0")/lib.sh" # ok, bad, check, run, cli_done

# check NAME COMMAND...: the command must succeed

# --- summary line, --check, version, help, usage errors
"$BIN" -o "$T/idx" "$SEEDS" >"$T/out" 2>"$T/err"
check "index seeds exit 0" test $? -eq 0
check "summary shape" grep -Eq '^5 added, 0 updated, 0 deleted, 0 unchanged; [0-9,]+ tokens, [0-9,]+ terms, [0-9,]+ bytes written \([0-9,]+ stored text\); 5 documents in 1 segment; [0-9]+\.[0-9]+ s$' "$T/out"
check "no stderr when piped" test ! -s "$T/err"
"$BIN" --check "$T/idx" >"$T/out" 2>&1
check "--check ok" grep -qx 'ok: 1 segment, 5 documents' "$T/out"
"$BIN" -o "$T/idx" "$SEEDS" >"$T/out" 2>&1
check "re-adding: all unchanged" grep -q '^0 added, 0 updated, 0 deleted, 5 unchanged;' "$T/out"
"$BIN" --version >/dev/null; check "--version" test $? -eq 0
"$BIN" --help | grep -q 'usage: trawl-index'; check "--help" test $? -eq 0
"$BIN" --no-such-flag >/dev/null 2>&1; check "bad flag exit 2" test $? -eq 2
"$BIN" "$SEEDS" >/dev/null 2>&1; check "no -o exit 2" test $? -eq 2
# getopt_long conventions: attached values, joined short flags, --opt=value, -- ends options
"$BIN" -qo"$T/g1" -- "$SEEDS" >"$T/out" 2>&1; check "-qoDIR -- PATH" test $? -eq 0 -a ! -s "$T/out"
"$BIN" --index="$T/g2" "$SEEDS" --quiet >"$T/out" 2>&1; check "--index=DIR, an option after PATH" test $? -eq 0 -a ! -s "$T/out"
check "both spellings index" test -s "$T/g1/MANIFEST" -a -s "$T/g2/MANIFEST"
"$BIN" -x >"$T/out" 2>"$T/err"; check "unknown short option: exit 2" test $? -eq 2
check "unknown option: one line and a hint" test "$(cat "$T/err")" = "trawl-index: error: unknown option -x in -x
try 'trawl-index --help'"
"$BIN" -o >"$T/out" 2>"$T/err"; check "missing value: exit 2" test $? -eq 2
check "missing value: says so" grep -q '^trawl-index: error: -o needs a value$' "$T/err"

# --- an index inside the corpus is never indexed itself
mkdir "$T/self" && cp "$SEEDS"/* "$T/self/"
"$BIN" -o "$T/self/idx" "$T/self" >"$T/out" 2>"$T/err"
"$BIN" -o "$T/self/idx" "$T/self" >"$T/out" 2>"$T/err"
check "index inside corpus skipped" grep -q '^0 added, 0 updated, 0 deleted, 5 unchanged;' "$T/out"
check "index inside corpus: no warnings" test ! -s "$T/err"

# --- missing path: exit 2, one error line, nothing written
"$BIN" -o "$T/idx2" "$SEEDS" "$T/missing" >"$T/out" 2>"$T/err"
check "missing path exit 2" test $? -eq 2
check "missing path message" grep -q "^trawl-index: error: $T/missing: No such file" "$T/err"
check "missing path writes nothing" test ! -e "$T/idx2"

# --- empty corpus: error, nothing written
mkdir "$T/empty"
"$BIN" -o "$T/idx2" "$T/empty" >"$T/out" 2>"$T/err"
check "empty corpus exit 1" test $? -eq 1
check "empty corpus message" grep -q "^trawl-index: error: no documents found in $T/empty" "$T/err"
check "empty corpus writes nothing" test ! -e "$T/idx2"

# --- a corpus whose documents all have no tokens: indexed (no terms), checks and searches; the
# sanitizer build runs this too (it once aborted sorting the empty term list)
mkdir "$T/notok"
printf '!!! --- ...\n' >"$T/notok/a.txt"
printf '\n' >"$T/notok/b.txt"
printf '{"id":"j1","text":""}\n{"id":"j2","text":"?!"}\n' >"$T/notok.jsonl"
"$BIN" -o "$T/idx-notok" "$T/notok" >"$T/out" 2>"$T/err"
check "no tokens: exit 0" test $? -eq 0
check "no tokens: summary" grep -q '^2 added, 0 updated, 0 deleted, 0 unchanged; 0 tokens, 0 terms' "$T/out"
check "no tokens: no stderr" test ! -s "$T/err"
"$BIN" -q --jsonl -o "$T/idx-notok" "$T/notok.jsonl" >"$T/out" 2>"$T/err"
check "no tokens (jsonl, second segment): exit 0" test $? -eq 0
"$BIN" --check "$T/idx-notok" >"$T/out" 2>&1
check "no tokens: --check ok" grep -qx 'ok: 2 segments, 4 documents' "$T/out"
"${BIN%-index}-search" -i "$T/idx-notok" --count anything >"$T/out" 2>"$T/err"
check "no tokens: search finds nothing" grep -qx '0' "$T/out"

# --- warnings: binary file, malformed date, bad JSONL lines (file:line)
mkdir "$T/mixed"
printf 'ab\000cd' >"$T/mixed/blob.bin"
printf 'date 2024-13-45 the prefix stays\n' >"$T/mixed/baddate.txt"
printf 'ok text\n' >"$T/mixed/good.txt"
printf 'caf\351 and na\357ve in Latin-1\n' >"$T/mixed/latin1.txt"
"$BIN" -o "$T/idx3" "$T/mixed" >"$T/out" 2>"$T/err"
check "warnings exit 0" test $? -eq 0
check "binary files: one summary line" grep -qx 'trawl-index: 1 binary file skipped (-v lists them)' "$T/err"
check "date warning" grep -q '^trawl-index: warning: .*baddate.txt: malformed date' "$T/err"
check "Latin-1: converted, one summary line" grep -qx 'trawl-index: 1 file not UTF-8, read as Latin-1 and converted (-v lists them)' "$T/err"
check "indexed 3" grep -q '^3 added,' "$T/out"
printf '{"id":"a","text":"alpha"}\n{bad json\n{"id":"c"}\n{"id":4,"text":"delta","date":"2024-01-31"}\n' >"$T/d.jsonl"
"$BIN" --jsonl -o "$T/idx4" "$T/d.jsonl" >"$T/out" 2>"$T/err"
check "jsonl indexed 2" grep -q '^2 added,' "$T/out"
check "jsonl warning line 2" grep -q "^trawl-index: warning: $T/d.jsonl:2: invalid JSON" "$T/err"
check "jsonl warning line 3" grep -q "^trawl-index: warning: $T/d.jsonl:3: no \"text\" field" "$T/err"
"$BIN" --language none -o "$T/idx4" "$T/d.jsonl" >"$T/out" 2>"$T/err"
check "language mismatch refused" grep -q 'built with --language english, not none' "$T/err"

# --- a corrupt existing index is reported and left untouched
cp -r "$T/idx" "$T/corrupt"
sed 's/^generation .*/generation 99/' "$T/idx/MANIFEST" >"$T/corrupt/MANIFEST"
cp "$T/corrupt/MANIFEST" "$T/manifest.saved"
"$BIN" -o "$T/corrupt" "$T/mixed" >"$T/out" 2>"$T/err"
check "corrupt manifest exit 1" test $? -eq 1
check "corrupt manifest message" grep -q 'existing index is unreadable.*--rebuild' "$T/err"
check "corrupt manifest untouched" cmp -s "$T/corrupt/MANIFEST" "$T/manifest.saved"
cp "$T/idx/MANIFEST" "$T/corrupt/MANIFEST"
seg=$(ls "$T/corrupt" | grep '^seg-')
head -c 100 "$T/idx/$seg" >"$T/corrupt/$seg"
"$BIN" -o "$T/corrupt" "$T/mixed" >"$T/out" 2>"$T/err"
check "truncated segment refused" grep -q "existing index is unreadable.*$seg" "$T/err"
check "truncated segment untouched" test "$(wc -c <"$T/corrupt/$seg")" -eq 100
"$BIN" --rebuild -o "$T/corrupt" "$T/mixed" >"$T/out" 2>"$T/err"
check "--rebuild replaces a corrupt index" grep -q '^3 added,' "$T/out"
"$BIN" --check "$T/corrupt" >/dev/null 2>&1; check "rebuilt index checks" test $? -eq 0

# --- --check catches one flipped byte in the middle of a segment
cp -r "$T/idx" "$T/flip"
size=$(wc -c <"$T/flip/$seg")
off=$((size / 2))
byte=$(dd if="$T/flip/$seg" bs=1 skip=$off count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
printf "$(printf '\\%03o' $(((byte + 1) % 256)))" |
    dd of="$T/flip/$seg" bs=1 seek=$off conv=notrunc 2>/dev/null
"$BIN" --check "$T/flip" >"$T/out" 2>"$T/err"
check "--check flipped byte exit 1" test $? -eq 1
check "--check names the segment" grep -q "^trawl-index: error: .*$seg" "$T/err"

# --- the lock: a second indexer is refused while one holds it
if command -v flock >/dev/null 2>&1; then
    flock "$T/idx/LOCK" sleep 2 &
    lock_pid=$!
    sleep 0.3
    "$BIN" -o "$T/idx" "$SEEDS" >"$T/out" 2>"$T/err"
    check "locked index refused" grep -q 'locked: another writer' "$T/err"
    wait $lock_pid
else
    echo "skip: lock test (no flock utility)"
fi

# --- kill -9 during a big run (tiny budget: many runs) leaves the previous index usable
awk 'BEGIN { srand(7); for (d = 0; d < 40000; d++) { printf "{\"id\":\"g%d\",\"text\":\"", d;
     n = 20 + int(rand() * 200); for (i = 0; i < n; i++) printf "w%d ", int(rand() * rand() * 30000);
     print "\"}" } }' >"$T/big.jsonl"
for delay in 0.2 0.6 1.0; do
    "$BIN" -q --jsonl --memory 1 -o "$T/idx" "$T/big.jsonl" >/dev/null 2>&1 &
    pid=$!
    sleep $delay
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    "$BIN" --check "$T/idx" >"$T/out" 2>&1
    check "killed after ${delay}s: previous index intact" grep -qx 'ok: 1 segment, 5 documents' "$T/out"
done
# A short --rebuild run killed at many instants, merge and commit included: afterwards the
# index is either the old one or the complete new one, never anything else.
head -n 3000 "$T/big.jsonl" >"$T/small.jsonl"
for delay in 0.05 0.1 0.15 0.2 0.25 0.3 0.35 0.4 0.5 0.6; do
    rm -rf "$T/k" && cp -r "$T/idx" "$T/k"
    "$BIN" -q --rebuild --jsonl --memory 1 -o "$T/k" "$T/small.jsonl" >/dev/null 2>&1 &
    pid=$!
    sleep $delay
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    "$BIN" --check "$T/k" >"$T/out" 2>&1
    check "rebuild killed after ${delay}s: old or new index" \
        grep -Eqx 'ok: 1 segment, (5|3000) documents' "$T/out"
done
ls -a "$T/idx" | grep -q '\.tmp' && leftovers=yes || leftovers=no
"$BIN" -o "$T/idx" "$SEEDS" >/dev/null 2>&1
check "leftover temporary files removed (had some: $leftovers)" test -z "$(ls -a "$T/idx" | grep '\.tmp')"
"$BIN" -q --jsonl -o "$T/idx" "$T/big.jsonl" >/dev/null 2>&1
"$BIN" --check "$T/idx" >"$T/out" 2>&1
check "big run completes as a second segment" grep -qx 'ok: 2 segments, 40005 documents' "$T/out"

# --- write errors during a --rebuild (a file size limit standing in for a full disk): one line
# naming the file and the reason, exit 1, the previous index intact, no temporary file left
for mem in 256 1; do
    (trap '' XFSZ; ulimit -f 60; exec "$BIN" -q --rebuild --jsonl --memory $mem -o "$T/idx" "$T/small.jsonl") \
        >"$T/out" 2>"$T/err"
    check "write error (memory $mem) exit 1" test $? -eq 1
    check "write error (memory $mem) message" \
        grep -Eqx "trawl-index: error: $T/idx/\.[^ ]*\.tmp: write: File too large" "$T/err"
    check "write error (memory $mem) one line" test "$(wc -l <"$T/err")" -eq 1
    check "write error (memory $mem) no temp files" test -z "$(ls -a "$T/idx" | grep '\.tmp')"
    "$BIN" --check "$T/idx" >"$T/out" 2>&1
    check "write error (memory $mem) index intact" grep -qx 'ok: 2 segments, 40005 documents' "$T/out"
done

# --- --threads: the same segment bytes with one thread or two (fresh directories: same seg id),
# with and without spilling; bad values are usage errors
for mem in 268435456 65536; do
    for t in 1 2; do
        "$BIN" -q --threads $t --memory-bytes $mem -o "$T/thr$t-$mem" "$SEEDS" "$T/small.jsonl" 2>/dev/null
        check "--threads $t (memory $mem) exit 0" test $? -eq 0
    done
    check "--threads 1 and 2 (memory $mem) identical" \
        cmp -s "$T/thr1-$mem/seg-000001.trw" "$T/thr2-$mem/seg-000001.trw"
done
"$BIN" --threads 0 -o "$T/thr0" "$SEEDS" >/dev/null 2>&1; check "--threads 0 exit 2" test $? -eq 2
"$BIN" --threads x -o "$T/thr0" "$SEEDS" >/dev/null 2>&1; check "--threads x exit 2" test $? -eq 2

cli_done
