/* term_enc: one term's postings encoded as a segment stores them (contract in term_enc.h).
 * Full blocks of FMT_BLOCK_DOCS documents are PFor (doc gaps, then tf - 1), a partial block is
 * VInts; each block's positions are two PForLists (first positions, then later gaps). */
#include "term_enc.h"

#include "codec.h"
#include "format.h"
#include "status.h"

#include <string.h>

/* Extra cost of one PFor exception in quarter bytes, for its decode time: each exception is
 * patched by a scalar loop step; half a byte each costs 0.15% of the kernel-docs index and
 * saves 1.5% of the query instructions (callgrind, bench queries). */
#define TE_EXC_PENALTY 2
/* Bytes of the largest PFor block: packed part, exception count, 128 exceptions. */
#define TE_PFOR_MAX (CODEC_MAX_BLOCK + 1 + CODEC_BLOCK * 2)

static uint32_t te_bits(uint32_t v)
{
    return v ? 32 - (uint32_t)__builtin_clz(v) : 0;
}

/* The width at which v[0..128) costs least as a PFor block (in quarter bytes): 16 bytes per
 * bit of width, plus 2 bytes and TE_EXC_PENALTY per exception. High parts are one byte, so the
 * width is at least the bits of the largest value minus 8. */
static uint32_t te_pfor_width(const uint32_t *v)
{
    uint32_t cnt[33] = {0}, max_bits = 0;
    for (size_t i = 0; i < CODEC_BLOCK; i++) {
        uint32_t b = te_bits(v[i]);
        cnt[b]++;
        max_bits = b > max_bits ? b : max_bits;
    }
    uint32_t best_w = max_bits, n_exc = 0;
    size_t best = 4 * 16 * (size_t)max_bits;
    for (uint32_t w = max_bits; w-- > 0 && w + 8 >= max_bits;) {
        n_exc += cnt[w + 1];
        size_t cost = 4 * 16 * (size_t)w + n_exc * (size_t)(4 * 2 + TE_EXC_PENALTY);
        if (cost < best) {
            best = cost;
            best_w = w;
        }
    }
    return best_w;
}

/* Writes v[0..128) as a PFor block: the low bits packed by codec_pack128, then the values that
 * do not fit as (index, high bits) byte pairs. Returns bytes written (at most TE_PFOR_MAX). */
static size_t te_pfor128(const uint32_t *v, uint8_t *out)
{
    uint32_t w = te_pfor_width(v), low[CODEC_BLOCK], all = 0, low_bits = 0;
    uint32_t mask = w == 32 ? UINT32_MAX : (1u << w) - 1;
    for (size_t i = 0; i < CODEC_BLOCK; i++) {
        low[i] = v[i] & mask;
        low_bits |= low[i];
        all |= v[i];
    }
    /* codec_pack128 packs at the width of the largest low part, which may be narrower than w;
     * if that would leave a high part over 8 bits, pack everything instead. */
    if (te_bits(all) > te_bits(low_bits) + 8) memcpy(low, v, sizeof low);
    size_t n = codec_pack128(low, out);
    w = out[0]; /* the exceptions follow the width actually packed */
    uint8_t *count = out + n++;
    *count = 0;
    for (size_t i = 0; i < CODEC_BLOCK && w < 32; i++) {
        if (v[i] >> w == 0) continue;
        out[n++] = (uint8_t)i;
        out[n++] = (uint8_t)(v[i] >> w);
        (*count)++;
    }
    return n;
}

/* PForList: m / 128 PFor blocks, then the m % 128 remaining values as VInts. */
static size_t te_pfor_list(const uint32_t *v, size_t m, uint8_t *out)
{
    size_t n = 0, i = 0;
    for (; i + CODEC_BLOCK <= m; i += CODEC_BLOCK)
        n += te_pfor128(v + i, out + n);
    for (; i < m; i++)
        n += codec_vbyte_put(out + n, v[i]);
    return n;
}

static size_t te_pfor_bound(size_t m)
{
    return (m / CODEC_BLOCK + 1) * TE_PFOR_MAX + CODEC_OVERREAD;
}

/* A partial block: per doc VInt (gap - 1) * 2 + [tf == 1], then VInt tf - 2 if tf > 1 (tf 1
 * is the common case, so it costs no byte). */
static size_t te_tail(const uint32_t *gaps, const uint32_t *tfm1, size_t n, uint8_t *out)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        len += codec_vbyte_put(out + len, gaps[i] * 2 + (tfm1[i] == 0));
        if (tfm1[i] > 0) len += codec_vbyte_put(out + len, tfm1[i] - 1);
    }
    return len;
}

/* Positions of docs [start, start + n): their first positions as one PForList, then their
 * later ones (gap - 1, from gap index gap_i on, n_gaps of them) as another. te_doc keeps the two
 * apart, so each is one run of its array. */
static size_t te_block_positions(const term_enc *t, size_t start, size_t n, size_t gap_i,
                                 size_t n_gaps, uint8_t *out)
{
    const uint32_t *firsts = (const uint32_t *)(void *)t->firsts.p;
    const uint32_t *gaps = (const uint32_t *)(void *)t->gaps.p;
    size_t len = te_pfor_list(firsts + start, n, out);
    return len + te_pfor_list(gaps + gap_i, n_gaps, out + len);
}

typedef struct te_pt {
    uint32_t tf, len;
} te_pt;

/* The shape of a BM25 term score at the default k1 1.2 and b 0.75 (searcher/search.c) and the
 * segment's average length: only to choose which neighbours to merge (any choice stays an
 * upper bound, whatever k1, b and avgdl a query uses). */
static double te_shape(te_pt p, double avgdl)
{
    return (double)p.tf / ((double)p.tf + 1.2 * (0.25 + 0.75 * (double)p.len / avgdl));
}

/* The block's impacts (format.h, fmt_impact): the Pareto frontier of its (tf, length) pairs,
 * both saturated at FMT_IMPACT_SAT first (the reader's clamps keep that an upper bound), by
 * increasing length and tf. While it has more than FMT_IMPACTS points, two neighbours become
 * one (the later tf, the earlier length): the two whose merge leaves the block's largest shape
 * lowest, then that raises their own shape least. A merge below the block's best point costs
 * the default ranking nothing, so its bound stays exact where 4 points allow. */
static void te_impacts(const uint32_t *tfs, const uint32_t *docs, const uint32_t *lens, size_t n,
                       double avgdl, fmt_impact *out)
{
    te_pt u[FMT_BLOCK_DOCS], f[FMT_BLOCK_DOCS];
    double sh[FMT_BLOCK_DOCS];
    size_t nu = 0, k = 0;
    /* The shortest length of each distinct tf, by decreasing tf (a block has few distinct tfs:
     * this is cheaper than sorting its 128 documents). */
    for (size_t i = 0; i < n; i++) {
        uint32_t len = lens[docs[i]], j = 0;
        te_pt p = {tfs[i] < FMT_IMPACT_SAT ? tfs[i] : FMT_IMPACT_SAT,
                   len < FMT_IMPACT_SAT ? len : FMT_IMPACT_SAT};
        while (j < nu && u[j].tf > p.tf)
            j++;
        if (j < nu && u[j].tf == p.tf) {
            u[j].len = p.len < u[j].len ? p.len : u[j].len;
            continue;
        }
        memmove(u + j + 1, u + j, (nu - j) * sizeof *u);
        u[j] = p;
        nu++;
    }
    /* A tf is on the frontier when its shortest length beats those of every larger tf. */
    for (size_t j = 0, best = UINT32_MAX; j < nu; j++)
        if (u[j].len < best) {
            best = u[j].len;
            f[k++] = u[j];
        }
    for (size_t i = 0; i < k / 2; i++) { /* by increasing tf and length */
        te_pt t = f[i];
        f[i] = f[k - 1 - i];
        f[k - 1 - i] = t;
    }
    double top = 0;
    for (size_t i = 0; i < k; i++) {
        sh[i] = te_shape(f[i], avgdl);
        top = sh[i] > top ? sh[i] : top;
    }
    while (k > FMT_IMPACTS) {
        size_t best = 0;
        double best_top = 0, best_loss = 0;
        for (size_t i = 0; i + 1 < k; i++) {
            double m = te_shape((te_pt){f[i + 1].tf, f[i].len}, avgdl);
            double new_top = m > top ? m : top;
            double loss = m - (sh[i] > sh[i + 1] ? sh[i] : sh[i + 1]);
            if (i == 0 || new_top < best_top || (new_top == best_top && loss < best_loss)) {
                best = i;
                best_top = new_top;
                best_loss = loss;
            }
        }
        f[best].tf = f[best + 1].tf;
        sh[best] = te_shape(f[best], avgdl);
        top = best_top;
        memmove(f + best + 1, f + best + 2, (k - best - 2) * sizeof *f);
        memmove(sh + best + 1, sh + best + 2, (k - best - 2) * sizeof *sh);
        k--;
    }
    memset(out, 0, FMT_IMPACTS * sizeof *out);
    for (size_t i = 0; i < k; i++) {
        out[i].tf = (uint16_t)f[i].tf;
        out[i].len = (uint16_t)f[i].len;
    }
}

/* Encodes block b of the term into t->blocks / t->pblocks and its skip entry into t->skips.
 * *gap_i is the index of the block's first later-position gap in t->gaps; it moves to the next
 * block's.
 * Returns TRAWL_OK, TRAWL_ENOMEM, or TRAWL_EARG when the list outgrows its 32-bit offsets. */
static int te_encode_block(term_enc *t, const uint32_t *lens, double avgdl, size_t b, size_t *gap_i)
{
    const uint32_t *docs = (const uint32_t *)(void *)t->docs.p;
    const uint32_t *tfs = (const uint32_t *)(void *)t->tfs.p;
    size_t df = t->docs.len / 4, start = b * FMT_BLOCK_DOCS;
    size_t n = df - start < FMT_BLOCK_DOCS ? df - start : FMT_BLOCK_DOCS;
    uint32_t gaps[FMT_BLOCK_DOCS], tfm1[FMT_BLOCK_DOCS];
    uint32_t prev = start ? docs[start - 1] : UINT32_MAX; /* block 0: gap from -1 */
    fmt_skip sk = {docs[start + n - 1], 0, 0, 0, UINT32_MAX};
    uint64_t n_pos = 0;
    for (size_t i = 0; i < n; i++) {
        gaps[i] = docs[start + i] - prev - 1;
        prev = docs[start + i];
        tfm1[i] = tfs[start + i] - 1;
        n_pos += tfs[start + i];
        sk.max_tf = tfs[start + i] > sk.max_tf ? tfs[start + i] : sk.max_tf;
        sk.min_len = lens[docs[start + i]] < sk.min_len ? lens[docs[start + i]] : sk.min_len;
    }
    if (buf_reserve(&t->blocks, 2 * TE_PFOR_MAX + CODEC_OVERREAD) < 0 ||
        buf_reserve(&t->pblocks, 2 * te_pfor_bound(n_pos)) < 0)
        return TRAWL_ENOMEM;
    uint8_t *out = t->blocks.p + t->blocks.len;
    if (n == FMT_BLOCK_DOCS) {
        size_t k = te_pfor128(gaps, out);
        t->blocks.len += k + te_pfor128(tfm1, out + k);
    } else {
        t->blocks.len += te_tail(gaps, tfm1, n, out);
    }
    t->pblocks.len +=
        te_block_positions(t, start, n, *gap_i, n_pos - n, t->pblocks.p + t->pblocks.len);
    if (t->blocks.len > UINT32_MAX || t->pblocks.len > UINT32_MAX) return TRAWL_EARG;
    sk.doc_end = (uint32_t)t->blocks.len;
    sk.pos_end = (uint32_t)t->pblocks.len;
    buf_put(&t->skips, &sk, sizeof sk);
    if (df > FMT_BLOCK_DOCS) { /* only lists with a skip table store impacts */
        fmt_impact imp[FMT_IMPACTS];
        te_impacts(tfs + start, docs + start, lens, n, avgdl, imp);
        buf_put(&t->imps, imp, sizeof imp);
    }
    *gap_i += n_pos - n;
    return t->skips.oom || t->imps.oom ? TRAWL_ENOMEM : TRAWL_OK;
}

/* Applies fn to every buffer of t: one list for init and free. */
static void te_bufs(term_enc *t, void (*fn)(buf *))
{
    buf *all[] = {&t->docs,   &t->tfs,   &t->firsts,  &t->gaps,
                  &t->blocks, &t->skips, &t->pblocks, &t->imps};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        fn(all[i]);
}

void te_init(term_enc *t)
{
    memset(t, 0, sizeof *t);
    te_bufs(t, buf_init);
}

void te_free(term_enc *t)
{
    te_bufs(t, buf_free);
}

void te_begin(term_enc *t)
{
    t->docs.len = t->tfs.len = t->firsts.len = t->gaps.len = 0;
    t->cf = 0;
}

int te_doc(term_enc *t, uint32_t doc, const uint32_t *positions, uint32_t tf, const uint32_t *lens,
           uint32_t n_docs, const char **why)
{
    size_t n = t->docs.len / 4;
    uint32_t prev = 0;
    if (n > 0) memcpy(&prev, t->docs.p + t->docs.len - 4, 4);
    if (doc >= n_docs || (n > 0 && doc <= prev) || tf == 0 || !positions) {
        *why = "posting out of order, doc out of range, or tf 0";
        return TRAWL_EARG;
    }
    int is_increasing = 1;
    if (tf > 1) { /* tf 1 has no gaps, and gaps.p may still be NULL */
        if (buf_reserve(&t->gaps, ((size_t)tf - 1) * 4) < 0) return TRAWL_ENOMEM;
        uint32_t *out = (uint32_t *)(void *)(t->gaps.p + t->gaps.len);
        for (uint32_t i = 1; i < tf; i++) {
            is_increasing &= positions[i] > positions[i - 1];
            out[i - 1] = positions[i] - positions[i - 1] - 1;
        }
    }
    /* increasing, so all are below the length if the last one is */
    if (!is_increasing || positions[tf - 1] >= lens[doc]) {
        *why = "positions not increasing or not below the document length";
        return TRAWL_EARG;
    }
    t->gaps.len += ((size_t)tf - 1) * 4;
    buf_put_u32(&t->firsts, positions[0]);
    buf_put_u32(&t->docs, doc);
    buf_put_u32(&t->tfs, tf);
    if (t->docs.oom || t->tfs.oom || t->firsts.oom) return TRAWL_ENOMEM;
    t->cf += tf;
    return TRAWL_OK;
}

int te_end(term_enc *t, const uint32_t *lens, double avgdl, te_list *out, const char **why)
{
    size_t df = t->docs.len / 4, nb = (df + FMT_BLOCK_DOCS - 1) / FMT_BLOCK_DOCS, gap_i = 0;
    int rc = TRAWL_OK;
    if (df == 0) {
        *why = "term without documents";
        return TRAWL_EARG;
    }
    t->blocks.len = t->skips.len = t->pblocks.len = t->imps.len = 0;
    for (size_t b = 0; b < nb && rc == TRAWL_OK; b++)
        rc = te_encode_block(t, lens, avgdl > 0 ? avgdl : 1.0, b, &gap_i);
    if (rc == TRAWL_EARG) *why = "a term list exceeds 4 GiB";
    if (rc != TRAWL_OK) return rc;
    memset(out, 0, sizeof *out);
    out->df = (uint32_t)df;
    out->n_blocks = (uint32_t)nb;
    out->cf = t->cf;
    out->min_len = UINT32_MAX;
    for (size_t b = 0; b < nb; b++) {
        fmt_skip sk;
        memcpy(&sk, t->skips.p + b * sizeof sk, sizeof sk);
        out->max_tf = sk.max_tf > out->max_tf ? sk.max_tf : out->max_tf;
        out->min_len = sk.min_len < out->min_len ? sk.min_len : out->min_len;
    }
    /* The impact table follows the skip table (format version 3). */
    buf_put(&t->skips, t->imps.p, t->imps.len);
    if (t->skips.oom) return TRAWL_ENOMEM;
    out->skips = t->skips.p;
    out->skips_len = t->skips.len;
    out->blocks = t->blocks.p;
    out->blocks_len = t->blocks.len;
    out->pos = t->pblocks.p;
    out->pos_len = t->pblocks.len;
    return TRAWL_OK;
}

/* A record: its numbers, then the skips, blocks and positions. */
typedef struct te_rec {
    uint32_t df, max_tf, min_len, n_blocks;
    uint64_t cf, skips_len, blocks_len, pos_len;
} te_rec;

int te_put_record(buf *out, const te_list *l)
{
    te_rec r = {l->df, l->max_tf,    l->min_len,    l->n_blocks,
                l->cf, l->skips_len, l->blocks_len, l->pos_len};
    buf_put(out, &r, sizeof r);
    buf_put(out, l->skips, l->skips_len);
    buf_put(out, l->blocks, l->blocks_len);
    buf_put(out, l->pos, l->pos_len);
    return out->oom ? -1 : 0;
}

void te_get_record(const uint8_t **p, te_list *l)
{
    te_rec r;
    const uint8_t *q = *p;
    memcpy(&r, q, sizeof r);
    q += sizeof r;
    *l = (te_list){r.df,
                   r.max_tf,
                   r.min_len,
                   r.n_blocks,
                   r.cf,
                   q,
                   q + r.skips_len,
                   q + r.skips_len + r.blocks_len,
                   r.skips_len,
                   r.blocks_len,
                   r.pos_len};
    *p = q + r.skips_len + r.blocks_len + r.pos_len;
}
