"""Tests of the Python binding (python3 -m unittest discover -s bindings/python/tests), run by
tests/cli/python.sh from make test. They build their indexes with the trawl-index of
$TRAWL_BUILD (default build/release) and load the library the binding finds ($TRAWL_LIB)."""
import ctypes
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


def words(n, k):
    """Deterministic text n of k words over a small vocabulary (shared terms, varied df)."""
    vocab = ['rafah', 'border', 'crossing', 'aid', 'trucks', 'egypt', 'gaza', 'ceasefire',
             'talks', 'hostages', 'cairo', 'convoy', 'medical', 'winter']
    x, out = n * 2654435761 + 1, []
    for _ in range(k):
        x = (x * 1103515245 + 12345) % 2 ** 31
        out.append(vocab[min(x % len(vocab), (x >> 8) % len(vocab))])
    return ' '.join(out)


class WriterTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='trawl-python-test-')
        self.path = os.path.join(self.tmp, 'idx')

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def hits(self, idx, q):
        return {h.id: (h.score, h.date) for h in idx.search(q, limit=1000, snippets=False,
                                                           exact_count=True)}

    def test_index_search_update_delete_reopen(self):
        with trawl.Writer(self.path) as w:
            self.assertFalse(w.add('a', 'Rafah crossing reopens for aid trucks',
                                   date='2024-03-21'))
            self.assertFalse(w.add('b', 'Aid convoy waits at the border',
                                   date=datetime.date(2024, 3, 22)))
            self.assertFalse(w.add('c', 'Ceasefire talks in Cairo'))
        idx = trawl.Index(self.path)
        self.assertEqual(sorted(h.id for h in idx.search('aid')), ['a', 'b'])
        self.assertEqual(idx.search('rafah')[0].date, datetime.date(2024, 3, 21))
        self.assertIs(idx.reopen(), idx)

        w = trawl.Writer(self.path)
        self.assertTrue(w.add('a', 'Rafah crossing closed again'))
        self.assertTrue(w.delete('b'))
        self.assertFalse(w.delete('nothing-here'))
        self.assertFalse(w.add('d', 'Medical convoy reaches Rafah'))
        self.assertIs(idx.reopen(), idx)  # nothing committed yet
        w.commit()
        st = w.stats()
        self.assertEqual((st['added'], st['replaced'], st['deleted']), (1, 1, 1))
        self.assertEqual((st['n_docs'], st['has_changes']), (3, False))
        new = idx.reopen()
        self.assertIsNot(new, idx)
        self.assertEqual(new.generation, st['generation'])
        self.assertGreater(new.generation, idx.generation)
        self.assertEqual(sorted(h.id for h in new.search('aid')), [])
        self.assertEqual(sorted(h.id for h in new.search('rafah')), ['a', 'd'])
        self.assertIsNone(new.search('rafah closed')[0].date)
        self.assertEqual(sorted(h.id for h in idx.search('aid')), ['a', 'b'])  # its generation
        idx.close()
        w.merge()
        self.assertEqual(w.stats()['n_segments'], 1)
        w.close()
        w.close()
        newer = new.reopen()
        self.assertEqual(newer.stats()['n_segments'], 1)
        self.assertEqual(self.hits(newer, 'rafah OR convoy'), self.hits(new, 'rafah OR convoy'))
        new.close()
        newer.close()

    def test_same_scores_as_a_fresh_index(self):
        """Updates over three commits answer like one index of the final documents."""
        final = {}
        with trawl.Writer(self.path, no_merge=True) as w:
            for i in range(30):
                final['d%d' % i] = words(i, 10 + i)
                w.add('d%d' % i, final['d%d' % i])
        with trawl.Writer(self.path, no_merge=True) as w:
            for i in range(0, 30, 4):
                final['d%d' % i] = words(100 + i, 25)
                self.assertTrue(w.add('d%d' % i, final['d%d' % i]))
            for i in (3, 7):
                del final['d%d' % i]
                self.assertTrue(w.delete('d%d' % i))
        fresh = os.path.join(self.tmp, 'fresh')
        with trawl.Writer(fresh) as w:
            for k in sorted(final, reverse=True):
                w.add(k, final[k])
        with trawl.Index(self.path) as a, trawl.Index(fresh) as b:
            self.assertEqual(a.stats()['n_segments'], 2)
            for q in ('rafah', 'aid trucks', '"medical convoy"', 'winter OR hostages',
                      'gaza -egypt'):
                ha = self.hits(a, q)
                self.assertEqual(ha, self.hits(b, q), q)
            self.assertGreater(len(self.hits(a, 'rafah')), 5)

    def test_phrase_grams(self):
        """An index with phrase grams answers phrases as one without; a writer keeps the choice."""
        grams = os.path.join(self.tmp, 'grams')
        for path, g in ((self.path, False), (grams, True)):
            with trawl.Writer(path, phrase_grams=g) as w:
                for i in range(40):
                    w.add('d%d' % i, words(i, 30) + ' the aid of the convoy is on the way')
        with trawl.Writer(grams) as w:  # keeps them without being asked
            w.add('d40', 'as of the winter the aid is on the way')
        with trawl.Writer(self.path) as w:
            w.add('d40', 'as of the winter the aid is on the way')
        with self.assertRaises(trawl.ArgumentError):
            trawl.Writer(self.path, phrase_grams=True)
        with trawl.Index(self.path) as a, trawl.Index(grams) as b:
            for q in ('"of the convoy"', '"is on the way"', '"as of"', '"the aid" rafah',
                      '"of the" OR winter'):
                self.assertEqual(self.hits(a, q), self.hits(b, q), q)
            self.assertEqual(len(self.hits(b, '"as of"')), 1)
            self.assertEqual((a.stats()['phrase_grams'], b.stats()['phrase_grams']), (0, 1))
            self.assertEqual(len(self.hits(b, '"is on the way"')), 41)

    def test_same_as_trawl_index_jsonl(self):
        docs = os.path.join(self.tmp, 'docs.jsonl')
        with open(docs, 'w', encoding='utf-8') as f:
            for i in range(20):
                f.write(json.dumps({'id': 'j%d' % i, 'text': words(i, 12),
                                    'date': '2024-03-%02d' % (i + 1)}) + '\n')
        index(self.path, '--jsonl', docs)
        api = os.path.join(self.tmp, 'api')
        with trawl.Writer(api) as w:
            for i in range(20):
                w.add('j%d' % i, words(i, 12), date='2024-03-%02d' % (i + 1))
        with trawl.Index(self.path) as a, trawl.Index(api) as b:
            for q in ('rafah', 'cairo OR talks'):
                self.assertEqual(self.hits(a, q), self.hits(b, q))
        with trawl.Writer(self.path) as w:  # one id namespace with trawl-index --jsonl
            self.assertTrue(w.add('j3', 'replaced'))
            self.assertTrue(w.delete('j4'))
        with trawl.Index(self.path) as a:
            self.assertEqual(a.stats()['n_docs'], 19)
            self.assertEqual([h.id for h in a.search('replaced')], ['j3'])

    def test_rollback(self):
        with trawl.Writer(self.path) as w:
            w.add('kept', 'rafah')
        w = trawl.Writer(self.path)
        w.add('lost', 'rafah border')
        w.delete('kept')
        self.assertTrue(w.stats()['has_changes'])
        w.close()
        with self.assertRaises(RuntimeError):
            with trawl.Writer(self.path) as w:
                w.add('lost', 'rafah border')
                raise RuntimeError('leaves the block: no commit')
        with trawl.Index(self.path) as idx:
            self.assertEqual([h.id for h in idx.search('rafah')], ['kept'])
        with self.assertRaises(trawl.ArgumentError):
            w.add('x', 'y')

    def test_lock(self):
        with trawl.Writer(self.path) as w:
            with self.assertRaises(trawl.IndexIOError) as cm:
                trawl.Writer(self.path)
            self.assertIn('locked', str(cm.exception))
            self.assertEqual(cm.exception.name, 'TRAWL_EIO')
            w.add('a', 'rafah')
        trawl.Writer(self.path).close()  # the lock went with the first

    def test_errors(self):
        with trawl.Writer(self.path, language='none') as w:
            with self.assertRaises(trawl.ArgumentError) as cm:
                w.add('a', 'x', date='2023-02-29')
            self.assertIn('2023-02-29', str(cm.exception))
            with self.assertRaises(trawl.ArgumentError):
                w.add('a', 'x', date=20240101)
            with self.assertRaises(trawl.ArgumentError) as cm:
                w.add('', 'x')
            self.assertIn('empty', cm.exception.message)
            with self.assertRaises(trawl.ArgumentError):
                w.add('a', 42)
            w.add('ü-1', 'invasions', date='2024-02-29')  # the writer went on
        with self.assertRaises(trawl.ArgumentError) as cm:
            trawl.Writer(self.path, language='english')
        self.assertIn('none', str(cm.exception))
        with self.assertRaises(trawl.ArgumentError) as cm:
            trawl.Writer(self.path, language='klingon')
        self.assertIn('klingon', str(cm.exception))
        for bad in ({'threads': 65}, {'merge_ratio': 1}, {'max_token_len': 300},
                    {'memory_bytes': -1}, {'threads': 'two'}):
            with self.assertRaises(trawl.ArgumentError, msg=bad):
                trawl.Writer(self.path, **bad)
        with self.assertRaises(TypeError):
            trawl.Writer(self.path, colour='blue')
        with trawl.Index(self.path) as idx:
            self.assertEqual([h.id for h in idx.search('invasions')], ['ü-1'])
            self.assertEqual(idx.search('invasion'), [])  # language none: no stemming
            self.assertEqual(idx.stats()['language'], 'none')


def cli(path, query, *flags):
    """trawl-search's hits for query with flags: [(id, score as its JSON writes it)]."""
    out = subprocess.run([os.path.join(BUILD, 'trawl-search'), '-i', path, '--json', '-n', '100']
                         + list(flags) + ['--', query], check=True, capture_output=True,
                         text=True)
    rows = [json.loads(l, parse_float=str) for l in out.stdout.splitlines()]
    return [(r['id'], r['score']) for r in rows if r['type'] == 'hit']


def scored(hits):
    """[(id, score)] formatted as trawl-search --json does (%.10g)."""
    return [(h.id, '%.10g' % h.score) for h in hits]


class RankingTest(unittest.TestCase):
    """The ranking options of trawl_options (docs/RANKING.md) through search, explain and
    count: every score equal, to the digits trawl-search prints, to the CLI's with the same
    flags, and different from what the option left off gives."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix='trawl-python-ranking-')
        cls.seeds = os.path.join(cls.tmp, 'seeds')
        index(cls.seeds, os.path.join(ROOT, 'tests', 'data', 'seeds'))
        cls.idx = trawl.Index(cls.seeds)
        # Expansion needs terms in at most 10% of the documents (docs/RANKING.md: on the five
        # seeds none qualifies): 60 documents of common words; zephyr in 4, quokka in those 4
        # and in one more, which holds no query word.
        cls.fb = os.path.join(cls.tmp, 'feedback')
        with trawl.Writer(cls.fb) as w:
            for i in range(60):
                extra = {0: 'zephyr quokka quokka', 1: 'zephyr quokka', 2: 'zephyr zephyr quokka',
                         3: 'zephyr quokka wombat', 4: 'quokka wombat'}.get(i, '')
                w.add('f%02d' % i, words(i, 12) + ' ' + extra)
        cls.fbidx = trawl.Index(cls.fb)

    @classmethod
    def tearDownClass(cls):
        cls.idx.close()
        cls.fbidx.close()
        shutil.rmtree(cls.tmp)

    def test_fuzzy(self):
        plain = scored(self.idx.search('galant'))
        self.assertEqual(plain, cli(self.seeds, 'galant'))
        self.assertEqual(len(plain), 1)
        tilde = scored(self.idx.search('galant~1'))
        self.assertEqual(tilde, cli(self.seeds, 'galant~1'))
        self.assertEqual(len(tilde), 2)  # Galant and Gallant
        fuzzy = scored(self.idx.search('galant', fuzzy=True))
        self.assertEqual(fuzzy, cli(self.seeds, 'galant', '--fuzzy'))
        self.assertEqual(len(fuzzy), 3)
        self.assertEqual(fuzzy[0][0], plain[0][0])
        self.assertNotEqual(fuzzy[0][1], plain[0][1])  # one blended idf for the variants
        self.assertEqual(scored(self.idx.search('galnt', fuzzy=True)),
                         cli(self.seeds, 'galnt', '--fuzzy'))
        self.assertEqual(self.idx.search('galnt'), [])
        self.assertEqual((self.idx.count('galant'), self.idx.count('galant', fuzzy=True)), (1, 3))
        ex = self.idx.explain('galant', fuzzy=True)
        self.assertEqual(scored(ex), fuzzy)
        for h in ex:
            self.assertAlmostEqual(sum(c.score for c in h.clauses), h.score, places=9)
        self.assertIn('gallant', {c.term for h in ex for c in h.clauses})

    def test_proximity(self):
        q = 'ground invasion'
        off = scored(self.idx.search(q))
        on = scored(self.idx.search(q, proximity=True))
        self.assertEqual(on, cli(self.seeds, q, '--proximity'))
        self.assertEqual(off, cli(self.seeds, q))
        self.assertEqual([i for i, _ in on], [i for i, _ in off])
        for (_, a), (_, b) in zip(on, off):
            self.assertGreater(float(a), float(b))
        self.assertEqual(scored(self.idx.search(q, proximity=False)), off)
        # False is off (-1) whatever the library's default; None leaves that default (0)
        self.assertEqual(self.idx._ctx().opt.proximity, -1)
        self.idx.search(q)
        self.assertEqual(self.idx._ctx().opt.proximity, 0)
        heavy = scored(self.idx.search(q, proximity=True, proximity_weight=3))
        self.assertEqual(heavy, cli(self.seeds, q, '--proximity', '--proximity-weight', '3'))
        self.assertGreater(float(heavy[0][1]), float(on[0][1]))
        ex = self.idx.explain(q, proximity=True)
        self.assertEqual(scored(ex), on)
        self.assertEqual(len(ex[0].clauses), 4)  # two terms, two proximity parts

    def test_query_tf(self):
        q = 'rafah israel rafah'
        count = scored(self.idx.search(q))
        once = scored(self.idx.search(q, query_tf='once'))
        self.assertEqual(count, cli(self.seeds, q))
        self.assertEqual(once, cli(self.seeds, q, '--query-tf', 'once'))
        self.assertEqual(scored(self.idx.search(q, query_tf='count')), count)
        self.assertEqual(once, scored(self.idx.search('rafah israel')))
        self.assertEqual(len(once), 5)
        for (_, a), (_, b) in zip(once, count):
            self.assertLess(float(a), float(b))

    def test_expand(self):
        p, idx = self.fb, self.fbidx
        plain = scored(idx.search('zephyr'))
        self.assertEqual(sorted(i for i, _ in plain), ['f00', 'f01', 'f02', 'f03'])
        ranked = scored(idx.search('zephyr', expand=True))
        self.assertEqual(ranked, cli(p, 'zephyr', '--expand'))
        self.assertEqual(sorted(i for i, _ in ranked), ['f00', 'f01', 'f02', 'f03'])  # AND
        self.assertNotEqual(ranked, plain)
        wide = scored(idx.search('zephyr', expand=True, default_or=True))
        self.assertEqual(wide, cli(p, 'zephyr', '--expand', '--or'))
        self.assertIn('f04', [i for i, _ in wide])  # quokka and wombat, no zephyr
        self.assertEqual(scored(idx.search('zephyr', default_or=True)), plain)
        tuned = scored(idx.search('zephyr', expand=True, default_or=True, expand_docs=2,
                                  expand_terms=1, expand_weight=0.7))
        self.assertEqual(tuned, cli(p, 'zephyr', '--expand', '--or', '--expand-docs', '2',
                                    '--expand-terms', '1', '--expand-weight', '0.7'))
        self.assertNotEqual(tuned, wide)
        terms = {c.term for h in idx.explain('zephyr', expand=True, default_or=True)
                 for c in h.clauses}
        self.assertTrue({'zephyr', 'quokka'} <= terms, terms)
        with self.assertRaises(trawl.ArgumentError) as cm:  # feedback is one index's
            idx.search('zephyr', expand=True, stats=idx.qstats('zephyr'))
        self.assertIn('expansion', cm.exception.message)

    def test_suggestion(self):
        self.assertEqual(self.idx.suggestion('galnt'), 'galant')
        out = subprocess.run([os.path.join(BUILD, 'trawl-search'), '-i', self.seeds, '--json',
                              'galnt rafah'], capture_output=True, text=True)  # 1: no hits
        self.assertEqual(out.returncode, 1, out.stderr)
        want = [json.loads(l)['query'] for l in out.stdout.splitlines()
                if json.loads(l)['type'] == 'suggestion']
        self.assertEqual([self.idx.suggestion('galnt rafah')], want)
        self.assertEqual(want, ['galant rafah'])
        self.assertIsNone(self.idx.suggestion('rafah'))
        with self.assertRaises(trawl.QueryError):
            self.idx.suggestion('galnt (')

    def test_bad_ranking_options(self):
        for bad, says in (({'query_tf': 'twice'}, "query_tf must be 'count' or 'once'"),
                          ({'query_tf': 1}, "query_tf must be 'count' or 'once'"),
                          ({'expand_docs': -1}, 'expand_docs must be a non-negative integer'),
                          ({'expand_terms': 2 ** 32}, 'expand_terms must be a non-negative'),
                          ({'expand_weight': 'half'}, 'expand_weight must be a number'),
                          ({'proximity_weight': None}, 'proximity_weight must be a number'),
                          ({'expand_docs': 1001}, 'expansion parameters out of range'),
                          ({'expand_weight': 1.5}, 'expansion parameters out of range'),
                          ({'proximity_weight': 101}, 'weight 101 out of range')):
            with self.assertRaises(trawl.ArgumentError, msg=bad) as cm:
                self.idx.search('rafah', **bad)
            self.assertIsInstance(cm.exception, ValueError)
            self.assertIn(says, str(cm.exception), bad)
        with self.assertRaises(TypeError):
            self.idx.search('rafah', 10, 0, 'score', None, None, False, None, None, True, 0,
                            False, None, 'once')  # ranking options are keyword-only
        self.assertEqual(len(self.idx.search('rafah')), 5)  # the context goes on


class LayoutTest(unittest.TestCase):
    """The ctypes structs against trawl.h as a C compiler lays it out: every field at its C
    offset, and Options exactly sizeof(trawl_options) (the size passed to the _sized calls)."""

    STRUCTS = {'Options': 'trawl_options', 'Stats': 'trawl_stats', 'Hit': 'trawl_hit',
               'Span': 'trawl_span', 'Snippet': 'trawl_snippet',
               'WriterOptions': 'trawl_writer_options', 'WriterStats': 'trawl_writer_stats',
               'Explain': 'trawl_explain'}
    FULL = {'Options', 'Span', 'Explain'}  # current layout (frozen ones never grow)

    def test_layout(self):
        cc = shutil.which(os.environ.get('CC', 'cc'))
        if not cc:
            self.skipTest('no C compiler')
        from trawl import _lib
        lines = ['#include <stddef.h>', '#include <stdio.h>', '#include "trawl.h"',
                 'int main(void)', '{']
        for py, c in self.STRUCTS.items():
            lines.append('    printf("%s sizeof %%zu\\n", sizeof(%s));' % (py, c))
            for name, _ in getattr(_lib, py)._fields_:
                lines.append('    printf("%s %s %%zu\\n", offsetof(%s, %s));' % (py, name, c,
                                                                                name))
        lines += ['    return 0;', '}']
        tmp = tempfile.mkdtemp(prefix='trawl-python-layout-')
        try:
            src, exe = os.path.join(tmp, 'layout.c'), os.path.join(tmp, 'layout')
            with open(src, 'w') as f:
                f.write('\n'.join(lines) + '\n')
            subprocess.run([cc, '-std=c11', '-Wall', '-Werror', '-I',
                            os.path.join(ROOT, 'searcher', 'include'), '-o', exe, src],
                           check=True)
            out = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
        finally:
            shutil.rmtree(tmp)
        c = {tuple(l.split()[:2]): int(l.split()[2]) for l in out.splitlines()}
        for py in self.STRUCTS:
            cls = getattr(_lib, py)
            for name, _ in cls._fields_:
                self.assertEqual(getattr(cls, name).offset, c[(py, name)], '%s.%s' % (py, name))
            size = ctypes.sizeof(cls)
            if py in self.FULL:
                self.assertEqual(size, c[(py, 'sizeof')], py)
            else:
                self.assertLessEqual(size, c[(py, 'sizeof')], py)


class QStatsTest(unittest.TestCase):
    """Statistics across shards in one process: three shard indexes searched in two phases
    (their QStats shipped as bytes and merged) give the hits of the three opened as one."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix='trawl-python-qstats-')
        words = ['alpha', 'beta', 'gamma', 'delta', 'eps', 'zeta', 'eta', 'theta']
        cls.dirs = [os.path.join(cls.tmp, 's%d' % s) for s in range(3)]
        for s, d in enumerate(cls.dirs):
            with trawl.Writer(d, language='none') as w:
                for i in range(s, 300, 3):
                    x = i * 7919 + 17
                    picks = []
                    for _ in range(2 + i % 9):
                        x = (x * 1103515245 + 12345) % 2147483648
                        picks.append(words[(x >> 16) % (3 + i % 6)])
                    text = ' '.join(picks)
                    w.add('d%03d' % i, text, date='2024-01-%02d' % (1 + i % 28))
        cls.shards = [trawl.Index(d) for d in cls.dirs]
        cls.one = trawl.Index(cls.dirs)

    @classmethod
    def tearDownClass(cls):
        for i in cls.shards:
            i.close()
        cls.one.close()
        shutil.rmtree(cls.tmp)

    def sharded(self, q, **kw):
        parts = [trawl.QStats.from_bytes(bytes(i.qstats(q))) for i in self.shards]
        merged = trawl.QStats.merged(parts)
        rows = []
        for s, i in enumerate(self.shards):
            for h in i.search(q, stats=merged, limit=kw.get('limit', 10), snippets=False):
                rows.append((-h.score, s, h.doc, h.id, h.score))
        rows.sort()
        return [(r[3], r[4]) for r in rows[:kw.get('limit', 10)]]

    def test_two_phases_equal_one_index(self):
        for q in ('alpha', 'beta gamma', 'alpha OR eta', '"alpha beta"', 'ga*', 'beta -alpha'):
            want = [(h.id, h.score) for h in self.one.search(q, snippets=False)]
            self.assertTrue(want, q)
            self.assertEqual(self.sharded(q), want, q)

    def test_qstats_object(self):
        whole = self.one.qstats()
        self.assertEqual(whole.n_docs, 300)
        self.assertEqual(whole.n_parts, 1)
        parts = [i.qstats('beta "alpha beta"') for i in self.shards]
        merged = trawl.QStats.merged(parts)
        self.assertEqual(merged.n_parts, 3)
        self.assertEqual(merged.n_docs, 300)
        self.assertEqual(merged.total_tokens, whole.total_tokens)
        entries = dict(((k, t), df) for k, t, df in merged.entries())
        self.assertEqual(entries[('term', 'beta')], self.one.count('beta'))
        self.assertEqual(entries[('term', 'alpha')], self.one.count('alpha'))
        self.assertNotIn(('phrase', 'alpha beta'), entries)  # weighted by its terms' df
        import pickle
        again = pickle.loads(pickle.dumps(merged))
        self.assertEqual(again.to_bytes(), merged.to_bytes())
        with self.assertRaises(trawl.CorruptIndexError):
            trawl.QStats.from_bytes(merged.to_bytes()[:-1])
        with self.assertRaises(trawl.ArgumentError) as cm:
            self.shards[0].search('zeta', stats=parts[0])  # statistics of another query
        self.assertIn('zeta', cm.exception.message)
        with self.assertRaises(trawl.ArgumentError):
            self.shards[0].search('beta', stats=b'not a QStats')
        ex = self.shards[0].explain('beta', stats=merged, limit=1)
        self.assertEqual(ex[0].clauses[0].df, entries[('term', 'beta')])


if __name__ == '__main__':
    unittest.main()
