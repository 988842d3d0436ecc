/* stats: the --stats report (see stats.h). Totals come from the library (trawl_index_stats, over
 * live documents), the per-segment lines from the manifest and each segment's header. */
#include "stats.h"

#include "manifest.h"
#include "segment.h"
#include "trawl.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

const char *stats_num(uint64_t v, char *out, size_t cap)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%" PRIu64, v);
    size_t o = 0;
    for (int i = 0; i < n && o + 2 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0) out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    return out;
}

/* Bytes of dir/name, 0 if it cannot be stat'ed. */
static uint64_t stats_size(const char *dir, const char *name)
{
    char path[PATH_MAX];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* One line per segment: name, documents, deleted, terms, bytes (and its live file's). */
static void stats_segments(FILE *f, const char *dir, const manifest *m)
{
    char a[32], b[32], c[32], d[32];
    fprintf(f, "segments:   %zu\n", m->n_segs);
    for (size_t i = 0; i < m->n_segs; i++) {
        const manifest_seg *ms = &m->segs[i];
        char path[PATH_MAX];
        segment *seg = NULL;
        err e;
        err_init(&e);
        snprintf(path, sizeof path, "%s/%s", dir, ms->name);
        uint64_t terms =
            segment_open(&seg, path, ms->name, ms->id, &e) == TRAWL_OK ? segment_n_terms(seg) : 0;
        segment_close(seg);
        fprintf(f, "  %s  %s documents, %s deleted, %s terms, %s bytes", ms->name,
                stats_num(ms->n_docs, a, sizeof a), stats_num(ms->n_deleted, b, sizeof b),
                stats_num(terms, c, sizeof c), stats_num(stats_size(dir, ms->name), d, sizeof d));
        if (ms->liv[0])
            fprintf(f, " (+ %s, %s bytes)", ms->liv,
                    stats_num(stats_size(dir, ms->liv), a, sizeof a));
        fputc('\n', f);
    }
}

static void stats_totals(FILE *f, const char *dir, const manifest *m, const trawl_stats *st)
{
    char a[32], b[32];
    uint64_t deleted = 0;
    for (size_t i = 0; i < m->n_segs; i++)
        deleted += m->segs[i].n_deleted;
    fprintf(f, "index:      %s (generation %" PRIu64 ", manifest version %" PRIu32 ")\n", dir,
            m->generation, m->version);
    fprintf(f, "documents:  %s live, %s deleted (dropped by the next merge)\n",
            stats_num(st->n_docs, a, sizeof a), stats_num(deleted, b, sizeof b));
    fprintf(f, "tokens:     %s in live documents\n", stats_num(st->total_tokens, a, sizeof a));
    fprintf(f, "terms:      %s (summed over segments%s)\n", stats_num(st->n_terms, a, sizeof a),
            m->phrase_grams ? ", grams included" : "");
    fprintf(f, "analyzer:   stemmer %s, tokens up to %" PRIu32 " bytes%s\n", st->language,
            m->max_token_len, m->phrase_grams ? ", with phrase grams (docs/FORMAT.md)" : "");
    fprintf(f, "size:       %s bytes in segments, %s of them stored text\n",
            stats_num(st->index_bytes, a, sizeof a), stats_num(st->stored_bytes, b, sizeof b));
}

int stats_print(FILE *f, const char *dir)
{
    char errbuf[1024];
    trawl_index *idx = NULL;
    trawl_stats st;
    manifest m;
    err e;
    err_init(&e);
    manifest_init(&m);
    int rc = trawl_index_open(&idx, &dir, 1, errbuf, sizeof errbuf);
    if (rc == TRAWL_OK && manifest_read(&m, dir, &e) != TRAWL_OK) {
        rc = e.rc;
        snprintf(errbuf, sizeof errbuf, "%s", e.msg);
    }
    if (rc != TRAWL_OK) {
        fprintf(stderr, "trawl-index: error: %s\n", errbuf);
        trawl_index_close(idx);
        manifest_free(&m);
        return 1;
    }
    trawl_index_stats(idx, &st);
    stats_totals(f, dir, &m, &st);
    stats_segments(f, dir, &m);
    fprintf(f, "roots:      %zu\n", m.n_roots);
    for (size_t i = 0; i < m.n_roots; i++)
        fprintf(f, "  %" PRIu32 "  %s\n", m.roots[i].id, m.roots[i].path);
    trawl_index_close(idx);
    manifest_free(&m);
    return 0;
}
