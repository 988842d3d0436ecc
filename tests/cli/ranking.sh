#!/bin/sh
# End-to-end tests of the ranking beyond plain BM25 through trawl-search over tests/data/seeds
# (docs/RANKING.md): fuzzy words and --fuzzy, the "did you mean" line and JSON record,
# --explain's query terms and clause notes, --query-tf, and their usage errors.
# Usage: sh tests/cli/ranking.sh BUILD_DIR (from anywhere). Prints "N passed, M failed".
set -u
. "$(dirname "$0")/lib.sh" && cli_setup ranking "$@"
# ids QUERY...: the seed numbers of the hits, space-separated, in rank order
ids() {
    "$S" -i "$T/idx" --json --no-snippets -n 100 "$@" |
        sed -n 's/^{"type":"hit","rank":[0-9]*,"id":"\([0-9]*\)_.*/\1/p' | tr '\n' ' ' | sed 's/ $//'
}
# is NAME GOT WANT
is() {
    if [ "$2" = "$3" ]; then ok; else bad "$1: got [$2], want [$3]"; fi
}

"$B/trawl-index" -q -o "$T/idx" "$ROOT/tests/data/seeds" || {
    echo "FAIL: indexing the seeds" >&2
    exit 1
}

# ---- fuzzy words: the minister is Galant in 000, Gallant in 001; Blinken is Anthony in one
# article and Antony in the others
is "galant" "$(ids galant)" "000"
is "galant~1" "$(ids 'galant~1')" "000 001"
is "--fuzzy galant" "$(ids --fuzzy galant | cut -d' ' -f1-2)" "000 001"
is "anthony~1 blinken" "$(ids 'anthony~1 blinken')" "000 002 004"
is "--fuzzy leaves a frequent word alone" "$(ids --fuzzy rafah)" "$(ids rafah)"
run "$S" -i "$T/idx" --color never --no-snippets --explain 'galant~1'
if [ "$st" = 0 ] && grep -q '^query terms: galant 1.0000 gallant 0.8333 (~1 of galant)$' "$T/out" &&
    grep -q 'gallant (~1 of galant, weight 0.8333)$' "$T/out"; then ok; else bad "explain fuzzy"; cat "$T/out" >&2; fi
run "$S" -i "$T/idx" --json --no-snippets --explain 'galant~1'
if grep -q '^{"type":"query_terms","terms":\[{"term":"galant","weight":1,"df":1,"origin":"query"},{"term":"gallant","weight":0.8333333333,"df":1,"origin":"fuzzy","edits":1,"from":"galant"}\]}$' "$T/out" &&
    grep -q '"origin":"fuzzy","weight":0.8333333333,"edits":1,"from":"galant"}' "$T/out"; then ok; else bad "explain fuzzy json"; cat "$T/out" >&2; fi
run "$S" -i "$T/idx" 'galant~3'
if [ "$st" = 2 ] && grep -q "fuzzy distance after '~' is at most 2" "$T/err"; then ok; else bad "galant~3"; fi

# ---- did you mean
run "$S" -i "$T/idx" --color never rafha
if [ "$st" = 1 ] && [ "$(tail -1 "$T/out")" = "did you mean: rafah" ]; then ok; else bad "did you mean"; cat "$T/out" >&2; fi
run "$S" -i "$T/idx" --json 'Rafha -egypt'
if [ "$(tail -1 "$T/out")" = '{"type":"suggestion","query":"rafah -egypt"}' ]; then ok; else bad "suggestion json"; cat "$T/out" >&2; fi
run "$S" -i "$T/idx" --color never rafah
if ! grep -q "did you mean" "$T/out"; then ok; else bad "no suggestion for a good spelling"; fi

# ---- query expansion: 30 documents, apple in 2, banana in 3 (the 10% limit), cherry in 1
{ echo '{"id":"d0","text":"apple banana cherry"}'
  echo '{"id":"d1","text":"apple banana"}'
  echo '{"id":"d2","text":"banana date"}'
  i=3; while [ $i -lt 30 ]; do echo "{\"id\":\"d$i\",\"text\":\"x y z\"}"; i=$((i + 1)); done
} >"$T/rm3.jsonl"
"$B/trawl-index" -q --language none --jsonl -o "$T/rm3" "$T/rm3.jsonl"
run "$S" -i "$T/rm3" --color never --no-snippets --or --expand --explain apple
if [ "$st" = 0 ] && grep -q '^query terms: apple 1.4229 banana 0.4229 (expansion) cherry 0.1543 (expansion)$' "$T/out" &&
    grep -q 'banana (expansion, weight 0.4229)$' "$T/out" && grep -q '^3. .* d2$' "$T/out"; then ok; else bad "--expand --explain"; cat "$T/out" >&2; fi
run "$S" -i "$T/rm3" --color never --no-snippets --expand apple
if [ "$st" = 0 ] && [ "$(grep -c '^[0-9]\.' "$T/out")" = 2 ]; then ok; else bad "--expand in AND mode keeps the word required"; fi
for args in "--expand-docs 0" "--expand-terms 1001" "--expand-weight 0" "--expand-weight 1.5"; do
    # shellcheck disable=SC2086 # split on purpose
    run "$S" -i "$T/rm3" $args apple
    if [ "$st" = 2 ] && [ "$(wc -l <"$T/err")" = 1 ]; then ok; else bad "usage error: $args"; fi
done

# ---- proximity: the words of "civilian casualties" stand together in some articles only
run "$S" -i "$T/idx" --color never --no-snippets --proximity --explain civilian casualties
if [ "$st" = 0 ] && grep -q '(proximity, closeness [0-9.]*, factor [0-9.]*)$' "$T/out"; then ok; else bad "--proximity --explain"; cat "$T/out" >&2; fi
is "--no-proximity is plain BM25" "$(ids --no-proximity civilian casualties)" "$(ids civilian casualties)"
run "$S" -i "$T/idx" --proximity-weight 101 rafah
if [ "$st" = 2 ]; then ok; else bad "--proximity-weight 101"; fi

# ---- repeated words
is "--query-tf once" "$(ids --or --query-tf once rafah rafah gaza)" "$(ids --or rafah gaza)"
run "$S" -i "$T/idx" --query-tf twice rafah
if [ "$st" = 2 ] && grep -q "bad value for --query-tf" "$T/err"; then ok; else bad "--query-tf twice"; fi

cli_done
