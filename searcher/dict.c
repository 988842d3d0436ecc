/* dict: reads the front-coded term dictionary (docs/FORMAT.md "Dictionary"):
 *   DictBlock --> PostBase VInt, PosBase VInt, <Entry>^16
 *   Entry     --> Lens u8, [VInt PrefixLen - 15], [VInt SuffixLen - 15], Suffix, VInt Df*2 +
 * Inline, Inline = 1: the list's one partial block and its positions (all VInts) Inline = 0:
 * CfMinusDf, MaxTf, MinLen, PostLen, PosLen (VInts) The bases are the offsets of the block's first
 * list stored outside the dictionary; each such list follows the previous one, so offsets are
 * running sums inside a block. The first entry of a block has PrefixLen 0, so a block decodes alone
 * and its first term is compared during the binary search. */
#include "segment_impl.h"
#include "term_cursor.h"

#include "codec.h"
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

/* One length of the Lens byte: the nibble, or 15 plus the VInt that follows. */
static uint32_t dict_len_field(rd *r, uint32_t nibble)
{
    if (nibble < FMT_LENS_ESC) return nibble;
    uint32_t more = rd_vu32(r);
    return more > FMT_MAX_TERM ? FMT_MAX_TERM + 1 : FMT_LENS_ESC + more;
}

/* Decodes the term of one entry; prev/prev_len is the previous term of the block (len 0 for
 * the first). Returns 0, or -1 on a malformed entry. */
static int dict_decode_term(rd *r, const char *prev, size_t prev_len, char *term, size_t *len)
{
    uint8_t lens = rd_u8(r);
    uint32_t prefix = dict_len_field(r, lens >> 4);
    uint32_t suffix = dict_len_field(r, lens & 0x0f);
    if (r->err || prefix > prev_len || suffix > FMT_MAX_TERM - prefix || prefix + suffix == 0)
        return -1;
    const uint8_t *p = rd_bytes(r, suffix);
    if (!p) return -1;
    memmove(term, prev, prefix);
    memcpy(term + prefix, p, suffix);
    *len = prefix + suffix;
    term[*len] = '\0';
    return 0;
}

/* An inline list: one partial block of df docs, then df first positions and cf - df gaps, all
 * VInts. Fills cf, max_tf and min_len, which the entry does not store, and the list's place in
 * the dictionary section. */
static int dict_decode_inline(const segment *s, rd *r, term_info *ti)
{
    uint32_t docs[FMT_INLINE_DF], tfs[FMT_INLINE_DF], pos[FMT_INLINE_CF];
    const uint8_t *p = r->base + r->pos, *end = r->base + r->len;
    if (ti->df == 0 || ti->df > FMT_INLINE_DF) return -1;
    size_t k = tc_decode_tail(p, end, ti->df, UINT32_MAX, s->n_docs, docs, tfs);
    if (k == 0) return -1;
    ti->cf = 0;
    ti->max_tf = 0;
    ti->min_len = UINT32_MAX;
    for (uint32_t i = 0; i < ti->df; i++) {
        ti->cf += tfs[i];
        ti->max_tf = tfs[i] > ti->max_tf ? tfs[i] : ti->max_tf;
        ti->min_len = s->doc_lens[docs[i]] < ti->min_len ? s->doc_lens[docs[i]] : ti->min_len;
    }
    if (ti->cf > FMT_INLINE_CF) return -1;
    size_t q = codec_vbyte_decode(p + k, end, (size_t)ti->cf, pos);
    if (q == 0) return -1;
    ti->post_off = (uint64_t)(r->base - s->sec[FMT_SEC_DICT].p) + r->pos;
    ti->post_len = k;
    ti->pos_off = ti->post_off + k;
    ti->pos_len = q;
    r->pos += k + q;
    return 0;
}

/* Decodes one entry from r; prev/prev_len is the previous term of the block (len 0 for the
 * first). *post_end and *pos_end are the offsets of the next list outside the dictionary.
 * Returns 0, or -1 on a malformed entry. */
static int dict_decode(const segment *s, rd *r, const char *prev, size_t prev_len, char *term,
                       size_t *len, term_info *ti, uint64_t *post_end, uint64_t *pos_end)
{
    if (dict_decode_term(r, prev, prev_len, term, len) < 0) return -1;
    uint32_t df2 = rd_vu32(r);
    memset(ti, 0, sizeof *ti);
    ti->df = df2 >> 1;
    ti->is_inline = df2 & 1;
    if (r->err) return -1;
    if (ti->is_inline) return dict_decode_inline(s, r, ti);
    uint64_t extra = rd_vu64(r);
    ti->max_tf = rd_vu32(r);
    ti->min_len = rd_vu32(r);
    ti->post_len = rd_vu64(r);
    ti->pos_len = rd_vu64(r);
    if (r->err || extra > UINT64_MAX - ti->df || ti->post_len > UINT64_MAX / 4 ||
        ti->pos_len > UINT64_MAX / 4 || *post_end > UINT64_MAX / 4 || *pos_end > UINT64_MAX / 4)
        return -1;
    ti->cf = ti->df + extra;
    ti->post_off = *post_end;
    ti->pos_off = *pos_end;
    *post_end += ti->post_len;
    *pos_end += ti->pos_len;
    return 0;
}

/* Reads the bases at the start of block b: r is left on its first entry. */
static int dict_block_open(const segment *s, uint64_t b, rd *r, uint64_t *post_base,
                           uint64_t *pos_base, err *e)
{
    size_t start, end;
    if (dict_block_range(s, b, &start, &end, e) < 0) return e->rc;
    rd_init(r, s->sec[FMT_SEC_DICT].p + start, end - start);
    *post_base = rd_vu64(r);
    *pos_base = rd_vu64(r);
    if (r->err || *post_base > UINT64_MAX / 4 || *pos_base > UINT64_MAX / 4)
        return dict_corrupt(s, e, "malformed block header", start);
    return TRAWL_OK;
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
        uint64_t mid = lo + (hi - lo) / 2, pb, qb;
        size_t tlen;
        char term[FMT_MAX_TERM + 1];
        rd r;
        if (dict_block_open(s, mid, &r, &pb, &qb, e) < 0) return e->rc;
        if (dict_decode_term(&r, "", 0, term, &tlen) < 0)
            return dict_corrupt(s, e, "malformed first entry of a block",
                                (uint64_t)(r.base - s->sec[FMT_SEC_DICT].p));
        if (dict_cmp(term, tlen, key, len) <= 0)
            lo = mid;
        else
            hi = mid;
    }
    *out = lo;
    return TRAWL_OK;
}

/* Makes block b current: the iterator stands on its first entry. */
static int dict_iter_enter(dict_iter *it, uint64_t b, err *e)
{
    rd r;
    it->block = b;
    it->in_block = 0;
    if (dict_block_open(it->s, b, &r, &it->post_off, &it->pos_off, e) < 0) return e->rc;
    it->pos = (size_t)(r.base - it->s->sec[FMT_SEC_DICT].p) + r.pos;
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
        if (it->block + 1 >= s->n_dict_blocks) {
            it->block++;
            return 0;
        }
        if (dict_iter_enter(it, it->block + 1, e) < 0 ||
            dict_block_range(s, it->block, &start, &end, e) < 0)
            return e->rc;
    }
    if (it->pos < start || it->pos > end)
        return dict_corrupt(s, e, "entry outside its block", it->pos);
    rd r;
    rd_init(&r, s->sec[FMT_SEC_DICT].p + start, end - start);
    r.pos = it->pos - start;
    *post_end = it->post_off;
    *pos_end = it->pos_off;
    if (dict_decode(s, &r, it->term, it->in_block ? it->term_len : 0, term, len, ti, post_end,
                    pos_end) < 0)
        return dict_corrupt(s, e, "malformed entry", it->pos);
    *next = start + r.pos;
    return 1;
}

int dict_iter_seek(dict_iter *it, const segment *s, const char *key, size_t len, err *e)
{
    uint64_t b = 0;
    memset(it, 0, sizeof *it);
    it->s = s;
    if (s->n_dict_blocks == 0) return TRAWL_OK;
    if (dict_find_block(s, key, len, &b, e) < 0) return e->rc;
    if (dict_iter_enter(it, b, e) < 0) return e->rc;
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
        if (!ti.is_inline && (ti.post_off != post_end || ti.pos_off != pos_end))
            return dict_corrupt(s, e, "postings or positions not contiguous", it.pos);
        if (!ti.is_inline != (ti.df > FMT_INLINE_DF || ti.cf > FMT_INLINE_CF))
            return dict_corrupt(s, e, "list inline though large, or small but not inline", it.pos);
        if (dict_check_entry(s, &it, &ti, e) < 0 || tc_check_list(s, &ti, t, e) < 0) return e->rc;
        memcpy(prev, t, tlen);
        prev_len = tlen;
        if (!ti.is_inline) {
            post_end = ti.post_off + ti.post_len;
            pos_end = ti.pos_off + ti.pos_len;
        }
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
