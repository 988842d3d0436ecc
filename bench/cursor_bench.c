/* cursor_bench: microbenchmark of the term cursor (common/term_cursor.h) on a synthetic
 * segment written with the real writer to a temporary directory: 1,000,000 documents of 32
 * tokens and three terms with 1,000,000 / 100,000 / 10,000 postings (every doc, every 10th,
 * every 100th), tf 1..4, positions spread over the document. Measures, per term:
 *   next      tc_next over the whole list                    ns per posting
 *   +freq     tc_next and tc_freq                            ns per posting
 *   seekN     tc_seek to the doc N postings ahead            ns per seek (N = 10, 100, 1000)
 *   +pos      tc_next, tc_freq and tc_positions              ns per posting
 * Each figure is the best of several repetitions (at least ~50 ms each). Prints a table.
 * Usage: cursor_bench [TMPDIR]   (default /tmp; the segment is deleted afterwards) */
#include "dict.h"
#include "segment.h"
#include "segment_writer.h"
#include "term_cursor.h"
#include "trawl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CB_DOCS    1000000u
#define CB_DOC_LEN 32u
#define CB_REPS    5
#define CB_MIN_NS  50000000.0 /* a repetition runs at least this long */

typedef struct cb_term {
    const char *name;
    uint32_t every; /**< the term is in every doc d with d % every == 0 */
} cb_term;

/* In byte order, as the writer requires. */
static const cb_term cb_terms[] = {{"t100k", 10}, {"t10k", 100}, {"t1m", 1}};
#define CB_N_TERMS (sizeof cb_terms / sizeof *cb_terms)

static volatile uint64_t cb_sink; /* keeps the loops' results alive */

static double cb_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint32_t cb_rng(uint64_t *state)
{
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(*state >> 33);
}

/* tf in 1..4 and that many increasing positions below CB_DOC_LEN, derived from (term, doc). */
static uint32_t cb_positions(uint32_t term, uint32_t doc, uint32_t *pos)
{
    uint64_t st = ((uint64_t)term << 32 | doc) * 0x9E3779B97F4A7C15ULL;
    uint32_t tf = 1 + cb_rng(&st) % 4;
    for (uint32_t j = 0; j < tf; j++)
        pos[j] = j * (CB_DOC_LEN / 4) + cb_rng(&st) % (CB_DOC_LEN / 4);
    return tf;
}

static int cb_write(const char *dir, err *e)
{
    segment_writer *w;
    int rc = sw_open(&w, dir, "bench.trw", 1, "none", 64, e);
    for (uint32_t d = 0; rc == TRAWL_OK && d < CB_DOCS; d++) {
        char id[16];
        int n = snprintf(id, sizeof id, "%" PRIu32, d);
        rc = sw_add_doc(w, id, (size_t)n, 0, CB_DOC_LEN, "x", 1, NULL);
    }
    for (uint32_t t = 0; rc == TRAWL_OK && t < CB_N_TERMS; t++) {
        rc = sw_term_begin(w, cb_terms[t].name, strlen(cb_terms[t].name));
        for (uint32_t d = 0; rc == TRAWL_OK && d < CB_DOCS; d += cb_terms[t].every) {
            uint32_t pos[4], tf = cb_positions(t, d, pos);
            rc = sw_term_doc(w, d, pos, tf);
        }
        if (rc == TRAWL_OK) rc = sw_term_end(w);
    }
    if (rc == TRAWL_OK) rc = sw_finish(w, NULL);
    sw_free(w);
    return rc;
}

enum { CB_NEXT, CB_FREQ, CB_SEEK10, CB_SEEK100, CB_SEEK1000, CB_POS, CB_N_MODES };

/* One pass over the list in mode; returns the operations done (postings or seeks). */
static uint64_t cb_pass(const segment *s, const term_info *ti, uint32_t every, int mode, err *e)
{
    term_cursor c;
    uint64_t ops = 0, acc = 0;
    if (tc_open(&c, s, ti, e) != TRAWL_OK) return 0;
    if (mode == CB_NEXT) {
        for (; c.doc != DOC_END; tc_next(&c), ops++)
            acc += c.doc;
    } else if (mode == CB_FREQ) {
        for (; c.doc != DOC_END; tc_next(&c), ops++)
            acc += tc_freq(&c);
    } else if (mode == CB_POS) {
        for (; c.doc != DOC_END; tc_next(&c), ops++) {
            const uint32_t *pos;
            uint32_t n;
            if (tc_positions(&c, &pos, &n) != TRAWL_OK) break;
            acc += pos[n - 1] + tc_freq(&c);
        }
    } else {
        uint32_t stride = mode == CB_SEEK10 ? 10 : mode == CB_SEEK100 ? 100 : 1000;
        for (; c.doc != DOC_END; ops++)
            acc += tc_seek(&c, c.doc + stride * every);
    }
    cb_sink += acc;
    if (c.rc != TRAWL_OK) ops = 0;
    tc_close(&c);
    return ops;
}

/* Best ns per operation over CB_REPS repetitions of enough passes to last CB_MIN_NS. */
static double cb_measure(const segment *s, const term_info *ti, uint32_t every, int mode, err *e)
{
    double best = 1e300;
    for (int r = 0; r < CB_REPS; r++) {
        uint64_t ops = 0;
        double t0 = cb_now_ns(), t1;
        do {
            uint64_t n = cb_pass(s, ti, every, mode, e);
            if (n == 0) return -1;
            ops += n;
            t1 = cb_now_ns();
        } while (t1 - t0 < CB_MIN_NS);
        double per = (t1 - t0) / (double)ops;
        best = per < best ? per : best;
    }
    return best;
}

static int cb_run(const char *path, err *e)
{
    static const char *const heads[] = {"next", "+freq", "seek10", "seek100", "seek1000", "+pos"};
    segment *s;
    if (segment_open(&s, path, "bench.trw", 1, e) != TRAWL_OK) return e->rc;
    printf("term cursor, %u docs; next/+freq/+pos: ns per posting; seekN: ns per seek\n\n",
           CB_DOCS);
    printf("%-8s %9s", "term", "postings");
    for (int m = 0; m < CB_N_MODES; m++)
        printf(" %9s", heads[m]);
    printf("\n");
    for (uint32_t t = 0; t < CB_N_TERMS; t++) {
        term_info ti;
        const char *name = cb_terms[t].name;
        if (dict_find(s, name, strlen(name), &ti, e) != 1) break;
        printf("%-8s %9" PRIu32, name, ti.df);
        for (int m = 0; m < CB_N_MODES; m++) {
            double ns = cb_measure(s, &ti, cb_terms[t].every, m, e);
            printf(" %9.2f", ns);
            fflush(stdout);
        }
        printf("\n");
    }
    printf("\nsegment: %" PRIu64 " bytes\n", segment_file_bytes(s));
    segment_close(s);
    return e->rc;
}

int main(int argc, char **argv)
{
    char dir[4096], path[4200];
    err e;
    err_init(&e);
    snprintf(dir, sizeof dir, "%s/trawl-cursor-bench-XXXXXX", argc > 1 ? argv[1] : "/tmp");
    if (!mkdtemp(dir)) {
        perror(dir);
        return 1;
    }
    snprintf(path, sizeof path, "%s/bench.trw", dir);
    double t0 = cb_now_ns();
    int rc = cb_write(dir, &e);
    if (rc == TRAWL_OK) {
        printf("wrote the segment in %.2f s\n", (cb_now_ns() - t0) / 1e9);
        rc = cb_run(path, &e);
    }
    if (rc != TRAWL_OK) fprintf(stderr, "cursor_bench: %s: %s\n", trawl_strerror(rc), e.msg);
    unlink(path);
    rmdir(dir);
    return rc == TRAWL_OK ? 0 : 1;
}
