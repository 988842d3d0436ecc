#!/usr/bin/env python3
"""eval_trec.py: MAP, P@10 and nDCG@10 (binary gains) of a TREC run file against TREC qrels,
averaged over the judged queries (those with at least one relevant document in the qrels; a
judged query the run does not answer scores 0). Importable: evaluate(run, qrels) -> dict.

  run file:   <qid> Q0 <docid> <rank> <score> <tag>   (ranked by rank, then by file order)
  qrels file: <qid> <iteration> <docid> <relevance>    (relevance > 0 is relevant)

Usage: eval_trec.py RUN QRELS [--depth 1000] [--json]
       eval_trec.py --self-test
"""
import json
import math
import sys


def read_qrels(path):
    rel = {}
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) >= 4 and float(p[3]) > 0:
                rel.setdefault(p[0], set()).add(p[2])
    return rel


def read_run(path):
    run = {}
    with open(path) as f:
        for i, line in enumerate(f):
            p = line.split()
            if len(p) >= 4:
                run.setdefault(p[0], []).append((int(p[3]), i, p[2]))
    return {q: [d for _, _, d in sorted(v)] for q, v in run.items()}


def average_precision(ranked, relevant):
    hits, total = 0, 0.0
    for i, d in enumerate(ranked):
        if d in relevant:
            hits += 1
            total += hits / (i + 1)
    return total / len(relevant)


def precision_at(ranked, relevant, k):
    return sum(1 for d in ranked[:k] if d in relevant) / k


def ndcg_at(ranked, relevant, k):
    dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(ranked[:k]) if d in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal


def evaluate(run, qrels, depth=1000):
    """run: {qid: [docid, ...] best first}; qrels: {qid: set of relevant docids}."""
    qids = sorted(q for q in qrels if qrels[q])
    sums = {'map': 0.0, 'p@10': 0.0, 'ndcg@10': 0.0}
    for q in qids:
        ranked, relevant = run.get(q, [])[:depth], qrels[q]
        sums['map'] += average_precision(ranked, relevant)
        sums['p@10'] += precision_at(ranked, relevant, 10)
        sums['ndcg@10'] += ndcg_at(ranked, relevant, 10)
    n = len(qids)
    out = {k: (v / n if n else 0.0) for k, v in sums.items()}
    out['queries'] = n
    return out


def self_test():
    qrels = {'1': {'a', 'c'}, '2': {'x'}}
    run = {'1': ['a', 'b', 'c']}  # query 2 unanswered: scores 0
    r = evaluate(run, qrels)
    ap1 = (1 / 1 + 2 / 3) / 2
    assert r['queries'] == 2
    assert abs(r['map'] - ap1 / 2) < 1e-12, r
    assert abs(r['p@10'] - (2 / 10) / 2) < 1e-12, r
    ndcg1 = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert abs(r['ndcg@10'] - ndcg1 / 2) < 1e-12, r
    print('eval_trec self-test ok')


def main(argv):
    if argv[1:] == ['--self-test']:
        self_test()
        return 0
    depth = int(argv[argv.index('--depth') + 1]) if '--depth' in argv else 1000
    r = evaluate(read_run(argv[1]), read_qrels(argv[2]), depth)
    if '--json' in argv:
        print(json.dumps(r))
    else:
        print('queries %d  MAP %.4f  P@10 %.4f  nDCG@10 %.4f' %
              (r['queries'], r['map'], r['p@10'], r['ndcg@10']))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
