#!/bin/sh
# trawl-search --json as a protocol (issue 9, item 4): every line of every mode parses, carries
# "type" and matches the schema of trawl-search(1), JSON OUTPUT (tests/cli/json_schema.py);
# --json --count is a summary record; "exact" is right when a query matches every document;
# highlight spans in bytes and in code points select the same words; errors are records too.
# Usage: sh tests/cli/json.sh BUILD_DIR. Prints "N passed, M failed".
set -u
. "$(dirname "$0")/lib.sh" && cli_setup json "$@"
SCHEMA=$ROOT/tests/cli/json_schema.py
# valid NAME WANT_STATUS [python assertions on recs, a list of dicts]: every line of $T/out is
# a record of the schema, and the assertions hold
valid() {
    if [ "$st" = "$2" ] && python3 "$SCHEMA" "$T/out" "${3:-True}"; then ok; else
        bad "$1 (status $st)"
        head -5 "$T/out" >&2
    fi
}

mkdir -p "$T/docs"
cp "$ROOT"/tests/data/seeds/* "$T/docs/"
printf 'Caf\303\251 na\303\257ve \342\202\254 zebra and the \360\237\246\223 zebra again\n' >"$T/docs/utf8.txt"
printf '{"id":"r1","text":"a zebra in a record"}\n' >"$T/r.jsonl"
"$X" -q -o "$T/idx" "$T/docs" && "$X" -q --jsonl -o "$T/idx" "$T/r.jsonl" || {
    bad "indexing failed"
    cli_done
    exit 1
}
cd "$T" || exit 1

run "$S" -i idx --json rafah
valid "hits and summary" 0 'len(recs) == 6 and [r["type"] for r in recs] == ["hit"] * 5 + ["summary"]
and recs[-1]["count"] == 5 and recs[-1]["shown"] == 5 and recs[-1]["exact"] is True
and all(r["path"].startswith("docs/") and r["line"] >= 1 for r in recs[:5])'
run "$S" -i idx --json --explain -n 2 --offset 1 civilian casualties
valid "--explain, --offset" 0 'recs[0]["rank"] == 2 and recs[0]["doc_len"] > 0
and abs(sum(e["score"] for e in recs[0]["explain"]) - recs[0]["score"]) < 1e-6
and recs[-1]["offset"] == 1 and recs[-1]["shown"] == 2'
run "$S" -i idx --json --no-snippets rafah
valid "--no-snippets" 0 'all("snippet" not in r and "line" not in r for r in recs)'
run "$S" -i idx --json --count rafah
valid "--json --count: a summary record" 0 'len(recs) == 1 and recs[0]["type"] == "summary"
and recs[0]["count"] == 5 and recs[0]["shown"] == 0'
run "$S" -i idx --json --count nosuchword
valid "--json --count, no match" 1 'recs[0]["count"] == 0'
run "$S" -i idx --json zebra
valid "JSON Lines record: path null" 0 '{r["id"]: r["path"] for r in recs if r["type"] == "hit"}
== {"utf8.txt": "docs/utf8.txt", "r1": None}'
# every code point span selects the same word as its byte span
valid "highlights in bytes and code points" 0 'all(
  [h["snippet"].encode()[o:o + n].decode() for o, n in h["highlights"]] ==
  [h["snippet"][o:o + n] for o, n in h["highlights_cp"]] and
  all(h["snippet"][o:o + n].lower() == "zebra" for o, n in h["highlights_cp"])
  for h in recs if h["type"] == "hit")
and [h["highlights_cp"] for h in recs if h.get("id") == "utf8.txt"] == [[[13, 5], [29, 5]]]'
# a term in every document with --or: pruning skipped work, but every document was counted
"$X" -q -o seedidx "$ROOT/tests/data/seeds"
run "$S" -i seedidx --json --or -n 1 the rafah
valid "exact when every document is counted" 0 'recs[-1]["count"] == 5 and recs[-1]["exact"] is True'
long=$(python3 -c 'print("x" * 300)')
run "$S" -i idx --json "$long" rafah
valid "warning record" 0 'recs[0]["type"] == "warning" and recs[0]["kind"] == "long_word"
and recs[0]["column"] == 1 and recs[0]["bytes"] == 300'
run "$S" -i idx --json --count "$long" rafah
valid "warning record with --count" 0 '[r["type"] for r in recs] == ["warning", "summary"]'
run "$S" -i idx --json 'rafah OR'
valid "query error record" 2 'recs == [{"type": "error", "code": "TRAWL_EQUERY",
"message": "OR without right operand", "column": 7}]'
if [ "$(wc -l <"$T/err")" = 3 ]; then ok; else bad "query error still on stderr"; fi
run "$S" -i nosuchidx --json rafah
valid "index error record" 2 'len(recs) == 1 and recs[0]["code"] == "TRAWL_ENOTINDEX"'
printf 'rafah\n(x\nzebra\n' >"$T/q.txt"
run "$S" -i idx --queries "$T/q.txt" --timing
valid "batch records" 2 '[r["type"] for r in recs] == ["query"] * 3 + ["summary"]
and "error" in recs[1] and recs[2]["count"] == 2'
run "$S" -i idx --json --explain 'galant~1'
valid "fuzzy: query_terms record, clause kind and origin" 0 'recs[0] == {"type": "query_terms",
"terms": [{"term": "galant", "weight": 1, "df": 1, "origin": "query"},
{"term": "gallant", "weight": 0.8333333333, "df": 1, "origin": "fuzzy", "edits": 1,
"from": "galant"}]} and recs[1]["explain"][0]["kind"] == "term"'
run "$S" -i idx --json rafha
valid "suggestion record after the summary" 1 '[r["type"] for r in recs] == ["summary",
"suggestion"] and recs[1]["query"] == "rafah"'

cli_done
