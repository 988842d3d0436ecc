#!/usr/bin/env python3
"""make_queries.py: draws benchmark queries from the corpus itself with a fixed seed, so every
query class has hits. Output is JSON Lines in the shared query-set format
({"query": "<Lucene syntax>", "tags": [class, subclass]}), so the latency driver reads both sets
the same way.

Words for drawing are whitespace-separated chunks that are plain ASCII letters once surrounding
punctuation is stripped and lower-cased: both trawl's analyzer and FTS5's unicode61 see such a
word as one token, so a bigram of two such adjacent words is a phrase both engines match.
A query gets the extra tag "tokens_agree" when none of its words is counted differently by the
two tokenisers anywhere in the corpus; on those, trawl's and FTS5's COUNT must agree exactly.
Words that disagree: parts of apostrophe-joined words (trawl keeps `mux'd`, `haven't` and
`参数'from'` whole, FTS5 splits them; a possessive `X's` is harmless for X except as the first
word of a phrase, since trawl drops the `'s`), and the diacritic-free forms of non-ASCII words
(FTS5 unicode61 removes diacritics, trawl keeps them). Such words are still drawn, so the
queries keep the corpus's frequent words.

--diff also lists the words that trawl and Xapian's TermGenerator count differently
(`tainted_xapian`): parts of `_`-joined words (Xapian keeps `CONFIG_FOO` whole, trawl splits
it), X of `X's` (Xapian keeps `X's`, trawl drops the `'s`), the parts of words joined by U+2019
(Xapian 1.4 splits `they’re`, trawl keeps it whole), dotted acronyms (Xapian reads `e.g.`
as `eg`), words followed by `+` or `#` (Xapian keeps `C++`, `C#`), and the compatibility forms
of non-ASCII words (trawl folds `ﬁle` to `file`, Xapian only lower-cases).

Classes (N per class, default 200):
  term          single words, N/4 from each document-frequency band 1-9, 10-99, 100-999, 1000+
  phrase        "a b": distinct bigrams, N/4 from each bigram-frequency band 1, 2-9, 10-99, 100+
  intersection  +a +b with the same word pairs as phrase
  union         a b  with the same word pairs as phrase
  intersection_union  +a b: the first word required, the second optional (scored), same pairs
(the search benchmark game also writes each query three ways).

Usage: make_queries.py CORPUS.jsonl OUT.jsonl [--per-class N] [--seed S] [--diff WORDS.json]
"""
import argparse
import collections
import json
import random
import re
import unicodedata

STRIP = '.,;:!?()[]{}"\'`*'
WORD = re.compile(r'[a-z]+\Z')


def doc_words(text):
    """Yields (word or None) per whitespace chunk; None breaks adjacency."""
    for chunk in text.split():
        inner = chunk.strip(STRIP).lower()
        clean = inner if WORD.match(inner) and len(inner) >= 2 else None
        yield clean, chunk


APOS = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)+")
NON_ASCII = re.compile(r'\w*[^\W\x00-\x7f]\w*')


def taint(text, tainted, possessive):
    """Adds the words the two tokenisers count differently in text (see the module comment)."""
    for m in APOS.finditer(text):
        parts = re.split("['\u2019]", m.group(0).lower())
        if len(parts) == 2 and parts[1] == 's':
            possessive.add(parts[0])
        else:
            tainted.update(parts)
    for m in NON_ASCII.finditer(text):
        folded = unicodedata.normalize('NFKD', m.group(0).lower())
        folded = ''.join(c for c in folded if not unicodedata.combining(c))
        if WORD.match(folded):
            tainted.add(folded)


XAPIAN_JOINED = re.compile(r'\w*_\w*')
ACRONYM = re.compile(r'(?<![\w.])(?:[^\W\d_]\.){2,}')
SUFFIXED = re.compile(r'([^\W_]+)(?:\+{1,3}|#)(?![\w+#])')


def taint_xapian(text, tainted):
    """Adds the words trawl and Xapian's TermGenerator count differently (module comment)."""
    for m in XAPIAN_JOINED.finditer(text):
        tainted.update(p.lower() for p in m.group(0).split('_') if p)
    for m in APOS.finditer(text):
        parts = re.split("['\u2019]", m.group(0).lower())
        if '\u2019' in m.group(0):
            tainted.update(parts)
        elif parts[-1] == 's':
            tainted.add(parts[-2])
    for m in ACRONYM.finditer(text):
        tainted.add(m.group(0).replace('.', '').lower())
    for m in SUFFIXED.finditer(text):
        tainted.add(m.group(1).lower())
    for m in NON_ASCII.finditer(text):
        folded = unicodedata.normalize('NFKC', m.group(0)).lower()
        tainted.update(w for w in re.findall(r'[a-z]+', folded))


def scan(path):
    """Document frequency of words and bigrams, and total bigram occurrences."""
    df = collections.Counter()
    bigram_n = collections.Counter()
    tainted, possessive, tainted_x = set(), set(), set()
    n_docs = 0
    for line in open(path, encoding='utf-8'):
        text = json.loads(line)['text']
        n_docs += 1
        taint(text, tainted, possessive)
        taint_xapian(text, tainted_x)
        seen = set()
        prev = None  # previous clean word if it had no trailing punctuation
        for w, chunk in doc_words(text):
            if w is not None:
                seen.add(w)
                lead = chunk[0].isalpha()
                if prev is not None and lead:
                    bigram_n[(prev, w)] += 1
                prev = w if chunk[-1].isalpha() else None
            else:
                prev = None
        df.update(seen)
    return n_docs, df, bigram_n, tainted, possessive, tainted_x


def draw_banded(rng, items, value, bands, n):
    """Draws about n items, n/len(bands) from each [lo, hi) band of value(item), sorted input."""
    out = []
    per = n // len(bands)
    for lo, hi in bands:
        pool = [x for x in items if lo <= value(x) < hi]
        rng.shuffle(pool)
        out.extend((x, '%d-%s' % (lo, hi - 1 if hi < 1 << 60 else 'max')) for x in pool[:per])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('corpus')
    ap.add_argument('out')
    ap.add_argument('--per-class', type=int, default=200)
    ap.add_argument('--seed', type=int, default=20261123)
    ap.add_argument('--diff', help='also write the words the tokenisers count differently '
                    '(JSON: tainted, possessive) for classifying other query sets')
    args = ap.parse_args()
    rng = random.Random(args.seed)
    n_docs, df, bigram_n, tainted, possessive, tainted_x = scan(args.corpus)
    top = 1 << 62
    terms = draw_banded(rng, sorted(df), lambda w: df[w],
                        [(1, 10), (10, 100), (100, 1000), (1000, top)], args.per_class)
    pairs = draw_banded(rng, sorted(bigram_n), lambda b: bigram_n[b],
                        [(1, 2), (2, 10), (10, 100), (100, top)], args.per_class)
    with open(args.out, 'w', encoding='utf-8') as f:
        def put(q, cls, band, agree):
            tags = [cls, '%s:%s' % (cls, band)] + (['tokens_agree'] if agree else [])
            f.write(json.dumps({'query': q, 'tags': tags}) + '\n')
        for w, band in terms:
            put(w, 'term', 'df_' + band, w not in tainted)
        ok = {p: p[0] not in tainted and p[1] not in tainted for p, _ in pairs}
        for p, band in pairs:
            put('+%s +%s' % p, 'intersection', 'bigram_' + band, ok[p])
        for p, band in pairs:
            put('%s %s' % p, 'union', 'bigram_' + band, ok[p])
        for p, band in pairs:
            put('"%s %s"' % p, 'phrase', 'bigram_' + band, ok[p] and p[0] not in possessive)
        for p, band in pairs:
            put('+%s %s' % p, 'intersection_union', 'bigram_' + band, ok[p])
    if args.diff:
        with open(args.diff, 'w') as f:
            json.dump({'tainted': sorted(tainted), 'possessive': sorted(possessive),
                       'tainted_xapian': sorted(tainted_x)}, f)
    print('%d docs, %d words (%d counted differently by the tokenisers), %d bigrams -> '
          '%d terms, %d pairs' % (n_docs, len(df), len(tainted), len(bigram_n), len(terms),
                                  len(pairs)))


if __name__ == '__main__':
    main()
