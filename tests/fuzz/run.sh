#!/bin/sh
# Builds every libFuzzer target tests/fuzz/fuzz_*.c with clang (-fsanitize=fuzzer,address,
# undefined) against the library sources (compiled once into build/fuzz/obj/), and runs them
# one after another within a total budget of FUZZ_SECONDS (default 70), split evenly across
# the targets, each from a seed corpus: tests/fuzz/corpus/<name>/ if present, plus built-in
# seeds for fuzz_qparse and segments freshly written by fuzz_segment's seed mode (so they
# follow the current writer). Inputs are capped at 1024 bytes, 16384 for fuzz_segment (a whole
# segment file). Work files go to build/fuzz/ (FUZZ_DIR). Exits non-zero if a target fails to
# build or finds a crash (the reproducer is left in build/fuzz/<name>/).
# Usage: sh tests/fuzz/run.sh [TARGET...]   e.g. FUZZ_SECONDS=10 sh tests/fuzz/run.sh qparse
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CC=${FUZZ_CC:-clang}
TOTAL_SECS=${FUZZ_SECONDS:-70}
OUT=${FUZZ_DIR:-$ROOT/build/fuzz}
CFLAGS="-std=c11 -D_GNU_SOURCE -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
LIBS="-lstemmer -lutf8proc -lxxhash -lz -ldeflate -ljansson -lm -lpthread"

cd "$ROOT" || exit 1
command -v "$CC" >/dev/null 2>&1 || { echo "fuzz: $CC not found" >&2; exit 1; }
mkdir -p "$OUT"

# Library sources: common, searcher and indexer, without the two programs' mains and the
# terminal view (which needs ncurses and reads no input a fuzzer could feed); compiled once
# (two at a time) and linked into every target.
SRC=$(ls common/*.c searcher/*.c indexer/*.c 2>/dev/null |
    grep -v -e '^searcher/main\.c$' -e '^indexer/main\.c$' -e '^searcher/tui\.c$')
OBJ_DIR=$OUT/obj
OBJ_CFLAGS=$(echo "$CFLAGS" | sed 's/-fsanitize=fuzzer,/-fsanitize=fuzzer-no-link,/')
mkdir -p "$OBJ_DIR"
rm -f "$OBJ_DIR"/*.o
echo "== fuzz: compiling library sources"
export CC OBJ_CFLAGS OBJ_DIR
# shellcheck disable=SC2016,SC2086 # $1 expands in the child shell; SRC splits on purpose
if ! printf '%s\n' $SRC | xargs -P 2 -n 1 sh -c \
    'exec $CC $OBJ_CFLAGS -Icommon -Isearcher -Iindexer -Isearcher/include -c "$1" -o "$OBJ_DIR/$(echo "$1" | tr / _).o"' sh; then
    echo "fuzz: library build failed" >&2
    exit 1
fi

qparse_seeds() { # dir: one query per file; byte 0 is the mode (0 AND, 1 OR)
    i=0
    while IFS= read -r q; do
        i=$((i + 1))
        printf '%s%s' "$((i % 2))" "$q" >"$1/seed$i"
    done <<'EOF'
gaza "ground invasion" -netanyahu
a b OR c d
+(rafah OR gaza) -"arms smuggling" NOT egypt
"a b c"~3 invad* date:2024-03-21..2024-03-22
date:..2024-03-22 u.s gaza-egypt 3.14
((a AND b) OR (c NOT d)) e
"unbalanced (( ) AND OR NOT ~ * date:2024-02-30
émigré naïve 北京 ÄÖÜ… 'quoted' don't
EOF
}

segment_seeds() { # dir: small segments written by fuzz_segment.c's seed mode with this writer
    # shellcheck disable=SC2086 # word splitting of flag and object lists is intended
    $CC $OBJ_CFLAGS -DFUZZ_SEGMENT_SEEDS -Icommon -Isearcher -Iindexer -Isearcher/include -o "$OUT/segment_seeds" \
        tests/fuzz/fuzz_segment.c "$OBJ_DIR"/*.o $LIBS && "$OUT/segment_seeds" "$1"
}

targets=${*:-$(ls tests/fuzz/fuzz_*.c 2>/dev/null | sed 's|tests/fuzz/fuzz_\(.*\)\.c|\1|')}
# shellcheck disable=SC2086 # one word per target
n_targets=$(echo $targets | wc -w)
SECS=$((TOTAL_SECS / (n_targets > 0 ? n_targets : 1)))
[ "$SECS" -ge 1 ] || SECS=1
status=0
for t in $targets; do
    bin=$OUT/fuzz_$t
    echo "== fuzz_$t: build"
    # shellcheck disable=SC2086 # word splitting of flag and source lists is intended
    if ! $CC $CFLAGS -Icommon -Isearcher -Iindexer -Isearcher/include -o "$bin" "tests/fuzz/fuzz_$t.c" "$OBJ_DIR"/*.o $LIBS; then
        echo "fuzz_$t: build failed" >&2
        status=1
        continue
    fi
    corpus=$OUT/$t/corpus
    mkdir -p "$corpus"
    [ "$t" = qparse ] && qparse_seeds "$corpus"
    [ -d "tests/fuzz/corpus/$t" ] && cp -r "tests/fuzz/corpus/$t/." "$corpus/"
    # after the copy, so that fresh seeds replace committed ones of an older writer; a failure
    # is one (the writer under the sanitizers), not a warning
    if [ "$t" = segment ] && ! segment_seeds "$corpus"; then
        echo "fuzz_segment: seed mode failed (the writer, under ASan/UBSan)" >&2
        status=1
    fi
    max_len=1024
    [ "$t" = segment ] && max_len=16384
    echo "== fuzz_$t: run ${SECS}s"
    if (cd "$OUT/$t" && "$bin" -max_total_time="$SECS" -max_len="$max_len" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 corpus >log 2>&1); then
        tail -n 3 "$OUT/$t/log" | sed 's/^/   /'
    else
        echo "fuzz_$t: FAILED (see $OUT/$t/log and crash-* there)" >&2
        grep -m 5 -e 'ERROR' -e 'SUMMARY' -e 'Test unit written' "$OUT/$t/log" >&2
        status=1
    fi
done
exit $status
