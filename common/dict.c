/* dict: reads the front-coded term dictionary (docs/FORMAT.md "Dictionary"):
 *   DictBlock --> PostBase VInt, PosBase VInt, <Entry>^16
 *   Entry     --> Lens u8, [VInt PrefixLen - 15], [VInt SuffixLen - 15], Suffix, VInt Df*2 +
 * Inline, Inline = 1: the list's one partial block and its positions (all VInts) Inline = 0:
 * CfMinusDf, MaxTf, MinLen, PostLen, PosLen (VInts) The bases are the offsets of the block's first
 * list stored outside the dictionary; each such list follows the previous one, so offsets are
 * running sums inside a block. The first entry of a block has PrefixLen 0, so a block decodes alone
 * and its first term is compared during the binary search when the 4-byte keys of the index
 * (DictIndex --> <Offset u32, Key[4]>, docs/FORMAT.md) tie. */
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
    uint32_t a32, z32;
    uint64_t a, z = s->sec[FMT_SEC_DICT].len;
    memcpy(&a32, idx->p + b * sizeof(fmt_dict_ix), 4);
    a = a32;
    if (b + 1 < s->n_dict_blocks) {
        memcpy(&z32, idx->p + (b + 1) * sizeof(fmt_dict_ix), 4);
        z = z32;
    }
    if (a > z || z > s->sec[FMT_SEC_DICT].len)
        return err_set(e, TRAWL_ECORRUPT,
                       "%s: dictionary index: block %" PRIu64 " range %" PRIu64 "..%" PRIu64
                       " outside the dictionary",
                       s->name, b, a, z);
    *start = (size_t)a;
    *end = (size_t)z;
    /* Every reader of the dictionary's bytes comes here first, so verifying here covers them. */
    return seg_verify_range(s, FMT_SEC_DICT, *start, *end, e);
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

/* Skips n LEB128 values (their lengths unchecked: the full decode checks them). When the n
 * values end within the next 8 bytes, one load finds their end: the n-th byte below 0x80.
 * The load may pass end, but never the FMT_PAD zero bytes that follow every section. */
static inline int dict_vskip(const uint8_t **p, const uint8_t *end, uint32_t n)
{
    const uint8_t *q = *p;
    uint64_t w;
    if (q < end && n > 0) {
        memcpy(&w, q, 8);
        uint64_t stops = ~w & 0x8080808080808080ull; /* little-endian: byte i at bit 8i + 7 */
        for (uint32_t k = 1; k < n && stops; k++)
            stops &= stops - 1;
        if (stops) {
            q += (unsigned)__builtin_ctzll(stops) / 8 + 1;
            if (q > end) return -1;
            *p = q;
            return 0;
        }
    }
    for (; n > 0; n--) {
        while (q < end && *q >= 0x80)
            q++;
        if (q++ >= end) return -1;
    }
    *p = q;
    return 0;
}

/* Reads an entry's Lens (with its escapes) at *p and leaves *p on the suffix bytes, which are
 * checked to lie before end. -1 when malformed or the term would pass FMT_MAX_TERM bytes (which
 * keeps a scan's match inside a term buffer). */
static inline int dict_entry_lens(const uint8_t **p, const uint8_t *end, uint32_t *prefix,
                                  uint32_t *suffix)
{
    uint64_t more;
    if (*p >= end) return -1;
    uint32_t lens = *(*p)++;
    *prefix = lens >> 4;
    *suffix = lens & 0x0f;
    if (*prefix == FMT_LENS_ESC) {
        if (leb_u64(p, end, &more) < 0 || more > FMT_MAX_TERM) return -1;
        *prefix += (uint32_t)more;
    }
    if (*suffix == FMT_LENS_ESC) {
        if (leb_u64(p, end, &more) < 0 || more > FMT_MAX_TERM) return -1;
        *suffix += (uint32_t)more;
    }
    if (*prefix > FMT_MAX_TERM || *suffix > FMT_MAX_TERM - *prefix || *suffix > (size_t)(end - *p))
        return -1;
    return 0;
}

/* Skips what follows an entry's suffix (DfInline and the inline list or ListInfo), adding the
 * lengths of a list stored outside the dictionary to the running offsets. Only as strict as
 * staying in bounds needs: an entry that is read is fully decoded by dict_decode. */
static int dict_entry_skip(const uint8_t **p, const uint8_t *end, uint64_t *post_off,
                           uint64_t *pos_off)
{
    uint64_t df2, x, post_len, pos_len, cf = 0;
    if (leb_u64(p, end, &df2) < 0) return -1;
    if (!(df2 & 1)) {
        if (dict_vskip(p, end, 3) < 0 || leb_u64(p, end, &post_len) < 0 ||
            leb_u64(p, end, &pos_len) < 0 || post_len > UINT64_MAX / 4 ||
            pos_len > UINT64_MAX / 4 || *post_off > UINT64_MAX / 4 || *pos_off > UINT64_MAX / 4)
            return -1;
        *post_off += post_len;
        *pos_off += pos_len;
        return 0;
    }
    if (df2 >> 1 > FMT_INLINE_DF) return -1;
    for (uint32_t i = 0; i < df2 >> 1; i++) { /* docs: (gap - 1)*2 + [tf = 1], [tf - 2] */
        if (leb_u64(p, end, &x) < 0) return -1;
        if (x & 1) {
            cf++;
            continue;
        }
        if (leb_u64(p, end, &x) < 0) return -1;
        cf += x > FMT_INLINE_CF ? FMT_INLINE_CF + 1 : x + 2;
    }
    return cf > FMT_INLINE_CF ? -1 : dict_vskip(p, end, (uint32_t)cf);
}

/* The first term of block b, in place: it is stored whole (PrefixLen 0) after the bases. A
 * probe of the binary search: it verifies the block's bytes (dict_block_range) and bounds the
 * term by the section end only (the block's own end is checked when the block is scanned). */
static int dict_first_term(const segment *s, uint64_t b, const uint8_t **term, size_t *len, err *e)
{
    const seg_sec *d = &s->sec[FMT_SEC_DICT];
    uint32_t a, prefix, suffix;
    size_t blk_start, blk_end; /* verifies the block's bytes */
    if (dict_block_range(s, b, &blk_start, &blk_end, e) < 0) return e->rc;
    memcpy(&a, s->sec[FMT_SEC_DICT_INDEX].p + b * sizeof(fmt_dict_ix), 4);
    const uint8_t *p = d->p + (a < d->len ? a : d->len), *end = d->p + d->len;
    if (a >= d->len || dict_vskip(&p, end, 2) < 0 ||
        dict_entry_lens(&p, end, &prefix, &suffix) < 0 || prefix != 0 || suffix == 0)
        return dict_corrupt(s, e, "malformed first entry of a block", a);
    *term = p;
    *len = suffix;
    return TRAWL_OK;
}

/* Byte order, a prefix first. A plain loop: terms are short and usually differ early, where
 * a call to memcmp costs more than the compare. */
static int dict_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen, i = 0;
    while (i < n && a[i] == b[i])
        i++;
    if (i < n) return (uint8_t)a[i] < (uint8_t)b[i] ? -1 : 1;
    return alen < blen ? -1 : alen > blen;
}

/* The first 4 bytes of a term, zero-padded, as a big-endian number: a term <= another has a
 * key <= the other's (a shorter term's padding 0 is the least byte), so unequal keys order
 * their terms and only equal ones need the terms compared. The host is little-endian (rd.h). */
static uint32_t dict_key(const uint8_t *p, size_t len)
{
    uint8_t k[4] = {0, 0, 0, 0};
    uint32_t v;
    memcpy(k, p, len < 4 ? len : 4);
    memcpy(&v, k, 4);
    return __builtin_bswap32(v);
}

/* The key stored in the index entry of block b. */
static uint32_t dict_block_key(const segment *s, uint64_t b)
{
    uint32_t v;
    memcpy(&v, s->sec[FMT_SEC_DICT_INDEX].p + b * sizeof(fmt_dict_ix) + 4, 4);
    return __builtin_bswap32(v);
}

/* Whether block b's first term is <= key (k: key's dict_key): 1, 0, or TRAWL_ECORRUPT. A probe
 * compares the block's key in the index and reads its first term (in place, in another cache
 * line) only when the keys tie. */
static int dict_block_le(const segment *s, uint64_t b, const char *key, size_t len, uint32_t k,
                         err *e)
{
    uint32_t bk = dict_block_key(s, b);
    if (bk != k) return bk < k;
    const uint8_t *term = NULL;
    size_t tlen = 0;
    if (dict_first_term(s, b, &term, &tlen, e) < 0) return e->rc;
    return dict_cmp((const char *)term, tlen, key, len) <= 0;
}

/* Index of the last block from lo on whose first term is <= key (lo if none is: lo is 0 or a
 * block known to be <= key). */
static int dict_find_block_from(const segment *s, uint64_t lo, const char *key, size_t len,
                                uint64_t *out, err *e)
{
    uint64_t hi = s->n_dict_blocks;
    uint32_t k = dict_key((const uint8_t *)key, len);
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        int below = dict_block_le(s, mid, key, len, k, e);
        if (below < 0) return below;
        if (below)
            lo = mid;
        else
            hi = mid;
    }
    *out = lo;
    return TRAWL_OK;
}

/* Index of the last block whose first term is <= key (0 if key precedes every term). */
static int dict_find_block(const segment *s, const char *key, size_t len, uint64_t *out, err *e)
{
    return dict_find_block_from(s, 0, key, len, out, e);
}

/* Where a scan of one block for a key stopped: on the first entry whose term is >= key, or
 * after the block's last entry. */
typedef struct dict_scan {
    size_t pos;                 /**< offset of that entry (or the block end) in the section */
    uint32_t in_block;          /**< entries before it in the block */
    size_t match;               /**< bytes the term before it shares with key (0 for none) */
    uint64_t post_off, pos_off; /**< offsets of the next list outside the dictionary */
    int is_equal;               /**< its term equals key */
} dict_scan;

/* Scans block b for key without decoding entries: front coding says how each term relates to
 * the key. With match = bytes the previous term (< key) shares with the key, an entry sharing
 * more than match with the previous term is also < key (it agrees with it at byte match); one
 * sharing less is > key (it differs from the previous term, upwards, where that one still
 * agreed with the key); only one sharing exactly match bytes needs its suffix compared. So a
 * scan compares a few suffix bytes and skips most entries' varints unread. Assumes the terms
 * increase, as dict_check verifies; on a damaged dictionary it may stop wrongly, never read
 * out of bounds. */
static int dict_scan_block(const segment *s, uint64_t b, const char *key, size_t len, dict_scan *sc,
                           err *e)
{
    size_t start, end;
    uint32_t prefix, suffix, count = dict_block_count(s, b);
    const uint8_t *base = s->sec[FMT_SEC_DICT].p;
    if (dict_block_range(s, b, &start, &end, e) < 0) return e->rc;
    const uint8_t *p = base + start, *pend = base + end, *entry = p;
    memset(sc, 0, sizeof *sc);
    if (leb_u64(&p, pend, &sc->post_off) < 0 || leb_u64(&p, pend, &sc->pos_off) < 0 ||
        sc->post_off > UINT64_MAX / 4 || sc->pos_off > UINT64_MAX / 4)
        return dict_corrupt(s, e, "malformed block header", start);
    for (; sc->in_block < count; sc->in_block++) {
        entry = p;
        if (dict_entry_lens(&p, pend, &prefix, &suffix) < 0)
            return dict_corrupt(s, e, "malformed entry", (size_t)(entry - base));
        if (prefix == sc->match) {
            const char *k = key + sc->match;
            size_t klen = len - sc->match, n = suffix < klen ? suffix : klen, i = 0;
            while (i < n && (uint8_t)k[i] == p[i])
                i++;
            if (i == n ? suffix >= klen : p[i] > (uint8_t)k[i]) { /* term >= key */
                sc->is_equal = i == n && suffix == klen && prefix == sc->match;
                break;
            }
            sc->match += i;
        } else if (prefix < sc->match) {
            break;
        }
        p += suffix;
        if (dict_entry_skip(&p, pend, &sc->post_off, &sc->pos_off) < 0)
            return dict_corrupt(s, e, "malformed entry", (size_t)(entry - base));
    }
    sc->pos = (size_t)((sc->in_block < count ? entry : p) - base);
    return TRAWL_OK;
}

/* Makes block b current: the iterator stands on its first entry. */
static int dict_iter_enter(dict_iter *it, uint64_t b, err *e)
{
    rd r;
    rd_init(&r, it->s->sec[FMT_SEC_DICT].p, 0);
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

/* The scan leaves the iterator on the first entry >= key with key's first match bytes as the
 * "previous term": that entry shares at most match bytes with the real previous term, and
 * those equal the key's, so it decodes the same. */
int dict_iter_seek(dict_iter *it, const segment *s, const char *key, size_t len, err *e)
{
    uint64_t b = 0;
    dict_scan sc;
    memset(it, 0, sizeof *it);
    it->s = s;
    if (s->n_dict_blocks == 0) return TRAWL_OK;
    if (dict_find_block(s, key, len, &b, e) < 0 || dict_scan_block(s, b, key, len, &sc, e) < 0)
        return e->rc;
    it->block = b;
    it->in_block = sc.in_block;
    it->pos = sc.pos;
    it->post_off = sc.post_off;
    it->pos_off = sc.pos_off;
    memcpy(it->term, key, sc.match);
    it->term[sc.match] = '\0';
    it->term_len = sc.match;
    return TRAWL_OK;
}

int dict_iter_next(dict_iter *it, const char **term, size_t *len, term_info *ti, err *e)
{
    char t[FMT_MAX_TERM + 1];
    size_t tlen = 0, next = 0;
    uint64_t pe = 0, qe = 0;
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

/* A scan of one block, then a decode of the matching entry only. */
int dict_find(const segment *s, const char *term, size_t len, term_info *ti, err *e)
{
    uint64_t b = 0;
    dict_scan sc;
    size_t start, end, tlen;
    char t[FMT_MAX_TERM + 1];
    rd r;
    if (len == 0 || len > FMT_MAX_TERM || s->n_dict_blocks == 0) return 0;
    if (dict_find_block(s, term, len, &b, e) < 0 || dict_scan_block(s, b, term, len, &sc, e) < 0)
        return e->rc;
    if (!sc.is_equal) return 0;
    if (dict_block_range(s, b, &start, &end, e) < 0) return e->rc;
    rd_init(&r, s->sec[FMT_SEC_DICT].p + start, end - start);
    r.pos = sc.pos - start;
    if (dict_decode(s, &r, term, sc.match, t, &tlen, ti, &sc.post_off, &sc.pos_off) < 0)
        return dict_corrupt(s, e, "malformed entry", sc.pos);
    return 1;
}

/* ------------------------------------------------------------------ every term */

/* Walks the entries of block b, passing each term with the bytes it shares with the one
 * before; reads only lengths and suffixes, skipping the rest of each entry. */
static int dict_each_block(const segment *s, uint64_t b, uint8_t *term, size_t *len,
                           dict_term_fn fn, void *ctx, err *e)
{
    size_t start, end;
    uint32_t prefix, suffix, count = dict_block_count(s, b);
    uint64_t po = 0, qo = 0;
    const uint8_t *base = s->sec[FMT_SEC_DICT].p;
    if (dict_block_range(s, b, &start, &end, e) < 0) return e->rc;
    const uint8_t *p = base + start, *pend = base + end;
    if (dict_vskip(&p, pend, 2) < 0) return dict_corrupt(s, e, "malformed block header", start);
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *entry = p;
        size_t lcp = 0;
        if (dict_entry_lens(&p, pend, &prefix, &suffix) < 0 || (i == 0 && prefix != 0) ||
            prefix > *len || prefix + suffix == 0)
            return dict_corrupt(s, e, "malformed entry", (size_t)(entry - base));
        if (i == 0) { /* a block's first term is whole: its shared bytes are measured */
            size_t n = *len < suffix ? *len : suffix;
            while (lcp < n && term[lcp] == p[lcp])
                lcp++;
        } else {
            lcp = prefix;
        }
        memcpy(term + prefix, p, suffix);
        *len = prefix + suffix;
        fn(ctx, term, *len, lcp);
        p += suffix;
        if (dict_entry_skip(&p, pend, &po, &qo) < 0)
            return dict_corrupt(s, e, "malformed entry", (size_t)(entry - base));
    }
    return TRAWL_OK;
}

int dict_each_term(const segment *s, dict_term_fn fn, void *ctx, err *e)
{
    uint8_t term[FMT_MAX_TERM + 1];
    size_t len = 0;
    if (s->n_dict_blocks == 0) return TRAWL_OK;
    for (uint64_t b = 0; b < s->n_dict_blocks; b++)
        if (dict_each_block(s, b, term, &len, fn, ctx, e) < 0) return e->rc;
    return TRAWL_OK;
}

/* ------------------------------------------------------------------ pruned walk */

/* Where dict_walk stands: the next entry to read, in its block. */
typedef struct dict_walker {
    const segment *s;
    uint64_t block;           /**< current block */
    uint32_t in_block, count; /**< entries read in it, entries it holds */
    const uint8_t *p, *end;   /**< the next entry, the block's end */
    size_t len;               /**< length of the last term read in the block */
} dict_walker;

/* Makes block b current, before its first entry. */
static int dict_walker_enter(dict_walker *w, uint64_t b, err *e)
{
    size_t start, end;
    const uint8_t *base = w->s->sec[FMT_SEC_DICT].p;
    if (dict_block_range(w->s, b, &start, &end, e) < 0) return e->rc;
    w->p = base + start;
    w->end = base + end;
    if (dict_vskip(&w->p, w->end, 2) < 0)
        return dict_corrupt(w->s, e, "malformed block header", start);
    w->block = b;
    w->in_block = 0;
    w->count = dict_block_count(w->s, b);
    w->len = 0;
    return TRAWL_OK;
}

/* Moves w on to the last block whose first term is <= hint, if that is a later block: every
 * term before it is below the hint. Returns 1 if it moved, 0, or TRAWL_ECORRUPT. */
static int dict_walker_seek(dict_walker *w, const uint8_t *hint, size_t len, err *e)
{
    const segment *s = w->s;
    const char *key = (const char *)hint;
    uint64_t b = w->block + 1;
    if (b >= s->n_dict_blocks) return 0;
    int le = dict_block_le(s, b, key, len, dict_key(hint, len), e);
    if (le <= 0) return le;
    if (dict_find_block_from(s, b, key, len, &b, e) < 0 || dict_walker_enter(w, b, e) < 0)
        return e->rc;
    return 1;
}

/* Bytes a[0..alen) shares with b[0..blen). */
static size_t dict_lcp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen, i = 0;
    while (i < n && a[i] == b[i])
        i++;
    return i;
}

/* Reads the next entry's lengths and moves w past it, with *suf on its suffix in the
 * dictionary: 1, 0 past the last entry, or TRAWL_ECORRUPT. */
static int dict_walker_next(dict_walker *w, uint32_t *prefix, uint32_t *suffix, const uint8_t **suf,
                            err *e)
{
    uint64_t po = 0, qo = 0;
    while (w->in_block == w->count) {
        if (w->block + 1 >= w->s->n_dict_blocks) return 0;
        if (dict_walker_enter(w, w->block + 1, e) < 0) return e->rc;
    }
    const uint8_t *entry = w->p;
    if (dict_entry_lens(&w->p, w->end, prefix, suffix) < 0 || (w->in_block == 0 && *prefix != 0) ||
        *prefix > w->len || *prefix + *suffix == 0)
        goto corrupt;
    *suf = w->p;
    w->p += *suffix;
    if (dict_entry_skip(&w->p, w->end, &po, &qo) < 0) goto corrupt;
    w->len = *prefix + *suffix;
    w->in_block++;
    return 1;
corrupt:
    return dict_corrupt(w->s, e, "malformed entry", (size_t)(entry - w->s->sec[FMT_SEC_DICT].p));
}

/* termtab_walk's scan over the entries themselves: one buffer (cur) holds the hint and, from
 * the bytes they share on, the next term visited; `shared` is the bytes the last term read
 * shares with the hint. Within a block an entry sharing more than that with the term before is
 * below the hint and its suffix is never copied, one sharing fewer is above it, one sharing as
 * many compares its suffix; a block's first entry, stored whole, compares all of it. A hint
 * beyond the current block is sought through the block index (dict_walker_seek). The visitor's
 * lcp is the smaller of the bytes it kept and `shared`: the hint lies between the two terms. */
int dict_walk(const segment *s, dict_walk_fn visit, void *ctx, uint64_t *n_read, err *e)
{
    dict_walker w = {.s = s};
    uint8_t cur[DICT_WALK_HINT_MAX + 8];
    size_t hint_len = 0, hint_lcp = 0, shared = 0;
    uint32_t prefix = 0, slen = 0;
    const uint8_t *suf = NULL;
    int rc;
    if (s->n_dict_blocks == 0) return TRAWL_OK;
    if (dict_walker_enter(&w, 0, e) < 0) return e->rc;
    for (;;) {
        if ((rc = dict_walker_seek(&w, cur, hint_len, e)) < 0) return rc;
        for (;;) { /* to the first term at or above the hint */
            if ((rc = dict_walker_next(&w, &prefix, &slen, &suf, e)) <= 0) return rc;
            ++*n_read;
            if (w.in_block == 1) shared = prefix = 0;
            if (prefix > shared) continue;
            if (prefix < shared) {
                shared = prefix;
                break;
            }
            size_t l = dict_lcp(suf, slen, cur + prefix, hint_len - prefix);
            shared = prefix + l;
            if (shared == hint_len || (l < slen && suf[l] > cur[shared])) break;
        }
        size_t len = prefix + slen, lcp = shared < hint_lcp ? shared : hint_lcp;
        for (size_t o = 0; o < slen; o += 8) /* fixed-size copies: FMT_PAD follows the section */
            memcpy(cur + prefix + o, suf + o, 8);
        hint_len = visit(ctx, cur, len, lcp, &hint_lcp);
        if (hint_len == DICT_WALK_END) return TRAWL_OK;
        shared = hint_lcp;
    }
}

/* The index key of the iterator's block, checked when its first term was just read: a wrong
 * key would send lookups to the wrong block. */
static int dict_check_key(const segment *s, const dict_iter *it, const char *t, size_t tlen, err *e)
{
    if (it->in_block != 1 || dict_block_key(s, it->block) == dict_key((const uint8_t *)t, tlen))
        return TRAWL_OK;
    return err_set(e, TRAWL_ECORRUPT,
                   "%s: dictionary index: block %" PRIu64 " key differs from its first term \"%s\"",
                   s->name, it->block, t);
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
        if (dict_check_key(s, &it, t, tlen, e) < 0 || dict_check_entry(s, &it, &ti, e) < 0 ||
            tc_check_list(s, &ti, t, e) < 0)
            return e->rc;
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
