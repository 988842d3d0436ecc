#!/usr/bin/env python3
"""prefix_weights.py: three ways to weigh a prefix's expansions, compared on CISI.

CISI's queries typed as prefixes (every word longer than N characters cut to its first N and a
*, as bench/run.sh does) are ranked by an independent BM25 over trawl's own analysed tokens,
with each prefix weighed:

  own    each expansion with its own idf (trawl before 2026-11-26; Lucene's scoring rewrite)
  blend  every expansion with the idf of the most frequent one (trawl now; Lucene's blended
         rewrite, as trawl weighs fuzzy variants)
  syn    the expansions as one term: tf summed, df the documents holding any (FTS5, Xapian)

"own" and "blend" reproduce trawl's runs of the same queries (bench/results/latest.md), which
checks the reimplementation; "syn" is what trawl does not do. Prints MAP and P@10 per N and
mode, and a paired randomisation test of syn against blend (bench/ranking.py).

Inputs: the analysed tokens of the documents and of the queries, written by the analyzer
through test_snippet's dumper (one file per document or query in a directory):

  python3 - <<'PY'
  import json, os
  os.makedirs('/tmp/cisi/docs', exist_ok=True); os.makedirs('/tmp/cisi/q', exist_ok=True)
  for l in open('WORK/cisi/cisi.jsonl'):
      d = json.loads(l); open('/tmp/cisi/docs/%s.txt' % d['id'], 'w').write(d['text'])
  for l in open('WORK/cisi/queries.tsv'):
      q, t = l.rstrip('\\n').split('\\t', 1); open('/tmp/cisi/q/%s.txt' % q, 'w').write(t)
  PY
  TRAWL_DUMP_TOKENS=/tmp/cisi/docs.json TRAWL_SEEDS=/tmp/cisi/docs build/release/tests/test_snippet
  TRAWL_DUMP_TOKENS=/tmp/cisi/q.json TRAWL_SEEDS=/tmp/cisi/q build/release/tests/test_snippet

Usage: prefix_weights.py DOCS.json QUERIES_TOKENS.json WORK/cisi/queries.tsv WORK/cisi/qrels.txt
(WORK: $TRAWL_BENCH_CACHE/work after a make bench). About a minute.
"""
import bisect
import collections
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eval_trec  # noqa: E402
import ranking  # noqa: E402

K1, B = 1.2, 0.75


class Collection:
    def __init__(self, docs_path):
        docs = json.load(open(docs_path, encoding='utf-8'))
        self.ids = [os.path.splitext(d['id'])[0] for d in docs]
        self.tfs = [collections.Counter(d['tokens']) for d in docs]
        self.lens = [d.get('length', len(d['tokens'])) for d in docs]
        self.n = len(docs)
        self.avgdl = sum(self.lens) / self.n
        self.df = collections.Counter()
        for c in self.tfs:
            self.df.update(c.keys())
        self.vocab = sorted(self.df)

    def expand(self, prefix):
        i, out = bisect.bisect_left(self.vocab, prefix), []
        while i < len(self.vocab) and self.vocab[i].startswith(prefix):
            out.append(self.vocab[i])
            i += 1
        return out

    def idf(self, df):
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def bm25(self, idf, tf, d):
        return idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * self.lens[d] / self.avgdl))

    def add_terms(self, scores, terms, idf_of, weight):
        for t in terms:
            idf = idf_of(t)
            for d in range(self.n):
                f = self.tfs[d].get(t)
                if f:
                    scores[d] += weight * self.bm25(idf, f, d)

    def add_synonym(self, scores, terms, weight):
        tf = {}
        for d in range(self.n):
            f = sum(self.tfs[d].get(t, 0) for t in terms)
            if f:
                tf[d] = f
        idf = self.idf(len(tf))
        for d, f in tf.items():
            scores[d] += weight * self.bm25(idf, f, d)


def rank(c, clauses, mode):
    """clauses: (is_prefix, terms) per query word; a repeated clause weighs its count, as trawl
    merges repeated words."""
    scores = collections.defaultdict(float)
    for (is_prefix, terms), weight in collections.Counter(clauses).items():
        if not terms:
            continue
        if not is_prefix or mode == 'own':
            c.add_terms(scores, terms, lambda t: c.idf(c.df[t]), weight)
        elif mode == 'blend':
            idf = c.idf(max(c.df[t] for t in terms))
            c.add_terms(scores, terms, lambda t: idf, weight)
        else:
            c.add_synonym(scores, terms, weight)
    return sorted(scores.items(), key=lambda x: (-x[1], x[0]))[:1000]


def main(argv):
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    c = Collection(argv[1])
    qtok = {os.path.splitext(d['id'])[0]: d['tokens']
            for d in json.load(open(argv[2], encoding='utf-8'))}
    queries = [l.rstrip('\n').split('\t', 1) for l in open(argv[3], encoding='utf-8')]
    qrels = {q: r for q, r in eval_trec.read_qrels(argv[4]).items() if r}
    qids = sorted(qrels)
    for n in (4, 5, 6):
        ap = {}
        for mode in ('own', 'blend', 'syn'):
            run = {}
            for qid, text in queries:
                words = text.split()
                if len(words) != len(qtok[qid]):
                    print('query %s: %d words, %d tokens' % (qid, len(words), len(qtok[qid])),
                          file=sys.stderr)
                    return 1
                clauses = [(True, tuple(c.expand(w[:n]))) if len(w) > n else (False, (t,))
                           for w, t in zip(words, qtok[qid])]
                run[qid] = [c.ids[d] for d, _ in rank(c, clauses, mode)]
            ap[mode] = [eval_trec.average_precision(run.get(q, []), qrels[q]) for q in qids]
            p10 = sum(eval_trec.precision_at(run.get(q, []), qrels[q], 10) for q in qids)
            print('N=%d %-5s MAP %.4f P@10 %.4f' % (n, mode, sum(ap[mode]) / len(qids),
                                                    p10 / len(qids)))
        print('N=%d syn against blend: p = %.3f' % (n, ranking.randomisation(ap['syn'],
                                                                            ap['blend'])))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
