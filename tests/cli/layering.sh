#!/bin/sh
# The floors of the house (README "Layout"), checked on the sources: usage $0 BUILD_DIR (unused).
# The Makefile already compiles each directory with only the include paths it may use; this
# script checks what the compiler cannot: that common/status.h and the public trawl.h define
# the return codes identically, and that no source names a header of a floor above it by path.
set -u
. "$(dirname "$0")/lib.sh" # ok, bad, check, run, cli_done

codes() { sed -n '/^#ifndef TRAWL_STATUS_CODES$/,/^#endif \/\* TRAWL_STATUS_CODES \*\/$/p' "$1"; }
a=$(codes common/status.h)
b=$(codes searcher/include/trawl.h)
if [ -n "$a" ] && [ "$a" = "$b" ]; then ok; else bad "status codes differ between common/status.h and trawl.h"; fi

# No relative include that climbs out of a directory ("../searcher/x.h") to dodge the paths.
if grep -n '#include *"\.\./' common/*.[ch] indexer/*.[ch] searcher/*.[ch] >/dev/null 2>&1; then
    bad "an include climbs out of its directory: $(grep -ln '#include *"\.\./' common/*.[ch] indexer/*.[ch] searcher/*.[ch] | tr '\n' ' ')"
else ok; fi

# common/ compiles alone: every header it includes is in common/ or the system.
for f in common/*.c; do
    if ! ${CC:-cc} -std=c11 -D_GNU_SOURCE -fsyntax-only -Icommon "$f" 2>/dev/null; then
        bad "$f does not compile with -Icommon alone"
    fi
done
ok

cli_done
