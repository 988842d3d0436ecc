#!/bin/sh
# Runs every unit test binary and every end-to-end script against build dir $1, then prints
# one closing line "N passed, N failed" (suites, not individual cases; cmocka prints those).
set -u
B=${1:?usage: tests/run.sh BUILD_DIR}
passed=0
failed=0
failed_names=""
for t in "$B"/tests/test_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    echo "== $name"
    if TRAWL_BUILD="$B" "$t"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failed_names="$failed_names $name"
    fi
done
for s in tests/cli/*.sh; do
    [ -f "$s" ] || continue
    name=$(basename "$s")
    [ "$name" = lib.sh ] && continue # sourced by the others
    echo "== $name"
    if sh "$s" "$B"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failed_names="$failed_names $name"
    fi
done
[ -z "$failed_names" ] || echo "failed suites:$failed_names"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
