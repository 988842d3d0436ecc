/* terminal: what a terminal user waits for, the C half of bench/terminal.sh.
 *
 *   terminal spawn --runs N ::: CMD ARGS... [::: CMD ARGS...]
 *       runs each CMD (stdout and stderr to /dev/null) once untimed, then N rounds of all of
 *       them in turn; prints "K median_us min_us" per command (K from 1), wall time from fork
 *       to exit. Interleaving keeps the ratios fair on a busy machine.
 *   terminal snippets --index DIR --queries FILE [--reps R] [--out CSV]
 *       FILE: one query a line. Per query, R timed passes (after one untimed pass) of: a
 *       top-10 run (trawl_search_run, reading the hits), then, for each hit, what trawl-search
 *       does for path:line:column and the snippet line: trawl_search_snippet, then
 *       trawl_search_text and the newlines before the first match. A second pass of the same
 *       run inflates the texts alone (trawl_search_text), so analysis = snippet - inflate.
 *       Per query the minimum of the passes; prints the mean and median over queries of each
 *       part (run_us, snippet_us, inflate_us), and with --out one CSV row per query.
 *
 * bench/terminal.sh turns both outputs into key=value lines. */
#include "trawl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TM_TOP 10

static double tm_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int tm_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double tm_median(double *v, size_t n)
{
    if (n == 0) return 0;
    qsort(v, n, sizeof *v, tm_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static const char *tm_arg(int argc, char **argv, const char *name, const char *dflt)
{
    for (int i = 2; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0) return argv[i + 1];
    return dflt;
}

/* ------------------------------------------------------------------ spawn */

/* One run of argv with its output thrown away: microseconds from fork to its exit. */
static double tm_spawn_once(char **argv)
{
    double t0 = tm_now_us();
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0) return -1;
    double us = tm_now_us() - t0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) return -1; /* 1: no hits, still a run */
    return us;
}

#define TM_MAX_CMDS 16

/* Runs each command once untimed, then N rounds of each in turn, so a busy machine slows all
 * of them alike; one "K median_us min_us" line per command, K from 1. */
static int tm_spawn(int argc, char **argv)
{
    int runs = atoi(tm_arg(argc, argv, "--runs", "50")), n = 0;
    char **cmd[TM_MAX_CMDS];
    for (int k = 2; k < argc; k++)
        if (strcmp(argv[k], ":::") == 0) {
            argv[k] = NULL; /* ends the previous command's argv */
            if (k + 1 < argc && n < TM_MAX_CMDS) cmd[n++] = argv + k + 1;
        }
    if (n == 0 || runs < 1) {
        fprintf(stderr, "usage: terminal spawn --runs N ::: CMD ARGS... [::: CMD ARGS...]\n");
        return 2;
    }
    double *us = malloc((size_t)runs * n * sizeof *us);
    if (!us) return 1;
    for (int r = -1; r < runs; r++)
        for (int c = 0; c < n; c++) {
            double t = tm_spawn_once(cmd[c]);
            if (t < 0) {
                fprintf(stderr, "terminal spawn: %s failed\n", cmd[c][0]);
                free(us);
                return 1;
            }
            if (r >= 0) us[(size_t)c * runs + r] = t;
        }
    for (int c = 0; c < n; c++) {
        double *v = us + (size_t)c * runs;
        double med = tm_median(v, (size_t)runs);
        printf("%d %.1f %.1f\n", c + 1, med, v[0]);
    }
    free(us);
    return 0;
}

/* ------------------------------------------------------------------ snippets */

typedef struct tm_times {
    double run, snippet, inflate; /**< microseconds */
    size_t hits;
} tm_times;

/* The newlines before byte off of text, as locate.c counts them for a line number. */
static size_t tm_lines(const char *text, size_t len, size_t off)
{
    size_t n = 0;
    for (const char *p = text, *end = text + (off < len ? off : len);
         (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
        n++;
    return n;
}

/* One pass of query q: the run, the snippets with their line numbers, then the texts alone. */
static int tm_pass(trawl_search *s, const trawl_options *o, const char *q, tm_times *t,
                   size_t *sink)
{
    trawl_hit h;
    trawl_snippet sn;
    const char *text;
    size_t len;
    double t0 = tm_now_us();
    int rc = trawl_search_run(s, q, o);
    size_t n = 0;
    while (rc == TRAWL_OK && n < TM_TOP && trawl_search_hit(s, n, &h) == TRAWL_OK)
        n++;
    double t1 = tm_now_us();
    for (size_t i = 0; rc == TRAWL_OK && i < n; i++) {
        rc = trawl_search_snippet(s, i, 0, &sn);
        if (rc == TRAWL_OK) rc = trawl_search_text(s, i, &text, &len);
        if (rc == TRAWL_OK)
            *sink += tm_lines(text, len, sn.doc_off + (sn.n_spans ? sn.spans[0].off : 0));
    }
    double t2 = tm_now_us();
    if (rc == TRAWL_OK) rc = trawl_search_run(s, q, o);
    double t3 = tm_now_us();
    for (size_t i = 0; rc == TRAWL_OK && i < n; i++) {
        rc = trawl_search_text(s, i, &text, &len);
        *sink += len;
    }
    double t4 = tm_now_us();
    if (rc != TRAWL_OK) {
        fprintf(stderr, "terminal: %s: %s\n", q, trawl_search_errmsg(s));
        return rc;
    }
    *t = (tm_times){t1 - t0, t2 - t1, t4 - t3, n};
    return TRAWL_OK;
}

static void tm_min(tm_times *best, const tm_times *t, int first)
{
    if (first || t->run < best->run) best->run = t->run;
    if (first || t->snippet < best->snippet) best->snippet = t->snippet;
    if (first || t->inflate < best->inflate) best->inflate = t->inflate;
    best->hits = t->hits;
}

/* Mean and median over n values of one part, printed as NAME_mean_us and NAME_p50_us. */
static void tm_report(const char *name, double *v, size_t n)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    printf("%s_mean_us=%.1f\n", name, n ? sum / n : 0);
    printf("%s_p50_us=%.1f\n", name, tm_median(v, n));
}

static int tm_snippets(int argc, char **argv)
{
    const char *dir = tm_arg(argc, argv, "--index", NULL);
    const char *qpath = tm_arg(argc, argv, "--queries", NULL);
    const char *csv = tm_arg(argc, argv, "--out", NULL);
    int reps = atoi(tm_arg(argc, argv, "--reps", "5"));
    char errbuf[512], line[4096];
    trawl_index *idx = NULL;
    trawl_search *s = NULL;
    trawl_options o;
    if (!dir || !qpath || reps < 1) {
        fprintf(stderr, "usage: terminal snippets --index DIR --queries FILE [--reps R]\n");
        return 2;
    }
    FILE *qf = fopen(qpath, "r"), *out = csv ? fopen(csv, "w") : NULL;
    if (!qf || (csv && !out)) {
        fprintf(stderr, "terminal: %s: %s\n", qf ? csv : qpath, strerror(errno));
        return 1;
    }
    const char *dirs[] = {dir};
    if (trawl_index_open(&idx, dirs, 1, errbuf, sizeof errbuf) != TRAWL_OK ||
        trawl_search_new(&s, idx) != TRAWL_OK) {
        fprintf(stderr, "terminal: %s: %s\n", dir, errbuf);
        return 1;
    }
    trawl_options_init(&o);
    size_t n = 0, cap = 0, sink = 0;
    double *run = NULL, *snip = NULL, *infl = NULL;
    if (out) fprintf(out, "query,hits,run_us,snippet_us,inflate_us\n");
    while (fgets(line, sizeof line, qf)) {
        line[strcspn(line, "\n")] = '\0';
        if (!line[0]) continue;
        tm_times t, best = {0};
        int rc = tm_pass(s, &o, line, &t, &sink); /* warm-up */
        for (int r = 0; rc == TRAWL_OK && r < reps; r++)
            if ((rc = tm_pass(s, &o, line, &t, &sink)) == TRAWL_OK) tm_min(&best, &t, r == 0);
        if (rc != TRAWL_OK || best.hits == 0) continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            run = realloc(run, cap * sizeof *run);
            snip = realloc(snip, cap * sizeof *snip);
            infl = realloc(infl, cap * sizeof *infl);
            if (!run || !snip || !infl) return 1;
        }
        run[n] = best.run;
        snip[n] = best.snippet;
        infl[n] = best.inflate;
        n++;
        if (out) {
            fputc('"', out);
            for (const char *p = line; *p; p++)
                fprintf(out, *p == '"' ? "\"\"" : "%c", *p);
            fprintf(out, "\",%zu,%.1f,%.1f,%.1f\n", best.hits, best.run, best.snippet,
                    best.inflate);
        }
    }
    printf("queries=%zu\n", n);
    tm_report("run", run, n);
    tm_report("snippet", snip, n);
    tm_report("inflate", infl, n);
    if (sink == 1) putchar('\n'); /* keeps the line counting from being optimised away */
    free(run);
    free(snip);
    free(infl);
    fclose(qf);
    if (out) fclose(out);
    trawl_search_free(s);
    trawl_index_close(idx);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "spawn") == 0) return tm_spawn(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "snippets") == 0) return tm_snippets(argc, argv);
    fprintf(stderr, "usage: terminal spawn|snippets ... (see bench/terminal.c)\n");
    return 2;
}
