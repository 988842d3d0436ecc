#!/bin/sh
# Crash safety of the live index: kill -9 at random instants of a sync, a delete and a merge,
# TRIALS times each (default 100; CI runs a bounded number through tests/cli/crash.sh), and
# check every time that the index opens, passes --check, and answers exactly as the old or the
# new generation did (a fingerprint of counts, ids and scores of fixed queries, both computed
# beforehand by running the operation to completion on a copy). A writer killed mid-way must
# also leave nothing that stops the next one: the next sync completes and answers as the new
# generation does.
# Usage: sh tests/crash/crash.sh BUILD_DIR [TRIALS]
set -u
B=${1:?usage: crash.sh BUILD_DIR [TRIALS]}
TRIALS=${2:-100}
IDX=$B/trawl-index
SRCH=$B/trawl-search
T=$(mktemp -d /tmp/trawl-crash.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
pass=0
fail=0
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# A corpus of 1500 generated files in 15 directories, and a query set over its vocabulary.
awk -v dir="$T/corpus" 'BEGIN { srand(11);
    for (d = 0; d < 1500; d++) {
        f = sprintf("%s/d%02d/f%04d.txt", dir, d % 15, d);
        if (d < 15) system("mkdir -p " dir "/d" sprintf("%02d", d));
        n = 30 + int(rand() * 300);
        for (i = 0; i < n; i++) printf "w%d ", int(rand() * rand() * 3000) > f;
        close(f) } }'
printf 'w1\nw2 w3\nw4 OR w5 OR w6\n"w1 w2"\nw1*\nw7 -w1\nw100\n' >"$T/queries"

# What an index answers, as one line.
fingerprint() {
    "$SRCH" -i "$1" --queries "$T/queries" --no-snippets -n 20 2>&1 | md5sum | cut -d' ' -f1
}

"$IDX" -q -o "$T/base" "$T/corpus" || { echo "FAIL: base index" >&2; exit 1; }
old=$(fingerprint "$T/base")

# The three operations, each run on a copy of the base index.
edit_corpus() { # changes 5% of the files, deletes 1%, adds 1%, after the base index saw them
    awk -v dir="$T/corpus" 'BEGIN { srand(5);
        for (k = 0; k < 75; k++) { d = int(rand() * 1500);
            f = sprintf("%s/d%02d/f%04d.txt", dir, d % 15, d); printf "w%d changed ", k > f; close(f) }
        for (k = 0; k < 15; k++) { d = int(rand() * 1500);
            system(sprintf("rm -f %s/d%02d/f%04d.txt", dir, d % 15, d)) }
        for (k = 0; k < 15; k++) { f = sprintf("%s/d%02d/new%04d.txt", dir, k % 15, k);
            printf "w%d w2 new", k > f; close(f) } }'
}
# exec: in a background subshell, the kill must reach trawl-index itself.
op_sync() { exec "$IDX" -q -o "$1" "$T/corpus"; }
op_delete() { exec "$IDX" -q -o "$1" --delete-from "$T/deletes"; }
op_merge() { exec "$IDX" -q --merge "$1"; }

edit_corpus
i=0
while [ $i -lt 200 ]; do
    d=$((i * 7 % 1500))
    echo "$T/corpus/d$(printf %02d $((d % 15)))/f$(printf %04d $d).txt"
    i=$((i + 1))
done | sort -u >"$T/deletes"
# The merge starts from an index with several segments and deletions.
cp -r "$T/base" "$T/merge-base"
"$IDX" -q --no-merge -o "$T/merge-base" "$T/corpus"
"$IDX" -q --no-merge -o "$T/merge-base" --delete-from "$T/deletes" 2>/dev/null

for op in sync delete merge; do
    from="$T/base"
    [ $op = merge ] && from="$T/merge-base"
    before=$(fingerprint "$from")
    rm -rf "$T/full" && cp -r "$from" "$T/full"
    t0=$(date +%s%N)
    (op_$op "$T/full") || { bad "$op: does not complete"; continue; }
    t1=$(date +%s%N)
    after=$(fingerprint "$T/full")
    [ "$before" != "$after" ] || { bad "$op: changes nothing"; continue; }
    span=$(((t1 - t0) / 1000)) # microseconds the operation takes
    killed=0
    k=0
    while [ $k -lt "$TRIALS" ]; do
        k=$((k + 1))
        rm -rf "$T/k" && cp -r "$from" "$T/k"
        delay=$(awk -v s="$span" -v k="$k" 'BEGIN { srand(k * 7919); printf "%.6f", rand() * s * 1.1 / 1e6 }')
        op_$op "$T/k" >/dev/null 2>&1 &
        pid=$!
        sleep "$delay"
        kill -9 $pid 2>/dev/null && killed=$((killed + 1))
        wait $pid 2>/dev/null
        if ! "$IDX" --check "$T/k" >/dev/null 2>"$T/err"; then
            bad "$op trial $k (kill at ${delay}s): --check: $(cat "$T/err")"
            continue
        fi
        now=$(fingerprint "$T/k")
        if [ "$now" != "$before" ] && [ "$now" != "$after" ]; then
            bad "$op trial $k (kill at ${delay}s): answers neither as the old nor as the new index"
            continue
        fi
        # The next writer cleans up and completes.
        (op_$op "$T/k") >/dev/null 2>"$T/err" || { bad "$op trial $k: rerun: $(cat "$T/err")"; continue; }
        [ "$(fingerprint "$T/k")" = "$after" ] || { bad "$op trial $k: rerun answers differently"; continue; }
        if ls -a "$T/k" | grep -q '\.tmp'; then bad "$op trial $k: temporary files left"; continue; fi
        pass=$((pass + 1))
    done
    echo "$op: $TRIALS trials, $killed killed mid-way (operation takes $((span / 1000)) ms)"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
