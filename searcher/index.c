/* index: trawl_index_open/reopen/close/stats/check.
 *
 * A handle is a snapshot: the segments and live files one manifest generation names, mapped.
 * Writers never change a file in place and never reuse a name, so a snapshot stays valid while
 * they commit; a file a newer generation dropped is unlinked but stays mapped here until the
 * handle closes. Opening races with a commit only in one way: the manifest read names a file
 * the writer has deleted by the time we open it. Then the manifest has changed, and the open
 * starts over on the newer generation. */
#include "index.h"

#include "abi.h"
#include "bm25.h"
#include "dict.h"
#include "err.h"
#include "fsx.h"
#include "term_cursor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Attempts at opening one directory while writers keep committing under it. */
#define INDEX_OPEN_ATTEMPTS 100

static void index_copy_err(const err *e, char *errbuf, size_t errbuf_len)
{
    if (errbuf && errbuf_len) snprintf(errbuf, errbuf_len, "%s", e->msg);
}

/* Checks that dir's analyzer settings agree with the first directory's (recorded in idx). */
static int index_check_analyzer(trawl_index *idx, const manifest *m, const char *dir, int first,
                                err *e)
{
    if (first) {
        snprintf(idx->language, sizeof idx->language, "%s", m->language);
        idx->max_token_len = m->max_token_len;
        idx->phrase_grams = m->phrase_grams;
        return TRAWL_OK;
    }
    /* grams are used only where every segment has them, from the same word list */
    if (idx->phrase_grams != m->phrase_grams) idx->phrase_grams = 0;
    if (strcmp(idx->language, m->language) != 0 || idx->max_token_len != m->max_token_len)
        return err_set(e, TRAWL_EARG,
                       "%s: analyzer (language %s, max token length %u) differs from the first "
                       "index directory's (language %s, max token length %u)",
                       dir, m->language, m->max_token_len, idx->language, idx->max_token_len);
    return TRAWL_OK;
}

/* The manifest and the segment describe the same facts; a disagreement means one of them was
 * altered or swapped, and trusting either would silently give wrong answers (a manifest saying
 * "language none" over an english segment finds nothing for "invasion"). */
static int index_check_segment(const manifest *m, const manifest_seg *ms, const segment *seg,
                               const char *dir, err *e)
{
    if (segment_n_docs(seg) != ms->n_docs)
        return err_set(e, TRAWL_ECORRUPT,
                       "%s/%s: segment has %u documents but the manifest says %u", dir, ms->name,
                       segment_n_docs(seg), ms->n_docs);
    if (strcmp(segment_language(seg), m->language) != 0 ||
        segment_max_token_len(seg) != m->max_token_len)
        return err_set(e, TRAWL_ECORRUPT,
                       "%s/%s: segment analyzer (language %s, max token length %u) differs from "
                       "the manifest's (language %s, max token length %u)",
                       dir, ms->name, segment_language(seg), segment_max_token_len(seg),
                       m->language, m->max_token_len);
    return TRAWL_OK;
}

/* The live file agrees with the manifest's count and with the segment's document lengths. */
static int index_check_liv(const manifest_seg *ms, const segment *seg, const liv *l,
                           const char *dir, err *e)
{
    uint64_t tokens = 0;
    if (l->n_deleted != ms->n_deleted)
        return err_set(e, TRAWL_ECORRUPT, "%s/%s: marks %u documents deleted, the manifest %u", dir,
                       ms->liv, l->n_deleted, ms->n_deleted);
    for (uint32_t w = 0; w < (l->n_docs + 63) / 64; w++)
        for (uint64_t bits = l->bits[w]; bits; bits &= bits - 1)
            tokens += segment_doc_len(seg, w * 64 + (uint32_t)__builtin_ctzll(bits));
    if (tokens != l->deleted_tokens)
        return err_set(e, TRAWL_ECORRUPT,
                       "%s/%s: deleted documents' lengths sum to %llu, the file says %llu", dir,
                       ms->liv, (unsigned long long)tokens, (unsigned long long)l->deleted_tokens);
    return TRAWL_OK;
}

/* A segment (and live file) of old with this entry's name and id, to share instead of mapping
 * it again; NULL if none. */
static const index_seg *index_find_old(const trawl_index *old, const char *dir,
                                       const manifest_seg *ms)
{
    for (size_t i = 0; old && i < old->n_segs; i++) {
        const index_seg *s = &old->segs[i];
        if (strcmp(old->dirs[s->dir].path, dir) == 0 && segment_id(s->seg) == ms->id &&
            strcmp(segment_name(s->seg), ms->name) == 0)
            return s;
    }
    return NULL;
}

/* Maps (or shares from old) segment ms and its live file into s. */
static int index_open_seg(index_seg *s, const char *dir, const manifest *m, const manifest_seg *ms,
                          const trawl_index *old, err *e)
{
    char path[4096];
    const index_seg *o = index_find_old(old, dir, ms);
    int rc = TRAWL_OK;
    memset(s, 0, sizeof *s);
    if (o) {
        s->seg = segment_retain(o->seg);
    } else {
        rc = fsx_join(path, sizeof path, dir, ms->name, e);
        if (rc == TRAWL_OK) rc = segment_open(&s->seg, path, ms->name, ms->id, e);
        if (rc == TRAWL_OK) rc = index_check_segment(m, ms, s->seg, dir, e);
    }
    if (rc == TRAWL_OK && ms->liv[0]) {
        if (o && o->live && strcmp(o->live->name, ms->liv) == 0) {
            s->live = liv_retain(o->live);
        } else {
            rc = fsx_join(path, sizeof path, dir, ms->liv, e);
            if (rc == TRAWL_OK)
                rc = liv_open(&s->live, path, ms->liv, ms->id, segment_n_docs(s->seg), e);
            if (rc == TRAWL_OK) rc = index_check_liv(ms, s->seg, s->live, dir, e);
        }
    }
    if (rc != TRAWL_OK) {
        liv_close(s->live);
        segment_close(s->seg);
        memset(s, 0, sizeof *s);
        return rc;
    }
    s->del = s->live ? s->live->bits : NULL;
    s->n_docs = segment_n_docs(s->seg);
    s->n_live = s->n_docs - (s->live ? s->live->n_deleted : 0);
    return TRAWL_OK;
}

/* Drops segments [from, n_segs) (a failed attempt). */
static void index_drop_segs(trawl_index *idx, size_t from)
{
    while (idx->n_segs > from) {
        index_seg *s = &idx->segs[--idx->n_segs];
        liv_close(s->live);
        segment_close(s->seg);
    }
}

/* Opens every segment m lists, appending them to idx->segs. */
static int index_open_segs(trawl_index *idx, uint32_t d, const manifest *m, const trawl_index *old,
                           err *e)
{
    const char *dir = idx->dirs[d].path;
    if (m->n_segs > 0) {
        index_seg *ns = realloc(idx->segs, (idx->n_segs + m->n_segs) * sizeof *ns);
        if (!ns) return err_set(e, TRAWL_ENOMEM, "%s: out of memory", dir);
        idx->segs = ns;
    }
    for (size_t i = 0; i < m->n_segs; i++) {
        index_seg *s = &idx->segs[idx->n_segs];
        int rc = index_open_seg(s, dir, m, &m->segs[i], old, e);
        if (rc != TRAWL_OK) return rc;
        s->dir = d;
        idx->n_segs++;
    }
    return TRAWL_OK;
}

/* 1 if dir's manifest now names another generation than gen (a writer committed). */
static int index_moved_on(const char *dir, uint64_t gen)
{
    manifest m;
    err e;
    err_init(&e);
    int moved = manifest_read(&m, dir, &e) == TRAWL_OK && m.generation != gen;
    manifest_free(&m);
    return moved;
}

/* Opens directory d of idx (its path already set): the manifest, then its files; when a file
 * fails to open because a writer committed meanwhile, again on the newer generation. */
static int index_open_dir(trawl_index *idx, uint32_t d, const trawl_index *old, err *e)
{
    index_dir *id = &idx->dirs[d];
    size_t from = idx->n_segs;
    for (int attempt = 0;; attempt++) {
        int rc = manifest_read(&id->m, id->path, e);
        if (rc == TRAWL_OK) rc = index_check_analyzer(idx, &id->m, id->path, d == 0, e);
        if (rc != TRAWL_OK) return rc;
        rc = index_open_segs(idx, d, &id->m, old, e);
        if (rc == TRAWL_OK) return TRAWL_OK;
        index_drop_segs(idx, from);
        if (attempt + 1 >= INDEX_OPEN_ATTEMPTS || rc == TRAWL_ENOMEM ||
            !index_moved_on(id->path, id->m.generation))
            return rc;
        manifest_free(&id->m);
        err_init(e);
    }
}

/* Bases and collection statistics over the live documents. */
static void index_sum(trawl_index *idx)
{
    uint64_t base = 0;
    idx->n_docs = idx->n_deleted = idx->total_tokens = 0;
    for (size_t i = 0; i < idx->n_segs; i++) {
        index_seg *s = &idx->segs[i];
        s->base = base;
        base += s->n_docs;
        idx->n_docs += s->n_live;
        idx->n_deleted += s->n_docs - s->n_live;
        idx->total_tokens += segment_total_tokens(s->seg) - (s->live ? s->live->deleted_tokens : 0);
    }
    idx->avgdl = bm25_avgdl(idx->n_docs, idx->total_tokens);
}

/* Refuses a directory given twice, under any spelling ("idx", "./idx/", a symlink): searched
 * twice, every hit would come back twice and every df double. Directories stat cannot see are
 * left to index_open_dir, which names the problem. */
static int index_check_distinct_dirs(const char *const *dirs, size_t n_dirs, err *e)
{
    for (size_t i = 1; i < n_dirs; i++) {
        struct stat a, b;
        if (stat(dirs[i], &a) < 0) continue;
        for (size_t j = 0; j < i; j++)
            if (stat(dirs[j], &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
                return err_set(e, TRAWL_EARG, "%s and %s are the same index directory", dirs[j],
                               dirs[i]);
    }
    return TRAWL_OK;
}

/* Refuses one segment file reached twice: two directories sharing it through a hard link (a
 * snapshot made with cp -al, say) would search its documents twice like a repeated directory. */
static int index_check_distinct_segments(const trawl_index *idx, err *e)
{
    for (size_t i = 1; i < idx->n_segs; i++) {
        uint64_t dev_i, ino_i, dev_j, ino_j;
        segment_file_id(idx->segs[i].seg, &dev_i, &ino_i);
        for (size_t j = 0; j < i; j++) {
            segment_file_id(idx->segs[j].seg, &dev_j, &ino_j);
            if (dev_i == dev_j && ino_i == ino_j)
                return err_set(e, TRAWL_EARG, "%s/%s and %s/%s are the same file (hard links?)",
                               idx->dirs[idx->segs[j].dir].path, segment_name(idx->segs[j].seg),
                               idx->dirs[idx->segs[i].dir].path, segment_name(idx->segs[i].seg));
        }
    }
    return TRAWL_OK;
}

/* Opens the directories dirs (old: a handle whose unchanged files to share, or NULL). */
static int index_build(trawl_index **out, const char *const *dirs, size_t n_dirs,
                       const trawl_index *old, err *e)
{
    *out = NULL;
    if (!dirs || n_dirs == 0 || n_dirs > UINT32_MAX)
        return err_set(e, TRAWL_EARG, "trawl_index_open: no index directory given");
    trawl_index *idx = calloc(1, sizeof *idx);
    if (!idx || !(idx->dirs = calloc(n_dirs, sizeof *idx->dirs))) {
        free(idx);
        return err_set(e, TRAWL_ENOMEM, "out of memory");
    }
    int rc = index_check_distinct_dirs(dirs, n_dirs, e);
    for (size_t i = 0; rc == TRAWL_OK && i < n_dirs; i++) {
        manifest_init(&idx->dirs[i].m);
        idx->dirs[i].path = strdup(dirs[i]);
        idx->n_dirs++;
        rc = idx->dirs[i].path ? index_open_dir(idx, (uint32_t)i, old, e)
                               : err_set(e, TRAWL_ENOMEM, "out of memory");
    }
    if (rc == TRAWL_OK) rc = index_check_distinct_segments(idx, e);
    if (rc != TRAWL_OK) {
        trawl_index_close(idx);
        return rc;
    }
    index_sum(idx);
    *out = idx;
    return TRAWL_OK;
}

int trawl_index_open(trawl_index **out, const char *const *dirs, size_t n_dirs, char *errbuf,
                     size_t errbuf_len)
{
    err e;
    err_init(&e);
    int rc = index_build(out, dirs, n_dirs, NULL, &e);
    index_copy_err(&e, errbuf, errbuf_len);
    return rc;
}

int trawl_index_reopen(const trawl_index *idx, trawl_index **out, char *errbuf, size_t errbuf_len)
{
    err e;
    err_init(&e);
    *out = NULL;
    int changed = 0;
    for (size_t i = 0; !changed && i < idx->n_dirs; i++)
        changed = index_moved_on(idx->dirs[i].path, idx->dirs[i].m.generation);
    if (!changed) {
        index_copy_err(&e, errbuf, errbuf_len);
        return TRAWL_OK;
    }
    const char **dirs = malloc(idx->n_dirs * sizeof *dirs);
    if (!dirs) {
        err_set(&e, TRAWL_ENOMEM, "out of memory");
        index_copy_err(&e, errbuf, errbuf_len);
        return e.rc;
    }
    for (size_t i = 0; i < idx->n_dirs; i++)
        dirs[i] = idx->dirs[i].path;
    int rc = index_build(out, dirs, idx->n_dirs, idx, &e);
    free(dirs);
    index_copy_err(&e, errbuf, errbuf_len);
    return rc;
}

void trawl_index_close(trawl_index *idx)
{
    if (!idx) return;
    index_drop_segs(idx, 0);
    for (size_t i = 0; i < idx->n_dirs; i++) {
        free(idx->dirs[i].path);
        manifest_free(&idx->dirs[i].m);
    }
    free(idx->dirs);
    free(idx->segs);
    free(idx);
}

uint64_t trawl_index_generation(const trawl_index *idx)
{
    uint64_t g = 0;
    for (size_t i = 0; i < idx->n_dirs; i++)
        g += idx->dirs[i].m.generation;
    return g;
}

static void index_stats(const trawl_index *idx, trawl_stats *st)
{
    memset(st, 0, sizeof *st);
    st->n_docs = idx->n_docs;
    st->total_tokens = idx->total_tokens;
    st->n_segments = (uint32_t)idx->n_segs;
    for (size_t i = 0; i < idx->n_segs; i++) {
        st->n_terms += segment_n_terms(idx->segs[i].seg);
        st->index_bytes += segment_file_bytes(idx->segs[i].seg);
        st->stored_bytes += segment_stored_bytes(idx->segs[i].seg);
    }
    snprintf(st->language, sizeof st->language, "%s", idx->language);
    st->phrase_grams = idx->phrase_grams;
}

int trawl_index_stats_sized(const trawl_index *idx, trawl_stats *st, size_t st_size)
{
    trawl_stats full;
    if (!sized_ok(st_size, ABI_STATS_1_0)) return TRAWL_EARG;
    index_stats(idx, &full);
    sized_copy_out(st, st_size, &full, sizeof full);
    return TRAWL_OK;
}

/* ---------------------------------------------------------------- deep check */

/* Deleted documents in the postings of one term. */
static int index_count_deleted(const index_seg *s, const term_info *ti, uint32_t *n, err *e)
{
    term_cursor tc;
    *n = 0;
    if (tc_open(&tc, s->seg, ti, e) != TRAWL_OK) return e->rc;
    for (; tc.doc != DOC_END; tc_next(&tc))
        *n += (uint32_t)index_is_deleted(s, tc.doc);
    int rc = tc.rc;
    tc_close(&tc);
    return rc != TRAWL_OK ? err_set(e, rc, "%s: postings decode failed", segment_name(s->seg))
                          : TRAWL_OK;
}

/* The live file's term counts equal the deleted documents found in the postings, term by
 * term, and it lists exactly the terms that have some. */
static int index_check_liv_terms(const index_seg *s, err *e)
{
    dict_iter it;
    const char *t;
    size_t len;
    term_info ti;
    uint64_t listed = 0;
    int r = liv_check(s->live, e);
    if (r == TRAWL_OK) r = dict_iter_seek(&it, s->seg, "", 0, e);
    while (r == TRAWL_OK && (r = dict_iter_next(&it, &t, &len, &ti, e)) == 1) {
        uint32_t n, want;
        if (liv_term_df(s->live, t, len, &want, e) < 0) return e->rc;
        if (index_count_deleted(s, &ti, &n, e) < 0) return e->rc;
        if (n != want)
            return err_set(e, TRAWL_ECORRUPT,
                           "%s: term \"%.*s\" is in %u deleted documents, the live file says %u",
                           s->live->name, (int)len, t, n, want);
        listed += n > 0;
        r = TRAWL_OK;
    }
    if (r < 0) return r;
    if (listed != s->live->n_terms)
        return err_set(e, TRAWL_ECORRUPT,
                       "%s: lists %llu terms, the segment has %llu in deleted "
                       "documents",
                       s->live->name, (unsigned long long)s->live->n_terms,
                       (unsigned long long)listed);
    return TRAWL_OK;
}

int trawl_index_check(const trawl_index *idx, char *errbuf, size_t errbuf_len)
{
    err e;
    err_init(&e);
    int rc = TRAWL_OK;
    for (size_t i = 0; rc == TRAWL_OK && i < idx->n_segs; i++) {
        rc = segment_check(idx->segs[i].seg, &e);
        if (rc == TRAWL_OK && idx->segs[i].live) rc = index_check_liv_terms(&idx->segs[i], &e);
    }
    if (rc != TRAWL_OK)
        index_copy_err(&e, errbuf, errbuf_len);
    else if (errbuf && errbuf_len)
        errbuf[0] = '\0';
    return rc;
}

size_t index_locate(const trawl_index *idx, uint64_t doc)
{
    if (idx->n_segs == 1) return 0; /* the usual merged index: once per hit, skip the search */
    size_t lo = 0, hi = idx->n_segs;
    /* Last segment whose base <= doc (empty segments share a base with their successor). */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (idx->segs[mid].base <= doc)
            lo = mid;
        else
            hi = mid;
    }
    while (lo + 1 < idx->n_segs && idx->segs[lo].n_docs == 0)
        lo++;
    return lo;
}
