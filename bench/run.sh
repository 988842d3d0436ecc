#!/bin/sh
# run.sh: the whole `make bench`: corpus, queries, index builds (trawl, SQLite FTS5, Xapian,
# Lucene), latency of every query on the four engines, CISI relevance, then
# bench/results/latest.{md,csv} and latency.png. Called by the Makefile as
# `sh bench/run.sh build/<MODE>` once the binaries and build/<MODE>/bench/* exist. Work
# files go to the cache, outside the repository.
#
# Relevance: every ranking configuration of bench/ranking.py on CISI, cross-validated, with
# significance tests; then what proximity costs at query time and what fuzzy expansion costs
# against a plain lookup.
#
# Knobs: TRAWL_BENCH_CACHE (default /var/tmp/trawl-bench), BENCH_REPS (timed passes, default 5),
# BENCH_SCALE ("4 16": also index 4x and 16x replicas for the growth table; default off),
# BENCH_PER_CLASS (drawn queries per class, default 200).
set -eu

B=${1:?usage: sh bench/run.sh build/<MODE>}
CACHE=${TRAWL_BENCH_CACHE:-/var/tmp/trawl-bench}
REPS=${BENCH_REPS:-5}
SCALE=${BENCH_SCALE:-1}
PER_CLASS=${BENCH_PER_CLASS:-200}
PY=${PYTHON:-python3}
W=$CACHE/work
OUT=bench/results
LAT=$B/bench/latency
CORPUS=$CACHE/kdocs/kdocs.jsonl
SHARED=../shared
[ -d "$SHARED" ] || SHARED=/work/shared

step() { echo "bench: $*" >&2; }

# Every tool of the run (sqlite3, xapian, python3, gnuplot) is checked before the minutes of work, not
# found missing at the end.
sh .ci/deps bench

# Builds a trawl index: NAME LANGUAGE INPUT [FLAGS]; keeps key=value lines in W/build-NAME.
trawl_build() {
    rm -rf "$W/$1"
    step "trawl-index --language $2 $4 $3"
    { echo "language=$2"; echo "input=$3"
      $LAT exec $B/trawl-index --language "$2" $4 -o "$W/$1" "$3" |
          sed '/^\(wall_s\|maxrss_kb\|exit\)=/!s/^/summary=/'
      $LAT stats --index "$W/$1"; } >"$W/build-$1"
}

# Builds an FTS5 database: NAME TOKENIZE INPUT.
fts_build() {
    step "fts5 load tokenize='$2' $3"
    { echo "language=$2"; echo "input=$3"
      $LAT load --jsonl "$3" --db "$W/$1.db" --tokenize "$2"; } >"$W/build-$1"
}

# Builds a Xapian database: NAME LANGUAGE INPUT (language: a Snowball stemmer or none).
xapian_build() {
    step "xapian load --language $2 $3"
    rm -rf "$W/$1.build"
    { echo "language=$2"; echo "input=$3"
      $LAT xload --jsonl "$3" --xapian "$W/$1" --language "$2"; } >"$W/build-$1"
}

. bench/best_of_3.sh
. bench/lucene.sh

mkdir -p "$W" "$OUT"
lucene_compile
rm -f "$W"/build-* "$W/raw.csv" "$W"/rel-* "$W/embed" "$W"/scale "$W"/scale.* "$W/ranking.json" "$W/fuzzy"
rm -rf "$W/live" # an older bench/live.sh worked in a directory of this name

step "corpus"
BENCH_SCALE=$SCALE sh bench/make_corpus.sh >&2
# The drawn queries depend only on the corpus, the script and the class size: reuse them.
KEY=$(cat "$CACHE/kdocs/STAMP" bench/make_queries.py | sha256sum | cut -c1-16)-$PER_CLASS
if [ "$(cat "$W/queries.key" 2>/dev/null)" != "$KEY" ]; then
    step "queries"
    $PY bench/make_queries.py "$CORPUS" "$W/queries.jsonl" --per-class "$PER_CLASS" \
        --diff "$W/tokenizer-diff.json" >&2
    echo "$KEY" >"$W/queries.key"
fi
cp "$W/queries.jsonl" "$OUT/kdocs-queries.jsonl"

trawl_build trawl-none none "$CORPUS" --jsonl
trawl_build trawl-english english "$CORPUS" --jsonl
trawl_build trawl-grams none "$CORPUS" "--jsonl --phrase-grams"
trawl_build trawl-tree none "$CACHE/kdocs/tree" ""
# The indexing-speed goals: one core, then both (the default build above uses both).
best_of_3 trawl_build trawl-none-t1 none "$CACHE/kdocs/tree" "--threads 1"
best_of_3 trawl_build trawl-none-t2 none "$CACHE/kdocs/tree" "--threads 2"
best_of_3 trawl_build trawl-english-t1 english "$CORPUS" "--jsonl --threads 1"
best_of_3 trawl_build trawl-english-t2 english "$CORPUS" "--jsonl --threads 2"
best_of_3 fts_build fts-unicode61 unicode61 "$CORPUS"
best_of_3 fts_build fts-porter "porter unicode61" "$CORPUS"
# Memory: a small budget, so that the postings spill and the stem caches are bounded by it.
trawl_build trawl-english-m16-t1 english "$CORPUS" "--jsonl --threads 1 --memory 16"
trawl_build trawl-english-m16-t2 english "$CORPUS" "--jsonl --threads 2 --memory 16"
best_of_3 xapian_build xapian-none none "$CORPUS"
best_of_3 xapian_build xapian-english english "$CORPUS"
best_of_3 lucene_load lucene-none none "$CORPUS"
best_of_3 lucene_load lucene-english english "$CORPUS"
step "where indexing time goes (perf)"
$PY bench/stages.py $B/trawl-index "$CORPUS" "$W" --threads 1 --language english --jsonl \
    >"$W/stages.md"
for k in $SCALE; do
    [ "$k" -gt 1 ] || continue
    trawl_build "trawl-none-x$k" none "$CACHE/kdocs/kdocs-x$k.jsonl" --jsonl
    fts_build "fts-unicode61-x$k" unicode61 "$CACHE/kdocs/kdocs-x$k.jsonl"
    rm -rf "$W/trawl-none-x$k" "$W/fts-unicode61-x$k.db"
done

step "latency: corpus queries, $REPS timed passes"
$LAT run --index "$W/trawl-none" --db "$W/fts-unicode61.db" --xapian "$W/xapian-none" \
    --language none --grams "$W/trawl-grams" --queries "$W/queries.jsonl" --set kdocs \
    --reps "$REPS" --out "$W/raw.csv"
lucene_run TOP_10,COUNT,TOP_10_COUNT --index "$W/lucene-none" --language none \
    --queries "$W/queries.jsonl" --set kdocs --reps "$REPS" --out "$W/raw.csv"
step "latency: corpus queries, stemmed (trawl english vs FTS5 porter vs Xapian english)"
$LAT run --index "$W/trawl-english" --db "$W/fts-porter.db" --xapian "$W/xapian-english" \
    --language english --queries "$W/queries.jsonl" --set kdocs-porter --reps "$REPS" \
    --out "$W/raw.csv"
lucene_run TOP_10,COUNT,TOP_10_COUNT --index "$W/lucene-english" --language english \
    --queries "$W/queries.jsonl" --set kdocs-porter --reps "$REPS" --out "$W/raw.csv"
step "latency: shared query set"
$LAT run --index "$W/trawl-none" --db "$W/fts-unicode61.db" --xapian "$W/xapian-none" \
    --language none --queries "$SHARED/queries/queries.txt" --set shared --reps "$REPS" \
    --out "$W/raw.csv"
lucene_run TOP_10,COUNT,TOP_10_COUNT --index "$W/lucene-none" --language none \
    --queries "$SHARED/queries/queries.txt" --set shared --reps "$REPS" --out "$W/raw.csv"

step "live index: sync, 100 commits, deletes, merge"
sh bench/live.sh "$B" "$W" "$W/queries.jsonl" "$W/fts-unicode61.db" "$W/raw.csv" "$W/live"

step "embedding: batch mode and Python binding, per query"
REPS=$REPS sh bench/embed.sh "$B" "$W/trawl-none" "$W/queries.jsonl" "$W/embed"

step "terminal: one trawl-search process per query, snippets in process"
rm -f "$W/terminal"
REPS=$REPS sh bench/terminal.sh "$B" "$W/trawl-tree" "$W/queries.jsonl" "$W/terminal"

step "scale-out: sharded build and search on Dask distributed, tail simulation"
REPS=$REPS sh bench/scale.sh "$B" "$CORPUS" "$W/queries.jsonl" "$W" "$W/scale"

step "relevance: CISI"
$PY bench/cisi.py "$SHARED/relevance/cisi" "$W/cisi" >&2
trawl_build cisi-trawl english "$W/cisi/cisi.jsonl" --jsonl
fts_build cisi-fts "porter unicode61" "$W/cisi/cisi.jsonl"
# The ranking configurations of docs/RANKING.md (bench/ranking.py grid) run in the same
# process; ranking.py cross-validates the tuned ones and tests them against FTS5 and BM25.
$PY bench/ranking.py grid "$W/ranking-grid.txt"
rm -rf "$W/ranking-runs" && mkdir -p "$W/ranking-runs"
$B/bench/relevance --index "$W/cisi-trawl" --db "$W/cisi-fts.db" --jsonl "$W/cisi/cisi.jsonl" \
    --queries "$W/cisi/queries.tsv" --trawl-run "$W/rel-trawl.run" --fts-run "$W/rel-fts5.run" \
    --variants "$W/ranking-grid.txt" --variant-dir "$W/ranking-runs"
for e in trawl fts5; do
    $PY bench/eval_trec.py "$W/rel-$e.run" "$W/cisi/qrels.txt" --json >"$W/rel-$e.json"
done
$PY bench/ranking.py eval "$W/ranking-runs" "$W/cisi/qrels.txt" "$W/rel-fts5.run" \
    "$W/ranking.json" >/dev/null
# Prefix queries: every word longer than N characters cut to its first N and a *, as someone
# typing the start of each word would; FTS5 reads "w"* (docs/RANKING.md, "Prefixes").
for n in 4 5 6; do
    awk -F'\t' -v n="$n" '{ m = split($2, w, " "); s = ""
        for (i = 1; i <= m; i++) s = s (i > 1 ? " " : "") (length(w[i]) > n ? substr(w[i], 1, n) "*" : w[i])
        print $1 "\t" s }' "$W/cisi/queries.tsv" >"$W/cisi/queries-p$n.tsv"
    $B/bench/relevance --index "$W/cisi-trawl" --db "$W/cisi-fts.db" --jsonl "$W/cisi/cisi.jsonl" \
        --queries "$W/cisi/queries-p$n.tsv" --trawl-run "$W/rel-trawl-p$n.run" \
        --fts-run "$W/rel-fts5-p$n.run"
    for e in trawl fts5; do
        $PY bench/eval_trec.py "$W/rel-$e-p$n.run" "$W/cisi/qrels.txt" --json >"$W/rel-$e-p$n.json"
    done
done

step "ranking costs: proximity against plain BM25, fuzzy expansion against a lookup"
$LAT ab --index "$W/trawl-none" --queries "$W/queries.jsonl" --set kdocs-prox --opts prox=1 \
    --reps "$REPS" --out "$W/raw.csv"
$B/bench/fuzzy_bench --index "$W/trawl-none" --queries "$W/queries.jsonl" --reps "$REPS" \
    >"$W/fuzzy"

if [ -x "$B/bench/codec_bench" ]; then
    step "codec microbenchmark"
    timeout 300 "$B/bench/codec_bench" >"$W/codec.txt" 2>&1 || echo "(codec_bench failed: exit $?)" >>"$W/codec.txt"
fi

step "report"
{
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
    echo "cores=$(nproc)"
    echo "mem_gb=$(awk '/MemTotal/ {printf "%.1f", $2 / 1048576}' /proc/meminfo)"
    echo "kernel=$(uname -sr)"
    echo "sqlite=$(dpkg-query -W -f '${Version}' libsqlite3-0 2>/dev/null || echo unknown)"
    echo "xapian=$(dpkg-query -W -f '${Version}' libxapian30 2>/dev/null || echo unknown)"
    echo "lucene=$(dpkg-query -W -f '${Version}' liblucene8-java 2>/dev/null || echo unknown)"
    echo "java=$(java -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -1)"
    echo "trawl=$($B/trawl-search --version | cut -d' ' -f2)"
    echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "mode=$B"
    echo "reps=$REPS"
    echo "corpus=$(tr '\n' ' ' <"$CACHE/kdocs/STAMP")"
} >"$W/machine"
$PY bench/report.py "$W" "$OUT" "$SHARED/queries/queries.txt"
gnuplot -e "datafile='$W/p50.dat'; outfile='$OUT/latency.png'" bench/plot.gp
step "done: $OUT/latest.md"
