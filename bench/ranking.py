#!/usr/bin/env python3
"""ranking.py: the relevance comparison of the ranking beyond plain BM25 (docs/RANKING.md) on a
test collection: per-component and combined figures, two-fold cross-validation of every tuned
setting, and paired randomisation tests over per-query average precision.

  ranking.py grid OUT_LIST                  writes the configurations bench/relevance runs
  ranking.py eval RUN_DIR QRELS FTS_RUN OUT.json [--md OUT.md]

The grid names a configuration COMPONENT.SETTING; a component's settings are tuned by
cross-validation: the judged queries are split into two folds by rank of their id (odd / even),
the setting with the best MAP on one fold is scored on the other, and each query keeps the
figures of the setting chosen without it (its held-out figures). Significance: a paired
randomisation test (sign flips of the per-query AP differences, 20,000 rounds, fixed seed),
two-sided.
"""
import json
import math
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eval_trec  # noqa: E402

# component -> [(setting name, options)]; "default" marks the library's defaults for it
PROX = [('l%s' % l, 'prox=1,plambda=%s' % l) for l in ('0.1', '0.25', '0.5', '1', '2')]
EXPAND = [('d%d_t%d_w%s' % (d, t, w), 'expand=1,fbdocs=%d,fbterms=%d,fbweight=%s' % (d, t, w))
          for d in (5, 10, 20) for t in (5, 10, 20, 50) for w in ('0.3', '0.5', '0.7')]
GRID = {
    'bm25': [('default', '')],
    'qtf_once': [('once', 'qtf=once')],
    'fuzzy': [('auto', 'fuzzy=1')],
    'prox': PROX,
    'expand_default': [('d10_t10_w0.5', 'expand=1')],
    'expand': EXPAND,
    'all': [('rm3_fuzzy_%s' % pn, 'expand=1,fuzzy=1,%s' % po)
            for pn, po in [('p0', 'prox=0')] + PROX[:3]],
}
LABELS = {
    'bm25': 'plain BM25 (the defaults)',
    'qtf_once': 'repeated query words counted once',
    'fuzzy': '--fuzzy (rare and absent words widened)',
    'prox': 'proximity (BM25TP), lambda tuned',
    'expand_default': 'expansion, RM3 at the literature defaults (10 docs, 10 terms, 0.5)',
    'expand': 'expansion (RM3), docs / terms / weight tuned',
    'all': 'combined: expansion (defaults) + fuzzy + proximity (lambda tuned, or off)',
}


def write_grid(path):
    with open(path, 'w') as f:
        for comp, settings in GRID.items():
            for name, opts in settings:
                f.write('%s.%s %s\n' % (comp, name, opts))


def per_query(run, qrels):
    out = {}
    for q in qrels:
        ranked, rel = run.get(q, [])[:1000], qrels[q]
        out[q] = (eval_trec.average_precision(ranked, rel), eval_trec.precision_at(ranked, rel, 10),
                  eval_trec.ndcg_at(ranked, rel, 10))
    return out


def mean(vals):
    return sum(vals) / len(vals) if vals else float('nan')


def folds(qids):
    order = sorted(qids, key=lambda q: (int(q) if q.isdigit() else 0, q))
    return [set(order[0::2]), set(order[1::2])]


def randomisation(a, b, rounds=20000, seed=20261125):
    """Two-sided p of mean(a - b) under random sign flips of the paired differences."""
    d = [x - y for x, y in zip(a, b)]
    obs = abs(sum(d))
    rng = random.Random(seed)
    hits = 0
    for _ in range(rounds):
        s = sum(x if rng.random() < 0.5 else -x for x in d)
        hits += abs(s) >= obs - 1e-12
    return (hits + 1) / (rounds + 1)


def evaluate(run_dir, qrels_path, fts_path):
    qrels = {q: r for q, r in eval_trec.read_qrels(qrels_path).items() if r}
    qids = sorted(qrels)
    f = folds(qids)
    pq = {}
    for name in os.listdir(run_dir):
        if name.endswith('.run'):
            pq[name[:-4]] = per_query(eval_trec.read_run(os.path.join(run_dir, name)), qrels)
    fts = per_query(eval_trec.read_run(fts_path), qrels)
    comps = {}
    for comp in GRID:
        settings = ['%s.%s' % (comp, n) for n, _ in GRID[comp] if '%s.%s' % (comp, n) in pq]
        if not settings:
            continue
        chosen, held = [], {}
        for i in (0, 1):
            train, test = f[i], f[1 - i]
            best = max(settings, key=lambda s: (mean([pq[s][q][0] for q in train]), s))
            chosen.append(best.split('.', 1)[1])
            for q in test:
                held[q] = pq[best][q]
        full_best = max(settings, key=lambda s: (mean([pq[s][q][0] for q in qids]), s))
        comps[comp] = {
            'label': LABELS[comp],
            'settings': len(settings),
            'chosen_per_fold': chosen,
            'best_on_all': full_best.split('.', 1)[1],
            'held_out': [mean([held[q][k] for q in qids]) for k in range(3)],
            'best_on_all_figures': [mean([pq[full_best][q][k] for q in qids]) for k in range(3)],
            'per_query_ap': [held[q][0] for q in qids],
        }
    ftsm = [mean([fts[q][k] for q in qids]) for k in range(3)]
    fts_ap = [fts[q][0] for q in qids]
    base_ap = comps['bm25']['per_query_ap'] if 'bm25' in comps else None
    for comp, c in comps.items():
        c['p_vs_fts5'] = randomisation(c['per_query_ap'], fts_ap)
        c['p_vs_bm25'] = randomisation(c['per_query_ap'], base_ap) if base_ap else None
        c['map_vs_fts5'] = c['held_out'][0] / ftsm[0] - 1
        c['wins_losses_vs_fts5'] = [sum(a > b + 1e-12 for a, b in zip(c['per_query_ap'], fts_ap)),
                                    sum(a < b - 1e-12 for a, b in zip(c['per_query_ap'], fts_ap))]
    return {'queries': len(qids), 'folds': [len(f[0]), len(f[1])], 'fts5': ftsm,
            'components': comps}


def markdown(r):
    lines = ['| ranking | MAP | P@10 | nDCG@10 | MAP vs FTS5 | p vs FTS5 | p vs BM25 | '
             'settings (fold 1 / fold 2) |', '|---|---:|---:|---:|---:|---:|---:|---|',
             '| SQLite FTS5 `bm25()` (the peer) | %.4f | %.4f | %.4f | | | | |' % tuple(r['fts5'])]
    for comp, c in r['components'].items():
        h = c['held_out']
        pb = '%.4f' % c['p_vs_bm25'] if c['p_vs_bm25'] is not None and comp != 'bm25' else ''
        tuned = ' / '.join(c['chosen_per_fold']) if c['settings'] > 1 else '(fixed)'
        lines.append('| %s | %.4f | %.4f | %.4f | %+.1f%% | %.4f | %s | %s |' % (
            c['label'], h[0], h[1], h[2], 100 * c['map_vs_fts5'], c['p_vs_fts5'], pb, tuned))
    return '\n'.join(lines)


def main(argv):
    if len(argv) >= 3 and argv[1] == 'grid':
        write_grid(argv[2])
        return 0
    if len(argv) >= 6 and argv[1] == 'eval':
        r = evaluate(argv[2], argv[3], argv[4])
        with open(argv[5], 'w') as f:
            json.dump(r, f, indent=1)
        md = markdown(r)
        if '--md' in argv:
            with open(argv[argv.index('--md') + 1], 'w') as f:
                f.write(md + '\n')
        print(md)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
