#!/bin/sh
# Builds every libFuzzer target tests/fuzz/fuzz_*.c with clang (-fsanitize=fuzzer,address,
# undefined) against the library sources, and runs each for FUZZ_SECONDS (default 60) from a
# seed corpus: tests/fuzz/corpus/<name>/ if present, plus built-in seeds for fuzz_qparse.
# Work files go to build/fuzz/ (FUZZ_DIR). Exits non-zero if a target fails to build or finds
# a crash (the reproducer is left in build/fuzz/<name>/).
# Usage: sh tests/fuzz/run.sh [TARGET...]   e.g. FUZZ_SECONDS=10 sh tests/fuzz/run.sh qparse
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CC=${FUZZ_CC:-clang}
SECS=${FUZZ_SECONDS:-60}
OUT=${FUZZ_DIR:-$ROOT/build/fuzz}
CFLAGS="-std=c11 -D_GNU_SOURCE -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
LIBS="-lstemmer -lutf8proc -lxxhash -lz -ljansson -lm -lpthread"

cd "$ROOT" || exit 1
command -v "$CC" >/dev/null 2>&1 || { echo "fuzz: $CC not found" >&2; exit 1; }
mkdir -p "$OUT"

# Library sources: common, searcher and indexer, without the two programs.
SRC=$(ls common/*.c searcher/*.c indexer/*.c 2>/dev/null | grep -v -e '^searcher/main\.c$' -e '^indexer/main\.c$')

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

targets=${*:-$(ls tests/fuzz/fuzz_*.c 2>/dev/null | sed 's|tests/fuzz/fuzz_\(.*\)\.c|\1|')}
status=0
for t in $targets; do
    bin=$OUT/fuzz_$t
    echo "== fuzz_$t: build"
    # shellcheck disable=SC2086 # word splitting of flag and source lists is intended
    if ! $CC $CFLAGS -Icommon -Isearcher -Iindexer -o "$bin" "tests/fuzz/fuzz_$t.c" $SRC $LIBS; then
        echo "fuzz_$t: build failed" >&2
        status=1
        continue
    fi
    corpus=$OUT/$t/corpus
    mkdir -p "$corpus"
    [ "$t" = qparse ] && qparse_seeds "$corpus"
    [ -d "tests/fuzz/corpus/$t" ] && cp -r "tests/fuzz/corpus/$t/." "$corpus/"
    echo "== fuzz_$t: run ${SECS}s"
    if (cd "$OUT/$t" && "$bin" -max_total_time="$SECS" -max_len=1024 -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 corpus >log 2>&1); then
        tail -n 3 "$OUT/$t/log" | sed 's/^/   /'
    else
        echo "fuzz_$t: FAILED (see $OUT/$t/log and crash-* there)" >&2
        grep -m 5 -e 'ERROR' -e 'SUMMARY' -e 'Test unit written' "$OUT/$t/log" >&2
        status=1
    fi
done
exit $status
