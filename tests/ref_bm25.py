#!/usr/bin/env python3
"""Reference BM25, written independently of the C engine, for known-answer tests.

Input: a JSON list of documents already analysed, [{"id", "date", "tokens", "length"}, ...]
in index order ("length" = positions, dropped over-long tokens included; defaults to the
number of tokens). The C unit test binary writes it with the analyzer and the indexer's own
corpus walk:

    TRAWL_DUMP_TOKENS=/tmp/seeds.json build/release/tests/test_snippet
    (TRAWL_SEEDS=dir selects the corpus, default tests/data/seeds)

Usage:

    ref_bm25.py TOKENS.json [--or | --phrase] [--k1 1.2] [--b 0.75] TERM...
    ref_bm25.py TOKENS.json --check-fts5 [--or] TERM...

TERMs are analysed terms (stems, as the index holds them: "casualti", not "casualties").
Default: a document must contain every term (AND); --or: any term; --phrase: the terms in a
row, scored as Lucene scores a PhraseQuery: tf = the phrase's occurrences in the document,
idf = the sum of its terms' idf (a repeated term counted each time). Prints one "id score" line
per matching document, best first, ties in index order (the engine's rule), scores with 9
decimals. Formula: score = sum over query terms present in the document of
    idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl)),
    idf = ln(1 + (N - df + 0.5) / (df + 0.5)),
N = documents, df = documents containing the term, dl = document length, avgdl = mean dl over
all documents.

--check-fts5 cross-checks this ranking against SQLite FTS5's bm25() through python's sqlite3.
Each distinct term is replaced by a unique alphanumeric word ("t17") before insertion into an
fts5 table (tokenize='unicode61'), so FTS5 sees exactly our tokens and lengths (unicode61 would
otherwise split tokens such as "3.14"; documents containing dropped over-long tokens have a
larger length here than in FTS5, so the check is meant for corpora without them). FTS5's
bm25() uses the same k1, b and length norm but idf = ln((N - df + 0.5) / (df + 0.5)), clamped
to 1e-6 when not positive, and returns the negated score. The two rankings therefore agree
only where idf is a common factor of every document's score: one query term, or several terms
with equal df. There the ORDER (not the scores) must be identical, ties aside; elsewhere the
check reports "skipped". Exit status 1 on a disagreement.
"""
import json
import math
import sqlite3
import sys


def parse_args(argv):
    opts = {"or": False, "phrase": False, "k1": 1.2, "b": 0.75, "fts5": False, "terms": []}
    it = iter(argv)
    for a in it:
        if a == "--or":
            opts["or"] = True
        elif a == "--phrase":
            opts["phrase"] = True
        elif a == "--check-fts5":
            opts["fts5"] = True
        elif a in ("--k1", "--b"):
            opts[a[2:]] = float(next(it))
        else:
            opts["terms"].append(a)
    return opts


def load(path):
    with open(path, encoding="utf-8") as f:
        docs = json.load(f)
    for d in docs:
        d.setdefault("length", len(d["tokens"]))
    return docs


def bm25(docs, terms, use_or, k1, b):
    """Returns [(id, score)] best first, ties in index order."""
    n = len(docs)
    avgdl = sum(d["length"] for d in docs) / n if n else 0.0
    terms = list(dict.fromkeys(terms))
    tfs = []
    for d in docs:
        counts = {}
        for t in d["tokens"]:
            counts[t] = counts.get(t, 0) + 1
        tfs.append(counts)
    df = {t: sum(1 for c in tfs if t in c) for t in terms}
    out = []
    for i, d in enumerate(docs):
        present = [t for t in terms if t in tfs[i]]
        if not present or (not use_or and len(present) < len(terms)):
            continue
        norm = k1 * (1 - b + b * d["length"] / avgdl)
        score = 0.0
        for t in present:
            idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
            tf = tfs[i][t]
            score += idf * tf * (k1 + 1) / (tf + norm)
        out.append((i, d["id"], score))
    out.sort(key=lambda r: (-r[2], r[0]))
    return [(ident, score) for _, ident, score in out], df


def idf_of(n, df):
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def phrase(docs, terms, k1, b):
    """Returns [(id, score)] of the documents holding the terms in a row, best first."""
    n = len(docs)
    avgdl = sum(d["length"] for d in docs) / n if n else 0.0
    df = {t: sum(1 for d in docs if t in d["tokens"]) for t in terms}
    idf = sum(idf_of(n, df[t]) for t in terms)
    out = []
    for i, d in enumerate(docs):
        toks, k = d["tokens"], len(terms)
        tf = sum(1 for p in range(len(toks) - k + 1) if toks[p:p + k] == terms)
        if tf:
            norm = k1 * (1 - b + b * d["length"] / avgdl)
            out.append((i, d["id"], idf * tf * (k1 + 1) / (tf + norm)))
    out.sort(key=lambda r: (-r[2], r[0]))
    return [(ident, score) for _, ident, score in out]


def fts5_rank(docs, terms, use_or):
    """FTS5's bm25() order of the matching documents (ids, best first)."""
    vocab = {}
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE d USING fts5(body, tokenize='unicode61')")
    for i, d in enumerate(docs):
        words = ["t%d" % vocab.setdefault(t, len(vocab)) for t in d["tokens"]]
        con.execute("INSERT INTO d(rowid, body) VALUES (?, ?)", (i, " ".join(words)))
    known = ["t%d" % vocab[t] for t in dict.fromkeys(terms) if t in vocab]
    if not known or (not use_or and len(known) < len(set(terms))):
        return []
    expr = (" OR " if use_or else " AND ").join(known)
    rows = con.execute(
        "SELECT rowid, bm25(d) FROM d WHERE d MATCH ? ORDER BY bm25(d), rowid", (expr,)
    ).fetchall()
    return [docs[r[0]]["id"] for r in rows]


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) >= 2 else 2
    opts = parse_args(argv[2:])
    if not opts["terms"]:
        print("ref_bm25.py: no query terms", file=sys.stderr)
        return 2
    docs = load(argv[1])
    if opts["phrase"]:
        for ident, score in phrase(docs, opts["terms"], opts["k1"], opts["b"]):
            print("%s %.9f" % (ident, score))
        return 0
    ranked, df = bm25(docs, opts["terms"], opts["or"], opts["k1"], opts["b"])
    if not opts["fts5"]:
        for ident, score in ranked:
            print("%s %.9f" % (ident, score))
        return 0
    if len(set(df.values())) > 1:
        print("skipped: terms have different df, FTS5's idf orders them differently")
        return 0
    theirs = fts5_rank(docs, opts["terms"], opts["or"])
    ours = [ident for ident, _ in ranked]
    if ours != theirs:
        print("DISAGREE: ref %s, fts5 %s" % (ours, theirs))
        return 1
    print("agree: %s" % " ".join(ours))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
