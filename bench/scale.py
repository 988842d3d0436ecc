#!/usr/bin/env python3
"""scale.py: the sharded index on Dask distributed, measured on the benchmark corpus (bench/run.sh
calls it through bench/scale.sh; it also runs alone). Writes key=value lines to OUT for
bench/report.py and the per-shard call latencies to OUT.calls for bench/tail_sim.py:

  one_build_s, one_build_t2_s   trawl-index --jsonl, one process (--threads 1, then 2)
  build_w{1,2}_s                trawl.distributed.build of S shards on a LocalCluster of 1 or 2
                                worker processes (cluster start excluded; best of 2)
  inproc_one_us                 trawl.Index over the S shard directories (one process, one
                                context): per query the minimum of REPS passes, then the mean
  inproc_2phase_us              the two phases in one process: qstats of each shard, merged,
                                search of each with them, hits merged (what the workers do,
                                without the network)
  dist_w{1,2}_{mean,p50,p99}_us ShardedIndex.search over a LocalCluster of 1 or 2 workers,
                                replicas 1, one query at a time (per query the minimum of REPS)
  dist_w{1,2}_qps               queries per second of that single stream
  dist_w2_qps_2streams          two client threads, each with its own ShardedIndex
  overhead_w{1,2}_us            dist mean - inproc_2phase mean: what Dask adds to a query
  identical                     queries whose distributed top 10 (ids, score bits) equals the
                                in-process search of the shards as one index, of all queries
Queries: the benchmark's (QUERIES_JSONL), OR semantics, top 10, no snippets, as embed.sh.

Usage: scale.py BUILD_DIR CORPUS_JSONL QUERIES_JSONL WORK_DIR OUT [--shards S] [--reps R]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import warnings

warnings.filterwarnings('ignore', category=DeprecationWarning)  # tornado's, under Dask
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'bindings', 'python'))
import trawl  # noqa: E402
import trawl.distributed as td  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402


def pct(vals, p):
    v = sorted(vals)
    return v[max(0, -(-len(v) * p // 100) - 1)] if v else float('nan')


def cluster(workers):
    c = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                     dashboard_address=None, silence_logs=50)
    return c, Client(c)


def timed_build(build_dir, corpus, work, threads):
    out = os.path.join(work, 'scale-one')
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    subprocess.run([os.path.join(build_dir, 'trawl-index'), '-q', '--jsonl', '--language', 'none',
                    '--threads', str(threads), '-o', out, corpus], check=True)
    return time.perf_counter() - t


def sharded_build(corpus, root, shards, workers):
    best = None
    c, client = cluster(workers)
    try:
        for _ in range(2):
            shutil.rmtree(root, ignore_errors=True)
            r = td.build(client, [corpus], root, shards, language='none')
            best = r['seconds'] if best is None else min(best, r['seconds'])
    finally:
        client.close()
        c.close()
    return best


def two_phase(shards, q):
    merged = trawl.QStats.merged(i.qstats(q, default_or=True) for i in shards)
    rows = []
    for s, i in enumerate(shards):
        for h in i.search(q, stats=merged, default_or=True, snippets=False):
            rows.append((-h.score, s, h.doc, h.id, h.score))
    rows.sort()
    return [(r[3], r[4]) for r in rows[:10]]


def per_query_min(fn, queries, reps):
    best = [float('inf')] * len(queries)
    for _ in range(reps):
        for k, q in enumerate(queries):
            t = time.perf_counter()
            fn(q)
            best[k] = min(best[k], time.perf_counter() - t)
    return [b * 1e6 for b in best]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('build_dir')
    ap.add_argument('corpus')
    ap.add_argument('queries')
    ap.add_argument('work')
    ap.add_argument('out')
    ap.add_argument('--shards', type=int, default=2)
    ap.add_argument('--reps', type=int, default=3)
    a = ap.parse_args()
    queries = [json.loads(line)['query'] for line in open(a.queries) if line.strip()]
    kv = {'shards': a.shards, 'queries': len(queries), 'docs': 0}
    os.makedirs(a.work, exist_ok=True)

    def log(msg):
        print('bench scale: ' + msg, file=sys.stderr, flush=True)

    log('single trawl-index builds')
    kv['one_build_s'] = min(timed_build(a.build_dir, a.corpus, a.work, 1) for _ in range(2))
    kv['one_build_t2_s'] = min(timed_build(a.build_dir, a.corpus, a.work, 2) for _ in range(2))
    root = os.path.join(a.work, 'scale-shards')
    for w in (1, 2):
        log('sharded build, %d worker(s)' % w)
        kv['build_w%d_s' % w] = sharded_build(a.corpus, root, a.shards, w)

    dirs = td.shard_dirs(root)
    one = trawl.Index(dirs)
    kv['docs'] = one.stats()['n_docs']
    shards = [trawl.Index(d) for d in dirs]
    log('in-process searches')
    kv['inproc_one_us'] = sum(per_query_min(
        lambda q: one.search(q, default_or=True, snippets=False), queries, a.reps)) / len(queries)
    kv['inproc_2phase_us'] = sum(per_query_min(lambda q: two_phase(shards, q), queries,
                                               a.reps)) / len(queries)
    want = {q: [(h.id, h.score) for h in one.search(q, default_or=True, snippets=False)]
            for q in queries}
    calls = []
    for w in (1, 2):
        log('distributed searches, %d worker(s)' % w)
        c, client = cluster(w)
        try:
            with td.ShardedIndex(client, root, replicas=1) as idx:
                def run(q, idx=idx):
                    return idx.search(q, default_or=True, snippets=False)
                run(queries[0])
                idx.trace = []
                lat = per_query_min(run, queries, a.reps)
                if w == 2:
                    calls = idx.trace
                    same = sum(1 for q in queries
                               if [(h.id, h.score) for h in run(q)] == want[q])
                    kv['identical'] = '%d/%d' % (same, len(queries))
                idx.trace = None
                kv['dist_w%d_mean_us' % w] = sum(lat) / len(lat)
                kv['dist_w%d_p50_us' % w] = pct(lat, 50)
                kv['dist_w%d_p99_us' % w] = pct(lat, 99)
                kv['dist_w%d_qps' % w] = 1e6 / kv['dist_w%d_mean_us' % w]
                kv['overhead_w%d_us' % w] = kv['dist_w%d_mean_us' % w] - kv['inproc_2phase_us']
            if w == 2:
                kv['dist_w2_qps_2streams'] = two_streams(client, root, queries)
        finally:
            client.close()
            c.close()
    for i in shards:
        i.close()
    one.close()
    with open(a.out, 'w') as f:
        for k, v in kv.items():
            f.write('%s=%s\n' % (k, '%.3f' % v if isinstance(v, float) else v))
    with open(a.out + '.calls', 'w') as f:
        f.write('# per-shard call latency in microseconds (client-observed, one line per call): '
                'method us\n')
        for method, times in calls:
            for t in times:
                f.write('%s %.1f\n' % (method, t * 1e6))
    log('done')


def two_streams(client, root, queries):
    """Queries per second of two threads, each with its own ShardedIndex (its own actors)."""
    idxs = [td.ShardedIndex(client, root, replicas=1) for _ in range(2)]
    try:
        for i in idxs:
            i.search(queries[0], default_or=True, snippets=False)
        done = [0, 0]

        def run(k):
            for q in queries:
                idxs[k].search(q, default_or=True, snippets=False)
                done[k] += 1

        t = time.perf_counter()
        ts = [threading.Thread(target=run, args=(k,)) for k in range(2)]
        for th in ts:
            th.start()
        for th in ts:
            th.join()
        return sum(done) / (time.perf_counter() - t)
    finally:
        for i in idxs:
            i.close()


if __name__ == '__main__':
    main()
