/* index: trawl_index_open/close/stats/check. */
#include "index.h"

#include "abi.h"
#include "err.h"
#include "fsx.h"
#include "manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        return TRAWL_OK;
    }
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

/* Opens every segment dir's manifest lists, appending them to idx->segs. */
static int index_open_dir(trawl_index *idx, const char *dir, int first, err *e)
{
    manifest m;
    char path[4096];
    manifest_init(&m);
    int rc = manifest_read(&m, dir, e);
    if (rc == TRAWL_OK) rc = index_check_analyzer(idx, &m, dir, first, e);
    if (rc == TRAWL_OK && m.n_segs > 0) {
        index_seg *ns = realloc(idx->segs, (idx->n_segs + m.n_segs) * sizeof *ns);
        if (!ns)
            rc = err_set(e, TRAWL_ENOMEM, "%s: out of memory", dir);
        else
            idx->segs = ns;
    }
    for (size_t i = 0; rc == TRAWL_OK && i < m.n_segs; i++) {
        index_seg *s = &idx->segs[idx->n_segs];
        rc = fsx_join(path, sizeof path, dir, m.segs[i].name, e);
        if (rc == TRAWL_OK) rc = segment_open(&s->seg, path, m.segs[i].name, m.segs[i].id, e);
        if (rc != TRAWL_OK) break;
        rc = index_check_segment(&m, &m.segs[i], s->seg, dir, e);
        if (rc != TRAWL_OK) {
            segment_close(s->seg);
            break;
        }
        s->base = idx->n_docs;
        s->n_docs = segment_n_docs(s->seg);
        idx->n_docs += s->n_docs;
        idx->total_tokens += segment_total_tokens(s->seg);
        idx->n_segs++;
    }
    manifest_free(&m);
    return rc;
}

int trawl_index_open(trawl_index **out, const char *const *dirs, size_t n_dirs, char *errbuf,
                     size_t errbuf_len)
{
    err e;
    err_init(&e);
    *out = NULL;
    if (!dirs || n_dirs == 0) {
        err_set(&e, TRAWL_EARG, "trawl_index_open: no index directory given");
        index_copy_err(&e, errbuf, errbuf_len);
        return e.rc;
    }
    trawl_index *idx = calloc(1, sizeof *idx);
    if (!idx) {
        err_set(&e, TRAWL_ENOMEM, "out of memory");
        index_copy_err(&e, errbuf, errbuf_len);
        return e.rc;
    }
    int rc = TRAWL_OK;
    for (size_t i = 0; rc == TRAWL_OK && i < n_dirs; i++)
        rc = index_open_dir(idx, dirs[i], i == 0, &e);
    if (rc != TRAWL_OK) {
        index_copy_err(&e, errbuf, errbuf_len);
        trawl_index_close(idx);
        return rc;
    }
    idx->avgdl = idx->n_docs ? (double)idx->total_tokens / (double)idx->n_docs : 1.0;
    if (idx->avgdl <= 0) idx->avgdl = 1.0;
    if (errbuf && errbuf_len) errbuf[0] = '\0';
    *out = idx;
    return TRAWL_OK;
}

void trawl_index_close(trawl_index *idx)
{
    if (!idx) return;
    for (size_t i = 0; i < idx->n_segs; i++)
        segment_close(idx->segs[i].seg);
    free(idx->segs);
    free(idx);
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
}

int trawl_index_stats_sized(const trawl_index *idx, trawl_stats *st, size_t st_size)
{
    trawl_stats full;
    if (!abi_size_ok(st_size, ABI_STATS_1_0)) return TRAWL_EARG;
    index_stats(idx, &full);
    abi_copy_out(st, st_size, &full, sizeof full);
    return TRAWL_OK;
}

int trawl_index_check(const trawl_index *idx, char *errbuf, size_t errbuf_len)
{
    err e;
    err_init(&e);
    int rc = TRAWL_OK;
    for (size_t i = 0; rc == TRAWL_OK && i < idx->n_segs; i++)
        rc = segment_check(idx->segs[i].seg, &e);
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
