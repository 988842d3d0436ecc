/* batch: see batch.h. Record formats (one JSON object a line):
 *   {"type":"query","line":3,"query":"rafah","count":5,"exact":true,"us":41.2,"hits":[{"rank":1,
 *    "id":"..","score":2.31,"date":"2024-03-21","snippet":"..","highlights":[[12,5]],
 *    "highlights_cp":[[12,5]]},...]}
 *   {"type":"query","line":4,"query":"(x","error":{"code":"TRAWL_EQUERY","message":"..",
 *    "column":1}}
 *   {"type":"summary","summary":true,"queries":200,"errors":0,"warmup":1,"p50_us":..,"p95_us":..,
 *    "p99_us":..,"mean_us":..,"qps":..,"wall_s":..}            (with timing, last)
 * "us" is the latency of one query as an embedding program sees it: trawl_search_run plus
 * reading its hits (and snippets unless turned off), not the printing. */
#include "batch.h"

#include "out.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct batch_line {
    char *text;    /**< the query, without its newline (malloc) */
    uint32_t line; /**< 1-based line number in the file */
} batch_line;

typedef struct batch_file {
    batch_line *lines;
    size_t n, cap;
} batch_file;

static double batch_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void batch_file_free(batch_file *bf)
{
    for (size_t i = 0; i < bf->n; i++)
        free(bf->lines[i].text);
    free(bf->lines);
}

/* 1 if the line holds only white space (nothing to search for). */
static int batch_blank(const char *t)
{
    for (; *t; t++)
        if (*t != ' ' && *t != '\t' && *t != '\r') return 0;
    return 1;
}

static int batch_push(batch_file *bf, char *text, uint32_t line)
{
    if (bf->n == bf->cap) {
        size_t cap = bf->cap ? 2 * bf->cap : 256;
        batch_line *nl = realloc(bf->lines, cap * sizeof *nl);
        if (!nl) return -1;
        bf->lines = nl;
        bf->cap = cap;
    }
    bf->lines[bf->n].text = text;
    bf->lines[bf->n].line = line;
    bf->n++;
    return 0;
}

/* Reads every non-blank line of path ("-" = stdin) into bf. Returns 0 or -1 (message printed).
 * All lines are read first so that warm-up passes and the timed pass see the same queries. */
static int batch_read(const char *path, batch_file *bf)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    char *l = NULL;
    size_t cap = 0;
    ssize_t n;
    uint32_t no = 0;
    int rc = 0;
    if (!f) {
        fprintf(stderr, "trawl-search: error: %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (rc == 0 && (n = getline(&l, &cap, f)) >= 0) {
        no++;
        while (n > 0 && (l[n - 1] == '\n' || l[n - 1] == '\r'))
            l[--n] = '\0';
        if (batch_blank(l)) continue;
        char *copy = strdup(l);
        if (!copy || batch_push(bf, copy, no) != 0) {
            free(copy);
            fprintf(stderr, "trawl-search: error: out of memory reading %s\n", path);
            rc = -1;
        }
    }
    if (rc == 0 && ferror(f)) {
        fprintf(stderr, "trawl-search: error: reading %s: %s\n", path, strerror(errno));
        rc = -1;
    }
    free(l);
    if (f != stdin) fclose(f);
    return rc;
}

/* Prints hit i's object (f may be NULL: print nothing). */
static void batch_print_hit(FILE *f, const batch_opts *b, size_t i, const trawl_hit *h,
                            const trawl_snippet *sn)
{
    if (!f) return;
    fprintf(f, "%s{\"rank\":%zu,\"id\":\"", i ? "," : "", (size_t)b->opt.offset + i + 1);
    out_json_str(f, h->id, h->id_len);
    fprintf(f, "\",\"score\":%.10g,\"date\":", h->score);
    out_date(f, h->date, 1);
    if (sn) {
        fputs(",\"snippet\":\"", f);
        out_json_str(f, sn->text, sn->len);
        fputs("\",", f);
        out_json_highlights(f, sn);
    }
    fputc('}', f);
}

static void batch_print_error(FILE *f, const trawl_search *s, int rc)
{
    const char *msg = trawl_search_errmsg(s);
    fprintf(f, ",\"error\":{\"code\":\"%s\",\"message\":\"", trawl_errname(rc));
    out_json_str(f, msg, strlen(msg));
    fprintf(f, "\",\"column\":%u}}\n", trawl_search_error_column(s));
}

/* Runs query bl and prints its record to f (NULL: a warm-up, nothing printed). Hits are printed
 * as they are fetched; *us sums only the library calls (run, hit, snippet), so the printing is
 * not part of the latency. Returns the library's code. */
static int batch_one(FILE *f, const batch_opts *b, trawl_search *s, const batch_line *bl,
                     double *us)
{
    trawl_options o = b->opt;
    trawl_hit h;
    trawl_snippet sn;
    int listed = 0; /* "hits":[ is open in f */
    if (b->count_only) {
        o.count_only = 1;
        o.limit = 0;
    }
    double t0 = batch_now_us();
    int rc = trawl_search_run(s, bl->text, &o);
    *us = batch_now_us() - t0;
    if (f) {
        fprintf(f, "{\"type\":\"query\",\"line\":%u,\"query\":\"", bl->line);
        out_json_str(f, bl->text, strlen(bl->text));
        fputc('"', f);
        listed = rc == TRAWL_OK && !b->count_only;
        if (rc == TRAWL_OK)
            fprintf(f, ",\"count\":%llu,\"exact\":%s%s", (unsigned long long)trawl_search_count(s),
                    trawl_search_count_is_exact(s) ? "true" : "false",
                    b->count_only ? "" : ",\"hits\":[");
    }
    for (size_t i = 0; rc == TRAWL_OK && !b->count_only; i++) {
        t0 = batch_now_us();
        rc = trawl_search_hit(s, i, &h);
        if (rc == TRAWL_OK && !b->no_snippets)
            rc = trawl_search_snippet(s, i, b->snippet_bytes, &sn);
        *us += batch_now_us() - t0;
        if (rc == TRAWL_OK) batch_print_hit(f, b, i, &h, b->no_snippets ? NULL : &sn);
    }
    if (rc == TRAWL_ENOTFOUND) rc = TRAWL_OK;
    if (!f) return rc;
    if (rc != TRAWL_OK) {
        /* an error after some hits (a damaged record) ends the list before the error */
        if (listed) fputc(']', f);
        batch_print_error(f, s, rc);
        return rc;
    }
    fputs(listed ? "]" : "", f);
    if (b->timing) fprintf(f, ",\"us\":%.3f", *us);
    fputs("}\n", f);
    return rc;
}

static int batch_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[0..n), as bench/report.py computes it. */
static double batch_pct(const double *v, size_t n, double p)
{
    size_t k = (size_t)ceil(p / 100.0 * (double)n);
    return v[k > 0 ? k - 1 : 0];
}

static void batch_summary(const batch_opts *b, double *us, size_t n_ok, size_t n, size_t n_err,
                          double wall_us)
{
    double sum = 0;
    for (size_t i = 0; i < n_ok; i++)
        sum += us[i];
    qsort(us, n_ok, sizeof *us, batch_cmp_double);
    printf("{\"type\":\"summary\",\"summary\":true,\"queries\":%zu,\"errors\":%zu,\"warmup\":%u", n,
           n_err, b->warmup);
    if (n_ok) {
        double mean = sum / (double)n_ok;
        printf(",\"p50_us\":%.3f,\"p95_us\":%.3f,\"p99_us\":%.3f,\"mean_us\":%.3f,\"qps\":%.1f",
               batch_pct(us, n_ok, 50), batch_pct(us, n_ok, 95), batch_pct(us, n_ok, 99), mean,
               1e6 / mean);
    }
    printf(",\"wall_s\":%.6f}\n", wall_us / 1e6);
}

/* The timed pass: every query once, its record printed right after it. */
static int batch_pass(const batch_opts *b, trawl_search *s, const batch_file *bf, double *us)
{
    size_t n_ok = 0, n_err = 0;
    double t_start = batch_now_us(), t;
    for (size_t i = 0; i < bf->n; i++) {
        int rc = batch_one(stdout, b, s, &bf->lines[i], &t);
        if (rc == TRAWL_OK && us) us[n_ok] = t;
        n_ok += rc == TRAWL_OK;
        n_err += rc != TRAWL_OK;
    }
    if (b->timing) batch_summary(b, us, n_ok, bf->n, n_err, batch_now_us() - t_start);
    return n_err ? 1 : 0;
}

int batch_run(const batch_opts *b, trawl_search *s)
{
    batch_file bf = {0};
    double t;
    if (batch_read(b->path, &bf) != 0) {
        batch_file_free(&bf);
        return 1;
    }
    for (uint32_t w = 0; w < b->warmup; w++)
        for (size_t i = 0; i < bf.n; i++)
            batch_one(NULL, b, s, &bf.lines[i], &t);
    double *us = b->timing ? malloc((bf.n ? bf.n : 1) * sizeof *us) : NULL;
    int rc = 1;
    if (b->timing && !us)
        fprintf(stderr, "trawl-search: error: out of memory for %zu timings\n", bf.n);
    else
        rc = batch_pass(b, s, &bf, us);
    free(us);
    batch_file_free(&bf);
    return rc;
}
