/* segbuild: one new segment from documents (contract in segbuild.h).
 *
 *   document ──► analyzer ──► postings buffer ──(over budget)──► .run-N.tmp (sorted)
 *        │                                                             │
 *        └──► stored text ──► zip ──► segment writer ◄── k-way merge ◄─┘
 *
 * With threads >= 2 the analyzer runs on the workers of an apool: documents come back in the
 * order they were added, as token streams that feed the postings buffer exactly as the
 * analyzer would have, so the file's bytes do not depend on the thread count. With no run
 * spilled, the sorted buffer goes straight to the writer (no run encoding, merge
 * heap or callback per posting); with runs and threads >= 2 their last merge runs by term
 * ranges on every thread (runmerge.c). Run files are deleted when the builder is freed. */
#include "segbuild.h"

#include "apool.h"
#include "fsx.h"
#include "merge.h"
#include "postings_buf.h"
#include "runmerge.h"
#include "spill.h"
#include "termpool.h"
#include "zip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct segbuild {
    sb_opts o;
    char dir[4096], name[64];
    err *e;
    analyzer *an;
    postings_buf *pb;
    segment_writer *sw;
    zip *z;
    apool *ap;       /**< NULL: analysis inline */
    char **runs;     /**< paths of the runs on disk, in doc order */
    spill_dir *dirs; /**< [n_runs] their directories (spill.h) */
    size_t n_runs, cap_runs;
    unsigned run_seq; /**< next run file number */
    uint32_t n_runs_total;
    uint32_t n_docs; /**< documents added */
    uint32_t n_done; /**< of which analysed into the postings buffer */
    uint64_t bytes;
    size_t pb_budget;   /**< postings buffer bytes before a spill (sb_share_memory) */
    size_t cache_bytes; /**< bound of each analyzer's stem cache */
    size_t zip_ring;    /**< bytes of stored text in flight to the zip thread (zip_new) */
};

static int sb_replay(void *ctx, const ap_doc *d);

static size_t sb_budget(const segbuild *b)
{
    return b->o.memory_bytes ? b->o.memory_bytes : SEGBUILD_DEFAULT_MEMORY;
}

/* Shares the budget out while documents are analysed: a quarter to the analyzers' stem caches
 * (each up to the analyzer's default), the analysis pool's batches what it says it needs, a
 * 64th to the stored text in flight to the zip thread (zip.h bounds it), the postings buffer
 * the rest but at least half. The final merge of runs has the whole budget: caches and pool are
 * gone by then (sb_finish). */
static void sb_share_memory(segbuild *b)
{
    size_t budget = sb_budget(b);
    size_t n_an = b->o.threads >= 2 ? (size_t)b->o.threads + 1 : 1; /* + the borrowed one */
    size_t cache = budget / 4 / n_an, other;
    if (cache < SEGBUILD_MIN_CACHE) cache = SEGBUILD_MIN_CACHE;
    if (cache > ANALYZER_DEFAULT_CACHE_BYTES) cache = ANALYZER_DEFAULT_CACHE_BYTES;
    other = n_an * cache;
    if (b->o.threads >= 2) {
        b->zip_ring = budget / 64;
        other += ap_mem_bytes(b->o.threads - 1) +
                 zip_ring_blocks(b->zip_ring) * 2 * (size_t)FMT_STORED_CUT;
    }
    b->cache_bytes = cache;
    b->pb_budget = other < budget / 2 ? budget - other : budget / 2;
}

int sb_open(segbuild **out, const sb_opts *o, analyzer *an, err *e)
{
    *out = NULL;
    segbuild *b = calloc(1, sizeof *b);
    if (!b) return err_set(e, TRAWL_ENOMEM, "out of memory");
    if (strlen(o->dir) >= sizeof b->dir || strlen(o->name) >= sizeof b->name) {
        free(b);
        return err_set(e, TRAWL_EARG, "%s: path too long", o->dir);
    }
    b->o = *o;
    strcpy(b->dir, o->dir);
    strcpy(b->name, o->name);
    b->o.dir = b->dir;
    b->o.name = b->name;
    b->e = e;
    b->an = an;
    sb_share_memory(b);
    analyzer_cache_limit(an, b->cache_bytes);
    int rc = pb_new(&b->pb, e);
    if (rc == TRAWL_OK)
        rc = sw_open(&b->sw, o->dir, o->name, o->seg_id, o->language, o->max_token_len, e);
    if (rc == TRAWL_OK) rc = zip_new(&b->z, b->sw, o->threads, b->zip_ring, e);
    if (rc == TRAWL_OK && o->threads >= 2)
        rc = ap_new(&b->ap, analyzer_language(an), analyzer_max_token_len(an), o->grams,
                    o->threads - 1, b->cache_bytes, sb_replay, b, e);
    if (rc != TRAWL_OK) {
        sb_free(b);
        return rc;
    }
    *out = b;
    return TRAWL_OK;
}

void sb_free(segbuild *b)
{
    if (!b) return;
    ap_free(b->ap);
    zip_free(b->z);
    sw_free(b->sw);
    for (size_t i = 0; i < b->n_runs; i++) {
        if (b->runs[i]) unlink(b->runs[i]);
        free(b->runs[i]);
        spill_dir_free(&b->dirs[i]);
    }
    free(b->runs);
    free(b->dirs);
    pb_free(b->pb);
    free(b);
}

uint32_t sb_n_docs(const segbuild *b)
{
    return b->n_docs;
}

uint64_t sb_bytes(const segbuild *b)
{
    return b->bytes;
}

/* Records a new run path (before writing it, so a failed write is still deleted). */
static int sb_new_run(segbuild *b, char *path, size_t cap)
{
    char name[128];
    snprintf(name, sizeof name, ".run-%s-%u.tmp", b->name, b->run_seq++);
    if (fsx_join(path, cap, b->dir, name, b->e) < 0) return b->e->rc;
    if (b->n_runs == b->cap_runs) {
        size_t c = b->cap_runs ? 2 * b->cap_runs : 16;
        char **r = realloc(b->runs, c * sizeof *r);
        if (r) b->runs = r;
        spill_dir *d = realloc(b->dirs, c * sizeof *d);
        if (d) b->dirs = d;
        if (!r || !d) return err_set(b->e, TRAWL_ENOMEM, "out of memory");
        b->cap_runs = c;
    }
    if (!(b->runs[b->n_runs] = strdup(path))) return err_set(b->e, TRAWL_ENOMEM, "out of memory");
    spill_dir_init(&b->dirs[b->n_runs]);
    b->n_runs++;
    return TRAWL_OK;
}

/* Spills the postings buffer as the next run. */
static int sb_spill(segbuild *b)
{
    char path[4096];
    int rc = sb_new_run(b, path, sizeof path);
    if (rc < 0) return rc;
    b->n_runs_total++;
    rc = spill_write(b->pb, path, &b->dirs[b->n_runs - 1], b->e);
    pb_clear(b->pb);
    return rc;
}

static int sb_token(void *ctx, const token *t)
{
    return pb_add(ctx, t->term, t->len, t->pos);
}

/* Ends an analysed document: its postings, doc table entry and stored text; a spill when the
 * postings buffer is over budget. */
static int sb_doc_end(segbuild *b, const char *id, size_t id_len, uint32_t date, const char *text,
                      size_t text_len, const fmt_src *src, uint32_t n_tokens, size_t n_invalid)
{
    if (pb_doc_end(b->pb, b->n_done) < 0)
        return err_set(b->e, TRAWL_ENOMEM, "out of memory in the postings buffer");
    int rc = sw_add_doc_meta(b->sw, id, id_len, date, n_tokens, text_len, src);
    if (rc == TRAWL_OK) rc = zip_put(b->z, text, text_len);
    if (rc < 0) return rc;
    b->n_done++;
    if (b->o.analysed) b->o.analysed(b->o.analysed_ctx, id, id_len, n_tokens, n_invalid);
    return pb_mem(b->pb) > b->pb_budget ? sb_spill(b) : TRAWL_OK;
}

/* A document the pool analysed, in the order it was added. */
static int sb_replay(void *ctx, const ap_doc *d)
{
    segbuild *b = ctx;
    const uint8_t *p = d->toks, *pos;
    const char *term;
    uint32_t len, tf;
    size_t n_pos;
    while (ap_next_posting(&p, d->toks_end, &term, &len, &tf, &pos, &n_pos))
        if (pb_add_posting(b->pb, term, len, b->n_done, tf, pos, n_pos) < 0)
            return err_set(b->e, TRAWL_ENOMEM, "%.*s: out of memory indexing it", (int)d->id_len,
                           d->id);
    return sb_doc_end(b, d->id, d->id_len, d->date, d->text, d->text_len, &d->src, d->n_tokens,
                      d->n_invalid);
}

int sb_add(segbuild *b, const char *id, size_t id_len, uint32_t date, const char *text,
           size_t text_len, const fmt_src *src, uint32_t *doc)
{
    uint32_t nt = 0;
    size_t ni = 0;
    if (b->n_docs >= SEGBUILD_MAX_DOCS || text_len > UINT32_MAX)
        return err_set(b->e, TRAWL_EARG, "%s: segment full (%u documents) or text over 4 GiB",
                       b->name, b->n_docs);
    int rc;
    if (b->ap) {
        rc = ap_put(b->ap, id, id_len, date, text, text_len, src);
    } else {
        gram_sink gs;
        void *ctx;
        analyzer_sink sink = gram_sink_for(&gs, b->o.grams, sb_token, b->pb, &ctx);
        rc = analyzer_run(b->an, text, text_len, 0, sink, ctx, &nt, &ni);
        if (rc < 0) return err_set(b->e, rc, "%.*s: out of memory analysing it", (int)id_len, id);
        rc = sb_doc_end(b, id, id_len, date, text, text_len, src, nt, ni);
    }
    if (rc < 0) return rc;
    *doc = b->n_docs++;
    b->bytes += text_len;
    return TRAWL_OK;
}

/* ---------------------------------------------------------------- merge */

static int sb_sw_begin(void *ctx, const char *term, size_t len)
{
    return sw_term_begin(ctx, term, len);
}

static int sb_sw_doc(void *ctx, uint32_t doc, const uint32_t *pos, uint32_t tf)
{
    return sw_term_doc(ctx, doc, pos, tf);
}

static int sb_sw_end(void *ctx)
{
    return sw_term_end(ctx);
}

/* Merges runs[first..first+n) into sink through file sources sharing the memory budget. */
static int sb_merge_files(segbuild *b, size_t first, size_t n, const merge_sink *sink)
{
    size_t bufsize = sb_budget(b) / (n + 1);
    bufsize = bufsize < 65536 ? 65536 : bufsize > (4u << 20) ? (4u << 20) : bufsize;
    spill_src **srcs = calloc(n, sizeof *srcs);
    int rc = srcs ? TRAWL_OK : err_set(b->e, TRAWL_ENOMEM, "out of memory merging runs");
    for (size_t i = 0; rc == TRAWL_OK && i < n; i++)
        rc = spill_src_file(&srcs[i], b->runs[first + i], bufsize, b->e);
    if (rc == TRAWL_OK) rc = merge_run(srcs, n, sink, NULL, b->e);
    for (size_t i = 0; srcs && i < n; i++)
        spill_src_free(srcs[i]);
    free(srcs);
    return rc;
}

/* Merges runs[g..g+n) into a new run file whose malloc'd path goes to *out, its directory to
 * *dir. On failure the new file is deleted; the input runs are left for the caller. */
static int sb_merge_group(segbuild *b, size_t g, size_t n, char **out, spill_dir *dir)
{
    char name[128], path[4096];
    spill_writer *w = NULL;
    snprintf(name, sizeof name, ".run-%s-%u.tmp", b->name, b->run_seq++);
    int rc = fsx_join(path, sizeof path, b->dir, name, b->e);
    if (rc == TRAWL_OK) rc = spill_writer_open(&w, path, b->e);
    merge_sink sink = merge_sink_run(w);
    if (rc == TRAWL_OK) rc = sb_merge_files(b, g, n, &sink);
    if (rc == TRAWL_OK) rc = spill_writer_finish(w, dir);
    spill_writer_free(w);
    if (rc == TRAWL_OK && !(*out = strdup(path))) rc = err_set(b->e, TRAWL_ENOMEM, "out of memory");
    if (rc < 0) unlink(path);
    return rc;
}

/* Merges groups of SEGBUILD_FANIN runs into single runs until at most that many are left.
 * Groups are consecutive, so the runs stay in document order. */
static int sb_merge_rounds(segbuild *b)
{
    while (b->n_runs > SEGBUILD_FANIN) {
        size_t n_next = 0, cap = b->n_runs / SEGBUILD_FANIN + 1;
        char **next = calloc(cap, sizeof *next);
        spill_dir *dirs = calloc(cap, sizeof *dirs);
        int rc = next && dirs ? TRAWL_OK : err_set(b->e, TRAWL_ENOMEM, "out of memory");
        for (size_t g = 0; rc == TRAWL_OK && g < b->n_runs; g += SEGBUILD_FANIN) {
            size_t n = b->n_runs - g < SEGBUILD_FANIN ? b->n_runs - g : SEGBUILD_FANIN;
            spill_dir_init(&dirs[n_next]);
            rc = sb_merge_group(b, g, n, &next[n_next], &dirs[n_next]);
            n_next += rc == TRAWL_OK;
        }
        /* On failure the new runs go; on success the old ones. */
        char **gone = rc == TRAWL_OK ? b->runs : next;
        spill_dir *gone_dirs = rc == TRAWL_OK ? b->dirs : dirs;
        size_t n_gone = rc == TRAWL_OK ? b->n_runs : n_next;
        for (size_t i = 0; i < n_gone; i++) {
            unlink(gone[i]);
            free(gone[i]);
            spill_dir_free(&gone_dirs[i]);
        }
        if (rc < 0) {
            free(next);
            free(dirs);
            return rc;
        }
        free(b->runs);
        free(b->dirs);
        b->runs = next;
        b->dirs = dirs;
        b->n_runs = n_next;
        b->cap_runs = cap;
    }
    return TRAWL_OK;
}

/* Nothing spilled: the postings buffer, sorted by sb_finish, goes straight to the segment
 * writer, its lists encoded on as many threads as documents were analysed with. */
static int sb_write_mem(segbuild *b)
{
    return tp_write(b->pb, b->sw, b->o.threads ? b->o.threads : 1, b->e);
}

/* Feeds every term, in byte order, to the segment writer. */
static int sb_terms(segbuild *b)
{
    merge_sink sink = {b->sw, sb_sw_begin, sb_sw_doc, sb_sw_end};
    int rc;
    if (b->n_runs == 0) return sb_write_mem(b);
    if (pb_n_terms(b->pb) > 0 && (rc = sb_spill(b)) < 0) return rc;
    pb_free(b->pb); /* its memory, and the stem cache's, go to the merge buffers */
    b->pb = NULL;
    analyzer_cache_drop(b->an);
    if ((rc = sb_merge_rounds(b)) < 0) return rc;
    if (b->o.threads >= 2) /* term ranges merged and encoded on every thread */
        return rm_write(b->runs, b->dirs, b->n_runs, b->sw, b->o.threads, sb_budget(b), b->e);
    return sb_merge_files(b, 0, b->n_runs, &sink);
}

int sb_finish(segbuild *b, sw_stats *st, uint32_t *n_runs)
{
    int rc = b->ap ? ap_flush(b->ap) : TRAWL_OK;
    if (rc == TRAWL_OK) {
        ap_free(b->ap); /* every document is in: its threads, batches and caches can go */
        b->ap = NULL;
    }
    /* With nothing spilled the terms are sorted first: meanwhile the zip thread compresses
     * the blocks still in flight, which zip_finish would otherwise wait for idly. */
    if (rc == TRAWL_OK && b->n_runs == 0) rc = pb_sort(b->pb, b->e);
    if (rc == TRAWL_OK) rc = zip_finish(b->z);
    if (rc == TRAWL_OK) rc = sb_terms(b);
    if (rc == TRAWL_OK) rc = sw_finish(b->sw, st);
    if (n_runs) *n_runs = b->n_runs_total;
    return rc;
}
