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
    return 0;
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
 * else of its parent, and so on up. */
static size_t lev_hint(const lev *l, const uint8_t *term, uint32_t dead, uint8_t *hint)
{
    for (uint32_t d = dead; d-- > 0;) {
        size_t n = lev_next_child(l, d, l->cand[d + 1], hint + l->cend[d]);
        if (n) {
            memcpy(hint, term, l->cend[d]);
            return l->cend[d] + n;
        }
    }
    return LEV_END;
}

size_t lev_visit(lev *l, const uint8_t *term, size_t len, size_t lcp, uint32_t *dist, uint8_t *hint)
{
    uint32_t keep = lcp < l->depth ? (uint32_t)lcp : l->depth;
    *dist = UINT32_MAX;
    /* Rows of characters lying wholly inside the shared bytes are the same as last time: as many
     * as shared bytes while they are all ASCII, else counted. */
    if (keep > l->ascii) {
        keep = l->ascii;
        while (keep < l->depth && l->cend[keep + 1] <= lcp)
            keep++;
    }
    if (l->dead && keep >= l->dead) { /* the last candidate's hopeless prefix again */
        l->depth = l->dead;
        return lev_hint(l, term, l->dead, hint);
    }
    l->dead = 0;
    if (l->ascii > keep) l->ascii = keep;
    size_t i = l->cend[keep];
    uint32_t d = keep;
    while (i < len && d < l->max_rows) {
        d++;
        if (term[i] < 0x80) {
            l->cand[d] = term[i++];
            l->ascii += l->ascii == d - 1;
        } else {
            l->cand[d] = lev_next_char(term, len, &i);
        }
        l->cend[d] = (uint32_t)i;
        l->rmin[d] = lev_row(l, d, l->cand[d]);
        if (l->rmin[d] > l->k) {
            l->depth = l->dead = d;
            return lev_hint(l, term, d, hint);
        }
    }
    l->depth = d;
    if (i == len && l->rows[d][l->m] <= l->k) *dist = l->rows[d][l->m];
    memcpy(hint, term, len); /* alive: every extension of it may be wanted */
    return len;
}
