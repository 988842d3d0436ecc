/* index: trawl_index_open/close/stats/check and trawl_strerror. */
#include "index.h"

#include "err.h"
#include "fsx.h"
#include "manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *trawl_strerror(int rc)
{
    switch (rc) {
    case TRAWL_OK:
        return "TRAWL_OK";
    case TRAWL_ECORRUPT:
        return "TRAWL_ECORRUPT";
    case TRAWL_EVERSION:
        return "TRAWL_EVERSION";
    case TRAWL_EIO:
        return "TRAWL_EIO";
    case TRAWL_ENOMEM:
        return "TRAWL_ENOMEM";
    case TRAWL_EQUERY:
        return "TRAWL_EQUERY";
    case TRAWL_EARG:
        return "TRAWL_EARG";
    case TRAWL_ENOTINDEX:
        return "TRAWL_ENOTINDEX";
    case TRAWL_ELIMIT:
        return "TRAWL_ELIMIT";
    case TRAWL_ENOTFOUND:
        return "TRAWL_ENOTFOUND";
    }
    return "TRAWL_EUNKNOWN";
}

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
static int index_open_dir(trawl_index *idx, const char *dir, size_t dir_i, err *e)
{
    manifest m;
    char path[4096];
    manifest_init(&m);
    int rc = manifest_read(&m, dir, e);
    if (rc == TRAWL_OK) rc = index_check_analyzer(idx, &m, dir, dir_i == 0, e);
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
        s->dir = dir_i;
        s->base = idx->n_docs;
        s->n_docs = segment_n_docs(s->seg);
        idx->n_docs += s->n_docs;
        idx->total_tokens += segment_total_tokens(s->seg);
        idx->n_segs++;
    }
    manifest_free(&m);
    return rc;
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
static int index_check_distinct_segments(const trawl_index *idx, const char *const *dirs, err *e)
{
    for (size_t i = 1; i < idx->n_segs; i++) {
        uint64_t dev_i, ino_i, dev_j, ino_j;
        segment_file_id(idx->segs[i].seg, &dev_i, &ino_i);
        for (size_t j = 0; j < i; j++) {
            segment_file_id(idx->segs[j].seg, &dev_j, &ino_j);
            if (dev_i == dev_j && ino_i == ino_j)
                return err_set(e, TRAWL_EARG, "%s/%s and %s/%s are the same file (hard links?)",
                               dirs[idx->segs[j].dir], segment_name(idx->segs[j].seg),
                               dirs[idx->segs[i].dir], segment_name(idx->segs[i].seg));
        }
    }
    return TRAWL_OK;
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
    int rc = index_check_distinct_dirs(dirs, n_dirs, &e);
    for (size_t i = 0; rc == TRAWL_OK && i < n_dirs; i++)
        rc = index_open_dir(idx, dirs[i], i, &e);
    if (rc == TRAWL_OK) rc = index_check_distinct_segments(idx, dirs, &e);
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

void trawl_index_stats(const trawl_index *idx, trawl_stats *st)
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
