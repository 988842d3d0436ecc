#!/bin/sh
# growth.sh: `make bench-scale`, what a query costs as the corpus grows. For each scale of
# GROWTH_SCALES (the kernel docs replicated 1x, 4x, 16x with new ids: bench/make_corpus.sh) and
# each engine of GROWTH_ENGINES it builds the index once (time, MB/s, peak RSS, size), then
# times the drawn queries of the 1x corpus in TOP_10 and COUNT mode on every engine in one
# process, passes alternating (bench/latency.c `run`). bench/growth.py writes
# bench/results/growth.md and growth.csv: per class and scale p50/p99 for every engine, the
# trawl/peer ratios, the 16x/1x growth and the issue's goals. Identical copies favour pruning
# (a copy's documents tie with the original's) and repeat every count exactly: the report
# checks that each COUNT at k x is k times the 1x one.
#
# Usage: sh bench/growth.sh build/<MODE>
# Knobs: TRAWL_BENCH_CACHE (default /var/tmp/trawl-bench), BENCH_REPS (timed passes, default
# 3), BENCH_PER_CLASS (drawn queries per class, default 200), GROWTH_SCALES (default
# "1 4 16"), GROWTH_ENGINES (default "trawl fts5 xapian"; Xapian loads at ~3 MB/s, so it adds
# about 4 minutes), GROWTH_GRAMS (default 1: also a trawl index with --phrase-grams, engine
# "trawl+grams", timed beside the others), PYTHON.
#
# Adding an engine: a function <engine>_build NAME CORPUS writing key=value lines to
# $W/build-NAME (wall_s or load_s + optimize_s, maxrss_kb, an index size) and the engine's
# side in `latency run`; growth.py reads the engines it finds in the raw timings.
set -eu

B=${1:?usage: sh bench/growth.sh build/<MODE>}
CACHE=${TRAWL_BENCH_CACHE:-/var/tmp/trawl-bench}
REPS=${BENCH_REPS:-3}
PER_CLASS=${BENCH_PER_CLASS:-200}
SCALES=${GROWTH_SCALES:-1 4 16}
ENGINES=${GROWTH_ENGINES:-trawl fts5 xapian lucene}
GRAMS=${GROWTH_GRAMS:-1}
PY=${PYTHON:-python3}
W=$CACHE/work/growth
OUT=bench/results
LAT=$B/bench/latency
K=$CACHE/kdocs

step() { echo "bench-scale: $*" >&2; }
. bench/best_of_3.sh
. bench/lucene.sh

sh .ci/deps bench

corpus() { [ "$1" = 1 ] && echo "$K/kdocs.jsonl" || echo "$K/kdocs-x$1.jsonl"; }

# trawl_build NAME CORPUS [OPTION]: OPTION is --phrase-grams for the trawl+grams index
trawl_build() {
    rm -rf "$W/$1"
    { echo "input=$2"
      # shellcheck disable=SC2086 # $3 is one option or none
      $LAT exec $B/trawl-index --language none --jsonl ${3:-} -o "$W/$1" "$2" |
          sed '/^\(wall_s\|maxrss_kb\|exit\)=/!s/^/summary=/'
      $LAT stats --index "$W/$1"; } >"$W/build-$1"
}

fts5_build() {
    { echo "input=$2"
      $LAT load --jsonl "$2" --db "$W/$1.db" --tokenize unicode61; } >"$W/build-$1"
}

xapian_build() {
    rm -rf "$W/$1"
    { echo "input=$2"
      $LAT xload --jsonl "$2" --xapian "$W/$1" --language none; } >"$W/build-$1"
}

lucene_build() { lucene_load "$1" none "$2"; }

mkdir -p "$W" "$OUT"
case " $ENGINES " in *" lucene "*) lucene_compile ;; esac
rm -f "$W"/build-* "$W/raw.csv"

step "corpus: replicas $SCALES"
BENCH_SCALE="$SCALES" sh bench/make_corpus.sh >&2
step "queries (from the 1x corpus)"
$PY bench/make_queries.py "$K/kdocs.jsonl" "$W/queries.jsonl" --per-class "$PER_CLASS" >&2

for k in $SCALES; do
    for e in $ENGINES; do
        step "x$k: build $e"
        # best of 3 for the quick builds: the 16x/1x MB/s goal divides two noisy timings
        if [ "$e" = xapian ] || [ "$e" = lucene ]; then
            "${e}_build" "$e-x$k" "$(corpus "$k")"
        else
            best_of_3 "${e}_build" "$e-x$k" "$(corpus "$k")"
        fi
    done
    GRAMS_RUN=""
    if [ "$GRAMS" = 1 ]; then
        step "x$k: build trawl+grams"
        best_of_3 trawl_build "trawl+grams-x$k" "$(corpus "$k")" --phrase-grams
        GRAMS_RUN="--grams $W/trawl+grams-x$k"
    fi
    # Xapian's 16x load leaves hundreds of MB of dirty pages; flush them so that their writeback
    # does not run during the timed passes (in one run without this, trawl's 16x top 10 came out
    # up to 2x slower than in the runs before and after it).
    sync
    step "x$k: latency, TOP_10 and COUNT, $REPS timed passes"
    XAPIAN=""
    case " $ENGINES " in *" xapian "*) XAPIAN="--xapian $W/xapian-x$k --language none" ;; esac
    # shellcheck disable=SC2086 # XAPIAN and GRAMS_RUN are options or none
    $LAT run --index "$W/trawl-x$k" --db "$W/fts5-x$k.db" $XAPIAN $GRAMS_RUN --queries "$W/queries.jsonl" \
        --set "x$k" --reps "$REPS" --modes TOP_10,COUNT --out "$W/raw.csv"
    # Lucene in its own JVM, after the others (bench/LucenePeer.java: warmed up first).
    case " $ENGINES " in *" lucene "*)
        lucene_run TOP_10,COUNT --index "$W/lucene-x$k" --language none \
            --queries "$W/queries.jsonl" --set "x$k" --reps "$REPS" --out "$W/raw.csv" ;;
    esac
    # The 16x indexes take a few GB; keep only the last scale's (for profiling).
    [ "$k" = "${SCALES##* }" ] ||
        rm -rf "$W/trawl-x$k" "$W/fts5-x$k.db" "$W/xapian-x$k" "$W/trawl+grams-x$k" "$W/lucene-x$k"
done

{
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
    echo "cores=$(nproc)"
    echo "trawl=$($B/trawl-search --version | cut -d' ' -f2)"
    echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "sqlite=$(dpkg-query -W -f '${Version}' libsqlite3-0 2>/dev/null || echo unknown)"
    echo "xapian=$(dpkg-query -W -f '${Version}' libxapian30 2>/dev/null || echo unknown)"
    echo "lucene=$(dpkg-query -W -f '${Version}' liblucene8-java 2>/dev/null || echo unknown)"
    echo "reps=$REPS"
    echo "scales=$SCALES"
    echo "corpus=$(tr '\n' ' ' <"$K/STAMP")"
} >"$W/machine"
$PY bench/growth.py "$W" "$OUT"
step "done: $OUT/growth.md"
