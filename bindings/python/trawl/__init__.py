"""trawl: full-text search over trawl indexes, through libtrawl.so (ctypes, no build step).

    import trawl
    with trawl.Writer("myindex") as w:        # commits when the block ends without an exception
        w.add("doc-1", "Rafah crossing reopens for aid trucks", date="2024-03-21")
        w.delete("doc-0")
    with trawl.Index("myindex") as idx:
        for hit in idx.search('rafah "ground invasion"', limit=5):
            print(hit.rank, hit.id, round(hit.score, 3), hit.date, hit.snippet)
        print(idx.count("blinken -netanyahu"))

Every failure raises a trawl.Error subclass chosen by the library's return code, carrying the
library's message (QueryError also the column). An Index may be shared by threads: each thread
gets its own search context, and the library runs without the GIL. A Writer is the index's one
writer (in any process) and takes one call at a time; Index.reopen() picks up its commits.
"""
import ctypes
import datetime
import os
import threading

from . import _lib

__all__ = ['Index', 'Writer', 'QStats', 'Hit', 'Clause', 'Results', 'Error', 'CorruptIndexError', 'VersionError',
           'IndexIOError', 'OutOfMemoryError', 'QueryError', 'ArgumentError', 'NotAnIndexError',
           'LimitError', 'NotFoundError', 'version']

_L = _lib.lib


# ------------------------------------------------------------------ errors

class Error(Exception):
    """A libtrawl error: .code (the negative TRAWL_E* value), .name ("TRAWL_EQUERY"),
    .message (the library's message for this failure)."""
    code = None

    def __init__(self, message, code=None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.name = _L.trawl_errname(self.code).decode()


class CorruptIndexError(Error):
    code = -1


class VersionError(Error):
    code = -2


class IndexIOError(Error, OSError):
    code = -3


class OutOfMemoryError(Error, MemoryError):
    code = -4


class QueryError(Error, ValueError):
    """A malformed query; .column is the 1-based byte column of the problem (0 if unknown)."""
    code = -5
    column = 0


class ArgumentError(Error, ValueError):
    code = -6


class NotAnIndexError(Error):
    code = -7


class LimitError(Error):
    code = -8


class NotFoundError(Error, LookupError):
    code = -9


_BY_CODE = {c.code: c for c in (CorruptIndexError, VersionError, IndexIOError, OutOfMemoryError,
                                QueryError, ArgumentError, NotAnIndexError, LimitError,
                                NotFoundError)}


def _error(rc, message):
    """The exception for return code rc; message defaults to the code's sentence."""
    if not message:
        message = _L.trawl_strerror(rc).decode()
    cls = _BY_CODE.get(rc, Error)
    return cls(message, rc) if cls is Error else cls(message)


def version():
    """The library's version, "MAJOR.MINOR.PATCH"."""
    return _L.trawl_version().decode()


# ------------------------------------------------------------------ results

class Clause:
    """One scoring clause of an explained hit (trawl_explain)."""
    __slots__ = ('term', 'tf', 'df', 'idf', 'norm', 'score')

    def __init__(self, e):
        self.term = e.term.decode('utf-8', 'replace')
        self.tf, self.df, self.idf, self.norm, self.score = e.tf, e.df, e.idf, e.norm, e.score

    def __repr__(self):
        return 'Clause(%r, tf=%d, df=%d, score=%.4f)' % (self.term, self.tf, self.df, self.score)


class Hit:
    """One ranked hit. snippet is the best passage (None with snippets=False); highlights are
    (start, end) code point ranges of the query's matches in it, so snippet[start:end] is one.
    date is a datetime.date or None. With explain: clauses and doc_len. shard: the shard that
    answered it (trawl.distributed), else None."""
    __slots__ = ('rank', 'doc', 'id', 'score', 'date', 'snippet', 'highlights', 'clauses',
                 'doc_len', 'shard')

    def __repr__(self):
        return 'Hit(rank=%d, id=%r, score=%.4f, date=%s)' % (self.rank, self.id, self.score,
                                                            self.date)


class Results(list):
    """The hits of one search, best first, plus .count (matching documents), .exact (whether
    count is exact or a lower bound) and .elapsed_us (the library's time for the query)."""
    count = 0
    exact = True
    elapsed_us = 0.0


def _date(d):
    return datetime.date(d // 10000, d // 100 % 100, d % 100) if d else None


def _snippet(sn):
    """(text, [(start, end)]) in code points from a trawl_snippet (byte offsets)."""
    raw = ctypes.string_at(sn.text, sn.len) if sn.len else b''
    text = raw.decode('utf-8', 'replace')
    spans = []
    if raw.isascii():
        for k in range(sn.n_spans):
            s = sn.spans[k]
            spans.append((s.off, s.off + s.len))
        return text, spans
    for k in range(sn.n_spans):
        s = sn.spans[k]
        start = len(raw[:s.off].decode('utf-8', 'replace'))
        spans.append((start, start + len(raw[s.off:s.off + s.len].decode('utf-8', 'replace'))))
    return text, spans


_SORT = {'score': 0, 'date': 1}


def _yyyymmdd(d):
    """YYYYMMDD of a datetime.date or a 'YYYY-MM-DD' string; 0 for None."""
    if d is None:
        return 0
    if isinstance(d, str):
        try:
            d = datetime.date.fromisoformat(d)
        except ValueError:
            raise ArgumentError('bad date %r: expected YYYY-MM-DD' % (d,)) from None
    if not isinstance(d, datetime.date):
        raise ArgumentError('bad date %r: expected a datetime.date or YYYY-MM-DD' % (d,))
    return d.year * 10000 + d.month * 100 + d.day


def _bytes(v, what):
    """v as bytes: str is encoded as UTF-8, bytes pass as they are."""
    if isinstance(v, str):
        return v.encode('utf-8')
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v)
    raise ArgumentError('%s must be str or bytes, not %s' % (what, type(v).__name__))


def _uint(name, v, ctype):
    """v if it is an int that fits ctype unsigned (ctypes would wrap it); the library checks
    the option's own range."""
    top = 2 ** (8 * ctypes.sizeof(ctype)) - 1
    if isinstance(v, bool) or not isinstance(v, int) or v < 0 or v > top:
        raise ArgumentError('%s must be a non-negative integer, not %r' % (name, v))
    return v


def _real(name, v):
    """v as a float if it is a real number (ctypes would raise TypeError); the library checks
    the option's own range."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ArgumentError('%s must be a number, not %r' % (name, v))
    return float(v)


_QTF = {'count': 0, 'once': 1}


def _ranking(o, query_tf='count', fuzzy=False, expand=False, expand_docs=0, expand_terms=0,
             expand_weight=0.0, proximity=None, proximity_weight=0.0):
    """Sets the ranking fields of trawl_options o (fresh from trawl_options_init_sized) from
    the keyword arguments of Index.search (docs/RANKING.md). Zeros are the library's defaults,
    and a library older than these fields accepts them left at zero."""
    if not isinstance(query_tf, str) or query_tf not in _QTF:
        raise ArgumentError("query_tf must be 'count' or 'once', not %r" % (query_tf,))
    o.query_tf = _QTF[query_tf]
    o.fuzzy = 1 if fuzzy else 0
    o.expand = 1 if expand else 0
    o.expand_docs = _uint('expand_docs', expand_docs, ctypes.c_uint32)
    o.expand_terms = _uint('expand_terms', expand_terms, ctypes.c_uint32)
    o.expand_weight = _real('expand_weight', expand_weight)
    if proximity is not None:
        o.proximity = 1 if proximity else -1
    o.proximity_weight = _real('proximity_weight', proximity_weight)


def _need(*names):
    """Raises ArgumentError if the loaded library is a 1.x without one of names."""
    if not _lib.has(*names):
        raise ArgumentError('%s (version %s) has no %s' % (_lib.SONAME, version(),
                                                            ', '.join(names)))


# ------------------------------------------------------------------ index

class _Context:
    """One thread's trawl_search with its reusable C structs."""

    def __init__(self, handle):
        self.ptr = ctypes.c_void_p()
        rc = _L.trawl_search_new(ctypes.byref(self.ptr), handle)
        if rc != 0:
            raise _error(rc, None)
        self.opt = _lib.Options()
        self.opt_ref = ctypes.byref(self.opt)
        self.hit = _lib.Hit()
        self.hit_ref = ctypes.byref(self.hit)
        self.sn = _lib.Snippet()
        self.sn_ref = ctypes.byref(self.sn)

    def fail(self, rc):
        err = _error(rc, _L.trawl_search_errmsg(self.ptr).decode('utf-8', 'replace'))
        if rc == QueryError.code:
            err.column = _L.trawl_search_error_column(self.ptr)
        return err


_OPT_SIZE = ctypes.sizeof(_lib.Options)
_HIT_SIZE = ctypes.sizeof(_lib.Hit)
_SN_SIZE = ctypes.sizeof(_lib.Snippet)


class Index:
    """An opened index: one directory, or a list of directories searched as one corpus.
    Raises NotAnIndexError, CorruptIndexError, VersionError, IndexIOError, ArgumentError."""

    def __init__(self, path):
        paths = [path] if isinstance(path, (str, bytes)) else list(path)
        enc = [p.encode() if isinstance(p, str) else p for p in paths]
        arr = (ctypes.c_char_p * len(enc))(*enc)
        errbuf = ctypes.create_string_buffer(1024)
        self._ptr = ctypes.c_void_p()
        rc = _L.trawl_index_open(ctypes.byref(self._ptr), arr, len(enc), errbuf, len(errbuf))
        if rc != 0:
            self._ptr = None
            raise _error(rc, errbuf.value.decode('utf-8', 'replace'))
        self._adopt(paths)

    def _adopt(self, paths):
        """The Python side of an opened handle self._ptr."""
        self.paths = paths
        self._local = threading.local()
        self._contexts = []
        self._lock = threading.Lock()

    def reopen(self):
        """The newest committed state of the same directories: a new Index if a writer
        committed since this one was opened, else this one. This Index stays open and keeps
        answering from its own generation until closed (so `idx = idx.reopen()` leaves the old
        one to the garbage collector, which closes it). The new one shares every unchanged
        segment with it. Raises what Index() raises."""
        _need('trawl_index_reopen')
        if not self._ptr:
            raise ArgumentError('the index is closed')
        out = ctypes.c_void_p()
        errbuf = ctypes.create_string_buffer(1024)
        rc = _L.trawl_index_reopen(self._ptr, ctypes.byref(out), errbuf, len(errbuf))
        if rc != 0:
            raise _error(rc, errbuf.value.decode('utf-8', 'replace'))
        if not out.value:
            return self
        idx = Index.__new__(Index)
        idx._ptr = out
        idx._adopt(list(self.paths))
        return idx

    @property
    def generation(self):
        """The commit generation this Index answers from (grows with every commit)."""
        _need('trawl_index_generation')
        if not self._ptr:
            raise ArgumentError('the index is closed')
        return _L.trawl_index_generation(self._ptr)

    # -- lifetime
    def close(self):
        """Frees every search context and the index. Idempotent; searching afterwards raises
        ArgumentError. Do not call while other threads search."""
        with self._lock:
            for c in self._contexts:
                _L.trawl_search_free(c.ptr)
            self._contexts = []
            self._local = threading.local()
            if self._ptr:
                _L.trawl_index_close(self._ptr)
            self._ptr = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if getattr(self, '_ptr', None):
            self.close()

    def _ctx(self):
        c = getattr(self._local, 'ctx', None)
        if c is None:
            if not self._ptr:
                raise ArgumentError('the index is closed')
            c = _Context(self._ptr)
            with self._lock:
                self._contexts.append(c)
            self._local.ctx = c
        return c

    # -- queries
    def _run(self, c, query, limit, offset, sort, date_from, date_to, default_or, k1, b,
             count_only=0, explain=0, exact_count=0, stats=None, ranking=None):
        o = c.opt
        _L.trawl_options_init_sized(c.opt_ref, _OPT_SIZE)
        if ranking:
            _ranking(o, **ranking)
        o.limit, o.offset, o.count_only, o.explain, o.exact_count = (
            limit, offset, count_only, explain, exact_count)
        o.default_or = 1 if default_or else 0
        if sort != 'score':
            if sort not in _SORT:
                raise ArgumentError("sort must be 'score' or 'date', not %r" % (sort,))
            o.sort = _SORT[sort]
        if date_from is not None or date_to is not None:
            o.date_from, o.date_to = _yyyymmdd(date_from), _yyyymmdd(date_to)
        if k1 is not None:
            o.k1 = k1
        if b is not None:
            o.b = b
        if stats is None:
            rc = _L.trawl_search_run_sized(c.ptr, query.encode('utf-8'), c.opt_ref, _OPT_SIZE)
        else:
            rc = _L.trawl_search_run_global_sized(c.ptr, query.encode('utf-8'), c.opt_ref,
                                                  _OPT_SIZE, _qstats_ptr(stats))
        if rc != 0:
            raise c.fail(rc)

    def search(self, query, limit=10, offset=0, sort='score', date_from=None, date_to=None,
               default_or=False, k1=None, b=None, snippets=True, snippet_bytes=0,
               exact_count=False, stats=None, *, query_tf='count', fuzzy=False, expand=False,
               expand_docs=0, expand_terms=0, expand_weight=0.0, proximity=None,
               proximity_weight=0.0):
        """Runs query and returns Results (a list of Hit, best first).
        sort: 'score' or 'date'; date_from/date_to: datetime.date or 'YYYY-MM-DD';
        default_or: bare words optional; k1, b: BM25 (default 1.2, 0.75); snippets=False skips
        the snippet (and its decompression); snippet_bytes: its length (default 200);
        stats: a QStats to score with instead of this index's own (the merged statistics of
        every shard, see QStats).
        Ranking beyond plain BM25 (keyword only; docs/RANKING.md; 0 means the library's
        default): query_tf: 'count' (a word the query repeats weighs as often as written) or
        'once'; fuzzy: rare and absent words also match spellings 1 or 2 edits away (as
        word~N does); expand: RM3 query expansion from the top expand_docs documents
        (1..1000, default 10), adding at most expand_terms terms (1..1000, default 10), the
        query keeping expand_weight of the weight (in (0, 1], default 0.5); not with stats;
        proximity: True adds BM25TP's proximity part to a bag of words, False turns it off,
        None leaves the library's default (off); proximity_weight: its factor (0..100,
        default 1).
        Raises QueryError, LimitError, ArgumentError, CorruptIndexError, OutOfMemoryError."""
        c = self._ctx()
        self._run(c, query, limit, offset, sort, date_from, date_to, default_or, k1, b,
                  exact_count=1 if exact_count else 0, stats=stats, ranking=dict(
                      query_tf=query_tf, fuzzy=fuzzy, expand=expand, expand_docs=expand_docs,
                      expand_terms=expand_terms, expand_weight=expand_weight,
                      proximity=proximity, proximity_weight=proximity_weight))
        return self._collect(c, offset, snippets, snippet_bytes, False)

    def _collect(self, c, offset, snippets, snippet_bytes, explain):
        ptr, h, href = c.ptr, c.hit, c.hit_ref
        hit_fn, string_at = _L.trawl_search_hit_sized, ctypes.string_at
        out = Results()
        i = 0
        while True:
            rc = hit_fn(ptr, i, href, _HIT_SIZE)
            if rc != 0:
                break
            hit = Hit()
            hit.rank, hit.doc, hit.score = offset + i + 1, h.doc, h.score
            hit.id = string_at(h.id, h.id_len).decode('utf-8', 'replace')
            hit.date = _date(h.date) if h.date else None
            hit.snippet, hit.highlights, hit.clauses, hit.doc_len = None, [], None, None
            hit.shard = None
            if snippets:
                rc = _L.trawl_search_snippet_sized(ptr, i, snippet_bytes, c.sn_ref, _SN_SIZE)
                if rc != 0:
                    raise c.fail(rc)
                hit.snippet, hit.highlights = _snippet(c.sn)
            if explain:
                self._explain_hit(c, i, hit)
            out.append(hit)
            i += 1
        if rc != NotFoundError.code:
            raise _error(rc, None)
        out.count = _L.trawl_search_count(ptr)
        out.exact = bool(_L.trawl_search_count_is_exact(ptr))
        out.elapsed_us = _L.trawl_search_elapsed_us(ptr)
        return out

    def count(self, query, date_from=None, date_to=None, default_or=False, *, fuzzy=False):
        """The exact number of documents matching query. fuzzy: as in search (the only
        ranking option that changes which documents match a count)."""
        c = self._ctx()
        self._run(c, query, 0, 0, 'score', date_from, date_to, default_or, None, None,
                  count_only=1, ranking=dict(fuzzy=fuzzy))
        return _L.trawl_search_count(c.ptr)

    def explain(self, query, limit=10, offset=0, default_or=False, k1=None, b=None, stats=None,
                date_from=None, date_to=None, sort='score', *, query_tf='count', fuzzy=False,
                expand=False, expand_docs=0, expand_terms=0, expand_weight=0.0, proximity=None,
                proximity_weight=0.0):
        """Like search (no snippets), each hit with .clauses (list of Clause: term, tf, df,
        idf, norm, score; their scores sum to the hit's) and .doc_len. Takes search's ranking
        options; a fuzzy variant, an expansion term and a proximity part are clauses too."""
        c = self._ctx()
        self._run(c, query, limit, offset, sort, date_from, date_to, default_or, k1, b,
                  explain=1, stats=stats, ranking=dict(
                      query_tf=query_tf, fuzzy=fuzzy, expand=expand, expand_docs=expand_docs,
                      expand_terms=expand_terms, expand_weight=expand_weight,
                      proximity=proximity, proximity_weight=proximity_weight))
        return self._collect(c, offset, False, 0, True)

    def suggestion(self, query, default_or=False):
        """A spelling suggestion for query ("did you mean"), or None: each plain word whose
        analysed form has a spelling one edit away in at least 10 times as many documents
        (any, for a word in none) replaced by the most frequent one, keeping the word's
        unstemmed ending (trawl_search_suggestion). Runs query as a count, then walks the
        dictionary once per word. Raises the errors of count."""
        _need('trawl_search_suggestion')
        c = self._ctx()
        self._run(c, query, 0, 0, 'score', None, None, default_or, None, None, count_only=1)
        p, n = ctypes.c_void_p(), ctypes.c_size_t()
        rc = _L.trawl_search_suggestion(c.ptr, ctypes.byref(p), ctypes.byref(n))
        if rc == NotFoundError.code:
            return None
        if rc != 0:
            raise c.fail(rc)
        return ctypes.string_at(p, n.value).decode('utf-8', 'replace')

    def qstats(self, query=None, default_or=False, *, fuzzy=False):
        """This index's statistics for BM25 as a QStats: with a query, also the df of each of
        its terms (prefix expansions and the words of phrases included; phase 1 of a search
        over shards: merge every shard's, then search each with stats=). fuzzy: record
        every word's near spellings too, for a search with fuzzy=True (the shards' union then
        decides the variants). Raises QueryError, LimitError and the errors of search."""
        _need('trawl_search_qstats_sized')
        out = ctypes.c_void_p()
        if query is None:
            if not self._ptr:
                raise ArgumentError('the index is closed')
            rc = _L.trawl_index_qstats(self._ptr, ctypes.byref(out))
            if rc != 0:
                raise _error(rc, None)
            return QStats._adopt(out)
        c = self._ctx()
        _L.trawl_options_init_sized(c.opt_ref, _OPT_SIZE)
        c.opt.default_or = 1 if default_or else 0
        c.opt.fuzzy = 1 if fuzzy else 0
        rc = _L.trawl_search_qstats_sized(c.ptr, query.encode('utf-8'), c.opt_ref, _OPT_SIZE,
                                          ctypes.byref(out))
        if rc != 0:
            raise c.fail(rc)
        return QStats._adopt(out)

    @staticmethod
    def _explain_hit(c, i, hit):
        arr = ctypes.POINTER(_lib.Explain)()
        n = ctypes.c_size_t()
        doc_len = ctypes.c_uint32()
        rc = _L.trawl_search_explain(c.ptr, i, ctypes.byref(arr), ctypes.byref(n),
                                     ctypes.byref(doc_len))
        if rc != 0:
            raise _error(rc, None)
        hit.clauses = [Clause(arr[k]) for k in range(n.value)]
        hit.doc_len = doc_len.value

    def text(self, query, rank=1, **kw):
        """The full stored text of hit number rank (1-based) of query."""
        c = self._ctx()
        self._run(c, query, rank, 0, 'score', None, None, kw.get('default_or'), None, None)
        p, n = ctypes.c_void_p(), ctypes.c_size_t()
        rc = _L.trawl_search_text(c.ptr, rank - 1, ctypes.byref(p), ctypes.byref(n))
        if rc != 0:
            raise c.fail(rc)
        return ctypes.string_at(p, n.value).decode('utf-8', 'replace')

    # -- the index itself
    def stats(self):
        """Collection statistics as a dict (n_docs, total_tokens, n_terms, n_segments,
        index_bytes, stored_bytes, language, phrase_grams: the word list of the index's phrase
        grams, 0 without)."""
        if not self._ptr:
            raise ArgumentError('the index is closed')
        st = _lib.Stats()
        rc = _L.trawl_index_stats_sized(self._ptr, ctypes.byref(st), ctypes.sizeof(st))
        if rc != 0:
            raise _error(rc, None)
        d = {k: getattr(st, k) for k, _ in _lib.Stats._fields_}
        d['language'] = st.language.decode()
        return d

    def check(self):
        """Verifies every checksum and structure (reads the whole index). Raises
        CorruptIndexError naming the file, section and offset of the first problem."""
        if not self._ptr:
            raise ArgumentError('the index is closed')
        errbuf = ctypes.create_string_buffer(1024)
        rc = _L.trawl_index_check(self._ptr, errbuf, len(errbuf))
        if rc != 0:
            raise _error(rc, errbuf.value.decode('utf-8', 'replace'))


# ------------------------------------------------------------------ statistics

def _qstats_ptr(stats):
    if not isinstance(stats, QStats):
        raise ArgumentError('stats must be a trawl.QStats, not %s' % type(stats).__name__)
    return stats._ptr


class QStats:
    """BM25 statistics of one or more indexes (trawl_qstats): documents, their total length,
    and the df of a query's terms. Index.qstats(query) exports one index's; merging
    sums them; Index.search(query, stats=merged) scores with them, so every shard of a corpus
    ranks as one index would (trawl.h, "statistics across shards").

        parts = [QStats.from_bytes(b) for b in shipped]      # bytes(part) on each shard
        merged = QStats.merged(parts)
        hits = shard_index.search(query, stats=merged)

    QStats() is empty (no part); a QStats pickles as its bytes."""

    def __init__(self, data=None):
        _need('trawl_qstats_new')
        self._ptr = None
        ptr = ctypes.c_void_p()
        if data is None:
            rc = _L.trawl_qstats_new(ctypes.byref(ptr))
            errbuf = None
        else:
            data = _bytes(data, 'data')
            errbuf = ctypes.create_string_buffer(512)
            rc = _L.trawl_qstats_decode(ctypes.byref(ptr), data, len(data), errbuf, len(errbuf))
        if rc != 0:
            raise _error(rc, errbuf.value.decode('utf-8', 'replace') if errbuf else None)
        self._ptr = ptr

    @classmethod
    def _adopt(cls, ptr):
        qs = cls.__new__(cls)
        qs._ptr = ptr
        return qs

    @classmethod
    def from_bytes(cls, data):
        """Decodes bytes of to_bytes(). Raises CorruptIndexError (damaged, truncated, not
        statistics) or VersionError (a newer format)."""
        return cls(data)

    @classmethod
    def merged(cls, parts):
        """A new QStats summing parts (QStats or their bytes)."""
        out = cls()
        for p in parts:
            out.merge(p if isinstance(p, QStats) else cls(p))
        return out

    def merge(self, other):
        """Adds other's counts to this one (in place); returns self. Raises ArgumentError
        when the two come from indexes of different analyzers."""
        rc = _L.trawl_qstats_merge(self._ptr, _qstats_ptr(other))
        if rc != 0:
            raise _error(rc, 'cannot merge these statistics: different analyzers, or a count '
                             'overflows' if rc == ArgumentError.code else None)
        return self

    def to_bytes(self):
        """The versioned binary encoding (docs/FORMAT.md, "Query statistics")."""
        n = _L.trawl_qstats_encoded_size(self._ptr)
        buf = ctypes.create_string_buffer(n)
        rc = _L.trawl_qstats_encode(self._ptr, buf, n)
        if rc != 0:
            raise _error(rc, None)
        return buf.raw

    __bytes__ = to_bytes

    def __reduce__(self):
        return (QStats, (self.to_bytes(),))

    def _totals(self):
        n, t, p = c_u64(), c_u64(), ctypes.c_uint32()
        _L.trawl_qstats_totals(self._ptr, ctypes.byref(n), ctypes.byref(t), ctypes.byref(p))
        return n.value, t.value, p.value

    @property
    def n_docs(self):
        """N: live documents counted."""
        return self._totals()[0]

    @property
    def total_tokens(self):
        """Their summed lengths (avgdl = total_tokens / n_docs)."""
        return self._totals()[1]

    @property
    def n_parts(self):
        """How many exports were summed into this one."""
        return self._totals()[2]

    def entries(self):
        """[(kind, key, df)]: kind 'term' ('phrase' only in statistics written by trawl
        1.0.0; or the number of a kind this binding does not know), key the analysed text, df
        the documents."""
        out = []
        kind, key, n, df = ctypes.c_int(), ctypes.c_void_p(), ctypes.c_size_t(), c_u64()
        i = 0
        while _L.trawl_qstats_entry(self._ptr, i, ctypes.byref(kind), ctypes.byref(key),
                                    ctypes.byref(n), ctypes.byref(df)) == 0:
            text = ctypes.string_at(key, n.value).decode('utf-8', 'replace')
            out.append(({1: 'term', 2: 'phrase'}.get(kind.value, kind.value), text, df.value))
            i += 1
        return out

    def __repr__(self):
        n, t, p = self._totals()
        return 'QStats(n_docs=%d, total_tokens=%d, parts=%d, entries=%d)' % (
            n, t, p, _L.trawl_qstats_count(self._ptr))

    def __del__(self):
        if getattr(self, '_ptr', None):
            _L.trawl_qstats_free(self._ptr)
            self._ptr = None


c_u64 = ctypes.c_uint64


# ------------------------------------------------------------------ writer

_WOPT_SIZE = ctypes.sizeof(_lib.WriterOptions)
_WST_SIZE = ctypes.sizeof(_lib.WriterStats)


class Writer:
    """The writer of an index directory (created if missing): the one trawl-index uses, with
    its guarantees. add() and delete() change nothing that readers see until commit(), which
    publishes all of them at once; a crash at any instant leaves the last commit. Documents are
    identified by id (trawl-index --jsonl's ids): adding a live id replaces that document.

        with trawl.Writer("myindex") as w:
            w.add("doc-1", "Rafah crossing reopens for aid trucks", date="2024-03-21")
            replaced = w.add("doc-2", "Aid convoy enters")   # True if doc-2 was live
            w.delete("doc-0")                                 # False if there was none

    Leaving the with block normally commits, then closes; leaving it through an exception
    closes without committing. close() without commit() rolls back everything since the last
    commit, and so does a Writer the garbage collector closes.

    Options (as trawl_writer_options in trawl.h): language (the stemmer of a new index, default
    "english"; "none" for no stemming; an existing index keeps its own), max_token_len (1..255,
    default 64 for a new index), memory_bytes (memory for analysis and postings before runs spill to disk,
    default 256 MiB), threads (1: one thread; N >= 2: N - 1 threads analyse documents and one compresses
    stored text; 0: choose),
    rebuild (the first commit drops every document indexed before), no_merge (commits do not
    run the merge policy), merge_ratio (the size ratio the merge policy keeps between a segment and all smaller ones, default 10),
    phrase_grams (also index each pair of adjacent words one of which is a common English word,
    so that phrases of common words search fast, for a larger index; an existing index keeps its
    choice, and gets grams only with rebuild).

    One writer per directory in all processes: a second raises IndexIOError ("locked"). A
    Writer takes one call at a time (calls from several threads wait for each other). Any
    failure other than a bad argument or a missing document stops the writer: later calls
    raise the same error, and only close() is left (the index stays at its last commit).
    Raises IndexIOError, ArgumentError, CorruptIndexError, VersionError, OutOfMemoryError."""

    def __init__(self, path, *, language=None, max_token_len=0, memory_bytes=0, threads=0,
                 rebuild=False, no_merge=False, merge_ratio=0, phrase_grams=False):
        _need('trawl_writer_open_sized')
        self._ptr = None
        o = _lib.WriterOptions()
        _L.trawl_writer_options_init_sized(ctypes.byref(o), _WOPT_SIZE)
        if language is not None:
            o.language = _bytes(language, 'language')
        o.max_token_len = _uint('max_token_len', max_token_len, ctypes.c_uint32)
        if memory_bytes:
            o.memory_bytes = _uint('memory_bytes', memory_bytes, ctypes.c_size_t)
        o.threads = _uint('threads', threads, ctypes.c_uint)
        o.rebuild, o.no_merge = int(bool(rebuild)), int(bool(no_merge))
        if merge_ratio:
            o.merge_ratio = _uint('merge_ratio', merge_ratio, ctypes.c_uint)
        o.phrase_grams = int(bool(phrase_grams))
        self.path = path
        ptr = ctypes.c_void_p()
        errbuf = ctypes.create_string_buffer(1024)
        rc = _L.trawl_writer_open_sized(ctypes.byref(ptr), _bytes(os.fspath(path), 'path'),
                                        ctypes.byref(o), errbuf, len(errbuf), _WOPT_SIZE)
        if rc != 0:
            raise _error(rc, errbuf.value.decode('utf-8', 'replace'))
        self._ptr = ptr
        self._lock = threading.Lock()
        self._replaced = ctypes.c_int()

    def _fail(self, rc):
        return _error(rc, _L.trawl_writer_errmsg(self._ptr).decode('utf-8', 'replace'))

    def _handle(self):
        if not self._ptr:
            raise ArgumentError('the writer is closed')
        return self._ptr

    def add(self, id, text, date=None):
        """Adds a document (id and text: str, or bytes of UTF-8; date: datetime.date,
        'YYYY-MM-DD' or None), replacing the live document with the same id. Returns True if
        it replaced one. Searchable after commit()."""
        i, t, d = _bytes(id, 'id'), _bytes(text, 'text'), _yyyymmdd(date)
        with self._lock:
            rc = _L.trawl_writer_add(self._handle(), i, len(i), t, len(t), d,
                                     ctypes.byref(self._replaced))
            if rc != 0:
                raise self._fail(rc)
            return bool(self._replaced.value)

    def delete(self, id):
        """Deletes the live document with this id as of the next commit(). Returns True, or
        False if there is none (nothing changes)."""
        i = _bytes(id, 'id')
        with self._lock:
            rc = _L.trawl_writer_delete(self._handle(), i, len(i))
            if rc == NotFoundError.code:
                return False
            if rc != 0:
                raise self._fail(rc)
            return True

    def commit(self):
        """Publishes every add and delete since the last commit as one generation, then runs
        the merge policy (unless no_merge). Readers pick it up with Index.reopen()."""
        with self._lock:
            rc = _L.trawl_writer_commit(self._handle())
            if rc != 0:
                raise self._fail(rc)

    def merge(self):
        """Commits, then merges the whole index into one segment (dropping deleted
        documents). Rewrites the whole index."""
        with self._lock:
            rc = _L.trawl_writer_merge(self._handle())
            if rc != 0:
                raise self._fail(rc)

    def stats(self):
        """A dict: added, replaced, deleted, commits, merges (since the Writer opened);
        n_docs, generation, n_segments (the index as last committed); has_changes (bool)."""
        st = _lib.WriterStats()
        with self._lock:
            rc = _L.trawl_writer_stat_sized(self._handle(), ctypes.byref(st), _WST_SIZE)
        if rc != 0:
            raise _error(rc, None)
        d = {k: getattr(st, k) for k, _ in _lib.WriterStats._fields_}
        d['has_changes'] = bool(d['has_changes'])
        return d

    def close(self):
        """Rolls back what was not committed and releases the directory's lock. Idempotent."""
        lock = getattr(self, '_lock', None)
        if lock is None:
            return
        with lock:
            if self._ptr:
                _L.trawl_writer_close(self._ptr)
            self._ptr = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.commit()
        finally:
            self.close()

    def __del__(self):
        if getattr(self, '_ptr', None):
            self.close()
