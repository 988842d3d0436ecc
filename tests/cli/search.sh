#!/bin/sh
# End-to-end tests of trawl-search over tests/data/seeds: known documents for each query form,
# rankings and scores against tests/ref_bm25.py (1e-6), error output and exit codes, JSON,
# colour rules, paging, sorting, several indexes as one corpus.
# Usage: sh tests/cli/search.sh BUILD_DIR (from anywhere). Prints "N passed, M failed".
set -u
. "$(dirname "$0")/lib.sh" && cli_setup search "$@"
EXP=$ROOT/tests/data/expected
REF=$ROOT/tests/ref_bm25.py
# same NAME GOT_FILE WANT_FILE
same() {
    if cmp -s "$2" "$3"; then ok; else
        bad "$1"
        diff "$3" "$2" | head -20 >&2
    fi
}
# ids QUERY...: matching ids (all of them), one a line, in rank order
ids() { "$S" -i "$T/idx" --json --no-snippets -n 1000 "$@" | sed -n 's/^{"type":"hit","rank":[0-9]*,"id":"\([^"]*\)".*/\1/p'; }
# ranked QUERY...: "id score" lines with 9 decimals, as ref_bm25.py prints them
ranked() {
    "$S" -i "${IDXDIR:-$T/idx}" --json --no-snippets -n 1000 "$@" | python3 -c '
import json, sys
for line in sys.stdin:
    o = json.loads(line)
    if "rank" in o:
        print("%s %.9f" % (o["id"], o["score"]))'
}
# close NAME GOT WANT: same ids in the same order, scores within 1e-6
close() {
    if python3 - "$2" "$3" <<'EOF'; then ok; else bad "$1"; fi
import sys
got = [l.split() for l in open(sys.argv[1])]
want = [l.split() for l in open(sys.argv[2])]
if [g[0] for g in got] != [w[0] for w in want]:
    sys.exit("order: got %s want %s" % ([g[0] for g in got], [w[0] for w in want]))
for g, w in zip(got, want):
    if abs(float(g[1]) - float(w[1])) > 1e-6:
        sys.exit("score of %s: got %s want %s" % (g[0], g[1], w[1]))
EOF
}

# ---- build the index
if "$B/trawl-index" -q -o "$T/idx" "$ROOT/tests/data/seeds" >"$T/out" 2>&1; then ok; else
    bad "trawl-index failed: $(cat "$T/out")"
    cli_done
    exit 1
fi

# ---- known documents
ids '"ground invasion"' | sort >"$T/got"; same '"ground invasion"' "$T/got" "$EXP/ground_invasion.ids"
ids '"arms smuggling"' | sort >"$T/got"; same '"arms smuggling"' "$T/got" "$EXP/arms_smuggling.ids"
ids rafah | sort >"$T/got"; same rafah "$T/got" "$EXP/rafah.ids"
ids -- blinken -netanyahu | sort >"$T/got"; same 'blinken -netanyahu' "$T/got" "$EXP/blinken_not_netanyahu.ids"
ids 'date:2024-03-21..2024-03-22' | sort >"$T/got"
same 'date:2024-03-21..2024-03-22' "$T/got" "$EXP/date_2024-03-21_2024-03-22.ids"
ids rafah --from 2024-03-21 --to 2024-03-22 | sort >"$T/got"
same 'rafah --from --to' "$T/got" "$EXP/date_2024-03-21_2024-03-22.ids"

# ---- rankings and scores against the reference BM25
if [ -x "$B/tests/test_snippet" ]; then
    # Recompute the reference from the analyzer's own tokens; the stored files must not drift.
    if (cd "$ROOT" && TRAWL_DUMP_TOKENS="$T/tokens.json" "$B/tests/test_snippet" >/dev/null 2>&1); then
        python3 "$REF" "$T/tokens.json" rafah >"$T/ref"; same 'ref rafah' "$T/ref" "$EXP/rafah.ref"
        python3 "$REF" "$T/tokens.json" civilian casualti >"$T/ref"
        same 'ref civilian casualti' "$T/ref" "$EXP/civilian_casualties_and.ref"
        python3 "$REF" "$T/tokens.json" --or civilian casualti >"$T/ref"
        same 'ref --or civilian casualti' "$T/ref" "$EXP/civilian_casualties_or.ref"
        python3 "$REF" "$T/tokens.json" --phrase ground invas >"$T/ref"
        same 'ref --phrase ground invas' "$T/ref" "$EXP/ground_invasion_phrase.ref"
        python3 "$REF" "$T/tokens.json" --phrase of the >"$T/ref"
        same 'ref --phrase of the' "$T/ref" "$EXP/of_the_phrase.ref"
        for q in rafah blinken netanyahu "civilian casualti"; do
            # shellcheck disable=SC2086 # q holds several terms on purpose
            if python3 "$REF" "$T/tokens.json" --check-fts5 $q >"$T/out"; then ok; else
                bad "fts5 cross-check $q: $(cat "$T/out")"
            fi
        done
    else
        bad "token dump through $B/tests/test_snippet failed"
    fi
fi
ranked rafah >"$T/got"; close 'rafah ranking' "$T/got" "$EXP/rafah.ref"
ranked civilian casualties >"$T/got"; close 'civilian casualties ranking' "$T/got" "$EXP/civilian_casualties_and.ref"
ranked --or civilian casualties >"$T/got"; close '--or civilian casualties ranking' "$T/got" "$EXP/civilian_casualties_or.ref"
ranked '"ground invasion"' >"$T/got"; close '"ground invasion" ranking' "$T/got" "$EXP/ground_invasion_phrase.ref"
ranked -n 3 '"of the"' >"$T/got"; head -3 "$EXP/of_the_phrase.ref" >"$T/want"
close '"of the" top 3 (pruned)' "$T/got" "$T/want"
ranked --or -n 2 --offset 2 civilian casualties >"$T/got"
sed -n 3,4p "$EXP/civilian_casualties_or.ref" >"$T/want"; close '--offset 2 -n 2' "$T/got" "$T/want"

# ---- phrase grams: phrases matched on the gram lists rank as the reference and as without them
if "$B/trawl-index" -q --phrase-grams -o "$T/gidx" "$ROOT/tests/data/seeds" >"$T/out" 2>&1 &&
    grep -q '^phrase_grams 1$' "$T/gidx/MANIFEST"; then ok; else bad "--phrase-grams: $(cat "$T/out")"; fi
granked() { IDXDIR=$T/gidx ranked "$@"; }
"$B/trawl-index" --stats "$T/gidx" >"$T/out" 2>&1
if grep -q '^analyzer: .*, with phrase grams' "$T/out" && grep -q 'manifest version 3' "$T/out"; then ok; else
    bad "--stats of a gram index: $(head -5 "$T/out")"
fi
granked '"of the"' >"$T/got"; close '"of the" ranking from grams' "$T/got" "$EXP/of_the_phrase.ref"
granked '"ground invasion"' >"$T/got"; close '"ground invasion" with grams' "$T/got" "$EXP/ground_invasion_phrase.ref"
for q in '"in the"' '"said on the"' '"the israeli military"' '"of the" gaza' '+"it is" hamas'; do
    ranked "$q" >"$T/want"; granked "$q" >"$T/got"; same "$q with grams" "$T/got" "$T/want"
done
"$S" -i "$T/idx" --terms '' -n 100000 >"$T/want"; "$S" -i "$T/gidx" --terms '' -n 100000 >"$T/got"
same '--terms lists no gram' "$T/got" "$T/want"
run "$B/trawl-index" -q --phrase-grams -o "$T/idx" "$ROOT/tests/data/seeds"
if [ "$st" != 0 ] && grep -q 'without --phrase-grams; add them with --rebuild' "$T/err"; then ok; else
    bad "--phrase-grams on an index without them: status $st"
fi

# Two index directories searched as one corpus give the same ranking and scores.
mkdir -p "$T/a" "$T/b"
cp "$ROOT"/tests/data/seeds/000_* "$ROOT"/tests/data/seeds/001_* "$T/a"
cp "$ROOT"/tests/data/seeds/002_* "$ROOT"/tests/data/seeds/003_* "$ROOT"/tests/data/seeds/004_* "$T/b"
"$B/trawl-index" -q -o "$T/ia" "$T/a" && "$B/trawl-index" -q -o "$T/ib" "$T/b"
"$S" -i "$T/ia" --index "$T/ib" --json --no-snippets rafah | python3 -c '
import json, sys
for line in sys.stdin:
    o = json.loads(line)
    if "rank" in o:
        print("%s %.9f" % (o["id"], o["score"]))' >"$T/got"
close 'two indexes as one corpus' "$T/got" "$EXP/rafah.ref"

# ---- output formats
run "$S" -i "$T/idx" --count rafah
if [ "$st" = 0 ] && [ "$(cat "$T/out")" = 5 ]; then ok; else bad "--count rafah: $(cat "$T/out")"; fi
run "$S" -i "$T/idx" --count civilian casualties
if [ "$(cat "$T/out")" = 4 ]; then ok; else bad "--count AND: $(cat "$T/out")"; fi
run "$S" -i "$T/idx" --count --or civilian casualties
if [ "$(cat "$T/out")" = 5 ]; then ok; else bad "--count --or: $(cat "$T/out")"; fi

run "$S" -i "$T/idx" --json rafah '"ground invasion"' OR netanyahu
if [ "$st" = 0 ] && python3 -c '
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
hits = [json.loads(l) for l in lines[:-1]]
last = json.loads(lines[-1])
assert last["count"] == len(hits) and last["exact"] is True and last["ms"] >= 0, last
for i, h in enumerate(hits):
    assert h["rank"] == i + 1 and set(h) == {"type", "rank", "id", "path", "score", "date", "line", "column", "snippet", "highlights", "highlights_cp"}
    raw = h["snippet"].encode("utf-8")
    assert h["highlights"], h
    for off, n in h["highlights"]:
        assert raw[off:off + n].decode("utf-8").lower() in ("rafah", "ground", "invasion", "netanyahu", "invasive"), raw[off:off + n]
' "$T/out"; then ok; else bad "--json lines"; fi

run "$S" -i "$T/idx" -n 3 rafah
if grep -q '^1\. [0-9.]*  [^ ]*seeds/004_1bb60bc09e960d9e\.txt:5:361  2024-03-21$' "$T/out" &&
    grep -q ' Rafah' "$T/out" && ! grep -q '\[Rafah\]' "$T/out" && ! grep -q "$(printf '\033')" "$T/out" &&
    tail -n 1 "$T/out" | grep -q '^5 matching documents (showing 1-3) in [0-9.]* ms$' &&
    [ "$(grep -c '^   ' "$T/out")" = 3 ]; then ok; else bad "piped text output"; cat "$T/out" >&2; fi

run "$S" -i "$T/idx" --explain -n 1 civilian casualties
if grep -q '^ *tf=3 df=5 idf=0\.0870 norm=[0-9.]* score=[0-9.]*  civilian$' "$T/out" &&
    grep -q '^ *sum=0\.5420' "$T/out"; then ok; else bad "--explain"; cat "$T/out" >&2; fi

run "$S" -i "$T/idx" --sort date --json --no-snippets rafah
if python3 -c '
import json, sys
d = [json.loads(l).get("date") for l in open(sys.argv[1]) if "rank" in l]
k = [x or "" for x in d]
assert k == sorted(k, reverse=True) and len(k) == 5, d' "$T/out"; then ok; else bad "--sort date"; fi

# Colour: ANSI on a terminal; none when NO_COLOR is set (any value), TERM=dumb or --color never,
# and then the text as it is unless --marks asks for markers.
ESC=$(printf '\033')
cli_tty "$S" -i "$T/idx" -n 1 rafah >"$T/out"
if grep -q "$ESC\[1;31mRafah" "$T/out"; then ok; else bad "colour on a terminal"; fi
NO_COLOR= cli_tty "$S" -i "$T/idx" -n 1 rafah >"$T/out"
if ! grep -q "$ESC" "$T/out" && grep -q ' Rafah' "$T/out" && ! grep -q '\[Rafah' "$T/out"; then ok; else bad "NO_COLOR (empty)"; fi
TERM=dumb cli_tty "$S" -i "$T/idx" -n 1 rafah >"$T/out"
if ! grep -q "$ESC" "$T/out" && grep -q ' Rafah' "$T/out"; then ok; else bad "TERM=dumb"; fi
TERM=dumb cli_tty "$S" --color=always -i "$T/idx" -n 1 rafah >"$T/out"
if grep -q "$ESC\[1;31mRafah" "$T/out"; then ok; else bad "TERM=dumb --color=always"; fi
run "$S" -i "$T/idx" -n 1 --marks '<<,>>' rafah
if grep -q '<<Rafah>>' "$T/out"; then ok; else bad "--marks"; fi
run "$S" -i "$T/idx" -n 1 --marks=nocomma rafah
if [ "$st" = 2 ] && grep -q 'bad value for --marks' "$T/err"; then ok; else bad "--marks without a comma"; fi
NO_COLOR=1 cli_tty "$S" -i "$T/idx" -n 1 rafah >"$T/out"
if ! grep -q "$ESC" "$T/out"; then ok; else bad "NO_COLOR=1"; fi
cli_tty "$S" --color never -i "$T/idx" -n 1 rafah >"$T/out"
if ! grep -q "$ESC" "$T/out"; then ok; else bad "--color never"; fi
run "$S" --color always -i "$T/idx" -n 1 rafah
if grep -q "$ESC\[1;31m" "$T/out"; then ok; else bad "--color always when piped"; fi

# ---- errors
run "$S" -i "$T/idx" 'gaza AND (rafah OR'
if [ "$st" = 2 ] && [ "$(wc -l <"$T/err")" = 3 ] && [ ! -s "$T/out" ] &&
    sed -n 1p "$T/err" | grep -q "^trawl-search: error: OR without right operand (column 17)$" &&
    [ "$(sed -n 2p "$T/err")" = "  gaza AND (rafah OR" ] &&
    [ "$(sed -n 3p "$T/err")" = "                  ^" ]; then ok; else bad "query error caret"; cat "$T/err" >&2; fi
run "$S" -i "$T/idx" '"unbalanced'
if [ "$st" = 2 ] && grep -q "unmatched '\"' (column 1)" "$T/err"; then ok; else bad "unmatched quote"; fi
run "$S" -i "$T/idx" -- -rafah
if [ "$st" = 2 ] && grep -q "only excluded" "$T/err"; then ok; else bad "only excluded"; fi
run "$S" -i "$T/missing" rafah
if [ "$st" = 2 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q '^trawl-search: error: ' "$T/err"; then ok; else bad "missing index"; cat "$T/err" >&2; fi
printf 'garbage' >"$T/notidx"
run "$S" -i "$T/notidx" rafah
if [ "$st" = 2 ] && [ "$(wc -l <"$T/err")" = 1 ]; then ok; else bad "file as index"; fi
for args in "rafah" "-i" "-i $T/idx" "-i $T/idx --limit x rafah" "-i $T/idx --bogus rafah" \
    "-i $T/idx --sort size rafah" "-i $T/idx --from 2024-02-30 rafah" "-i $T/idx --b 2 rafah" \
    "-i $T/idx --color sometimes rafah"; do
    # shellcheck disable=SC2086 # split on purpose
    run "$S" $args
    if [ "$st" = 2 ] && [ "$(wc -l <"$T/err")" = 1 ] && [ ! -s "$T/out" ]; then ok; else bad "usage error: $args (status $st)"; fi
done
# ---- option syntax as getopt_long has it, and the exit status (0 hits, 1 none, 2 error)
IDX=$T/idx
"$S" -i "$IDX" --json --no-snippets -n 2 rafah | grep '"rank"' >"$T/want"
for args in "-i$IDX -n2 rafah" "-n2 -i $IDX rafah" "--index=$IDX --limit=2 rafah" \
    "rafah -i $IDX -n 2" "-i $IDX -n2 -- rafah"; do
    # shellcheck disable=SC2086 # split on purpose
    run "$S" --json --no-snippets $args
    grep '"rank"' "$T/out" >"$T/got"
    if [ "$st" = 0 ] && cmp -s "$T/got" "$T/want"; then ok; else bad "option syntax: $args (status $st)"; fi
done
run "$S" -i "$IDX" -- -n2 rafah
if [ "$st" = 2 ] && grep -q 'only excluded' "$T/err"; then bad "-- ends options: -n2 read as a word"; else ok; fi
run "$S" -i "$IDX" --count -- rafah -netanyahu
if [ "$st" = 0 ] && [ "$(cat "$T/out")" = 3 ]; then ok; else bad "-- then an excluded word: $(cat "$T/out")"; fi
run "$S" -i "$IDX" rafah -netanyahu
if [ "$st" = 2 ] && grep -q "goes after --" "$T/err" && [ ! -s "$T/out" ]; then ok; else bad "-netanyahu before --: a usage error with a hint"; fi
run "$S" -i "$IDX" rafah -x
if [ "$st" = 2 ] && grep -q "unknown option -x.*after --" "$T/err"; then ok; else bad "unknown short option"; fi
run "$S" -i "$IDX" zzzzqq
if [ "$st" = 1 ] && grep -q '^0 matching documents' "$T/out"; then ok; else bad "no hits: exit 1 (status $st)"; fi
run "$S" -i "$IDX" --count zzzzqq
if [ "$st" = 1 ] && [ "$(cat "$T/out")" = 0 ]; then ok; else bad "--count no hits: exit 1 (status $st)"; fi
run "$S" -i "$IDX" --count rafah
if [ "$st" = 0 ]; then ok; else bad "--count hits: exit 0 (status $st)"; fi

run "$S" --help
if [ "$st" = 0 ] && grep -q '^usage: trawl-search' "$T/out"; then ok; else bad "--help"; fi
run "$S" --version
if [ "$st" = 0 ] && grep -q '^trawl-search [0-9]' "$T/out"; then ok; else bad "--version"; fi

cli_done
