#!/bin/sh
# End-to-end tests of looking inside an index (issue 9, item 5): trawl-index --stats (documents
# live and deleted, terms, analyzer, segments with sizes and deletions, roots), trawl-search
# --terms PREFIX (df, cf, sorted by term, df or cf, -n, JSON records) and --show ID|PATH (the
# stored text; an id under two roots; a path as trawl-search prints it); exit statuses.
# Usage: sh tests/cli/inspect.sh BUILD_DIR. Prints "N passed, M failed".
set -u
. "$(dirname "$0")/lib.sh" && cli_setup inspect "$@"
# same NAME GOT WANT
same() {
    if [ "$2" = "$3" ]; then ok; else
        bad "$1"
        printf 'got:\n%s\nwant:\n%s\n' "$2" "$3" >&2
    fi
}
cd "$T" || exit 1
mkdir d1 d2
printf 'Apples and apricots, apples again.\n' >d1/n.txt
printf 'Bananas and apples.\n' >d1/b.txt
printf 'Cherries.\n' >d2/n.txt
"$X" -q -o idx d1 && "$X" -q -o idx d2 || exit 1
rm d1/b.txt
"$X" -q --no-merge -o idx d1 || exit 1

# ---- --stats
run "$X" --stats idx
if [ "$st" = 0 ] &&
    grep -qx "index:      idx (generation [0-9]*, manifest version 2)" "$T/out" &&
    grep -qx "documents:  2 live, 1 deleted (dropped by the next merge)" "$T/out" &&
    grep -qx "analyzer:   stemmer english, tokens up to 64 bytes" "$T/out" &&
    grep -qx "segments:   2" "$T/out" &&
    grep -Eqx "  seg-[0-9]+\.trw  2 documents, 1 deleted, [0-9]+ terms, [0-9,]+ bytes \(\+ [^ ]+, [0-9,]+ bytes\)" "$T/out" &&
    grep -qx "roots:      2" "$T/out" && grep -qx "  1  $T/d1" "$T/out" && grep -qx "  2  $T/d2" "$T/out"
then ok; else bad "--stats"; cat "$T/out" "$T/err" >&2; fi
run "$X" --stats nosuch
if [ "$st" = 1 ] && grep -q '^trawl-index: error: ' "$T/err"; then ok; else bad "--stats of no index: exit 1"; fi
run "$X" --stats idx --check idx
if [ "$st" = 2 ]; then ok; else bad "--stats with --check: usage error"; fi

# ---- --terms
run "$S" -i idx --terms ap
same "--terms ap: df, cf (+: counts a deleted document), term" "$(cat "$T/out")" "         1            3+  appl
         1            1   apricot"
run "$S" -i idx --terms ''
same "--terms '': every live term in byte order" "$(awk '{print $NF}' "$T/out" | tr '\n' ' ')" "again and appl apricot cherri "
"$X" -q --merge idx
run "$S" -i idx --terms A
same "--terms: upper case folded; after a merge cf is exact" "$(cat "$T/out")" "         1            1   again
         1            1   and
         1            2   appl
         1            1   apricot"
run "$S" -i idx --terms '' --sort cf -n 2
same "--sort cf -n 2 (ties in term order)" "$(awk '{print $NF}' "$T/out" | tr '\n' ' ')" "appl again "
run "$S" -i idx --terms a --sort df --json
if [ "$st" = 0 ] && python3 "$ROOT/tests/cli/json_schema.py" "$T/out" '[r["term"] for r in recs[:-1]] == ["again", "and", "appl", "apricot"]
and recs[2] == {"type": "term", "term": "appl", "df": 1, "cf": 2, "cf_exact": True}
and recs[-1] == {"type": "summary", "count": 4}'; then ok; else bad "--terms --json"; cat "$T/out" >&2; fi
run "$S" -i idx --terms zz
if [ "$st" = 1 ] && [ ! -s "$T/out" ]; then ok; else bad "--terms without a match: exit 1"; fi
run "$S" -i idx --terms ap --sort score
if [ "$st" = 2 ]; then ok; else bad "--terms --sort score: usage error"; fi
run "$S" -i idx --terms ap rafah
if [ "$st" = 2 ]; then ok; else bad "--terms with a query: usage error"; fi

# ---- --show
run "$S" -i idx --show n.txt
same "--show: an id under two roots prints both" "$(cat "$T/out")" "==> $T/d1/n.txt <==
Apples and apricots, apples again.
==> $T/d2/n.txt <==
Cherries."
run "$S" -i idx --show d2/n.txt
if [ "$st" = 0 ] && [ "$(cat "$T/out")" = "Cherries." ]; then ok; else bad "--show PATH (as trawl-search prints it)"; fi
(cd d1 && "$S" -i ../idx --show ./n.txt) >"$T/out"
if cmp -s "$T/out" d1/n.txt; then ok; else bad "--show: the stored text, byte for byte"; fi
run "$S" -i idx --show d2/n.txt --json
if python3 "$ROOT/tests/cli/json_schema.py" "$T/out" 'recs == [{"type": "document", "id": "n.txt",
"path": "'"$T"'/d2/n.txt", "date": None, "text": "Cherries.\n"}]'; then ok; else bad "--show --json"; cat "$T/out" >&2; fi
run "$S" -i idx --show nosuch.txt
if [ "$st" = 1 ] && grep -q 'no document has the id or path nosuch.txt' "$T/err"; then ok; else bad "--show unknown: exit 1"; fi

cli_done
