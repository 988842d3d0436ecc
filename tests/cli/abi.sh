#!/bin/sh
# The ABI check (trawl.h "ABI promise"): the libtrawl.so of BUILD_DIR against the committed
# baseline of abi/. abidiff: no exported function removed or changed (added ones are fine);
# abi/layout.py: public structs only grow at their end, frozen ones never change; and every
# TRAWL_ constant of the baseline keeps its value.
# Usage: sh tests/cli/abi.sh BUILD_DIR            check; prints "N passed, M failed"
#        sh tests/cli/abi.sh BUILD_DIR --update   rewrite the baseline (make abi-baseline), at
#                                                 a release, after the check has passed
set -u
B=${1:?usage: tests/cli/abi.sh BUILD_DIR [--update]}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
A=$ROOT/abi
T=$(mktemp -d "${TMPDIR:-/tmp}/trawl-abi-test.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
. "$(dirname "$0")/lib.sh" # ok, bad, check, run, cli_done

# The numeric constants of the header: enum values and #defines, less the version's own.
constants() {
    { sed -n 's/^ *\(TRAWL_[A-Z0-9_]*\) *= *\(-*[0-9][0-9]*\).*/\1 \2/p' "$1"
      sed -n 's/^#define \(TRAWL_[A-Z0-9_]*\) *\(-*[0-9][0-9]*\)$/\1 \2/p' "$1" |
          grep -v '^TRAWL_VERSION_'; } | LC_ALL=C sort
}

if ! abidw --no-corpus-path --no-comp-dir-path --out-file "$T/cur.abi" "$B/libtrawl.so"; then
    echo "abi: abidw failed on $B/libtrawl.so" >&2
    exit 1
fi
if [ "${2:-}" = --update ]; then
    cp "$T/cur.abi" "$A/libtrawl.abi"
    constants "$ROOT/searcher/include/trawl.h" >"$A/constants.txt"
    echo "abi: baseline rewritten from $B/libtrawl.so"
    exit 0
fi

abidiff --suppressions "$A/libtrawl.abignore" "$A/libtrawl.abi" "$T/cur.abi" >"$T/diff" 2>&1
st=$?
# Bits 1 and 2: abidiff itself failed; removed or changed functions or variables: broken.
# Added functions alone (bit 4) are what the promise allows.
if [ $((st & 3)) -ne 0 ]; then
    bad "abidiff failed (status $st)"
    cat "$T/diff" >&2
elif grep -q -e '[1-9][0-9]* Removed' -e '[1-9][0-9]* Changed' "$T/diff"; then
    bad "exported functions removed or changed against abi/libtrawl.abi"
    cat "$T/diff" >&2
else ok; fi

if python3 "$A/layout.py" "$A/libtrawl.abi" "$T/cur.abi" >"$T/layout" 2>&1; then ok; else
    bad "public struct layouts broke the promise"
    cat "$T/layout" >&2
fi

constants "$ROOT/searcher/include/trawl.h" >"$T/constants"
gone=$(LC_ALL=C comm -23 "$A/constants.txt" "$T/constants" | tr '\n' ' ')
if [ -z "$gone" ]; then ok; else bad "constants removed or renumbered: $gone"; fi

cli_done
