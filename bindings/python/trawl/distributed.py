"""trawl.distributed: one corpus in S shards, built and searched on Dask distributed.

A sharded index is a directory of ordinary index directories, shard-0000-of-0004 and so on,
plus SHARDS.json naming them and the routing rule. A document belongs to shard
shard_of(id, S) = the first 8 bytes of BLAKE2b(id), little-endian, modulo S, so any process
routes an id without asking anyone. The directory must be visible to the workers that build
and serve it at the same path (a shared filesystem, or a copy at that path on each host).

    from distributed import Client
    import trawl.distributed as td

    client = Client("tcp://scheduler:8786")          # or Client(LocalCluster(...))
    td.build(client, ["docs.jsonl"], "/shared/idx", n_shards=8)
    with td.ShardedIndex(client, "/shared/idx", replicas=2) as idx:
        for hit in idx.search('rafah "ground invasion"', limit=10):
            print(hit.rank, hit.shard, hit.id, hit.score)
    with td.ShardedWriter(client, "/shared/idx") as w:   # commits at the end of the block
        w.add("doc-9", "text", date="2024-03-21")
        w.delete("doc-3")

Building: Dask tasks split the inputs (JSON Lines byte ranges, or the client's documents) by
shard, and one task per shard indexes its documents through trawl.Writer, in input order.

Searching: each shard is served by an actor (ShardServer) that opens it once and keeps it
open, on `replicas` different workers. A query goes out in two phases: every shard exports its
statistics for the query (trawl_search_qstats), the client sums them, and every shard searches
with the sum (trawl_search_run_global) and returns its top offset + limit; the client merges
them by score (or date), then shard, then document order. The result equals that of one index
holding the shards' documents in shard order, scores bit for bit. A call to a replica whose
worker died (or that cannot read its copy) goes to the shard's other replica; when none is
left, a new one is started on a live worker. Counts need one phase (a count needs no
statistics).
"""
import argparse
import datetime
import hashlib
import json
import os
import sys
import time

import trawl

SHARDS_FILE = 'SHARDS.json'
FORMAT = 'trawl-shards'
VERSION = 1

__all__ = ['shard_of', 'shard_dirs', 'build', 'ShardedWriter', 'ShardedIndex', 'ShardServer',
           'ShardError', 'SHARDS_FILE']


class ShardError(trawl.Error):
    """A shard cannot answer: .shard (its number), .path, .cause (the trawl.Error or the
    infrastructure error of its last replica)."""
    code = -3

    def __init__(self, message, shard=None, path=None, cause=None):
        super().__init__(message)
        self.shard, self.path, self.cause = shard, path, cause

    def __reduce__(self):
        return (ShardError, (self.message, self.shard, self.path, None))


def shard_of(doc_id, n_shards):
    """The shard that owns doc_id (str or bytes) among n_shards: BLAKE2b-64 of the id's UTF-8
    bytes, little-endian, modulo n_shards."""
    if isinstance(doc_id, str):
        doc_id = doc_id.encode('utf-8')
    h = hashlib.blake2b(doc_id, digest_size=8).digest()
    return int.from_bytes(h, 'little') % n_shards


def _shard_name(i, n):
    return 'shard-%04d-of-%04d' % (i, n)


def read_layout(root):
    """The parsed SHARDS.json of root. Raises trawl.NotAnIndexError if there is none or it is
    not one, trawl.VersionError if it is newer."""
    path = os.path.join(root, SHARDS_FILE)
    try:
        with open(path) as f:
            layout = json.load(f)
    except FileNotFoundError:
        raise trawl.NotAnIndexError('%s: no %s: not a sharded index' % (root, SHARDS_FILE))
    except (OSError, ValueError) as e:
        raise trawl.NotAnIndexError('%s: unreadable: %s' % (path, e))
    if not isinstance(layout, dict) or layout.get('format') != FORMAT:
        raise trawl.NotAnIndexError('%s: not a %s file' % (path, FORMAT))
    if layout.get('version') != VERSION:
        raise trawl.VersionError('%s: version %r (this module reads %d)'
                                 % (path, layout.get('version'), VERSION))
    return layout


def shard_dirs(root):
    """The shard directories of the sharded index at root, in shard order."""
    layout = read_layout(root)
    return [os.path.join(root, name) for name in layout['shards']]


def _write_layout(root, n_shards):
    layout = {'format': FORMAT, 'version': VERSION, 'n_shards': n_shards,
              'routing': 'blake2b-64 little-endian of the UTF-8 id, modulo n_shards',
              'shards': [_shard_name(i, n_shards) for i in range(n_shards)]}
    tmp = os.path.join(root, SHARDS_FILE + '.tmp')
    with open(tmp, 'w') as f:
        json.dump(layout, f, indent=1)
        f.write('\n')
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, os.path.join(root, SHARDS_FILE))


# ------------------------------------------------------------------ building

def _date(v):
    """YYYY-MM-DD string (or None) of a JSON date field; a malformed one is dropped, as
    trawl-index --jsonl does (it warns)."""
    if not isinstance(v, str):
        return None
    try:
        datetime.date.fromisoformat(v)
    except ValueError:
        return None
    return v


def _split_jsonl(path, start, end, n_shards, fields):
    """The documents of the lines of path that start in [start, end), one list per shard:
    [(id, text, date)], in file order. Lines without a string id or text are skipped."""
    id_f, text_f, date_f = fields
    parts = [[] for _ in range(n_shards)]
    with open(path, 'rb') as f:
        if start:
            f.seek(start - 1)
            f.readline()  # the line that started before start belongs to the previous range
        while f.tell() < end:
            line = f.readline()
            if not line:
                break
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if not isinstance(rec, dict):
                continue
            doc_id, text = rec.get(id_f), rec.get(text_f)
            if isinstance(doc_id, (int, float)) and not isinstance(doc_id, bool):
                doc_id = str(doc_id)
            if not isinstance(doc_id, str) or not doc_id or not isinstance(text, str):
                continue
            parts[shard_of(doc_id, n_shards)].append((doc_id, text, _date(rec.get(date_f))))
    return parts


def _ranges(path, chunk_bytes):
    size = os.path.getsize(path)
    return [(a, min(a + chunk_bytes, size)) for a in range(0, max(size, 1), chunk_bytes)]


def _pick(parts, s):
    return parts[s]


def _build_shard(path, options, *batches):
    """Indexes the documents of batches (lists of (id, text, date)) into the shard at path,
    replacing what it held; returns what it did."""
    t0 = time.perf_counter()
    n = 0
    with trawl.Writer(path, rebuild=True, **options) as w:
        for batch in batches:
            for doc_id, text, date in batch:
                w.add(doc_id, text, date=date)
                n += 1
    st = trawl.Index(path)
    try:
        n_docs = st.stats()['n_docs']
    finally:
        st.close()
    return {'path': path, 'documents': n, 'n_docs': n_docs,
            'seconds': time.perf_counter() - t0, 'worker': _worker_address()}


def _worker_address():
    try:
        from distributed import get_worker
        return get_worker().address
    except (ImportError, ValueError):
        return None


def build(client, inputs, root, n_shards, *, id_field='id', text_field='text',
          date_field='date', chunk_bytes=16 << 20, language=None, memory_bytes=0,
          merge=True, phrase_grams=False):
    """Builds the sharded index root (created if missing; shards rebuilt) of n_shards shards
    from inputs: a list of JSON Lines paths (as trawl-index --jsonl reads them: id, text and
    date fields; a later record with the same id replaces an earlier one), or an iterable of
    documents (id, text, date) or dicts with those keys. Files are read by Dask tasks in
    chunk_bytes ranges on the workers (the paths must be visible to them); documents given as
    objects are split by the client and scattered. One task per shard then indexes its
    documents in input order. phrase_grams: every shard indexes phrase grams (trawl.Writer), so
    phrases of common words cost a shard a short list instead of a merge of two long ones.
    Returns a summary dict (documents, seconds, per-shard rows)."""
    t0 = time.perf_counter()
    os.makedirs(root, exist_ok=True)
    fields = (id_field, text_field, date_field)
    paths = [os.path.join(root, _shard_name(i, n_shards)) for i in range(n_shards)]
    options = {'threads': 1}
    if language is not None:
        options['language'] = language
    if memory_bytes:
        options['memory_bytes'] = memory_bytes
    if not merge:
        options['no_merge'] = True
    if phrase_grams:
        options['phrase_grams'] = True
    if isinstance(inputs, (list, tuple)) and inputs and all(isinstance(p, str) for p in inputs):
        splits = [client.submit(_split_jsonl, os.path.abspath(p), a, b, n_shards, fields,
                                pure=False)
                  for p in inputs for a, b in _ranges(p, chunk_bytes)]
        batches = [[client.submit(_pick, sp, s, pure=False) for sp in splits]
                   for s in range(n_shards)]
    else:
        parts = [[] for _ in range(n_shards)]
        for doc in inputs:
            if isinstance(doc, dict):
                doc = (doc[id_field], doc[text_field], doc.get(date_field))
            doc_id, text, date = doc
            parts[shard_of(doc_id, n_shards)].append((doc_id, text, date))
        batches = [[client.scatter(parts[s])] for s in range(n_shards)]
    tasks = [client.submit(_build_shard, paths[s], options, *batches[s], pure=False)
             for s in range(n_shards)]
    rows = client.gather(tasks)
    _write_layout(root, n_shards)
    return {'root': root, 'n_shards': n_shards, 'documents': sum(r['n_docs'] for r in rows),
            'seconds': time.perf_counter() - t0, 'shards': rows}


def _apply(path, ops):
    """Applies [('add', id, text, date) | ('delete', id)] to the shard at path in one commit;
    returns counts."""
    out = {'added': 0, 'replaced': 0, 'deleted': 0, 'missing': 0}
    with trawl.Writer(path, threads=1) as w:
        for op in ops:
            if op[0] == 'add':
                out['replaced' if w.add(op[1], op[2], date=op[3]) else 'added'] += 1
            elif w.delete(op[1]):
                out['deleted'] += 1
            else:
                out['missing'] += 1
    return out


class ShardedWriter:
    """Adds, replaces and deletes documents of a sharded index: each change goes to the shard
    that owns its id, and commit() publishes every shard's changes (a Dask task per changed
    shard, each one commit of trawl.Writer). Shards commit independently: a search during the
    commit may see some shards' changes before others'. A with block commits on a clean exit
    and drops what was not committed on an exception."""

    def __init__(self, client, root):
        self.client, self.root = client, root
        self.paths = shard_dirs(root)
        self._ops = [[] for _ in self.paths]

    def add(self, doc_id, text, date=None):
        if isinstance(date, datetime.date):
            date = date.isoformat()
        self._ops[shard_of(doc_id, len(self.paths))].append(('add', doc_id, text, date))

    def delete(self, doc_id):
        self._ops[shard_of(doc_id, len(self.paths))].append(('delete', doc_id))

    def commit(self):
        """Publishes the changes; returns the summed counts (added, replaced, deleted,
        missing: deletes of ids no shard held)."""
        tasks = [self.client.submit(_apply, self.paths[s], ops, pure=False)
                 for s, ops in enumerate(self._ops) if ops]
        self._ops = [[] for _ in self.paths]
        total = {'added': 0, 'replaced': 0, 'deleted': 0, 'missing': 0}
        for r in self.client.gather(tasks):
            for k in total:
                total[k] += r[k]
        return total

    def rollback(self):
        self._ops = [[] for _ in self.paths]

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.commit()
        else:
            self.rollback()


# ------------------------------------------------------------------ serving

class ShardServer:
    """The Dask actor serving one shard: opens it once (trawl.Index) and answers both phases
    of every query until closed. Runs on a worker; its methods take and return plain values."""

    def __init__(self, path, shard):
        self.path, self.shard = path, shard
        self.idx = trawl.Index(path)

    def info(self):
        st = self.idx.stats()
        return {'shard': self.shard, 'path': self.path, 'pid': os.getpid(),
                'worker': _worker_address(), 'n_docs': st['n_docs'],
                'generation': self.idx.generation}

    def qstats(self, query, default_or, fuzzy=False):
        """Phase 1: this shard's statistics for query, as bytes."""
        return self.idx.qstats(query, default_or=default_or, fuzzy=fuzzy).to_bytes()

    def search(self, query, stats, kw, explain):
        """Phase 2: the shard's top hits for query scored with stats (bytes of the merged
        QStats), as plain tuples, with the shard's count."""
        qs = trawl.QStats.from_bytes(stats)
        if explain:
            res = self.idx.explain(query, stats=qs, **kw)
        else:
            res = self.idx.search(query, stats=qs, **kw)
        hits = []
        for h in res:
            clauses = None
            if h.clauses is not None:
                clauses = [(c.term, c.tf, c.df, c.idf, c.norm, c.score) for c in h.clauses]
            hits.append((h.score, h.date.toordinal() if h.date else 0, h.doc, h.id, h.snippet,
                         h.highlights, clauses, h.doc_len, h.date))
        return {'hits': hits, 'count': res.count, 'exact': res.exact,
                'us': res.elapsed_us}

    def count(self, query, kw):
        return self.idx.count(query, **kw)

    def reopen(self):
        self.idx = self.idx.reopen()
        return self.idx.generation

    def close(self):
        self.idx.close()
        return True


def _is_lost(exc):
    """True for the errors of a replica that cannot answer, after which the shard's other
    replica is asked: its worker died or cannot be reached (OSError, Dask's CommClosedError
    and "Worker holding Actor was lost" ValueError, a timeout), or its copy of the shard is
    unreadable. False for everything else, the query's own errors first (malformed, over a
    limit, a bad argument), which every replica would give."""
    if isinstance(exc, (trawl.CorruptIndexError, trawl.IndexIOError, trawl.NotAnIndexError,
                        trawl.VersionError)):
        return True
    if isinstance(exc, trawl.Error):
        return False
    if isinstance(exc, ValueError):
        return 'lost' in str(exc)
    return isinstance(exc, (OSError, TimeoutError))


class _Failed:
    """An actor call that could not even be sent: awaiting it raises its error."""

    def __init__(self, exc):
        self.exc = exc

    def __await__(self):
        raise self.exc
        yield  # noqa: unreachable: makes __await__ a generator


async def _awaitable(f):
    return await f


def _consume(task):
    """Done callback of a call nobody waits for any more: retrieves its outcome, so a late
    failure is not reported as never retrieved."""
    if not task.cancelled():
        task.exception()


async def _hedged(launch, n_reps, timeout, hedge_after):
    """One shard's call in the client's event loop: asks the first replica (launch(i) returns
    its awaitable), asks the next one when a replica fails with a lost-replica error or has
    not answered within hedge_after seconds, and returns the first answer as (i of the replica
    that answered or None, its result, the query's own error to raise or None, [(i, exception)
    of lost replicas], [i of replicas still silent], seconds)."""
    import asyncio
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    pending, lost, nxt = {}, [], 0

    def ask():
        nonlocal nxt
        task = asyncio.ensure_future(_awaitable(launch(nxt)))
        pending[task] = nxt
        nxt += 1

    ask()
    while pending:
        left = t0 + timeout - loop.time()
        wait = left if nxt >= n_reps or hedge_after is None else min(left, hedge_after)
        done, _ = await asyncio.wait(list(pending), timeout=max(wait, 0),
                                     return_when=asyncio.FIRST_COMPLETED)
        if not done:
            if loop.time() - t0 >= timeout:
                break
            ask()  # hedge: the next replica too, first answer wins
            continue
        for task in done:
            i = pending.pop(task)
            exc = task.exception()
            if exc is None or not _is_lost(exc):
                for t in pending:
                    t.add_done_callback(_consume)
                return (i, task.result() if exc is None else None, exc, lost,
                        list(pending.values()), loop.time() - t0)
            lost.append((i, exc))
            if nxt < n_reps:
                ask()
    for t in pending:
        t.add_done_callback(_consume)
    lost += [(i, TimeoutError('no answer within %g s' % timeout)) for i in pending.values()]
    return None, None, None, lost, [], loop.time() - t0


async def _fan(calls, timeout, hedge_after):
    """Every shard's _hedged call at once: one trip into the client's event loop."""
    import asyncio
    return await asyncio.gather(*(_hedged(launch, n, timeout, hedge_after)
                                  for launch, n in calls))


class _Replica:
    __slots__ = ('actor', 'worker', 'alive', 'error', 'slow')

    def __init__(self, actor, worker):
        self.actor, self.worker, self.alive, self.error = actor, worker, True, None
        self.slow = 0  # calls in a row it left to a hedge: asked last while > 0


class ShardedIndex:
    """A sharded index served by Dask actors: every shard opened by `replicas` actors on
    different workers (as many as there are workers, at most). Raises ShardError naming every
    shard that no replica could open, unless partial is set: then the shards that opened are
    searched as the whole corpus (their statistics only) and .missing lists the others.

    search, count and explain take the arguments of trawl.Index's and answer as one index
    holding the shards' documents in shard order would: the same ids, scores (bit for bit),
    dates, snippets, explanations, counts. Hits carry .shard. Not for use by several threads at
    once. timeout: seconds a shard may take for one call before it counts as lost;
    hedge_after: seconds after which the shard's next replica is asked too, the first answer
    winning (None: only after a failure). A dead worker's connection usually breaks at once,
    but a call that reaches it while the cluster has not noticed yet can wait for Dask's
    connect timeout (30 s): the hedge answers from the other replica meanwhile; a small
    hedge_after (the single call's p95) also trims the tail latency (docs/SCALE.md)."""

    def __init__(self, client, root, replicas=2, partial=False, timeout=60.0,
                 hedge_after=1.0):
        self.client, self.root, self.timeout = client, root, timeout
        self.hedge_after = hedge_after
        self.paths = shard_dirs(root)
        self.n_shards = len(self.paths)
        self.replicas = max(1, replicas)
        self.failovers = 0
        self.trace = None  # a list: every fan-out appends (method, [seconds of each call])
        self._turn = 0
        # Actor calls straight to each worker instead of relayed by the scheduler: half the
        # latency of a query (it makes the client's gathers direct too).
        client.direct_to_workers = True
        workers = sorted(client.scheduler_info()['workers'])
        if not workers:
            raise trawl.ArgumentError('the Dask cluster has no workers')
        pending = {}
        for s in range(self.n_shards):
            for r in range(min(self.replicas, len(workers))):
                w = workers[(s + r) % len(workers)]
                pending[(s, r)] = (w, self._start(s, w))
        self._shards = [[] for _ in range(self.n_shards)]
        errors = {}
        for (s, r), (w, fut) in pending.items():
            try:
                self._shards[s].append(_Replica(fut.result(), w))
            except Exception as e:  # noqa: BLE001: reported per shard below
                errors.setdefault(s, []).append((w, e))
        self.missing = [s for s in range(self.n_shards) if not self._shards[s]]
        self.problems = {s: [(w, '%s: %s' % (type(e).__name__, e)) for w, e in errs]
                         for s, errs in errors.items()}
        if self.missing and not partial:
            msg = self._missing_message()
            self.close()
            raise ShardError(msg, shard=self.missing[0], path=self.paths[self.missing[0]],
                             cause=errors[self.missing[0]][-1][1])
        self.live = [s for s in range(self.n_shards) if self._shards[s]]

    def _start(self, s, worker):
        return self.client.submit(ShardServer, self.paths[s], s, actor=True, workers=[worker],
                                  allow_other_workers=False, pure=False)

    def _missing_message(self):
        parts = []
        for s in self.missing:
            why = '; '.join('%s' % m for _, m in self.problems.get(s, [])[-1:])
            parts.append('shard %d of %d (%s): %s' % (s, self.n_shards, self.paths[s], why))
        return 'cannot open ' + ', '.join(parts)

    # -- calls with failover
    def _order(self, s):
        reps = [r for r in self._shards[s] if r.alive]
        if len(reps) > 1:
            k = (self._turn + s) % len(reps)
            reps = reps[k:] + reps[:k]
            reps.sort(key=lambda r: r.slow > 0)  # stable: the rotation among the prompt ones
        return reps

    def _replace(self, s):
        """Starts a replica of shard s on a live worker that holds none, if there is one."""
        held = {r.worker for r in self._shards[s] if r.alive}
        workers = sorted(self.client.scheduler_info()['workers'])
        for w in workers:
            if w in held:
                continue
            try:
                rep = _Replica(self._start(s, w).result(timeout=self.timeout), w)
            except Exception as e:  # noqa: BLE001: this worker cannot serve it either
                self.problems.setdefault(s, []).append((w, '%s: %s' % (type(e).__name__, e)))
                continue
            self._shards[s].append(rep)
            return rep
        return None

    def _fanout(self, shards, method, args_of):
        """Calls method on one replica of every shard in shards at once and waits for all of
        them together. A shard's call goes to its next replica when one fails with a
        lost-replica error (the replica, and every replica on its worker, is then marked
        dead) or has not answered within hedge_after seconds (the first answer wins). A shard
        without a live replica gets a new one on another worker. Returns {shard: result}."""
        self._turn += 1
        todo = {s: self._order(s) for s in shards}
        out = {}
        while todo:
            for s, reps in todo.items():
                if not reps:
                    reps.append(self._replacement(s))
            keys = list(todo)
            calls = [(self._launcher(todo[s], method, args_of(s)), len(todo[s])) for s in keys]
            results = self.client.sync(_fan, calls, self.timeout, self.hedge_after)
            if self.trace is not None:
                self.trace.append((method, [r[5] for r in results]))
            nxt = {}
            for s, (who, res, exc, lost, silent, _) in zip(keys, results):
                reps = todo[s]
                for i, e in lost:
                    self._lose(s, reps[i], e)
                if exc is not None:
                    raise exc
                for i in silent:
                    reps[i].slow += 1
                if who is None:  # every replica asked was lost: the live ones left, or new
                    nxt[s] = self._order(s)
                else:
                    out[s] = res
                    reps[who].slow = 0
            todo = nxt
        return out

    @staticmethod
    def _launcher(reps, method, args):
        def launch(i):
            try:
                return getattr(reps[i].actor, method)(*args)
            except Exception as e:  # noqa: BLE001: the actor is gone (ValueError: lost)
                return _Failed(e)
        return launch

    def _lose(self, s, rep, exc):
        """Marks rep dead, and every other replica on its worker: they died with it."""
        self.failovers += 1
        self.problems.setdefault(s, []).append((rep.worker, '%s: %s' % (type(exc).__name__,
                                                                         exc)))
        for reps in self._shards:
            for r in reps:
                if r.worker == rep.worker and r.alive and (r is rep or not isinstance(
                        exc, (trawl.CorruptIndexError, trawl.IndexIOError))):
                    r.alive, r.error = False, exc

    def _replacement(self, s):
        rep = self._replace(s)
        if rep is None:
            last = self.problems.get(s, [(None, 'no live replica')])[-1][1]
            raise ShardError('shard %d of %d (%s) has no replica left: %s'
                             % (s, self.n_shards, self.paths[s], last), shard=s,
                             path=self.paths[s])
        return rep

    # -- queries
    def _stats(self, query, default_or, fuzzy=False):
        parts = self._fanout(self.live, 'qstats', lambda s: (query, default_or, fuzzy))
        return trawl.QStats.merged(parts[s] for s in self.live).to_bytes()

    def search(self, query, limit=10, offset=0, sort='score', date_from=None, date_to=None,
               default_or=False, k1=None, b=None, snippets=True, snippet_bytes=0,
               exact_count=False, explain=False, *, query_tf='count', fuzzy=False, expand=False,
               proximity=None, proximity_weight=0.0):
        """Both phases over every shard, then the merged top limit after offset: a
        trawl.Results of trawl.Hit (each with .shard). query_tf, fuzzy, proximity and
        proximity_weight as for trawl.Index.search, exact across shards (fuzzy variants are
        chosen from every shard's terms); expand=True is refused (ArgumentError: RM3 would
        need a third phase). Raises what trawl.Index.search raises (the query's own errors
        come from the shards), and ShardError."""
        stats = self._stats(query, default_or, fuzzy)
        kw = {'limit': offset + limit, 'offset': 0, 'date_from': date_from,
              'date_to': date_to, 'default_or': default_or, 'k1': k1, 'b': b, 'sort': sort,
              'query_tf': query_tf, 'fuzzy': fuzzy, 'expand': expand, 'proximity': proximity,
              'proximity_weight': proximity_weight}
        if not explain:
            kw.update(snippets=snippets, snippet_bytes=snippet_bytes, exact_count=exact_count)
        res = self._fanout(self.live, 'search', lambda s: (query, stats, kw, explain))
        rows = [(s,) + h for s in self.live for h in res[s]['hits']]
        if sort == 'date':
            rows.sort(key=lambda r: (-r[2], -r[1], r[0], r[3]))
        else:
            rows.sort(key=lambda r: (-r[1], r[0], r[3]))
        out = trawl.Results()
        for rank, (s, score, _, doc, doc_id, snip, hl, clauses, doc_len, date) in enumerate(
                rows[offset:offset + limit], offset + 1):
            h = trawl.Hit()
            h.rank, h.doc, h.id, h.score, h.date = rank, doc, doc_id, score, date
            h.snippet, h.highlights, h.doc_len = snip, hl, doc_len
            h.clauses = None
            if clauses is not None:
                h.clauses = [_clause(*c) for c in clauses]
            h.shard = s
            out.append(h)
        out.count = sum(res[s]['count'] for s in self.live)
        out.exact = all(res[s]['exact'] for s in self.live)
        out.shard_us = [res[s]['us'] for s in self.live]
        return out

    def explain(self, query, limit=10, offset=0, default_or=False, k1=None, b=None, **kw):
        """search with explain: each hit's .clauses carry the global df and idf."""
        return self.search(query, limit=limit, offset=offset, default_or=default_or, k1=k1,
                           b=b, explain=True, **kw)

    def count(self, query, date_from=None, date_to=None, default_or=False, *, fuzzy=False):
        """The exact number of matching documents: the shards' counts summed (one phase; with
        fuzzy two, so that every shard matches the near spellings all the shards' terms
        give, as one index would)."""
        if fuzzy:
            return self.search(query, limit=1, date_from=date_from, date_to=date_to,
                               default_or=default_or, snippets=False, exact_count=True,
                               fuzzy=True).count
        kw = {'date_from': date_from, 'date_to': date_to, 'default_or': default_or}
        res = self._fanout(self.live, 'count', lambda s: (query, kw))
        return sum(res.values())

    def stats(self):
        """Per-shard info (shard, path, worker, pid, n_docs, generation) of a live replica."""
        res = self._fanout(self.live, 'info', lambda s: ())
        return [res[s] for s in self.live]

    def reopen(self):
        """Moves every live replica to its shard's newest commit (after a ShardedWriter
        commit); returns the shards' generations."""
        gens = {}
        for s in self.live:
            for rep in self._shards[s]:
                if not rep.alive:
                    continue
                try:
                    gens[s] = rep.actor.reopen().result(timeout=self.timeout)
                except Exception as e:  # noqa: BLE001: a lost replica; the others go on
                    if not _is_lost(e):
                        raise
                    rep.alive, rep.error = False, e
        return [gens.get(s) for s in self.live]

    def replicas_of(self, s):
        """Workers holding a live replica of shard s."""
        return [r.worker for r in self._shards[s] if r.alive]

    def close(self):
        for reps in getattr(self, '_shards', []):
            for rep in reps:
                if rep.alive:
                    try:
                        rep.actor.close().result(timeout=self.timeout)
                    except Exception:  # noqa: BLE001: closing what may be gone
                        pass
        self._shards = [[] for _ in range(self.n_shards)]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _clause(term, tf, df, idf, norm, score):
    c = trawl.Clause.__new__(trawl.Clause)
    c.term, c.tf, c.df, c.idf, c.norm, c.score = term, tf, df, idf, norm, score
    return c


# ------------------------------------------------------------------ command line

def _client(args):
    from distributed import Client, LocalCluster
    if args.scheduler:
        return Client(args.scheduler), None
    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    return Client(cluster), cluster


def main(argv=None):
    p = argparse.ArgumentParser(prog='python3 -m trawl.distributed',
                                description='Build, update and search a sharded trawl index '
                                            'on Dask distributed.')
    p.add_argument('--scheduler', help='address of a running Dask scheduler (default: a local '
                                       'cluster of --workers processes)')
    p.add_argument('--workers', type=int, default=2, help='local cluster workers (default 2)')
    sub = p.add_subparsers(dest='cmd', required=True)
    b = sub.add_parser('build', help='build a sharded index from JSON Lines files')
    b.add_argument('-o', '--index', required=True)
    b.add_argument('-s', '--shards', type=int, required=True)
    b.add_argument('--language')
    b.add_argument('--phrase-grams', action='store_true',
                   help='index phrase grams in every shard (trawl-index --phrase-grams)')
    b.add_argument('inputs', nargs='+')
    u = sub.add_parser('update', help='add JSON Lines records and delete ids')
    u.add_argument('-o', '--index', required=True)
    u.add_argument('--delete', action='append', default=[])
    u.add_argument('inputs', nargs='*')
    q = sub.add_parser('search', help='search; one JSON record per hit')
    q.add_argument('-i', '--index', required=True)
    q.add_argument('-n', '--limit', type=int, default=10)
    q.add_argument('--replicas', type=int, default=2)
    q.add_argument('--count', action='store_true')
    q.add_argument('query')
    args = p.parse_args(argv)
    client, cluster = _client(args)
    try:
        if args.cmd == 'build':
            r = build(client, args.inputs, args.index, args.shards, language=args.language,
                      phrase_grams=args.phrase_grams)
            print('%d documents in %d shards; %.2f s' % (r['documents'], r['n_shards'],
                                                          r['seconds']))
        elif args.cmd == 'update':
            with ShardedWriter(client, args.index) as w:
                for path in args.inputs:
                    with open(path) as f:
                        for line in f:
                            rec = json.loads(line)
                            w.add(str(rec['id']), rec['text'], date=_date(rec.get('date')))
                for doc_id in args.delete:
                    w.delete(doc_id)
        else:
            with ShardedIndex(client, args.index, replicas=args.replicas) as idx:
                if args.count:
                    print(idx.count(args.query))
                    return 0
                res = idx.search(args.query, limit=args.limit)
                for h in res:
                    print(json.dumps({'rank': h.rank, 'shard': h.shard, 'id': h.id,
                                      'score': h.score,
                                      'date': h.date.isoformat() if h.date else None,
                                      'snippet': h.snippet}))
                print(json.dumps({'count': res.count, 'exact': res.exact}))
    except trawl.Error as e:
        print('trawl.distributed: %s' % e, file=sys.stderr)
        return 1
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
