"""Tests of trawl.distributed on a LocalCluster of 3 worker processes on loopback (run by
tests/cli/distributed.sh from make test, with an interpreter that has Debian's
python3-distributed). Sharded indexes of the seeds and of generated documents answer a query
set exactly as one index of the same documents (ids, scores bit for bit, dates, counts,
snippets, explanations); updates and deletes go to the owning shard; a worker killed while
queries run changes no answer; a missing or corrupt shard is named, and the other shards go on.
"""
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import warnings

warnings.filterwarnings('ignore', category=DeprecationWarning)  # tornado's, under Dask
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..', '..'))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, '..')))
import trawl  # noqa: E402
import trawl.distributed as td  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402

SEEDS = os.path.join(ROOT, 'tests', 'data', 'seeds')
WORDS = ['%s%s' % (a, b) for a in ('ka', 'lo', 'mi', 'nu', 'pe', 'ro', 'su', 'ti')
         for b in ('b', 'd', 'g', 'k', 'm', 'n', 'r', 't')]


def seed_docs():
    """The seed articles as (id, text, date), as trawl-index reads them (date prefix)."""
    docs = []
    for name in sorted(os.listdir(SEEDS)):
        with open(os.path.join(SEEDS, name), encoding='utf-8') as f:
            text = f.read()
        date = None
        head = text.lstrip()
        if head.startswith('date '):
            date, text = head[5:15], head[16:]
        docs.append((name, text, date))
    return docs


def generated_docs(n, seed=11):
    """n documents of Zipf-ish words, many of equal length (ties), most of them dated."""
    rnd = random.Random(seed)
    docs = []
    for i in range(n):
        k = rnd.randint(3, 24)
        text = ' '.join(WORDS[min(int(rnd.paretovariate(1.0)) - 1, len(WORDS) - 1)]
                        if rnd.random() < .6 else rnd.choice(WORDS) for _ in range(k))
        date = '2024-%02d-%02d' % (rnd.randint(1, 3), rnd.randint(1, 28)) \
            if rnd.random() < .85 else None
        docs.append(('g%05d' % i, text, date))
    return docs


def one_index(path, docs, n_shards, language=None):
    """One index of docs in shard order: what the merged hits equal, ties included."""
    opts = {'language': language} if language else {}
    with trawl.Writer(path, threads=1, **opts) as w:
        for s in range(n_shards):
            for doc_id, text, date in docs:
                if td.shard_of(doc_id, n_shards) == s:
                    w.add(doc_id, text, date=date)
    return trawl.Index(path)


def rows(res, explain=False):
    out = []
    for h in res:
        r = (h.id, h.score.hex(), h.date, h.snippet, tuple(h.highlights or ()), h.doc_len)
        if explain:
            r += (tuple((c.term, c.tf, c.df, c.idf.hex(), c.norm.hex(), c.score.hex())
                        for c in h.clauses),)
        out.append(r)
    return out


GEN_QUERIES = ['kab', 'kad kab', 'lob OR mit', '"kab kad"', '"kab kad"~2', 'ka*', 'kab -kad',
               'mit NOT kab', '(kad OR lom) -"kab kab"', 'kab date:2024-02-01..2024-02-20',
               'date:2024-01-03..2024-01-05', 'lo* kab', 'nothing', 'tit sut']
SEED_QUERIES = ['rafah', '"ground invasion"', 'blinken -netanyahu', 'gaza AND (egypt OR border)',
                'invas*', 'rafah date:2024-03-20..2024-03-26', 'civilian casualties']
VARIANTS = [{}, {'limit': 25}, {'offset': 6, 'limit': 7}, {'sort': 'date'},
            {'default_or': True}, {'date_from': '2024-01-10', 'date_to': '2024-02-15'},
            {'exact_count': True, 'limit': 3}]


class ClusterTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix='trawl-dist-test-')
        cls.cluster = LocalCluster(n_workers=3, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=50)
        cls.client = Client(cls.cluster)
        cls.gen = generated_docs(3000)
        cls.gen_root = os.path.join(cls.tmp, 'gen')
        td.build(cls.client, cls.gen, cls.gen_root, 3, language='none')
        cls.gen_one = one_index(os.path.join(cls.tmp, 'gen-one'), cls.gen, 3, 'none')
        cls.seeds = seed_docs()
        cls.seed_root = os.path.join(cls.tmp, 'seeds')
        td.build(cls.client, cls.seeds, cls.seed_root, 3)
        cls.seed_one = one_index(os.path.join(cls.tmp, 'seed-one'), cls.seeds, 3)

    @classmethod
    def tearDownClass(cls):
        cls.gen_one.close()
        cls.seed_one.close()
        cls.client.close()
        cls.cluster.close()
        shutil.rmtree(cls.tmp)

    def same(self, idx, one, queries, variants=VARIANTS):
        n = 0
        for q in queries:
            for v in variants:
                a, b = idx.search(q, **v), one.search(q, **v)
                self.assertEqual(rows(a), rows(b), (q, v))
                if a.exact and b.exact:
                    self.assertEqual(a.count, b.count, (q, v))
                n += len(a)
            self.assertEqual(idx.count(q), one.count(q), q)
            self.assertEqual(rows(idx.explain(q, limit=5), True),
                             rows(one.explain(q, limit=5), True), q)
        return n

    def test_ranking_options_equal_one_index(self):
        """Fuzzy words (variants and rarity from every shard's terms), proximity and query_tf
        give one index's ids and score bits; expansion is refused."""
        ranking = [{'fuzzy': True}, {'proximity': True}, {'query_tf': 'once'},
                   {'proximity': True, 'proximity_weight': 3.0, 'default_or': True},
                   {'fuzzy': True, 'default_or': True, 'limit': 25}]
        gen_q = ['kab kad kab', 'kax', 'kab~1', 'lob mit', 'tit~2 sut']
        seed_q = ['galant', 'galant~1', 'rafha', 'anthony~1 blinken', 'rafah israel rafah']
        with td.ShardedIndex(self.client, self.gen_root) as idx:
            self.assertGreater(self.same(idx, self.gen_one, gen_q, ranking), 100)
            for q in gen_q:
                self.assertEqual(idx.count(q, fuzzy=True), self.gen_one.count(q, fuzzy=True), q)
        with td.ShardedIndex(self.client, self.seed_root) as idx:
            self.assertGreater(self.same(idx, self.seed_one, seed_q, ranking), 20)
            self.assertEqual([h.id for h in idx.search('galant', fuzzy=True)][:2],
                             [h.id for h in self.seed_one.search('galant', fuzzy=True)][:2])
            with self.assertRaises(trawl.ArgumentError):
                idx.search('rafah', expand=True)

    def test_build_routes_by_id(self):
        dirs = td.shard_dirs(self.gen_root)
        self.assertEqual(len(dirs), 3)
        total = 0
        for s, d in enumerate(dirs):
            with trawl.Index(d) as idx:
                total += idx.stats()['n_docs']
                for h in idx.search('kab OR lob OR mit', limit=200, snippets=False):
                    self.assertEqual(td.shard_of(h.id, 3), s)
        self.assertEqual(total, 3000)

    def test_generated_equal_one_index(self):
        with td.ShardedIndex(self.client, self.gen_root) as idx:
            self.assertEqual(sorted(len(idx.replicas_of(s)) for s in range(3)), [2, 2, 2])
            self.assertGreater(self.same(idx, self.gen_one, GEN_QUERIES), 500)

    def test_seeds_equal_one_index(self):
        with td.ShardedIndex(self.client, self.seed_root, replicas=1) as idx:
            self.assertGreater(self.same(idx, self.seed_one, SEED_QUERIES, VARIANTS[:4]), 20)
            hits = idx.search('rafah')
            self.assertEqual(len(hits), 5)
            self.assertTrue(all('afah' in h.snippet for h in hits))

    def test_phrase_grams_equal_one_index(self):
        """Shards built with phrase grams give one plain index's ids, score bits and counts:
        phase 1 collects the phrases' words, phase 2 matches on the grams."""
        root = os.path.join(self.tmp, 'seeds-grams')
        td.build(self.client, self.seeds, root, 3, phrase_grams=True)
        queries = ['"of the"', '"in the" gaza', '"said on the"', '"the israeli" OR rafah',
                   '"it is" -hamas']
        with td.ShardedIndex(self.client, root, replicas=1) as idx:
            self.assertGreater(self.same(idx, self.seed_one, queries, VARIANTS[:4]), 20)

    def test_query_errors_come_through(self):
        with td.ShardedIndex(self.client, self.gen_root, replicas=1) as idx:
            with self.assertRaises(trawl.QueryError):
                idx.search('kab (')
            with self.assertRaises(trawl.ArgumentError):
                idx.search('kab', sort='relevance')
            self.assertEqual(idx.failovers, 0)

    def test_updates_go_to_the_owning_shard(self):
        root = os.path.join(self.tmp, 'upd')
        docs = generated_docs(600, seed=3)
        td.build(self.client, docs, root, 3, language='none')
        with td.ShardedIndex(self.client, root) as idx:
            before = sum(r['n_docs'] for r in idx.stats())
            with td.ShardedWriter(self.client, root) as w:
                w.add('g00001', 'kab kab replaced text', date='2024-03-01')
                w.add('new-1', 'kab kad brand new', date='2024-03-02')
                w.delete('g00002')
                w.delete('no-such-id')
            self.assertEqual(idx.count('brand'), 0)  # not reopened yet
            idx.reopen()
            self.assertEqual(sum(r['n_docs'] for r in idx.stats()), before)  # +1 -1
            dirs = td.shard_dirs(root)
            with trawl.Index(dirs) as ref:
                self.same(idx, ref, ['kab', 'kab kad', 'replaced', 'brand', 'ka*'], VARIANTS[:3])
            self.assertEqual([h.id for h in idx.search('replaced')], ['g00001'])
            self.assertEqual(idx.search('replaced')[0].shard, td.shard_of('g00001', 3))
            self.assertEqual(idx.search('brand')[0].shard, td.shard_of('new-1', 3))

    def test_missing_or_corrupt_shard(self):
        root = os.path.join(self.tmp, 'bad')
        shutil.copytree(self.gen_root, root)
        dirs = td.shard_dirs(root)
        shutil.rmtree(dirs[2])
        with open(os.path.join(dirs[1], 'MANIFEST'), 'r+b') as f:
            f.seek(0)
            f.write(b'garbage!')
        with self.assertRaises(td.ShardError) as cm:
            td.ShardedIndex(self.client, root)
        msg = str(cm.exception)
        self.assertIn('shard 1 of 3 (%s)' % dirs[1], msg)
        self.assertIn('shard 2 of 3 (%s)' % dirs[2], msg)
        self.assertIn('MANIFEST', msg)
        self.assertNotIn('shard 0', msg)
        # The healthy shard still answers, alone, as its own index.
        with td.ShardedIndex(self.client, root, partial=True) as idx, \
                trawl.Index(dirs[0]) as ref:
            self.assertEqual(idx.missing, [1, 2])
            self.assertEqual(sorted(idx.problems), [1, 2])
            self.same(idx, ref, ['kab', '"kab kad"', 'ka*'], VARIANTS[:2])

    def test_command_line(self):
        jsonl = os.path.join(self.tmp, 'cli.jsonl')
        with open(jsonl, 'w') as f:
            for doc_id, text, date in self.seeds:
                import json
                f.write(json.dumps({'id': doc_id, 'text': text, 'date': date}) + '\n')
        root = os.path.join(self.tmp, 'cli')
        env = dict(os.environ, PYTHONPATH=os.path.normpath(os.path.join(HERE, '..')))
        base = [sys.executable, '-m', 'trawl.distributed', '--scheduler',
                self.cluster.scheduler_address]
        out = subprocess.run(base + ['build', '-o', root, '-s', '2', jsonl], env=env,
                             capture_output=True, text=True, check=True)
        self.assertIn('5 documents in 2 shards', out.stdout)
        out = subprocess.run(base + ['search', '-i', root, '-n', '3', 'rafah'], env=env,
                             capture_output=True, text=True, check=True)
        lines = out.stdout.strip().split('\n')
        self.assertEqual(len(lines), 4)
        self.assertIn('"count": 5', lines[-1])
        bad = subprocess.run(base + ['search', '-i', self.tmp, 'x'], env=env,
                             capture_output=True, text=True)
        self.assertEqual(bad.returncode, 1)
        self.assertIn('not a sharded index', bad.stderr)

    def test_z_worker_killed_while_queries_run(self):
        """Last (z): it kills a worker process; its nanny starts a fresh one."""
        queries = [(q, v) for q in GEN_QUERIES[:8] for v in VARIANTS[:2]]
        want = [rows(self.gen_one.search(q, **v)) for q, v in queries]
        with td.ShardedIndex(self.client, self.gen_root, replicas=2) as idx:
            info = self.client.run(os.getpid)
            victim = sorted(info)[0]
            answers, errors = [], []
            done = threading.Event()

            def run():
                try:
                    k = 0
                    while not done.is_set() or k < 3 * len(queries):
                        q, v = queries[k % len(queries)]
                        answers.append((k % len(queries), rows(idx.search(q, **v))))
                        k += 1
                except Exception as e:  # noqa: BLE001: reported below
                    errors.append(e)

            t = threading.Thread(target=run)
            t.start()
            time.sleep(0.3)
            os.kill(info[victim], signal.SIGKILL)
            time.sleep(0.5)
            done.set()
            t.join(120)
            self.assertFalse(t.is_alive())
            self.assertEqual(errors, [])
            self.assertGreater(idx.failovers, 0)
            self.assertGreaterEqual(len(answers), 3 * len(queries))
            for k, got in answers:
                self.assertEqual(got, want[k], queries[k])
            for s in range(3):  # every shard still has a live replica, none on the victim
                self.assertNotIn(victim, idx.replicas_of(s))
                self.assertTrue(idx.replicas_of(s))


if __name__ == '__main__':
    unittest.main()
