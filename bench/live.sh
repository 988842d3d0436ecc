#!/bin/sh
# live.sh: the live-index part of `make bench` (issue 7), on a copy of the kernel-docs tree.
#   1. sync after changing 1% of the files, against a full rebuild of the same tree, and the
#      same change in SQLite FTS5 (DELETE + INSERT of the changed rows in one transaction);
#   2. 100 commits of 1% each with the default merge policy: segments, index size, and top-10
#      latency per class against the one-shot build (same queries, same run); then the same
#      after deleting 10% of the documents without a merge;
#   3. a full merge: MB of index per second and peak RSS under the default memory budget.
# Writes key=value lines to OUT (and the latency rows to RAW); bench/report.py turns them into
# the "Live index" table. Usage: sh bench/live.sh BUILD_DIR WORK_DIR QUERIES FTS_DB RAW OUT
set -eu
B=$1
W=$2/live.d
QUERIES=$3
FTSDB=$4
RAW=$5
OUT=$6
CACHE=${TRAWL_BENCH_CACHE:-/var/tmp/trawl-bench}
REPS=${BENCH_REPS:-5}
LAT=$B/bench/latency
PY=${PYTHON:-python3}
step() { echo "bench live: $*" >&2; }
kv() { awk -F= -v k="$2" '$1 == k { print $2; exit }' "$1"; }
rm -rf "$W" && mkdir -p "$W"
: >"$OUT"

# Edits FRACTION of the tree's files (a seeded choice per ROUND), writing them in place and
# their new texts with FTS5 rowids (1-based lines of kdocs.jsonl) to W/changed-ROUND.jsonl.
edit() { # ROUND FRACTION
    $PY - "$W/ids" "$W/tree" "$1" "$2" "$W/changed-$1.jsonl" <<'EOF'
import json, random, sys
src, tree, rnd, frac, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
ids = open(src, encoding='utf-8').read().split('\n')[:-1]
pick = sorted(random.Random(rnd).sample(range(len(ids)), max(1, int(len(ids) * frac))))
with open(out, 'w', encoding='utf-8') as o:
    for i in pick:
        p = tree + '/' + ids[i]
        text = open(p, encoding='utf-8', errors='surrogateescape').read()
        text += '\nEdited in round %d: livesync marker%d.\n' % (rnd, rnd)
        with open(p, 'w', encoding='utf-8', errors='surrogateescape') as f:
            f.write(text)
        o.write(json.dumps({'rowid': i + 1, 'id': ids[i], 'text': text}, ensure_ascii=False) + '\n')
EOF
}

step "copy of the tree"
cp -r "$CACHE/kdocs/tree" "$W/tree"
# The documents' ids in kdocs.jsonl order (line i + 1 is FTS5's rowid), read once.
$PY -c "
import json, sys
for l in open(sys.argv[1], encoding='utf-8'):
    print(json.loads(l)['id'])" "$CACHE/kdocs/kdocs.jsonl" >"$W/ids"

step "rebuild (best of 3)"
best=""
for _ in 1 2 3; do
    rm -rf "$W/idx"
    $LAT exec $B/trawl-index -q --language none -o "$W/idx" "$W/tree" >"$W/rebuild"
    t=$(kv "$W/rebuild" wall_s)
    if [ -z "$best" ] || awk "BEGIN { exit !($t < $best) }"; then best=$t; fi
done
echo "rebuild_s=$best" >>"$OUT"
cp -r "$W/idx" "$W/oneshot"

step "one-shot JSON Lines index (for the update handed its changed records)"
$B/trawl-index -q --language none --jsonl -o "$W/jsonl" "$CACHE/kdocs/kdocs.jsonl"

step "sync after 1% of the files changed, trawl (best of 3) and FTS5 (best of 3)"
best=""
fbest=""
jbest=""
for r in 1 2 3; do
    rm -rf "$W/idx" && cp -r "$W/oneshot" "$W/idx"
    edit "$r" 0.01
    $LAT exec $B/trawl-index --language none -o "$W/idx" "$W/tree" >"$W/sync"
    t=$(kv "$W/sync" wall_s)
    if [ -z "$best" ] || awk "BEGIN { exit !($t < $best) }"; then best=$t; cp "$W/sync" "$W/sync-best"; fi
    # Like FTS5 below, handed the changed records instead of finding them in the tree.
    rm -rf "$W/j" && cp -r "$W/jsonl" "$W/j"
    $LAT exec $B/trawl-index -q --jsonl -o "$W/j" "$W/changed-$r.jsonl" >"$W/jsync"
    t=$(kv "$W/jsync" wall_s)
    if [ -z "$jbest" ] || awk "BEGIN { exit !($t < $jbest) }"; then jbest=$t; fi
    cp "$FTSDB" "$W/fts.db"
    $LAT update --db "$W/fts.db" --jsonl "$W/changed-$r.jsonl" >"$W/fts-update"
    t=$(kv "$W/fts-update" update_s)
    if [ -z "$fbest" ] || awk "BEGIN { exit !($t < $fbest) }"; then fbest=$t; fi
done
rm -rf "$W/fts.db" "$W/j" "$W/jsonl"
echo "sync_s=$best" >>"$OUT"
echo "jsonl_update_s=$jbest" >>"$OUT"
echo "sync_summary=$(grep -v '=' "$W/sync-best" | head -1)" >>"$OUT"
echo "fts_update_s=$fbest" >>"$OUT"
echo "changed_files=$(wc -l <"$W/changed-1.jsonl")" >>"$OUT"

step "100 commits of 1% each (default merge policy)"
rm -rf "$W/idx" && cp -r "$W/oneshot" "$W/idx"
t0=$(date +%s.%N)
r=10
while [ $r -lt 110 ]; do
    edit $r 0.01
    $B/trawl-index -q --language none -o "$W/idx" "$W/tree"
    r=$((r + 1))
done
t1=$(date +%s.%N)
$LAT stats --index "$W/idx" >"$W/stats-100"
echo "commits100_s=$(awk "BEGIN { print $t1 - $t0 }")" >>"$OUT"
echo "commits100_segments=$(kv "$W/stats-100" segments)" >>"$OUT"
echo "commits100_bytes=$(du -sb "$W/idx" | cut -f1)" >>"$OUT"
echo "oneshot_bytes=$(du -sb "$W/oneshot" | cut -f1)" >>"$OUT"

step "latency: one-shot build, after 100 commits, after deleting 10% (no merge)"
$LAT run --index "$W/oneshot" --db "$FTSDB" --queries "$QUERIES" --set live-oneshot \
    --reps "$REPS" --out "$RAW"
$LAT run --index "$W/idx" --db "$FTSDB" --queries "$QUERIES" --set live-100 --reps "$REPS" \
    --out "$RAW"
$PY -c "
import random, sys
ids = open(sys.argv[1], encoding='utf-8').read().split('\n')[:-1]
for i in sorted(random.Random(7).sample(range(len(ids)), len(ids) // 10)):
    print(sys.argv[2] + '/' + ids[i])" "$W/ids" "$W/tree" >"$W/deletes"
$LAT exec $B/trawl-index -q --no-merge -o "$W/idx" --delete-from "$W/deletes" >"$W/delete"
echo "delete10_s=$(kv "$W/delete" wall_s)" >>"$OUT"
$LAT run --index "$W/idx" --db "$FTSDB" --queries "$QUERIES" --set live-del10 --reps "$REPS" \
    --out "$RAW"

step "full merge"
$LAT exec $B/trawl-index -q --merge "$W/idx" >"$W/merge"
$LAT stats --index "$W/idx" >"$W/stats-merged"
echo "merge_s=$(kv "$W/merge" wall_s)" >>"$OUT"
echo "merge_rss_kb=$(kv "$W/merge" maxrss_kb)" >>"$OUT"
echo "merge_in_bytes=$(awk -F= '$1 == "commits100_bytes" { print $2 }' "$OUT")" >>"$OUT"
echo "merged_bytes=$(du -sb "$W/idx" | cut -f1)" >>"$OUT"
rm -rf "$W/tree" "$W/idx" "$W/oneshot"
step "done"
