/* segmerge: merges segments into one (contract in segmerge.h). */
#include "segmerge.h"

#include "buf.h"
#include "dict.h"
#include "term_cursor.h"
#include "zip.h"

#include <stdlib.h>
#include <string.h>

typedef struct sm {
    const sm_input *in;
    size_t n;
    const sm_opts *o;
    uint32_t **maps;
    segment_writer *sw;
    zip *z;
    err *e;
    buf raw; /**< an inflated input block */
} sm;

static int sm_deleted(const sm_input *in, uint32_t doc)
{
    return in->live && liv_is_deleted(in->live, doc);
}

/* ---------------------------------------------------------------- documents */

/* Numbers input i's live documents from *next on and adds them to the writer. */
static int sm_docs(sm *m, size_t i, uint32_t *next)
{
    const sm_input *in = &m->in[i];
    uint32_t n_docs = segment_n_docs(in->seg);
    uint32_t *map = m->maps[i] = malloc(((size_t)n_docs + 1) * sizeof *map);
    if (!map) return err_set(m->e, TRAWL_ENOMEM, "out of memory merging %s", m->o->name);
    for (uint32_t d = 0; d < n_docs; d++) {
        map[d] = UINT32_MAX;
        if (sm_deleted(in, d)) continue;
        const char *id;
        size_t id_len;
        fmt_src src;
        fmt_liv_override ov;
        if (segment_doc_id(in->seg, d, &id, &id_len, m->e) < 0) return m->e->rc;
        segment_doc_src(in->seg, d, &src);
        if (in->live && liv_override(in->live, d, &ov)) {
            src.size = ov.size;
            src.mtime_ns = ov.mtime_ns;
        }
        int rc =
            sw_add_doc_meta(m->sw, id, id_len, segment_doc_date(in->seg, d),
                            segment_doc_len(in->seg, d), segment_doc_text_len(in->seg, d), &src);
        if (rc < 0) return rc;
        map[d] = (*next)++;
    }
    return TRAWL_OK;
}

/* ---------------------------------------------------------------- stored text */

/* Passes on the live bytes of block b ([bs, bs + raw_len) of the input's text stream): the
 * block as it is when no deleted text lies in it, else its live texts recompressed. Texts lie
 * end to end in document order, so *d (the first document not wholly before bs) and *at (where
 * it starts) walk forward with the blocks. */
static int sm_block(sm *m, const sm_input *in, uint64_t b, uint64_t bs, uint32_t *d, uint64_t *at)
{
    const uint8_t *zb;
    uint32_t zlen, raw_len, n_docs = segment_n_docs(in->seg);
    if (segment_stored_block(in->seg, b, &zb, &zlen, &raw_len, m->e) < 0) return m->e->rc;
    uint64_t be = bs + raw_len, p = *at;
    int dirty = 0;
    for (uint32_t k = *d; k < n_docs && p < be; k++) {
        uint32_t len = segment_doc_text_len(in->seg, k);
        dirty |= len > 0 && sm_deleted(in, k);
        p += len;
    }
    int rc = TRAWL_OK;
    if (!dirty) {
        rc = zip_put_block(m->z, zb, zlen, raw_len);
    } else {
        m->raw.len = 0;
        rc = segment_inflate_block(in->seg, b, &m->raw, m->e);
        uint64_t p2 = 0;
        for (uint32_t k = *d; rc == TRAWL_OK && k < n_docs && *at + p2 < be; k++) {
            uint64_t s = *at + p2, len = segment_doc_text_len(in->seg, k);
            uint64_t lo = s > bs ? s : bs, hi = s + len < be ? s + len : be;
            if (hi > lo && !sm_deleted(in, k))
                rc = zip_put(m->z, (const char *)m->raw.p + (lo - bs), (size_t)(hi - lo));
            p2 += len;
        }
    }
    /* Advance past the documents that end inside this block. */
    while (*d < n_docs && *at + segment_doc_text_len(in->seg, *d) <= be) {
        *at += segment_doc_text_len(in->seg, *d);
        ++*d;
    }
    return rc;
}

/* Input i's stored text. */
static int sm_stored(sm *m, size_t i)
{
    const sm_input *in = &m->in[i];
    uint64_t bs = 0, at = 0, total = 0;
    uint32_t d = 0;
    for (uint32_t k = 0; k < segment_n_docs(in->seg); k++)
        total += segment_doc_text_len(in->seg, k);
    for (uint64_t b = 0; b < segment_n_stored_blocks(in->seg); b++) {
        const uint8_t *zb;
        uint32_t zlen, raw_len;
        if (segment_stored_block(in->seg, b, &zb, &zlen, &raw_len, m->e) < 0) return m->e->rc;
        int rc = sm_block(m, in, b, bs, &d, &at);
        if (rc < 0) return rc;
        bs += raw_len;
    }
    if (bs != total)
        return err_set(m->e, TRAWL_ECORRUPT,
                       "%s: stored text (%llu bytes) does not hold its "
                       "documents' texts (%llu bytes); cannot merge",
                       segment_name(in->seg), (unsigned long long)bs, (unsigned long long)total);
    return TRAWL_OK;
}

/* ---------------------------------------------------------------- terms */

/* One input's dictionary walk. */
typedef struct sm_dict {
    dict_iter it;
    const char *term; /**< current term (in it), NULL once exhausted */
    size_t len;
    term_info ti;
} sm_dict;

static int sm_dict_next(sm *m, sm_dict *dd)
{
    int r = dict_iter_next(&dd->it, &dd->term, &dd->len, &dd->ti, m->e);
    if (r < 0) return r;
    if (r == 0) dd->term = NULL;
    return TRAWL_OK;
}

static int sm_cmp(const char *a, size_t al, const char *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : (al > bl) - (al < bl);
}

/* Copies input i's live postings of the current term; *begun tracks whether the term was
 * started in the writer (it is only when some document of it is live). */
static int sm_postings(sm *m, size_t i, sm_dict *dd, int *begun)
{
    term_cursor tc;
    const sm_input *in = &m->in[i];
    if (tc_open(&tc, in->seg, &dd->ti, m->e) != TRAWL_OK) return m->e->rc;
    int rc = TRAWL_OK;
    for (; rc == TRAWL_OK && tc.doc != DOC_END; tc_next(&tc)) {
        if (sm_deleted(in, tc.doc)) continue;
        const uint32_t *pos;
        uint32_t tf = tc_freq(&tc), np;
        if ((rc = tc_positions(&tc, &pos, &np)) != TRAWL_OK) break;
        if (np != tf) {
            rc = err_set(m->e, TRAWL_ECORRUPT, "%s: positions disagree with tf",
                         segment_name(in->seg));
            break;
        }
        if (!*begun && (rc = sw_term_begin(m->sw, dd->term, dd->len)) == TRAWL_OK) *begun = 1;
        if (rc == TRAWL_OK) rc = sw_term_doc(m->sw, m->maps[i][tc.doc], pos, tf);
    }
    if (rc == TRAWL_OK && tc.rc != TRAWL_OK)
        rc = err_set(m->e, tc.rc, "%s: postings decode failed", segment_name(in->seg));
    tc_close(&tc);
    return rc;
}

/* Every term of every input in byte order; one output list each. */
static int sm_terms(sm *m)
{
    sm_dict *dd = calloc(m->n + 1, sizeof *dd);
    char key[DICT_MAX_TERM + 1];
    int rc = dd ? TRAWL_OK : err_set(m->e, TRAWL_ENOMEM, "out of memory merging terms");
    for (size_t i = 0; rc == TRAWL_OK && i < m->n; i++) {
        rc = dict_iter_seek(&dd[i].it, m->in[i].seg, "", 0, m->e);
        if (rc == TRAWL_OK) rc = sm_dict_next(m, &dd[i]);
    }
    while (rc == TRAWL_OK) {
        size_t best = m->n;
        for (size_t i = 0; i < m->n; i++)
            if (dd[i].term &&
                (best == m->n || sm_cmp(dd[i].term, dd[i].len, dd[best].term, dd[best].len) < 0))
                best = i;
        if (best == m->n) break;
        size_t len = dd[best].len;
        memcpy(key, dd[best].term, len);
        int begun = 0;
        for (size_t i = 0; rc == TRAWL_OK && i < m->n; i++) {
            if (!dd[i].term || sm_cmp(dd[i].term, dd[i].len, key, len) != 0) continue;
            rc = sm_postings(m, i, &dd[i], &begun);
            if (rc == TRAWL_OK) rc = sm_dict_next(m, &dd[i]);
        }
        if (rc == TRAWL_OK && begun) rc = sw_term_end(m->sw);
    }
    free(dd);
    return rc;
}

int sm_run(const sm_input *in, size_t n, const sm_opts *o, uint32_t **maps, sw_stats *st, err *e)
{
    sm m = {.in = in, .n = n, .o = o, .maps = maps, .e = e};
    uint32_t next = 0;
    buf_init(&m.raw);
    for (size_t i = 0; i < n; i++)
        maps[i] = NULL;
    int rc = sw_open(&m.sw, o->dir, o->name, o->seg_id, o->language, o->max_token_len, e);
    if (rc == TRAWL_OK) rc = zip_new(&m.z, m.sw, 1, 0, e);
    for (size_t i = 0; rc == TRAWL_OK && i < n; i++) {
        rc = sm_docs(&m, i, &next);
        if (rc == TRAWL_OK) rc = sm_stored(&m, i);
    }
    if (rc == TRAWL_OK) rc = zip_finish(m.z);
    if (rc == TRAWL_OK) rc = sm_terms(&m);
    if (rc == TRAWL_OK) rc = sw_finish(m.sw, st);
    zip_free(m.z);
    sw_free(m.sw);
    buf_free(&m.raw);
    return rc;
}
