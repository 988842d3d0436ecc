/* locate: a hit's printable path, and the line and column of its best snippet (see locate.h).
 *
 * Lines are counted in the stored text, which is the file's text with two differences the
 * indexer makes: a .gz file is stored decompressed and a Latin-1 one converted to UTF-8, which
 * change no line breaks (columns of a converted line count UTF-8 bytes); and a leading
 * "date YYYY-MM-DD" prefix is not stored. For a dated file document the file's first bytes are
 * read (through zlib, which reads plain files as they are) to find where the stored text
 * starts, and the lines and columns of the prefix are added. */
#include "locate.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define LOC_HEAD     4096 /* bytes of a dated file read to find the end of its date prefix */
#define LOC_NEEDLE   64   /* bytes of the stored text looked for in them */
#define LOC_LINE_MAX 4096 /* a longer matched line is cut around the match */

void loc_init(loc_ctx *lc, int is_absolute)
{
    memset(lc, 0, sizeof *lc);
    lc->is_absolute = is_absolute;
    lc->cwd = getcwd(NULL, 0);
}

void loc_free(loc_ctx *lc)
{
    free(lc->cwd);
    free(lc->path);
    free(lc->snip);
    free(lc->spans);
    free(lc->line);
}

/* Makes *p hold at least need bytes (cap its size). Returns 0 or -1. */
static int loc_reserve(void *pp, size_t *cap, size_t need, size_t elem)
{
    void **p = pp;
    if (need <= *cap) return 0;
    size_t n = *cap ? *cap : 256;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * elem);
    if (!q) return -1;
    *p = q;
    *cap = n;
    return 0;
}

/* The path to print for an absolute path: relative to the working directory when the file is
 * under it (so it opens from there, as ripgrep prints it), else the absolute path. */
static int loc_set_path(loc_ctx *lc, const char *abs, size_t len, loc *out)
{
    size_t cl = lc->cwd ? strlen(lc->cwd) : 0, skip = 0;
    if (!lc->is_absolute && cl > 0 && len > cl && memcmp(abs, lc->cwd, cl) == 0 &&
        (abs[cl] == '/' || lc->cwd[cl - 1] == '/'))
        skip = abs[cl] == '/' ? cl + 1 : cl;
    if (loc_reserve(&lc->path, &lc->path_cap, len - skip + 1, 1) < 0) return TRAWL_ENOMEM;
    memcpy(lc->path, abs + skip, len - skip);
    lc->path[len - skip] = '\0';
    out->path = lc->path;
    out->path_len = len - skip;
    return TRAWL_OK;
}

static int loc_set_id(loc_ctx *lc, const trawl_hit *h, loc *out)
{
    if (loc_reserve(&lc->path, &lc->path_cap, h->id_len + 1, 1) < 0) return TRAWL_ENOMEM;
    memcpy(lc->path, h->id, h->id_len);
    lc->path[h->id_len] = '\0';
    out->path = lc->path;
    out->path_len = h->id_len;
    return TRAWL_OK;
}

/* Copies the snippet *sn into lc, so that reading the stored text may reuse the library's. */
static int loc_copy_snippet(loc_ctx *lc, const trawl_snippet *sn, loc *out)
{
    if (loc_reserve(&lc->snip, &lc->snip_cap, sn->len + 1, 1) < 0 ||
        loc_reserve(&lc->spans, &lc->spans_cap, sn->n_spans + 1, sizeof *lc->spans) < 0)
        return TRAWL_ENOMEM;
    memcpy(lc->snip, sn->text, sn->len);
    if (sn->n_spans) memcpy(lc->spans, sn->spans, sn->n_spans * sizeof *sn->spans);
    out->sn = *sn;
    out->sn.text = lc->snip;
    out->sn.spans = lc->spans;
    return TRAWL_OK;
}

/* Where the stored text starts in the file at path: *lines newlines before it, and *col_shift
 * bytes on its first line before it. Both 0 when the file cannot be read or its first bytes do
 * not contain the text's start (the file changed since it was indexed). */
static void loc_prefix(const char *path, const char *text, size_t len, uint64_t *lines,
                       uint64_t *col_shift)
{
    char head[LOC_HEAD];
    size_t need = len < LOC_NEEDLE ? len : LOC_NEEDLE;
    *lines = *col_shift = 0;
    gzFile g = gzopen(path, "rb");
    if (!g) return;
    int n = gzread(g, head, sizeof head);
    gzclose(g);
    if (n <= 0 || need == 0) return;
    for (size_t p = 0; p + need <= (size_t)n; p++) {
        if (memcmp(head + p, text, need) != 0) continue;
        size_t line_start = 0;
        for (size_t k = 0; k < p; k++) {
            if (head[k] != '\n') continue;
            ++*lines;
            line_start = k + 1;
        }
        *col_shift = p - line_start;
        return;
    }
}

/* Fills the line, column and line text of the byte at off in text[0..len). */
static int loc_line(loc_ctx *lc, const char *text, size_t len, uint64_t off, loc *out)
{
    uint64_t line = 1;
    size_t start = 0, end, upto = off < len ? (size_t)off : len;
    /* memchr, not a byte loop: a match deep in a long document is a terminal search's
     * commonest case, and this scan runs for every hit shown. */
    for (const char *nl; (nl = memchr(text + start, '\n', upto - start)) != NULL;) {
        line++;
        start = (size_t)(nl - text) + 1;
    }
    const char *nl = off < len ? memchr(text + off, '\n', len - off) : NULL;
    end = nl ? (size_t)(nl - text) : len;
    if (end > start && text[end - 1] == '\r') end--;
    if (end - start > LOC_LINE_MAX) { /* a huge line: the part around the match */
        size_t from = off > start + LOC_LINE_MAX / 2 ? off - LOC_LINE_MAX / 2 : start;
        while (from > start && ((unsigned char)text[from] & 0xC0) == 0x80)
            from--;
        size_t to = from + LOC_LINE_MAX < end ? from + LOC_LINE_MAX : end;
        while (to < end && ((unsigned char)text[to] & 0xC0) == 0x80)
            to++;
        out->line_off = from;
        end = to;
    } else {
        out->line_off = start;
    }
    if (loc_reserve(&lc->line, &lc->line_cap, end - out->line_off + 1, 1) < 0) return TRAWL_ENOMEM;
    memcpy(lc->line, text + out->line_off, end - out->line_off);
    out->line_text = lc->line;
    out->line_len = end - out->line_off;
    out->line = line;
    out->col = off - start + 1;
    return TRAWL_OK;
}

/* The snippet of hit i and the line of its first match. */
static int loc_snippet(loc_ctx *lc, trawl_search *s, size_t i, const trawl_hit *h,
                       size_t snippet_bytes, loc *out)
{
    trawl_snippet sn;
    const char *text;
    size_t len;
    uint64_t lines = 0, shift = 0;
    int rc = trawl_search_snippet(s, i, snippet_bytes, &sn);
    if (rc == TRAWL_OK) rc = loc_copy_snippet(lc, &sn, out);
    if (rc == TRAWL_OK) rc = trawl_search_text(s, i, &text, &len);
    if (rc != TRAWL_OK) return rc;
    out->match_off = sn.doc_off + (sn.n_spans ? sn.spans[0].off : 0);
    rc = loc_line(lc, text, len, out->match_off, out);
    if (rc == TRAWL_OK && out->is_file && h->date) {
        const char *abs;
        size_t abs_len;
        if (trawl_search_hit_path(s, i, &abs, &abs_len) == TRAWL_OK)
            loc_prefix(abs, text, len, &lines, &shift);
        if (out->line == 1) out->col += shift;
        out->line += lines;
    }
    out->has_snippet = rc == TRAWL_OK;
    return rc;
}

int loc_hit(loc_ctx *lc, trawl_search *s, size_t i, const trawl_hit *h, int with_snippet,
            size_t snippet_bytes, loc *out)
{
    const char *abs;
    size_t abs_len;
    memset(out, 0, sizeof *out);
    int rc = trawl_search_hit_path(s, i, &abs, &abs_len);
    if (rc == TRAWL_ENOMEM) return rc;
    out->is_file = rc == TRAWL_OK;
    rc = out->is_file ? loc_set_path(lc, abs, abs_len, out) : loc_set_id(lc, h, out);
    if (rc == TRAWL_OK && with_snippet) rc = loc_snippet(lc, s, i, h, snippet_bytes, out);
    return rc;
}
