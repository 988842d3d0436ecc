/* levenshtein: restricted Damerau-Levenshtein rows over code points, one row per candidate
 * character, kept across candidates that share a prefix (levenshtein.h has the picture). */
#include "levenshtein.h"

#include <string.h>

/* One character of s[*i..len): its code point, *i moved past it. A byte that does not start a
 * well-formed sequence is a character of its own (0x110000 + byte, no real code point), so a
 * damaged term still compares deterministically. */
static uint32_t lev_next_char(const uint8_t *s, size_t len, size_t *i)
{
    uint8_t c = s[*i];
    uint32_t n, cp;
    if (c < 0x80) {
        (*i)++;
        return c;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 1;
        cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 2;
        cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 3;
        cp = c & 0x07u;
    } else {
        (*i)++;
        return 0x110000u + c;
    }
    if (len - *i <= n) { /* the sequence runs past the end */
        (*i)++;
        return 0x110000u + c;
    }
    for (uint32_t k = 1; k <= n; k++) {
        uint8_t b = s[*i + k];
        if ((b & 0xC0) != 0x80) {
            (*i)++;
            return 0x110000u + c;
        }
        cp = cp << 6 | (b & 0x3Fu);
    }
    *i += n + 1;
    return cp;
}

static uint32_t lev_key(uint32_t c);

int lev_init(lev *l, const char *pat, size_t len, uint32_t k)
{
    const uint8_t *p = (const uint8_t *)pat;
    size_t i = 0;
    if (k > LEV_MAX_DIST) return -1;
    l->m = 0;
    while (i < len) {
        if (l->m == LEV_MAX_CHARS) return -1;
        l->pat[l->m] = lev_next_char(p, len, &i);
        l->pkey[l->m] = lev_key(l->pat[l->m]);
        l->m++;
    }
    l->k = k;
    l->depth = l->ascii = l->dead = 0;
    l->cend[0] = 0;
    /* Rows are computed only in the band |d - j| <= k (outside it the distance exceeds k), so
     * every other cell keeps k + 1 from here. A candidate dies by row m + k + 1. */
    l->max_rows = l->m + k + 1 < LEV_MAX_CHARS ? l->m + k + 1 : LEV_MAX_CHARS;
    for (uint32_t d = 0; d <= l->max_rows; d++)
        memset(l->rows[d], (int)k + 1, l->m + 1);
    for (uint32_t j = 0; j <= l->m && j <= k; j++)
        l->rows[0][j] = (uint8_t)j;
    l->rmin[0] = 0;
    l->bp = l->m <= LEV_BP_CHARS;
    if (l->bp) {
        memset(l->ascii_mask, 0, sizeof l->ascii_mask);
        l->n_other = 0;
        l->all = l->m == 63 ? UINT64_MAX : ((uint64_t)1 << (l->m + 1)) - 1;
        for (uint32_t j = 0; j < l->m; j++) {
            uint32_t c = l->pat[j], o = 0;
            if (c < 128) {
                l->ascii_mask[c] |= (uint64_t)1 << (j + 1);
                continue;
            }
            while (o < l->n_other && l->other[o] != c)
                o++;
            if (o == l->n_other) {
                l->other[l->n_other] = c;
                l->other_mask[l->n_other++] = 0;
            }
            l->other_mask[o] |= (uint64_t)1 << (j + 1);
        }
        for (uint32_t e = 0; e <= k; e++) /* row 0: cell j is j */
            l->bv[0][e] = (((uint64_t)1 << (e + 1)) - 1) & l->all;
    }
    return 0;
}

/* The mask of character c: bit j + 1 set where the pattern's character j is c. */
static inline uint64_t lev_mask(const lev *l, uint32_t c)
{
    if (c < 128) return l->ascii_mask[c];
    for (uint32_t o = 0; o < l->n_other; o++)
        if (l->other[o] == c) return l->other_mask[o];
    return 0;
}

/* Bit-vector row d for character c (rows d - 1 and d - 2 valid): returns the row's minimum
 * (k + 1 when every vector is empty). Vector i gains a cell from a match on the diagonal of
 * vector i, and from vector i - 1: the candidate's extra character (same column), a
 * substitution (next column), the pattern's extra character (next column of the new vector
 * i - 1) and a swap of two characters (two columns on from row d - 2). */
static uint8_t lev_row_bp(lev *l, uint32_t d, uint32_t c)
{
    const uint64_t *up = l->bv[d - 1], *up2 = d >= 2 ? l->bv[d - 2] : NULL;
    uint64_t *r = l->bv[d], bc = l->cmask[d] = lev_mask(l, c);
    uint64_t swap = up2 ? l->cmask[d - 1] & (bc << 1) : 0;
    uint8_t lo = (uint8_t)(l->k + 1);
    r[0] = (up[0] << 1) & bc & l->all;
    if (r[0]) lo = 0;
    for (uint32_t i = 1; i <= l->k; i++) {
        uint64_t v = ((up[i] << 1) & bc) | up[i - 1] | (up[i - 1] << 1) | (r[i - 1] << 1);
        if (up2) v |= (up2[i - 1] << 2) & swap;
        r[i] = v & l->all;
        if (r[i] && lo > i) lo = (uint8_t)i;
    }
    return lo;
}

/* Computes row d for character c of the candidate (rows d - 1 and d - 2 are valid), in the
 * band |d - j| <= k only. Cells are capped at k + 1: beyond that only "too far" matters.
 * Returns the row's minimum. */
static uint8_t lev_row(lev *l, uint32_t d, uint32_t c)
{
    const uint8_t *up = l->rows[d - 1], *up2 = d >= 2 ? l->rows[d - 2] : NULL;
    uint8_t *r = l->rows[d], cap = (uint8_t)(l->k + 1), lo = cap;
    uint32_t before = d >= 2 ? l->cand[d - 1] : 0, k = l->k;
    uint32_t j0 = d > k ? d - k : 1, j1 = d + k < l->m ? d + k : l->m;
    if (d <= k) r[0] = lo = (uint8_t)d;
    for (uint32_t j = j0; j <= j1; j++) {
        uint32_t v = up[j - 1] + (c != l->pat[j - 1]);     /* substitution or match */
        if ((uint32_t)up[j] + 1 < v) v = up[j] + 1u;       /* the candidate has one more */
        if ((uint32_t)r[j - 1] + 1 < v) v = r[j - 1] + 1u; /* the pattern has one more */
        if (up2 && j >= 2 && c == l->pat[j - 2] && before == l->pat[j - 1] &&
            (uint32_t)up2[j - 2] + 1 < v)
            v = up2[j - 2] + 1u; /* two adjacent characters swapped */
        r[j] = (uint8_t)(v < cap ? v : cap);
        if (r[j] < lo) lo = r[j];
    }
    return lo;
}

/* The bytes of character c of a candidate: its UTF-8, or the lone byte of an invalid one. */
static size_t lev_enc(uint32_t c, uint8_t *out)
{
    if (c >= 0x110000u) {
        out[0] = (uint8_t)(c - 0x110000u);
        return 1;
    }
    if (c < 0x80) {
        out[0] = (uint8_t)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (uint8_t)(0xC0 | c >> 6);
        out[1] = (uint8_t)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (uint8_t)(0xE0 | c >> 12);
        out[1] = (uint8_t)(0x80 | (c >> 6 & 0x3F));
        out[2] = (uint8_t)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | c >> 18);
    out[1] = (uint8_t)(0x80 | (c >> 12 & 0x3F));
    out[2] = (uint8_t)(0x80 | (c >> 6 & 0x3F));
    out[3] = (uint8_t)(0x80 | (c & 0x3F));
    return 4;
}

/* A character's bytes as a number ordered as the bytes are: big-endian, left-aligned, so a
 * lone invalid byte sorts before the sequences it starts. */
static uint32_t lev_key(uint32_t c)
{
    if (c < 0x80) return c << 24;
    uint8_t e[4] = {0, 0, 0, 0};
    lev_enc(c, e);
    return (uint32_t)e[0] << 24 | (uint32_t)e[1] << 16 | (uint32_t)e[2] << 8 | e[3];
}

/* The smallest character after the node of row d (the candidate's first d characters) that keeps
 * a row within k and sorts after the child just rejected (key `after`): with row d's minimum
 * below k any character does (the smallest is the rejected one's byte successor); at k only a
 * character continuing a diagonal of cells equal to k, or swapping back, does (cells outside the
 * band are k + 1). Writes its bytes to out; returns their number, or 0 if there is none. */
static size_t lev_next_child(const lev *l, uint32_t d, uint32_t rejected, uint8_t *out)
{
    uint32_t after = lev_key(rejected), best = UINT32_MAX, best_c = 0, k = l->k;
    if (l->rmin[d] < k) {
        size_t n = lev_enc(rejected, out);
        if (out[n - 1] == 0xFF) return 0;
        out[n - 1]++;
        return n;
    }
    if (l->bp) { /* cells j == k (j < m) continue with pattern character j; a swap back */
        uint64_t diag = l->bv[d][k] & ~((uint64_t)1 << l->m) & l->all;
        uint64_t swap = d >= 1 && k >= 1 ? (l->bv[d - 1][k - 1] << 2) & l->cmask[d] : 0;
        if (d >= 1 && k >= 1) diag &= ~l->bv[d][k - 1]; /* below k: any character (not here) */
        for (; diag; diag &= diag - 1) {
            uint32_t j = (uint32_t)__builtin_ctzll(diag);
            if (l->pkey[j] > after && l->pkey[j] < best) best = l->pkey[j], best_c = l->pat[j];
        }
        for (swap &= l->all; swap; swap &= swap - 1) {
            uint32_t j = (uint32_t)__builtin_ctzll(swap); /* >= 2: from pattern character j - 2 */
            if (l->pkey[j - 2] > after && l->pkey[j - 2] < best)
                best = l->pkey[j - 2], best_c = l->pat[j - 2];
        }
        return best == UINT32_MAX ? 0 : lev_enc(best_c, out);
    }
    uint32_t j0 = d + 1 > k ? d + 1 - k : 1, j1 = d + k + 1 < l->m ? d + k + 1 : l->m;
    for (uint32_t j = j0; j <= j1; j++) {
        if (l->rows[d][j - 1] == k && l->pkey[j - 1] > after && l->pkey[j - 1] < best) {
            best = l->pkey[j - 1];
            best_c = l->pat[j - 1];
        }
        if (d >= 1 && j >= 2 && l->cand[d] == l->pat[j - 1] && l->rows[d - 1][j - 2] < k &&
            l->pkey[j - 2] > after && l->pkey[j - 2] < best) {
            best = l->pkey[j - 2];
            best_c = l->pat[j - 2];
        }
    }
    return best == UINT32_MAX ? 0 : lev_enc(best_c, out);
}

/* After a candidate whose row `dead` is beyond k: the smallest string a candidate within k can
 * still start with (Lucene's nextString): the next acceptable sibling of the rejected character,
 * else of its parent, and so on up; written over term from the sibling's position on. */
static size_t lev_hint(const lev *l, uint8_t *term, uint32_t dead, size_t *keep)
{
    for (uint32_t d = dead; d-- > 0;) {
        uint32_t c = l->cand[d + 1], at = l->cend[d];
        if (c < 0x7F && l->rmin[d] < l->k) { /* any character: the next byte */
            term[at] = (uint8_t)(c + 1);
            *keep = at;
            return at + 1;
        }
        uint8_t next[4];
        size_t n = lev_next_child(l, d, c, next);
        if (n) {
            size_t same = 0;
            while (same < n && term[at + same] == next[same])
                same++;
            *keep = at + same;
            for (; same < n; same++) /* at most 4 bytes: no call */
                term[at + same] = next[same];
            return at + n;
        }
    }
    return LEV_END;
}

size_t lev_visit(lev *l, uint8_t *term, size_t len, size_t lcp, uint32_t *dist, size_t *keep)
{
    uint32_t reuse = lcp < l->depth ? (uint32_t)lcp : l->depth;
    *dist = UINT32_MAX;
    /* Rows of characters lying wholly inside the shared bytes are the same as last time: as many
     * as shared bytes while they are all ASCII, else counted. */
    if (reuse > l->ascii) {
        reuse = l->ascii;
        while (reuse < l->depth && l->cend[reuse + 1] <= lcp)
            reuse++;
    }
    if (l->dead && reuse >= l->dead) { /* the last candidate's hopeless prefix again */
        l->depth = l->dead;
        return lev_hint(l, term, l->dead, keep);
    }
    l->dead = 0;
    if (l->ascii > reuse) l->ascii = reuse;
    size_t i = l->cend[reuse];
    uint32_t d = reuse;
    while (i < len && d < l->max_rows) {
        d++;
        if (term[i] < 0x80) {
            l->cand[d] = term[i++];
            l->ascii += l->ascii == d - 1;
        } else {
            l->cand[d] = lev_next_char(term, len, &i);
        }
        l->cend[d] = (uint32_t)i;
        l->rmin[d] = l->bp ? lev_row_bp(l, d, l->cand[d]) : lev_row(l, d, l->cand[d]);
        if (l->rmin[d] > l->k) {
            l->depth = l->dead = d;
            return lev_hint(l, term, d, keep);
        }
    }
    l->depth = d;
    if (i == len && l->bp) {
        for (uint32_t e = 0; e <= l->k && *dist == UINT32_MAX; e++)
            if (l->bv[d][e] >> l->m & 1) *dist = e;
    } else if (i == len && l->rows[d][l->m] <= l->k) {
        *dist = l->rows[d][l->m];
    }
    *keep = len; /* alive: every extension of it may be wanted */
    return len;
}
