/* trawl-index: command-line front end of build.c and of trawl_index_check. Parses flags, shows
 * progress on a terminal, prints warnings, errors and the summary; does no indexing itself. */
#include "build.h"
#include "corpus.h"
#include "trawl.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAIN_PROGRESS_NS 250000000LL /* progress refresh: about 4 times a second */

typedef struct main_progress {
    int is_on;        /**< stderr is a terminal and not --quiet */
    int64_t start_ns; /**< when indexing started */
    int64_t last_ns;  /**< last refresh */
    int is_drawn;     /**< a progress line is on screen */
} main_progress;

static int64_t main_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void main_usage(FILE *f)
{
    fputs("usage: trawl-index [options] -o INDEX_DIR PATH...\n"
          "       trawl-index --check INDEX_DIR\n"
          "Indexes text files (directories recursively) or JSON Lines files into INDEX_DIR.\n"
          "  -o, --index DIR       index directory (created if missing; new documents are\n"
          "                        added as a new segment)\n"
          "      --rebuild         replace the index instead of adding to it\n"
          "      --jsonl           inputs are JSON Lines, one document per line\n"
          "      --id-field F      JSONL id field (default id)\n"
          "      --text-field F    JSONL text field (default text)\n"
          "      --date-field F    JSONL date field, YYYY-MM-DD (default date)\n"
          "      --language NAME   stemmer language (default english; none = no stemming)\n"
          "      --max-token-len N longest token kept, in bytes (default 64, at most 255)\n"
          "      --memory MB       postings memory before spilling to disk (default 256)\n"
          "      --memory-bytes N  the same in bytes (for tests)\n"
          "      --threads N       1: one thread; 2 or more: compress stored text on a second\n"
          "                        thread (default min(2, CPUs); same index bytes either way)\n"
          "      --check DIR       verify every checksum and structure of an index\n"
          "  -q, --quiet           no progress and no summary\n"
          "  -h, --help            this help\n"
          "      --version         print the version\n",
          f);
}

static void main_warn(void *ctx, const char *msg)
{
    main_progress *p = ctx;
    if (p->is_drawn) {
        fputs("\r\033[K", stderr);
        p->is_drawn = 0;
    }
    fprintf(stderr, "trawl-index: warning: %s\n", msg);
}

static void main_progress_cb(void *ctx, uint64_t n_docs, uint64_t in_bytes)
{
    main_progress *p = ctx;
    if (!p->is_on) return;
    int64_t now = main_now_ns();
    if (now - p->last_ns < MAIN_PROGRESS_NS) return;
    p->last_ns = now;
    double mb = (double)in_bytes / 1e6, s = (double)(now - p->start_ns) / 1e9;
    fprintf(stderr, "\r%" PRIu64 " documents, %.1f MB, %.1f MB/s\033[K", n_docs, mb,
            s > 0 ? mb / s : 0.0);
    p->is_drawn = 1;
}

/* Formats v with thousands separators: 41234 -> "41,234". */
static const char *main_num(uint64_t v, char *out, size_t cap)
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

static void main_summary(const build_result *r, double secs)
{
    char a[32], b[32], c[32], d[32], e[32], f[32];
    printf("indexed %s document%s, %s tokens, %s distinct terms, %s index bytes (%s stored text), "
           "%.2f s",
           main_num(r->n_docs, a, sizeof a), r->n_docs == 1 ? "" : "s",
           main_num(r->tokens, b, sizeof b), main_num(r->n_terms, c, sizeof c),
           main_num(r->file_bytes, d, sizeof d), main_num(r->stored_bytes, e, sizeof e), secs);
    if (r->n_skipped) printf(", %s already indexed, skipped", main_num(r->n_skipped, f, sizeof f));
    putchar('\n');
}

static int main_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "trawl-index: error: ..." and returns code (2 adds a hint at --help). */
static int main_fail(int code, const char *fmt, ...)
{
    va_list ap;
    fputs("trawl-index: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (code == 2) fputs("try 'trawl-index --help'\n", stderr);
    return code;
}

/* --check DIR: exit status 0 when every check passes, 1 otherwise. */
static int main_check(const char *dir)
{
    char errbuf[1024];
    trawl_index *idx = NULL;
    trawl_stats st;
    int rc = trawl_index_open(&idx, &dir, 1, errbuf, sizeof errbuf);
    if (rc == TRAWL_OK) rc = trawl_index_check(idx, errbuf, sizeof errbuf);
    if (rc != TRAWL_OK) {
        trawl_index_close(idx);
        return main_fail(1, "%s", errbuf);
    }
    trawl_index_stats(idx, &st);
    printf("ok: %" PRIu32 " segment%s, %" PRIu64 " document%s\n", st.n_segments,
           st.n_segments == 1 ? "" : "s", st.n_docs, st.n_docs == 1 ? "" : "s");
    trawl_index_close(idx);
    return 0;
}

/* Parses a decimal in [lo, hi]; returns 0 or -1. */
static int main_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end;
    if (!*s || *s == '-') return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

enum {
    OPT_REBUILD = 256,
    OPT_JSONL,
    OPT_ID_FIELD,
    OPT_TEXT_FIELD,
    OPT_DATE_FIELD,
    OPT_LANGUAGE,
    OPT_MAX_TOKEN,
    OPT_MEMORY,
    OPT_MEMORY_BYTES,
    OPT_THREADS,
    OPT_CHECK,
    OPT_VERSION,
};

static const struct option main_opts[] = {
    {"index", required_argument, 0, 'o'},
    {"rebuild", no_argument, 0, OPT_REBUILD},
    {"jsonl", no_argument, 0, OPT_JSONL},
    {"id-field", required_argument, 0, OPT_ID_FIELD},
    {"text-field", required_argument, 0, OPT_TEXT_FIELD},
    {"date-field", required_argument, 0, OPT_DATE_FIELD},
    {"language", required_argument, 0, OPT_LANGUAGE},
    {"max-token-len", required_argument, 0, OPT_MAX_TOKEN},
    {"memory", required_argument, 0, OPT_MEMORY},
    {"memory-bytes", required_argument, 0, OPT_MEMORY_BYTES},
    {"threads", required_argument, 0, OPT_THREADS},
    {"check", required_argument, 0, OPT_CHECK},
    {"quiet", no_argument, 0, 'q'},
    {"help", no_argument, 0, 'h'},
    {"version", no_argument, 0, OPT_VERSION},
    {0, 0, 0, 0},
};

/* Applies one numeric option; returns 0 or -1 (bad value). */
static int main_num_opt(int c, const char *arg, build_opts *o)
{
    uint64_t v;
    if (c == OPT_MAX_TOKEN && main_uint(arg, 1, 255, &v) == 0)
        o->max_token_len = (uint32_t)v;
    else if (c == OPT_MEMORY && main_uint(arg, 1, SIZE_MAX >> 20, &v) == 0)
        o->memory_bytes = (size_t)v << 20;
    else if (c == OPT_MEMORY_BYTES && main_uint(arg, 1, SIZE_MAX, &v) == 0)
        o->memory_bytes = (size_t)v;
    else if (c == OPT_THREADS && main_uint(arg, 1, 64, &v) == 0)
        o->threads = (unsigned)v;
    else
        return -1;
    return 0;
}

/* Parses argv into o. Returns -1 to go on, or an exit status. */
static int main_parse(int argc, char **argv, build_opts *o, const char **check, int *quiet)
{
    int c;
    while ((c = getopt_long(argc, argv, "o:qh", main_opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            o->index_dir = optarg;
            break;
        case 'q':
            *quiet = 1;
            break;
        case 'h':
            main_usage(stdout);
            return 0;
        case OPT_VERSION:
            printf("trawl-index %s\n", TRAWL_VERSION);
            return 0;
        case OPT_REBUILD:
            o->rebuild = 1;
            break;
        case OPT_JSONL:
            o->is_jsonl = 1;
            break;
        case OPT_ID_FIELD:
            o->id_field = optarg;
            break;
        case OPT_TEXT_FIELD:
            o->text_field = optarg;
            break;
        case OPT_DATE_FIELD:
            o->date_field = optarg;
            break;
        case OPT_LANGUAGE:
            o->language = optarg;
            break;
        case OPT_CHECK:
            *check = optarg;
            break;
        case OPT_MAX_TOKEN:
        case OPT_MEMORY:
        case OPT_MEMORY_BYTES:
        case OPT_THREADS:
            if (main_num_opt(c, optarg, o) < 0) return main_fail(2, "bad number: %s", optarg);
            break;
        default:
            main_usage(stderr);
            return 2;
        }
    }
    return -1;
}

int main(int argc, char **argv)
{
    build_opts o;
    build_result r;
    main_progress p = {0};
    const char *check = NULL;
    int quiet = 0;
    err e;
    build_opts_init(&o);
    err_init(&e);
    int code = main_parse(argc, argv, &o, &check, &quiet);
    if (code >= 0) return code;
    if (check)
        return optind < argc ? main_fail(2, "--check takes only the index directory")
                             : main_check(check);
    if (!o.index_dir) return main_fail(2, "no index directory: give -o INDEX_DIR");
    if (optind >= argc) return main_fail(2, "no input paths");
    o.paths = (const char *const *)argv + optind;
    o.n_paths = (size_t)(argc - optind);
    if (corpus_check_paths(o.paths, o.n_paths, &e) < 0) return main_fail(2, "%s", e.msg);
    p.is_on = !quiet && isatty(STDERR_FILENO);
    p.start_ns = p.last_ns = main_now_ns();
    o.warn = main_warn;
    o.warn_ctx = &p;
    o.progress = main_progress_cb;
    o.progress_ctx = &p;
    int rc = build_run(&o, &r, &e);
    if (p.is_drawn) fputs("\r\033[K", stderr);
    if (rc != TRAWL_OK) return main_fail(1, "%s", e.msg);
    if (!quiet) main_summary(&r, (double)(main_now_ns() - p.start_ns) / 1e9);
    return 0;
}
