/* term_cursor: the out-of-line half of the postings cursor (block loading, skip search, lazy tf
 * and positions decode) and the deep check of one postings list. Every block is validated once
 * when it is loaded: its bytes lie inside the list, it decodes, its doc ids increase, stay
 * below n_docs and end at the skip entry's last doc. Positions are validated when decoded:
 * their bytes decode exactly and each tf is at most the document's length (which bounds the
 * buffer a corrupt tf could ask for). */
#include "term_cursor.h"

#include "codec.h"
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

/* Gap-decodes docs[] in place: stored values are gap - 1, the first relative to base. */
static int tc_undelta_full(term_cursor *c, uint32_t base, uint8_t width)
{
    codec_prefix_sum(c->docs, TC_BLOCK, base);
    for (uint32_t i = 0; i < TC_BLOCK; i++)
        c->docs[i] += i + 1;
    /* At width <= 23 the 128 gaps sum below 2^30, so nothing wrapped and the ids increase. */
    if (width > 23) {
        uint64_t prev = base == UINT32_MAX ? 0 : (uint64_t)base + 1;
        for (uint32_t i = 0; i < TC_BLOCK; i++) {
            if (c->docs[i] < prev) return -1;
            prev = (uint64_t)c->docs[i] + 1;
        }
    }
    return 0;
}

static int tc_undelta_tail(term_cursor *c, uint32_t base, uint32_t n)
{
    uint64_t d = base == UINT32_MAX ? 0 : (uint64_t)base + 1;
    for (uint32_t i = 0; i < n; i++) {
        d += c->docs[i];
        if (d >= c->n_docs) return -1;
        c->docs[i] = (uint32_t)d;
        d++;
    }
    return 0;
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
    if (n == TC_BLOCK) {
        used = codec_unpack128(p, pend, c->docs);
        if (used == 0 || used >= end - start ||
            codec_block_size(p + used) != (size_t)(end - start) - used ||
            tc_undelta_full(c, base, p[0]) < 0)
            return tc_fail(c, TRAWL_ECORRUPT, "postings", "malformed full block", start, end), -1;
    } else {
        used = codec_vbyte_decode(p, pend, n, c->docs);
        if (used == 0 || tc_undelta_tail(c, base, n) < 0)
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
    c->has_freqs = 0;
    c->has_pos = 0;
    c->doc = c->docs[0];
    return 0;
}

int tc_open(term_cursor *c, const segment *s, const term_info *ti, err *e)
{
    const seg_sec *post = &s->sec[FMT_SEC_POSTINGS], *pos = &s->sec[FMT_SEC_POSITIONS];
    memset(c, 0, offsetof(term_cursor, pos_start));
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
    if (c->n_blocks > 1) {
        size_t skip_len = (size_t)c->n_blocks * sizeof(fmt_skip);
        if (skip_len > c->blocks_len)
            return tc_fail(c, TRAWL_ECORRUPT, "postings", "skip table runs past the list", skip_len,
                           c->blocks_len),
                   c->rc;
        c->skip = c->blocks;
        c->blocks += skip_len;
        c->blocks_len -= (uint32_t)skip_len;
    }
    if (tc_load_block(c, 0) < 0) return c->rc;
    c->sk = 0;
    if (c->skip) {
        fmt_skip k = tc_skip(c, 0);
        c->sk_last = k.last_doc;
        c->sk_max_tf = k.max_tf;
        c->sk_min_len = k.min_len;
    } else {
        c->sk_last = c->blk_last;
        c->sk_max_tf = c->max_tf;
        c->sk_min_len = c->min_len;
    }
    return TRAWL_OK;
}

void tc_close(term_cursor *c)
{
    free(c->posbuf);
    c->posbuf = NULL;
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
        return;
    }
    fmt_skip k = tc_skip(c, b);
    c->sk = b;
    c->sk_last = k.last_doc;
    c->sk_max_tf = k.max_tf;
    c->sk_min_len = k.min_len;
}

void tc_load_freqs(term_cursor *c)
{
    size_t want = (size_t)(c->blk_end - c->freq_p), used;
    if (c->doc == DOC_END) return;
    if (c->n == TC_BLOCK)
        used = codec_unpack128(c->freq_p, c->blk_end, c->freqs);
    else
        used = codec_vbyte_decode(c->freq_p, c->blk_end, c->n, c->freqs);
    if (used != want) {
        tc_fail(c, TRAWL_ECORRUPT, "postings", "tf block does not fill the block", used, want);
        return;
    }
    for (uint32_t i = 0; i < c->n; i++)
        c->freqs[i] += 1;
    c->has_freqs = 1;
}

/* Sizes pos_start[] from the tfs and makes posbuf large enough. */
static int tc_pos_layout(term_cursor *c, uint64_t *total)
{
    uint64_t t = 0;
    for (uint32_t i = 0; i < c->n; i++) {
        uint32_t tf = c->freqs[i];
        if (tf == 0 || tf > c->doc_lens[c->docs[i]])
            return tc_fail(c, TRAWL_ECORRUPT, "postings", "tf is 0 or exceeds the doc length", tf,
                           c->docs[i]),
                   -1;
        c->pos_start[i] = (uint32_t)t;
        t += tf;
    }
    if (t > UINT32_MAX - TC_BLOCK)
        return tc_fail(c, TRAWL_ECORRUPT, "postings", "block holds too many positions", t, 0), -1;
    c->pos_start[c->n] = (uint32_t)t;
    size_t need = (size_t)((t + TC_BLOCK - 1) / TC_BLOCK * TC_BLOCK);
    if (need > c->pos_cap) {
        size_t cap = c->pos_cap ? c->pos_cap : 1024;
        while (cap < need)
            cap *= 2;
        uint32_t *p = realloc(c->posbuf, cap * sizeof *p);
        if (!p) return tc_fail(c, TRAWL_ENOMEM, "positions", "out of memory", cap, 0), -1;
        c->posbuf = p;
        c->pos_cap = cap;
    }
    *total = t;
    return 0;
}

int tc_load_positions(term_cursor *c)
{
    uint32_t start = 0, end = c->pos_len;
    uint64_t total;
    if (c->doc == DOC_END) return 1;
    if (!c->has_freqs) tc_load_freqs(c);
    if (c->rc != TRAWL_OK || tc_pos_layout(c, &total) < 0) return c->rc;
    if (c->skip) {
        end = tc_skip(c, c->blk).pos_end;
        start = c->blk ? tc_skip(c, c->blk - 1).pos_end : 0;
    }
    if (start > end || end > c->pos_len ||
        codec_list_decode(c->pos + start, c->pos + end, total, c->posbuf) != end - start)
        return tc_fail(c, TRAWL_ECORRUPT, "positions", "block malformed or out of bounds", start,
                       end),
               c->rc;
    for (uint32_t i = 0; i < c->n; i++) {
        uint32_t acc = 0;
        for (uint32_t j = c->pos_start[i]; j < c->pos_start[i + 1]; j++) {
            acc += c->posbuf[j];
            c->posbuf[j] = acc;
        }
    }
    c->has_pos = 1;
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
