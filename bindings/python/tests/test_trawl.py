"""Tests of the Python binding (python3 -m unittest discover -s bindings/python/tests), run by
tests/cli/python.sh from make test. They build their indexes with the trawl-index of
$TRAWL_BUILD (default build/release) and load the library the binding finds ($TRAWL_LIB)."""
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..', '..'))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, '..')))
import trawl  # noqa: E402

BUILD = os.environ.get('TRAWL_BUILD', os.path.join(ROOT, 'build', 'release'))
EXPECTED = os.path.join(ROOT, 'tests', 'data', 'expected')


def index(out, *args):
    subprocess.run([os.path.join(BUILD, 'trawl-index'), '-q', '-o', out] + list(args),
                   check=True)


def expected(name):
    with open(os.path.join(EXPECTED, name + '.ids')) as f:
        return sorted(f.read().split())


class SeedsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix='trawl-python-test-')
        cls.path = os.path.join(cls.tmp, 'idx')
        index(cls.path, os.path.join(ROOT, 'tests', 'data', 'seeds'))
        cls.idx = trawl.Index(cls.path)

    @classmethod
    def tearDownClass(cls):
        cls.idx.close()
        shutil.rmtree(cls.tmp)

    def test_seed_queries(self):
        for q, name in (('"ground invasion"', 'ground_invasion'),
                        ('blinken -netanyahu', 'blinken_not_netanyahu'), ('rafah', 'rafah')):
            hits = self.idx.search(q, limit=100)
            self.assertEqual(sorted(h.id for h in hits), expected(name), q)
            self.assertEqual(hits.count, len(hits))
        self.assertEqual(len(self.idx.search('rafah')), 5)

    def test_hit_fields(self):
        hits = self.idx.search('rafah')
        self.assertEqual([h.rank for h in hits], [1, 2, 3, 4, 5])
        scores = [h.score for h in hits]
        self.assertEqual(scores, sorted(scores, reverse=True))
        self.assertTrue(all(isinstance(h.date, datetime.date) or h.date is None for h in hits))
        for h in hits:
            self.assertTrue(h.highlights, h)
            for s, e in h.highlights:
                self.assertEqual(h.snippet[s:e].lower(), 'rafah')
        self.assertIsNone(self.idx.search('rafah', snippets=False)[0].snippet)

    def test_same_as_cli(self):
        out = subprocess.run([os.path.join(BUILD, 'trawl-search'), '-i', self.path, '--json',
                              '"ground invasion"'], check=True, capture_output=True, text=True)
        cli = [json.loads(l) for l in out.stdout.splitlines()]
        cli = [(r['id'], round(r['score'], 6), r['snippet']) for r in cli if 'rank' in r]
        py = [(h.id, round(h.score, 6), h.snippet) for h in self.idx.search('"ground invasion"')]
        self.assertEqual(py, cli)

    def test_options(self):
        self.assertEqual([h.rank for h in self.idx.search('rafah', limit=2, offset=1)], [2, 3])
        dates = [h.date for h in self.idx.search('rafah', sort='date') if h.date]
        self.assertEqual(dates, sorted(dates, reverse=True))
        ids = {h.id for h in self.idx.search('rafah', date_from='2024-03-21',
                                             date_to=datetime.date(2024, 3, 22))}
        self.assertEqual(sorted(ids), expected('date_2024-03-21_2024-03-22'))
        self.assertGreater(len(self.idx.search('rafah zzzunknown', default_or=True)), 0)
        self.assertEqual(len(self.idx.search('rafah zzzunknown')), 0)

    def test_count_explain_text(self):
        self.assertEqual(self.idx.count('rafah'), 5)
        self.assertEqual(self.idx.count('blinken -netanyahu'), 2)
        for h in self.idx.explain('civilian casualties'):
            self.assertAlmostEqual(sum(c.score for c in h.clauses), h.score, places=9)
            self.assertGreater(h.doc_len, 0)
        self.assertIn('Rafah', self.idx.text('rafah'))
        st = self.idx.stats()
        self.assertEqual((st['n_docs'], st['language']), (5, 'english'))
        self.idx.check()

    def test_malformed_query(self):
        with self.assertRaises(trawl.QueryError) as cm:
            self.idx.search('rafah (unclosed')
        e = cm.exception
        self.assertIsInstance(e, trawl.Error)
        self.assertIsInstance(e, ValueError)
        self.assertEqual((e.code, e.name, e.column), (-5, 'TRAWL_EQUERY', 7))
        self.assertIn("'('", str(e))
        with self.assertRaises(trawl.QueryError):
            self.idx.count('"unterminated')
        self.assertEqual(len(self.idx.search('rafah')), 5)  # the context still works

    def test_bad_arguments(self):
        with self.assertRaises(trawl.ArgumentError):
            self.idx.search('rafah', sort='size')
        with self.assertRaises(trawl.ArgumentError):
            self.idx.search('rafah', date_from='2024-03-22', date_to='2024-03-21')
        with self.assertRaises(trawl.ArgumentError):
            self.idx.search('rafah', b=2.0)

    def test_threads(self):
        want = [h.id for h in self.idx.search('rafah')]
        got = []

        def work():
            for _ in range(50):
                got.append([h.id for h in self.idx.search('rafah')])
        ts = [threading.Thread(target=work) for _ in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(len(got), 200)
        self.assertTrue(all(g == want for g in got))

    def test_version(self):
        with open(os.path.join(ROOT, 'searcher', 'include', 'trawl.h')) as f:
            parts = dict(l.split()[1:3] for l in f if l.startswith('#define TRAWL_VERSION_')
                         and len(l.split()) == 3 and l.split()[2].isdigit())
        self.assertEqual(trawl.version(), '%s.%s.%s' % (
            parts['TRAWL_VERSION_MAJOR'], parts['TRAWL_VERSION_MINOR'],
            parts['TRAWL_VERSION_PATCH']))


class DamageTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='trawl-python-test-')
        self.path = os.path.join(self.tmp, 'idx')
        index(self.path, os.path.join(ROOT, 'tests', 'data', 'seeds'))

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def flip(self, name, offset):
        p = os.path.join(self.path, name)
        with open(p, 'r+b') as f:
            f.seek(offset)
            b = f.read(1)
            f.seek(offset)
            f.write(bytes([b[0] ^ 0x20]))

    def test_corrupt_manifest(self):
        with open(os.path.join(self.path, 'MANIFEST'), 'rb') as f:
            n = len(f.read())
        self.flip('MANIFEST', n // 2)
        with self.assertRaises(trawl.CorruptIndexError) as cm:
            trawl.Index(self.path)
        self.assertIn('MANIFEST', str(cm.exception))
        self.assertEqual(cm.exception.name, 'TRAWL_ECORRUPT')

    def test_corrupt_segment(self):
        seg = [n for n in os.listdir(self.path) if n.endswith('.trw')][0]
        size = os.path.getsize(os.path.join(self.path, seg))
        self.flip(seg, size // 2)
        with self.assertRaises(trawl.CorruptIndexError) as cm:
            with trawl.Index(self.path) as idx:
                idx.check()  # a flip in the middle may pass open's cheap checks, not these
        self.assertIn(seg, str(cm.exception))

    def test_not_an_index(self):
        with self.assertRaises(trawl.NotAnIndexError):
            trawl.Index(self.tmp)

    def test_closed(self):
        idx = trawl.Index(self.path)
        idx.close()
        idx.close()
        with self.assertRaises(trawl.ArgumentError):
            idx.search('rafah')


class UnicodeTest(unittest.TestCase):
    def test_code_point_spans(self):
        tmp = tempfile.mkdtemp(prefix='trawl-python-test-')
        try:
            docs = os.path.join(tmp, 'docs.jsonl')
            with open(docs, 'w', encoding='utf-8') as f:
                f.write(json.dumps({'id': 'ü-1', 'text': 'Zürich: naïve émigrés meet in Zürich'},
                                   ensure_ascii=False) + '\n')
            index(os.path.join(tmp, 'idx'), '--jsonl', docs)
            with trawl.Index(os.path.join(tmp, 'idx')) as idx:
                h = idx.search('zürich émigrés')[0]
                self.assertEqual(h.id, 'ü-1')
                words = [h.snippet[s:e] for s, e in h.highlights]
                self.assertEqual(words, ['Zürich', 'émigrés', 'Zürich'])
        finally:
            shutil.rmtree(tmp)


if __name__ == '__main__':
    unittest.main()
