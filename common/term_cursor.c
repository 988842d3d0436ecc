/* term_cursor: the out-of-line half of the postings cursor (block loading, skip search, lazy tf
 * and positions decode) and the deep check of one postings list. Every block is validated once
 * when it is loaded: its bytes lie inside the list, it decodes, its doc ids increase, stay
 * below n_docs and end at the skip entry's last doc. Positions decode one doc at a time (only
 * the chunks holding its range) and are validated as they decode: the block's tfs may not claim
 * more positions than its bytes can encode (which bounds the buffer a corrupt tf could ask for),
 * every chunk decodes, and the last one ends the block exactly. Lists inlined in a dictionary entry
 * are read the same way: one partial block, its positions, no skip table (only the section
 * differs). */
#include "term_cursor.h"

#include "codec.h"
#include "rd.h"
#include "segment_impl.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static fmt_skip tc_skip(const term_cursor *c, uint32_t b)
{
    fmt_skip k;
    memcpy(&k, c->skip + (size_t)b * sizeof k, sizeof k);
    return k;
}

/* Puts the cursor at DOC_END in a state where every inline function stays in bounds. */
static uint32_t tc_end(term_cursor *c)
{
    c->doc = DOC_END;
    c->blk_last = DOC_END;
    c->i = 0;
    c->n = 0;
    c->blk = c->n_blocks;
    c->has_freqs = 1;
    c->has_pos = 0;
    c->pos_doc = UINT32_MAX;
    return DOC_END;
}

static uint32_t tc_fail(term_cursor *c, int rc, const char *sec, const char *what, uint64_t a,
                        uint64_t b)
{
    if (c->rc == TRAWL_OK) {
        c->rc = rc;
        err_set(c->e, rc,
                "%s: %s of list at %" PRIu64 ": block %" PRIu32 ": %s (%" PRIu64 ", %" PRIu64 ")",
                c->s->name, sec, c->post_off, c->blk, what, a, b);
    }
    return tc_end(c);
}

/* One PFor block (docs/FORMAT.md): a codec block of the low bits, then ExcCount u8 and that
 * many (index u8, high u8) pairs ORed in above the width. Returns bytes consumed, or 0 when
 * malformed or past end; *wide is set when a value may use more than 23 bits. */
static size_t tc_pfor_unpack(const uint8_t *in, const uint8_t *end, uint32_t *out, int *wide)
{
    size_t used = codec_unpack128(in, end, out);
    if (used == 0 || used >= (size_t)(end - in)) return 0;
    uint32_t w = in[0], n_exc = in[used++];
    *wide = w > 23;
    if (n_exc == 0) return used;
    const uint8_t *p = in + used;
    if (w >= 32 || n_exc > TC_BLOCK || (size_t)(end - p) < 2 * (size_t)n_exc) return 0;
    /* Indexes and highs are checked once after the loop (an OR keeps any bad bit); the mask
     * keeps a bad index inside out[] until then. */
    uint32_t ats = 0, highs = 0;
    for (uint32_t k = 0; k < n_exc; k++, p += 2) {
        out[p[0] & (TC_BLOCK - 1)] |= (uint32_t)p[1] << w;
        ats |= p[0];
        highs |= p[1];
    }
    if (ats >= TC_BLOCK || highs > UINT32_MAX >> w) return 0;
    *wide = w > 23 || (highs << w) >> 23 != 0; /* some value has a bit at 23 or above */
    return used + 2 * (size_t)n_exc;
}

/* A PForList of m values into out (room for m rounded up to 128). Returns bytes consumed
 * (0 for m == 0), or SIZE_MAX when malformed or past end. */
static size_t tc_list_decode(const uint8_t *in, const uint8_t *end, size_t m, uint32_t *out)
{
    size_t used = 0, i = 0, k;
    int wide;
    for (; m - i >= TC_BLOCK; i += TC_BLOCK, used += k)
        if ((k = tc_pfor_unpack(in + used, end, out + i, &wide)) == 0) return SIZE_MAX;
    if (i < m && (k = codec_vbyte_decode(in + used, end, m - i, out + i)) == 0) return SIZE_MAX;
    return i < m ? used + k : used;
}

/* Gap-decodes docs[] in place: stored values are gap - 1, the first relative to base. */
static int tc_undelta_full(term_cursor *c, uint32_t base, int wide)
{
    codec_prefix_sum(c->docs, TC_BLOCK, base);
    for (uint32_t i = 0; i < TC_BLOCK; i++)
        c->docs[i] += i + 1;
    /* Below 24 bits the 128 gaps sum below 2^31, so nothing wrapped and the ids increase. */
    if (wide) {
        uint64_t prev = base == UINT32_MAX ? 0 : (uint64_t)base + 1;
        for (uint32_t i = 0; i < TC_BLOCK; i++) {
            if (c->docs[i] < prev) return -1;
            prev = (uint64_t)c->docs[i] + 1;
        }
    }
    return 0;
}

size_t tc_decode_tail(const uint8_t *in, const uint8_t *end, uint32_t n, uint32_t base,
                      uint32_t n_docs, uint32_t *docs, uint32_t *tfs)
{
    const uint8_t *p = in;
    uint64_t d = base == UINT32_MAX ? 0 : (uint64_t)base + 1;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t x, tf = 1;
        if (leb_u32(&p, end, &x) < 0) return 0;
        d += x >> 1;
        if (d >= n_docs) return 0;
        if (!(x & 1)) {
            if (leb_u32(&p, end, &tf) < 0 || tf > UINT32_MAX - 2) return 0;
            tf += 2;
        }
        docs[i] = (uint32_t)d++;
        tfs[i] = tf;
    }
    return (size_t)(p - in);
}

/* Decodes the doc ids of block b and makes it current. */
static int tc_load_block(term_cursor *c, uint32_t b)
{
    uint32_t start = 0, end = c->blocks_len, base = UINT32_MAX, last = DOC_END;
    uint32_t n = b + 1 < c->n_blocks ? TC_BLOCK : c->df - TC_BLOCK * (c->n_blocks - 1);
    c->blk = b;
    if (c->skip) {
        fmt_skip k = tc_skip(c, b);
        end = k.doc_end;
        last = k.last_doc;
        if (b > 0) {
            fmt_skip p = tc_skip(c, b - 1);
            start = p.doc_end;
            base = p.last_doc;
        }
    }
    if (start >= end || end > c->blocks_len)
        return tc_fail(c, TRAWL_ECORRUPT, "postings", "block runs past the list end", start, end),
               -1;
    const uint8_t *p = c->blocks + start, *pend = c->blocks + end;
    size_t used;
    int wide;
    if (n == TC_BLOCK) {
        used = tc_pfor_unpack(p, pend, c->docs, &wide);
        if (used == 0 || used >= end - start || tc_undelta_full(c, base, wide) < 0)
            return tc_fail(c, TRAWL_ECORRUPT, "postings", "malformed full block", start, end), -1;
    } else {
        /* A partial block interleaves docs and tfs: both are decoded here. */
        used = tc_decode_tail(p, pend, n, base, c->n_docs, c->docs, c->freqs);
        if (used != end - start)
            return tc_fail(c, TRAWL_ECORRUPT, "postings", "malformed last block", start, end), -1;
    }
    if (c->docs[n - 1] >= c->n_docs || (c->skip && c->docs[n - 1] != last))
        return tc_fail(c, TRAWL_ECORRUPT, "postings", "last doc disagrees with n_docs or skip",
                       c->docs[n - 1], last),
               -1;
    c->n = n;
    c->i = 0;
    c->blk_last = c->docs[n - 1];
    c->freq_p = p + used;
    c->blk_end = pend;
    c->has_freqs = n < TC_BLOCK;
    c->is_tf_small = 0;
    c->has_pos = 0;
    c->pos_doc = UINT32_MAX;
    c->doc = c->docs[0];
    return 0;
}

/* Checks ti's bounds and points the cursor at its bytes, decoding nothing: the cursor reads as
 * exhausted until a block is loaded. */
static int tc_open_lists(term_cursor *c, const segment *s, const term_info *ti, err *e)
{
    const seg_sec *post = &s->sec[ti->is_inline ? FMT_SEC_DICT : FMT_SEC_POSTINGS];
    const seg_sec *pos = &s->sec[ti->is_inline ? FMT_SEC_DICT : FMT_SEC_POSITIONS];
    memset(c, 0, offsetof(term_cursor, docs));
    c->s = s;
    c->e = e;
    c->doc_lens = s->doc_lens;
    c->n_docs = s->n_docs;
    c->df = ti->df;
    c->max_tf = ti->max_tf;
    c->min_len = ti->min_len;
    c->post_off = ti->post_off;
    c->n_blocks = (uint32_t)((ti->df + (uint64_t)TC_BLOCK - 1) / TC_BLOCK);
    tc_end(c);
    if (ti->df == 0 || ti->df > s->n_docs || ti->post_off > post->len ||
        ti->post_len > post->len - ti->post_off || ti->post_len > UINT32_MAX ||
        ti->pos_off > pos->len || ti->pos_len > pos->len - ti->pos_off || ti->pos_len > UINT32_MAX)
        return tc_fail(c, TRAWL_ECORRUPT, "dictionary", "list bounds outside their sections",
                       ti->post_len, ti->pos_len),
               c->rc;
    c->blocks = post->p + ti->post_off;
    c->blocks_len = (uint32_t)ti->post_len;
    c->pos = pos->p + ti->pos_off;
    c->pos_len = (uint32_t)ti->pos_len;
    if (c->n_blocks > 1 && ti->is_inline)
        return tc_fail(c, TRAWL_ECORRUPT, "dictionary", "inline list of more than one block",
                       ti->df, 0),
               c->rc;
    if (c->n_blocks > 1) {
        uint64_t skip_len = fmt_skip_bytes(s->version, c->n_blocks);
        if (skip_len > c->blocks_len)
            return tc_fail(c, TRAWL_ECORRUPT, "postings", "skip table runs past the list", skip_len,
                           c->blocks_len),
                   c->rc;
        c->skip = c->blocks;
        if (s->version >= 3) c->imp = c->blocks + (size_t)c->n_blocks * sizeof(fmt_skip);
        c->blocks += skip_len;
        c->blocks_len -= (uint32_t)skip_len;
    }
    return TRAWL_OK;
}

int tc_open(term_cursor *c, const segment *s, const term_info *ti, err *e)
{
    if (tc_open_lists(c, s, ti, e) != TRAWL_OK || tc_load_block(c, 0) < 0) return c->rc;
    c->sk = 0;
    if (c->skip) {
        fmt_skip k = tc_skip(c, 0);
        c->sk_last = k.last_doc;
        c->sk_max_tf = k.max_tf;
        c->sk_min_len = k.min_len;
        c->sk_imp = c->imp;
    } else {
        c->sk_last = c->blk_last;
        c->sk_max_tf = c->max_tf;
        c->sk_min_len = c->min_len;
    }
    return TRAWL_OK;
}

int tc_open_lazy(term_cursor *c, const segment *s, const term_info *ti, err *e)
{
    if (tc_open_lists(c, s, ti, e) != TRAWL_OK) return c->rc;
    c->blk = 0; /* the shallow search starts at block 0 */
    c->sk = 0;
    c->sk_max_tf = c->max_tf;
    c->sk_min_len = c->min_len;
    c->sk_last = c->n_docs - 1; /* one block: every doc of the list is at most this */
    if (c->skip) {
        fmt_skip k = tc_skip(c, 0);
        c->sk_last = k.last_doc;
        c->sk_max_tf = k.max_tf;
        c->sk_min_len = k.min_len;
        c->sk_imp = c->imp;
    }
    return TRAWL_OK;
}

int tc_load_block_at(term_cursor *c, uint32_t b)
{
    if (c->rc != TRAWL_OK) return c->rc;
    if (b >= c->n_blocks) return tc_end(c), TRAWL_OK;
    return tc_load_block(c, b) < 0 ? c->rc : TRAWL_OK;
}

void tc_close(term_cursor *c)
{
    free(c->posbuf);
    c->posbuf = c->pos_start = c->first = c->chunk = NULL;
    c->pos_cap = 0;
}

uint32_t tc_next_block(term_cursor *c)
{
    if (c->doc == DOC_END || c->blk + 1 >= c->n_blocks) return tc_end(c);
    if (tc_load_block(c, c->blk + 1) < 0) return DOC_END;
    return c->doc;
}

/* First skip entry at or after from whose last doc is >= target (n_blocks if none): galloping
 * then binary search, so short hops stay cheap and long ones logarithmic. */
static uint32_t tc_skip_find(const term_cursor *c, uint32_t from, uint32_t target)
{
    uint32_t lo = from, step = 1, hi;
    if (lo >= c->n_blocks || tc_skip(c, lo).last_doc >= target) return lo;
    while (lo + step < c->n_blocks && tc_skip(c, lo + step).last_doc < target) {
        lo += step;
        step *= 2;
    }
    hi = lo + step < c->n_blocks ? lo + step : c->n_blocks; /* last(lo) < target <= last(hi) */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (tc_skip(c, mid).last_doc < target)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

uint32_t tc_seek_block(term_cursor *c, uint32_t target)
{
    if (c->doc == DOC_END || !c->skip) return tc_end(c);
    uint32_t b = tc_skip_find(c, c->blk + 1, target);
    if (b >= c->n_blocks) return tc_end(c);
    if (tc_load_block(c, b) < 0) return DOC_END;
    uint32_t i = 0;
    while (c->docs[i] < target)
        i++;
    c->i = i;
    return c->doc = c->docs[i];
}

void tc_shallow_move(term_cursor *c, uint32_t target)
{
    uint32_t b = c->skip ? tc_skip_find(c, c->sk > c->blk ? c->sk : c->blk, target) : 1;
    if (b >= c->n_blocks) {
        c->sk = c->n_blocks;
        c->sk_last = DOC_END;
        c->sk_max_tf = 0;
        c->sk_min_len = UINT32_MAX;
        c->sk_imp = NULL;
        return;
    }
    fmt_skip k = tc_skip(c, b);
    c->sk = b;
    c->sk_last = k.last_doc;
    c->sk_max_tf = k.max_tf;
    c->sk_min_len = k.min_len;
    c->sk_imp = c->imp ? c->imp + (size_t)b * FMT_IMPACTS * sizeof(fmt_impact) : NULL;
}

/* Only full blocks get here: a partial block decodes its tfs with its docs. */
void tc_load_freqs(term_cursor *c)
{
    int wide;
    if (c->doc == DOC_END) return;
    size_t want = (size_t)(c->blk_end - c->freq_p);
    size_t used = tc_pfor_unpack(c->freq_p, c->blk_end, c->freqs, &wide);
    if (used != want) {
        tc_fail(c, TRAWL_ECORRUPT, "postings", "tf block does not fill the block", used, want);
        return;
    }
    for (uint32_t i = 0; i < c->n; i++)
        c->freqs[i] += 1;
    c->is_tf_small = !wide;
    c->has_freqs = 1;
}

/* Where the parts of posbuf start (16-byte aligned): pos_start, first, chunk, a doc's output. */
enum {
    TC_POS_FIRST = 132,
    TC_POS_CHUNK = TC_POS_FIRST + TC_BLOCK,
    TC_POS_OUT = TC_POS_CHUNK + TC_BLOCK
};

/* Makes posbuf hold the block arrays and n_out positions of one doc. */
static int tc_pos_reserve(term_cursor *c, size_t n_out)
{
    size_t need = TC_POS_OUT + n_out, cap = c->pos_cap ? c->pos_cap : 1024;
    while (cap < need)
        cap *= 2;
    uint32_t *p = realloc(c->posbuf, cap * sizeof *p);
    if (!p) return tc_fail(c, TRAWL_ENOMEM, "positions", "out of memory", cap, 0), -1;
    c->posbuf = p;
    c->pos_cap = cap;
    c->pos_start = p;
    c->first = p + TC_POS_FIRST;
    c->chunk = p + TC_POS_CHUNK;
    return 0;
}

/* Fewest bytes a PForList of m values takes: 2 per 128-value PFor (width 0, no exception),
 * 1 per tail VInt. Bounds how many positions a block's bytes can claim. */
static uint64_t tc_list_min_bytes(uint64_t m)
{
    return m / TC_BLOCK * 2 + m % TC_BLOCK;
}

/* Bytes of the PFor at in (packed block, ExcCount, pairs) from its header bytes alone; 0 when
 * it would not end by end. */
static size_t tc_pfor_size(const uint8_t *in, const uint8_t *end)
{
    if (in >= end) return 0;
    size_t len = codec_block_size(in);
    if (len == 0 || len >= (size_t)(end - in)) return 0;
    len += 1 + 2 * (size_t)in[len];
    return len <= (size_t)(end - in) ? len : 0;
}

/* Makes the block's positions addressable per doc: pos_start[] from the tfs, the first
 * positions decoded into first[], and where the gap list lies. A damaged tf cannot ask for
 * more positions than the block's bytes can encode, which bounds every later allocation. */
static int tc_pos_layout(term_cursor *c)
{
    uint32_t start = 0, end = c->pos_len;
    uint64_t t = 0;
    if (!c->has_freqs) tc_load_freqs(c);
    if (c->rc != TRAWL_OK || (!c->posbuf && tc_pos_reserve(c, 0) < 0)) return -1;
    if (c->is_tf_small) { /* 128 tfs below 2^23 sum below 2^30: one SIMD prefix sum */
        c->pos_start[0] = 0;
        memcpy(c->pos_start + 1, c->freqs, sizeof c->freqs);
        codec_prefix_sum(c->pos_start + 1, TC_BLOCK, 0);
        t = c->pos_start[TC_BLOCK];
    } else {
        for (uint32_t i = 0; i < c->n; i++) { /* every tf >= 1 by construction of the codes */
            c->pos_start[i] = (uint32_t)t;
            t += c->freqs[i];
        }
        c->pos_start[c->n] = (uint32_t)t;
    }
    if (c->skip) {
        end = tc_skip(c, c->blk).pos_end;
        start = c->blk ? tc_skip(c, c->blk - 1).pos_end : 0;
    }
    if (start > end || end > c->pos_len)
        return tc_fail(c, TRAWL_ECORRUPT, "positions", "block out of bounds", start, end), -1;
    if (t > UINT32_MAX - 2 * TC_BLOCK ||
        tc_list_min_bytes(c->n) + tc_list_min_bytes(t - c->n) > end - start)
        return tc_fail(c, TRAWL_ECORRUPT, "positions", "more positions than the block's bytes hold",
                       t, end - start),
               -1;
    size_t k1 = tc_list_decode(c->pos + start, c->pos + end, c->n, c->first);
    if (k1 == SIZE_MAX || (t == c->n && k1 != end - start))
        return tc_fail(c, TRAWL_ECORRUPT, "positions", "first positions malformed", start, end), -1;
    c->gap_start = c->walk_p = c->pos + start + k1;
    c->gap_end = c->pos + end;
    c->n_gaps = (uint32_t)(t - c->n);
    c->chunk_k = UINT32_MAX;
    c->walk_k = 0;
    c->has_pos = 1;
    return 0;
}

/* Walks the gap chunk headers forward from the last known chunk start (from the list start
 * when k is behind it) to chunk k. Returns 0, or -1 when a header runs past the block. */
static int tc_gap_walk(term_cursor *c, uint32_t k)
{
    if (k < c->walk_k) {
        c->walk_k = 0;
        c->walk_p = c->gap_start;
    }
    for (; c->walk_k < k; c->walk_k++) {
        size_t len = tc_pfor_size(c->walk_p, c->gap_end);
        if (len == 0) return -1;
        c->walk_p += len;
    }
    return 0;
}

#define TC_TAIL_STEP 32

/* Makes chunk[] hold at least the first upto values of gap chunk k. A PFor chunk decodes
 * whole; the VInt tail (the last n_gaps % 128 values) only as far as asked, since docs come in
 * increasing order. The list must end exactly with the block's positions. */
static int tc_gap_chunk(term_cursor *c, uint32_t k, uint32_t upto)
{
    uint32_t n_full = c->n_gaps / TC_BLOCK;
    size_t used = 0;
    int wide;
    if (k != c->chunk_k) {
        if (tc_gap_walk(c, k) < 0) goto corrupt;
        c->chunk_k = k;
        c->chunk_have = 0;
        c->tail_p = c->walk_p;
        if (k < n_full) {
            used = tc_pfor_unpack(c->walk_p, c->gap_end, c->chunk, &wide);
            if (used == 0 || (k + 1 == n_full && c->n_gaps % TC_BLOCK == 0 &&
                              used != (size_t)(c->gap_end - c->walk_p)))
                goto corrupt;
            c->chunk_have = TC_BLOCK;
            return 0;
        }
    }
    if (upto <= c->chunk_have) return 0;
    /* At least TC_TAIL_STEP values per call, so that dense access pays few calls. */
    uint32_t n_tail = c->n_gaps % TC_BLOCK, step = c->chunk_have + TC_TAIL_STEP;
    upto = upto > step ? upto : step < n_tail ? step : n_tail;
    used =
        codec_vbyte_decode(c->tail_p, c->gap_end, upto - c->chunk_have, c->chunk + c->chunk_have);
    if (used == 0) goto corrupt;
    c->tail_p += used;
    c->chunk_have = upto;
    if (upto == n_tail && c->tail_p != c->gap_end) goto corrupt;
    return 0;
corrupt:
    c->chunk_k = UINT32_MAX;
    return tc_fail(c, TRAWL_ECORRUPT, "positions", "gap chunk malformed or out of bounds", k,
                   c->n_gaps),
           -1;
}

/* Decodes the current doc's positions: its first position, then the running sum of its tf - 1
 * gaps (stored gap - 1), which sit at index pos_start[i] - i of the block's gap list. */
int tc_load_positions(term_cursor *c)
{
    if (c->doc == DOC_END) return 1;
    if (!c->has_pos && tc_pos_layout(c) < 0) return c->rc;
    uint32_t i = c->i, tf = c->freqs[i];
    if (tf == 1) {
        c->pos_out = &c->first[i];
    } else {
        if (tf > c->pos_cap - TC_POS_OUT && tc_pos_reserve(c, tf) < 0) return c->rc;
        uint32_t acc = c->first[i], g = c->pos_start[i] - i, left = tf - 1;
        uint32_t *out = c->posbuf + TC_POS_OUT;
        *out++ = acc;
        while (left > 0) {
            uint32_t k = g / TC_BLOCK, o = g % TC_BLOCK;
            uint32_t take = TC_BLOCK - o < left ? TC_BLOCK - o : left;
            if ((k != c->chunk_k || o + take > c->chunk_have) && tc_gap_chunk(c, k, o + take) < 0)
                return c->rc;
            const uint32_t *gap = c->chunk + o;
            for (uint32_t j = 0; j < take; j++) {
                acc += gap[j] + 1;
                out[j] = acc;
            }
            out += take;
            g += take;
            left -= take;
        }
        c->pos_out = c->posbuf + TC_POS_OUT;
    }
    c->pos_n = tf;
    c->pos_doc = i;
    return TRAWL_OK;
}

/* ---------------------------------------------------------------- deep check */

static int tc_check_fail(const segment *s, err *e, const char *term, uint32_t blk, const char *what,
                         uint64_t a, uint64_t b)
{
    return err_set(e, TRAWL_ECORRUPT,
                   "%s: postings of \"%s\": block %" PRIu32 ": %s (%" PRIu64 ", %" PRIu64 ")",
                   s->name, term, blk, what, a, b);
}

/* Walks the current block: tfs, positions (increasing, below the doc length); returns its max
 * tf and min doc length and adds its tfs to *cf. */
static int tc_check_block(term_cursor *c, const char *term, uint32_t *max_tf, uint32_t *min_len,
                          uint64_t *cf)
{
    *max_tf = 0;
    *min_len = UINT32_MAX;
    for (uint32_t i = 0; i < c->n && c->rc == TRAWL_OK; i++) {
        const uint32_t *pos;
        uint32_t np, doc = c->docs[i], len = c->doc_lens[doc];
        c->i = i;
        c->doc = doc;
        uint32_t tf = tc_freq(c);
        if (tc_positions(c, &pos, &np) != TRAWL_OK) break;
        for (uint32_t j = 0; j < np; j++)
            if (pos[j] >= len || (j > 0 && pos[j] <= pos[j - 1]))
                return tc_check_fail(c->s, c->e, term, c->blk,
                                     "position not increasing or past "
                                     "the doc length",
                                     doc, pos[j]);
        *max_tf = tf > *max_tf ? tf : *max_tf;
        *min_len = len < *min_len ? len : *min_len;
        *cf += tf;
    }
    return c->rc;
}

/* Block b's impacts (format.h, fmt_impact) against its documents, just walked: used slots
 * first, then (0, 0); tfs and lengths strictly increasing; the first length the block's
 * shortest and the last tf its largest (both saturated); and every document under a pair as
 * the reader clamps them (tf at most the pair's, length at least the pair's). */
static int tc_check_impacts(term_cursor *c, const char *term, uint32_t b, uint32_t bmax,
                            uint32_t bmin)
{
    fmt_impact p[FMT_IMPACTS];
    uint32_t n = 0, sat_max = bmax < FMT_IMPACT_SAT ? bmax : FMT_IMPACT_SAT;
    uint32_t sat_min = bmin < FMT_IMPACT_SAT ? bmin : FMT_IMPACT_SAT;
    memcpy(p, c->imp + (size_t)b * sizeof p, sizeof p);
    while (n < FMT_IMPACTS && p[n].tf != 0)
        n++;
    for (uint32_t j = 0; j < FMT_IMPACTS; j++) {
        int unused_ok = j >= n && p[j].tf == 0 && p[j].len == 0;
        int order_ok = j == 0 || (p[j].tf > p[j - 1].tf && p[j].len > p[j - 1].len);
        if (j < n ? !order_ok : !unused_ok)
            return tc_check_fail(c->s, c->e, term, b, "impacts not a frontier", j, p[j].tf);
    }
    if (n == 0 || p[0].len != sat_min || p[n - 1].tf != sat_max)
        return tc_check_fail(c->s, c->e, term, b, "impacts disagree with max_tf/min_len", n,
                             n ? p[n - 1].tf : 0);
    for (uint32_t i = 0; i < c->n; i++) {
        uint32_t tf = c->freqs[i], len = c->doc_lens[c->docs[i]], j = 0;
        for (; j < n; j++) {
            uint32_t ptf = p[j].tf == FMT_IMPACT_SAT ? bmax : p[j].tf;
            uint32_t plen = p[j].len > bmin ? p[j].len : bmin;
            if (ptf >= tf && plen <= len) break;
        }
        if (j == n)
            return tc_check_fail(c->s, c->e, term, b, "a document above the block's impacts",
                                 c->docs[i], tf);
    }
    return TRAWL_OK;
}

int tc_check_list(const segment *s, const term_info *ti, const char *term, err *e)
{
    term_cursor c;
    uint64_t cf = 0, docs = 0;
    uint32_t max_tf = 0, min_len = UINT32_MAX;
    int rc = tc_open(&c, s, ti, e);
    for (uint32_t b = 0; rc == TRAWL_OK && c.doc != DOC_END; b++) {
        uint32_t bmax, bmin;
        if (c.blk != b || tc_check_block(&c, term, &bmax, &bmin, &cf) != TRAWL_OK) {
            rc = e->rc ? e->rc : tc_check_fail(s, e, term, b, "block out of order", c.blk, b);
            break;
        }
        if (c.skip) {
            fmt_skip k = tc_skip(&c, b);
            if (k.max_tf != bmax || k.min_len != bmin)
                rc = tc_check_fail(s, e, term, b, "skip max_tf/min_len disagree", k.max_tf, bmax);
            else if (c.imp)
                rc = tc_check_impacts(&c, term, b, bmax, bmin);
            if (b + 1 == c.n_blocks && (k.doc_end != c.blocks_len || k.pos_end != c.pos_len))
                rc = tc_check_fail(s, e, term, b, "last block does not end the list", k.doc_end,
                                   k.pos_end);
        }
        max_tf = bmax > max_tf ? bmax : max_tf;
        min_len = bmin < min_len ? bmin : min_len;
        docs += c.n;
        c.i = c.n - 1;
        tc_next(&c);
    }
    if (rc == TRAWL_OK && c.rc != TRAWL_OK) rc = c.rc;
    if (rc == TRAWL_OK &&
        (docs != ti->df || cf != ti->cf || max_tf != ti->max_tf || min_len != ti->min_len))
        rc = tc_check_fail(s, e, term, 0, "df/cf/max_tf/min_len disagree with the dictionary", docs,
                           cf);
    tc_close(&c);
    return rc;
}
