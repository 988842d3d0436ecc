/* dict: reads the front-coded term dictionary. Entry layout (all LEB128 varints):
 *   Entry --> PrefixLen, SuffixLen, Suffix[SuffixLen], Df, CfMinusDf, MaxTf, MinLen,
 *             PostGap, PostLen, PosGap, PosLen
 * where PostGap = post_off - (end of the previous entry's postings in the block, 0 for the
 * first entry) and likewise PosGap. The first entry of a block has PrefixLen 0, so a block can
 * be decoded alone and its first term compared during the binary search. */
#include "segment_impl.h"
#include "term_cursor.h"

#include "rd.h"

#include <inttypes.h>
#include <string.h>

static int dict_corrupt(const segment *s, err *e, const char *what, uint64_t where)
{
    return err_set(e, TRAWL_ECORRUPT, "%s: dictionary: %s at offset %" PRIu64, s->name, what,
                   where);
}

int dict_block_range(const segment *s, uint64_t b, size_t *start, size_t *end, err *e)
{
    const seg_sec *idx = &s->sec[FMT_SEC_DICT_INDEX];
    uint64_t a, z = s->sec[FMT_SEC_DICT].len;
    memcpy(&a, idx->p + b * 8, 8);
    if (b + 1 < s->n_dict_blocks) memcpy(&z, idx->p + (b + 1) * 8, 8);
    if (a > z || z > s->sec[FMT_SEC_DICT].len)
        return err_set(e, TRAWL_ECORRUPT,
                       "%s: dictionary index: block %" PRIu64 " range %" PRIu64 "..%" PRIu64
                       " outside the dictionary",
                       s->name, b, a, z);
    *start = (size_t)a;
    *end = (size_t)z;
    return TRAWL_OK;
}

static uint32_t dict_block_count(const segment *s, uint64_t b)
{
    uint64_t left = s->n_terms - b * FMT_DICT_BLOCK;
    return left < FMT_DICT_BLOCK ? (uint32_t)left : FMT_DICT_BLOCK;
}

/* Decodes one entry from r; prev/prev_len is the previous term of the block (len 0 for the
 * first). *post_end and *pos_end carry the running ends. Returns 0, or -1 on a malformed entry. */
static int dict_decode(rd *r, const char *prev, size_t prev_len, char *term, size_t *len,
                       term_info *ti, uint64_t *post_end, uint64_t *pos_end)
{
    uint32_t prefix = rd_vu32(r), suffix = rd_vu32(r);
    if (r->err || prefix > prev_len || suffix > FMT_MAX_TERM - prefix || prefix + suffix == 0)
        return -1;
    const uint8_t *p = rd_bytes(r, suffix);
    if (!p) return -1;
    memmove(term, prev, prefix);
    memcpy(term + prefix, p, suffix);
    *len = prefix + suffix;
    term[*len] = '\0';
    ti->df = rd_vu32(r);
    uint64_t extra = rd_vu64(r);
    ti->max_tf = rd_vu32(r);
    ti->min_len = rd_vu32(r);
    uint64_t post_gap = rd_vu64(r);
    ti->post_len = rd_vu64(r);
    uint64_t pos_gap = rd_vu64(r);
    ti->pos_len = rd_vu64(r);
    if (r->err || extra > UINT64_MAX - ti->df || post_gap > UINT64_MAX / 4 ||
        ti->post_len > UINT64_MAX / 4 || pos_gap > UINT64_MAX / 4 || ti->pos_len > UINT64_MAX / 4 ||
        *post_end > UINT64_MAX / 4 || *pos_end > UINT64_MAX / 4)
        return -1;
    ti->cf = ti->df + extra;
    ti->post_off = *post_end + post_gap;
    ti->pos_off = *pos_end + pos_gap;
    *post_end = ti->post_off + ti->post_len;
    *pos_end = ti->pos_off + ti->pos_len;
    return 0;
}

static int dict_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c != 0) return c;
    return alen < blen ? -1 : alen > blen;
}

/* Index of the last block whose first term is <= key (0 if key precedes every term). */
static int dict_find_block(const segment *s, const char *key, size_t len, uint64_t *out, err *e)
{
    uint64_t lo = 0, hi = s->n_dict_blocks;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        size_t start, end, tlen;
        char term[FMT_MAX_TERM + 1];
        term_info ti;
        uint64_t pe = 0, qe = 0;
        rd r;
        if (dict_block_range(s, mid, &start, &end, e) < 0) return e->rc;
        rd_init(&r, s->sec[FMT_SEC_DICT].p + start, end - start);
        if (dict_decode(&r, "", 0, term, &tlen, &ti, &pe, &qe) < 0)
            return dict_corrupt(s, e, "malformed first entry of a block", start);
        if (dict_cmp(term, tlen, key, len) <= 0)
            lo = mid;
        else
            hi = mid;
    }
    *out = lo;
    return TRAWL_OK;
}

/* Decodes the iterator's next entry into term/ti without consuming it; *next is where the
 * entry ends. Returns 1, 0 at the end of the dictionary, or TRAWL_ECORRUPT. */
static int dict_iter_peek(dict_iter *it, char *term, size_t *len, term_info *ti, size_t *next,
                          uint64_t *post_end, uint64_t *pos_end, err *e)
{
    const segment *s = it->s;
    size_t start, end;
    if (it->block >= s->n_dict_blocks) return 0;
    if (dict_block_range(s, it->block, &start, &end, e) < 0) return e->rc;
    if (it->in_block == dict_block_count(s, it->block)) {
        if (it->pos != end)
            return dict_corrupt(s, e, "block does not end after its last entry", it->pos);
        it->block++;
        it->in_block = 0;
        it->post_off = it->pos_off = 0;
        if (it->block >= s->n_dict_blocks) return 0;
        if (dict_block_range(s, it->block, &start, &end, e) < 0) return e->rc;
        it->pos = start;
    }
    if (it->pos < start || it->pos > end)
        return dict_corrupt(s, e, "entry outside its block", it->pos);
    rd r;
    rd_init(&r, s->sec[FMT_SEC_DICT].p + start, end - start);
    r.pos = it->pos - start;
    *post_end = it->post_off;
    *pos_end = it->pos_off;
    if (dict_decode(&r, it->term, it->in_block ? it->term_len : 0, term, len, ti, post_end,
                    pos_end) < 0)
        return dict_corrupt(s, e, "malformed entry", it->pos);
    *next = start + r.pos;
    return 1;
}

int dict_iter_seek(dict_iter *it, const segment *s, const char *key, size_t len, err *e)
{
    uint64_t b = 0;
    size_t start, end;
    memset(it, 0, sizeof *it);
    it->s = s;
    if (s->n_dict_blocks == 0) return TRAWL_OK;
    if (dict_find_block(s, key, len, &b, e) < 0 || dict_block_range(s, b, &start, &end, e) < 0)
        return e->rc;
    it->block = b;
    it->pos = start;
    for (;;) {
        char term[FMT_MAX_TERM + 1];
        size_t tlen, next;
        term_info ti;
        uint64_t pe, qe;
        int rc = dict_iter_peek(it, term, &tlen, &ti, &next, &pe, &qe, e);
        if (rc <= 0) return rc;
        if (dict_cmp(term, tlen, key, len) >= 0) return TRAWL_OK;
        memcpy(it->term, term, tlen + 1);
        it->term_len = tlen;
        it->pos = next;
        it->in_block++;
        it->post_off = pe;
        it->pos_off = qe;
    }
}

int dict_iter_next(dict_iter *it, const char **term, size_t *len, term_info *ti, err *e)
{
    char t[FMT_MAX_TERM + 1];
    size_t tlen, next;
    uint64_t pe, qe;
    int rc = dict_iter_peek(it, t, &tlen, ti, &next, &pe, &qe, e);
    if (rc <= 0) return rc;
    memcpy(it->term, t, tlen + 1);
    it->term_len = tlen;
    it->pos = next;
    it->in_block++;
    it->post_off = pe;
    it->pos_off = qe;
    *term = it->term;
    *len = tlen;
    return 1;
}

int dict_find(const segment *s, const char *term, size_t len, term_info *ti, err *e)
{
    dict_iter it;
    const char *t;
    size_t tlen;
    if (len == 0 || len > FMT_MAX_TERM) return 0;
    if (dict_iter_seek(&it, s, term, len, e) < 0) return e->rc;
    int rc = dict_iter_next(&it, &t, &tlen, ti, e);
    if (rc <= 0) return rc;
    return dict_cmp(t, tlen, term, len) == 0;
}

/* Statistics of one entry that need no postings decode. */
static int dict_check_entry(const segment *s, const dict_iter *it, const term_info *ti, err *e)
{
    if (ti->df == 0 || ti->df > s->n_docs || ti->max_tf == 0 || ti->max_tf > ti->cf ||
        ti->cf - ti->max_tf < ti->df - 1)
        return err_set(e, TRAWL_ECORRUPT,
                       "%s: dictionary: term \"%s\": df %" PRIu32 ", cf %" PRIu64
                       ", max_tf %" PRIu32 " inconsistent",
                       s->name, it->term, ti->df, ti->cf, ti->max_tf);
    return TRAWL_OK;
}

int dict_check(const segment *s, err *e)
{
    dict_iter it;
    const char *t;
    size_t tlen, prev_len = 0, start, end;
    char prev[FMT_MAX_TERM + 1];
    term_info ti;
    uint64_t n = 0, post_end = 0, pos_end = 0;
    int rc;
    if (s->n_dict_blocks > 0 && (dict_block_range(s, 0, &start, &end, e) < 0 || start != 0))
        return e->rc ? e->rc : dict_corrupt(s, e, "first block does not start at 0", start);
    if (s->n_dict_blocks == 0 && s->sec[FMT_SEC_DICT].len != 0)
        return dict_corrupt(s, e, "bytes without terms", 0);
    if (dict_iter_seek(&it, s, "", 0, e) < 0) return e->rc;
    while ((rc = dict_iter_next(&it, &t, &tlen, &ti, e)) == 1) {
        if (n > 0 && dict_cmp(prev, prev_len, t, tlen) >= 0)
            return dict_corrupt(s, e, "terms not strictly increasing", it.pos);
        if (ti.post_off != post_end || ti.pos_off != pos_end)
            return dict_corrupt(s, e, "postings or positions not contiguous", it.pos);
        if (dict_check_entry(s, &it, &ti, e) < 0 || tc_check_list(s, &ti, t, e) < 0) return e->rc;
        memcpy(prev, t, tlen);
        prev_len = tlen;
        post_end = ti.post_off + ti.post_len;
        pos_end = ti.pos_off + ti.pos_len;
        n++;
    }
    if (rc < 0) return rc;
    if (n != s->n_terms) return dict_corrupt(s, e, "fewer terms than n_terms", n);
    if (it.pos != s->sec[FMT_SEC_DICT].len && n > 0)
        return dict_corrupt(s, e, "bytes after the last entry", it.pos);
    if (post_end != s->sec[FMT_SEC_POSTINGS].len)
        return err_set(e, TRAWL_ECORRUPT, "%s: postings: %" PRIu64 " bytes not referenced", s->name,
                       s->sec[FMT_SEC_POSTINGS].len - post_end);
    if (pos_end != s->sec[FMT_SEC_POSITIONS].len)
        return err_set(e, TRAWL_ECORRUPT, "%s: positions: %" PRIu64 " bytes not referenced",
                       s->name, s->sec[FMT_SEC_POSITIONS].len - pos_end);
    return TRAWL_OK;
}
