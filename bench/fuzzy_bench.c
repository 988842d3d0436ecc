/* fuzzy_bench: the fuzzy-term expansion of trawl on a real dictionary against a plain term
 * lookup (`make bench`, bench/README.md "Fuzzy terms"). For every word of the term class of the
 * drawn queries: the lookup of the term in every segment (dict_find), and fuzzy_expand at
 * distance 1 and 2 (the term tables' walks, merged); per word the minimum of R passes, then
 * p50 / p95 / max over the words. The one-time building of the term tables is timed apart.
 *
 *   fuzzy_bench --index DIR --queries F [--reps 5]       key=value lines on stdout */
#include "dict.h"
#include "fuzzy.h"
#include "index.h"
#include "termtab.h"
#include "trawl.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double fb_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static const char *fb_arg(int argc, char **argv, const char *name, const char *dflt)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0) return argv[i + 1];
    return dflt;
}

static int fb_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted v[0..n). */
static double fb_pct(const double *v, size_t n, double p)
{
    size_t k = (size_t)ceil(p / 100 * (double)n);
    return n ? v[k ? k - 1 : 0] : NAN;
}

/* The words of the "term" class (lower-case ASCII, as drawn: analysed as they are written). */
static size_t fb_words(const char *path, char ***out)
{
    FILE *in = fopen(path, "r");
    json_error_t je;
    json_t *j;
    size_t n = 0, cap = 0;
    char **v = NULL;
    if (!in) return 0;
    while ((j = json_loadf(in, JSON_DISABLE_EOF_CHECK, &je)) != NULL) {
        const char *q = json_string_value(json_object_get(j, "query"));
        const char *cls = json_string_value(json_array_get(json_object_get(j, "tags"), 0));
        if (q && cls && strcmp(cls, "term") == 0) {
            if (n == cap) v = realloc(v, (cap = cap ? 2 * cap : 256) * sizeof *v);
            v[n++] = strdup(q);
        }
        json_decref(j);
    }
    fclose(in);
    *out = v;
    return n;
}

int main(int argc, char **argv)
{
    const char *dir = fb_arg(argc, argv, "--index", NULL),
               *qp = fb_arg(argc, argv, "--queries", NULL);
    int reps = atoi(fb_arg(argc, argv, "--reps", "5"));
    char eb[512], **words = NULL;
    trawl_index *idx = NULL;
    if (!dir || !qp || reps < 1) {
        fprintf(stderr, "usage: fuzzy_bench --index DIR --queries F [--reps 5]\n");
        return 2;
    }
    const char *dirs[] = {dir};
    size_t n = fb_words(qp, &words);
    if (n == 0 || trawl_index_open(&idx, dirs, 1, eb, sizeof eb) != TRAWL_OK) {
        fprintf(stderr, "fuzzy_bench: %s\n", n ? eb : "no term queries");
        return 1;
    }
    arena a;
    err e;
    arena_init(&a);
    err_init(&e);
    exec x = {.idx = idx, .a = &a, .e = &e};
    uint64_t terms = 0;
    double t0 = fb_now_us();
    for (size_t s = 0; s < idx->n_segs; s++) {
        const termtab *t = termtab_get(idx->segs[s].seg, &e);
        terms += t ? termtab_n_terms(t) : 0;
    }
    double build_ms = (fb_now_us() - t0) / 1e3;
    double *us[3];
    size_t matches[3] = {0, 0, 0};
    for (int k = 0; k < 3; k++)
        us[k] = calloc(n, sizeof(double));
    for (size_t i = 0; i < n && e.rc == TRAWL_OK; i++) {
        uint32_t len = (uint32_t)strlen(words[i]);
        for (int k = 0; k < 3; k++) {
            double best = INFINITY;
            for (int r = 0; r < reps; r++) {
                fuzzy_term *v;
                size_t nv = 0;
                term_info ti;
                arena_reset(&a);
                double s0 = fb_now_us();
                if (k == 0)
                    for (size_t s = 0; s < idx->n_segs; s++)
                        dict_find(idx->segs[s].seg, words[i], len, &ti, &e);
                else
                    fuzzy_expand(&x, words[i], len, (uint32_t)k, &v, &nv);
                double d = fb_now_us() - s0;
                best = d < best ? d : best;
                if (r == 0) matches[k] += nv;
            }
            us[k][i] = best;
        }
    }
    if (e.rc != TRAWL_OK) {
        fprintf(stderr, "fuzzy_bench: %s\n", e.msg);
        return 1;
    }
    printf("terms=%llu\nwords=%zu\nreps=%d\ntable_build_ms=%.3f\n", (unsigned long long)terms, n,
           reps, build_ms);
    static const char *const names[3] = {"lookup", "fuzzy1", "fuzzy2"};
    for (int k = 0; k < 3; k++) {
        qsort(us[k], n, sizeof(double), fb_cmp);
        printf("%s_p50_us=%.2f\n%s_p95_us=%.2f\n%s_max_us=%.2f\n", names[k], fb_pct(us[k], n, 50),
               names[k], fb_pct(us[k], n, 95), names[k], us[k][n - 1]);
        if (k) printf("%s_mean_matches=%.1f\n", names[k], (double)matches[k] / (double)n);
        free(us[k]);
    }
    for (size_t i = 0; i < n; i++)
        free(words[i]);
    free(words);
    arena_free(&a);
    trawl_index_close(idx);
    return 0;
}
