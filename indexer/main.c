/* trawl-index: command-line front end of build.c, watch.c and trawl_index_check. Parses flags,
 * shows progress on a terminal, prints warnings, errors and summaries, turns SIGINT and SIGTERM
 * into a watch's stop; does no indexing itself. */
#include "build.h"
#include "corpus.h"
#include "policy.h"
#include "select.h"
#include "stats.h"
#include "trawl.h"
#include "watch.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAIN_PROGRESS_NS 250000000LL /* progress refresh: about 4 times a second */

typedef struct main_progress {
    int is_on;         /**< stderr is a terminal and not --quiet */
    int64_t start_ns;  /**< when indexing started */
    int64_t last_ns;   /**< last refresh */
    int is_drawn;      /**< a progress line is on screen */
    uint64_t n_files;  /**< files the counting walk found (0: not counted) */
    int is_verbose;    /**< -v: list every binary file skipped and Latin-1 file converted */
    uint64_t n_binary; /**< binary files skipped */
    uint64_t n_latin1; /**< files read as Latin-1 */
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
          "       trawl-index --watch [options] -o INDEX_DIR PATH...\n"
          "       trawl-index -o INDEX_DIR --delete ID [--delete ID]...\n"
          "       trawl-index --merge INDEX_DIR\n"
          "       trawl-index --check INDEX_DIR\n"
          "       trawl-index --stats INDEX_DIR\n"
          "Brings INDEX_DIR in line with text files (directories recursively) or JSON Lines\n"
          "files: new files are added, changed ones replaced, files gone from under PATH\n"
          "deleted; documents from other paths stay.\n"
          "  -o, --index DIR       index directory (created if missing)\n"
          "      --rebuild         replace the index instead of updating it\n"
          "      --jsonl           inputs are JSON Lines, one document per line; a record\n"
          "                        replaces the one with the same id\n"
          "      --id-field F      JSONL id field (default id)\n"
          "      --text-field F    JSONL text field (default text)\n"
          "      --date-field F    JSONL date field, YYYY-MM-DD (default date)\n"
          "      --delete ID       delete the document with this id (a JSONL id or a file\n"
          "                        path); repeatable\n"
          "      --delete-from F   delete the ids listed in F, one a line (- = stdin)\n"
          "      --merge DIR       merge the index into one segment, dropping deleted\n"
          "                        documents (also after a sync: -o DIR --merge-all)\n"
          "      --merge-all       after the sync, merge the index into one segment\n"
          "      --no-merge        do not run the merge policy after the commit\n"
          "      --merge-ratio N   each segment at least N times all smaller ones together,\n"
          "                        else they merge (default 10; fewer segments, more merging)\n"
          "Which files (directories are walked recursively; files named are always read):\n"
          "      --include GLOB    only files matching GLOB (gitignore syntax, relative to\n"
          "                        PATH; repeatable: any one)\n"
          "      --exclude GLOB    skip files and directories matching GLOB (repeatable)\n"
          "      --type NAME       only files of this type (repeatable; --type-list shows them)\n"
          "      --hidden          also walk hidden files and directories (names starting with\n"
          "                        '.'); version-control directories (.git, ...) never\n"
          "      --no-ignore       do not honour .gitignore and .ignore files\n"
          "A file not walked is not part of the tree: a sync deletes it from the index. A .gz\n"
          "file is read decompressed (its id keeps the .gz name), a Latin-1 one converted to\n"
          "UTF-8; binary files are skipped with one summary line (-v lists them).\n"
          "Indexing:\n"
          "      --language NAME   stemmer language (default english; none = no stemming)\n"
          "      --max-token-len N longest token kept, in bytes (default 64, at most 255)\n"
          "      --phrase-grams    also index each pair of adjacent words one of which is a\n"
          "                        common English word (\"of the\"): phrases of common words\n"
          "                        search 5-40x faster, for a larger index (docs/FORMAT.md);\n"
          "                        kept by later syncs, added or dropped by --rebuild\n"
          "      --memory MB       memory for analysis and postings before runs spill to\n"
          "                        disk; peak RSS stays within it plus ~20 MB (default 256)\n"
          "      --memory-bytes N  the same in bytes (for tests)\n"
          "      --threads N       1: one thread; N >= 2: N - 1 threads analyse documents\n"
          "                        and one compresses stored text (default min(2, CPUs);\n"
          "                        the same index bytes either way)\n"
          "      --watch           after the sync, keep the index in sync as files change\n"
          "                        (inotify), one commit a batch; Ctrl-C or SIGTERM commits\n"
          "                        what is pending and exits, a second Ctrl-C at once\n"
          "      --commit-interval S  with --watch, commit a batch S seconds after its first\n"
          "                        change (default 2; decimals allowed)\n"
          "      --commit-changes N   with --watch, or as soon as N paths changed (default\n"
          "                        1000)\n"
          "      --check DIR       verify every checksum and structure of an index\n"
          "      --stats DIR       what an index holds: documents (live, deleted), tokens,\n"
          "                        terms, analyzer, segments with sizes and deletions, roots\n"
          "      --type-list       list the file types of --type\n"
          "  -q, --quiet           no progress and no summary\n"
          "  -v, --verbose         list every binary file skipped and Latin-1 file converted\n"
          "  -h, --help            this help\n"
          "      --version         print the version\n",
          f);
}

static void main_progress_clear(main_progress *p);

static void main_warn(void *ctx, const char *msg)
{
    main_progress *p = ctx;
    main_progress_clear(p);
    fprintf(stderr, "trawl-index: warning: %s\n", msg);
}

/* Clears the progress line, so that a message starts on an empty line. */
static void main_progress_clear(main_progress *p)
{
    if (!p->is_drawn) return;
    fputs("\r\033[K", stderr);
    p->is_drawn = 0;
}

static void main_note(void *ctx, int kind, const char *path)
{
    main_progress *p = ctx;
    p->n_binary += kind == CORPUS_NOTE_BINARY;
    p->n_latin1 += kind == CORPUS_NOTE_LATIN1;
    if (!p->is_verbose) return;
    main_progress_clear(p);
    fprintf(stderr, "trawl-index: note: %s: %s\n", path,
            kind == CORPUS_NOTE_BINARY ? "binary file, skipped"
                                       : "not UTF-8, read as Latin-1 and converted");
}

static void main_plan(void *ctx, uint64_t n_files, uint64_t bytes)
{
    main_progress *p = ctx;
    (void)bytes;
    p->n_files = n_files;
}

/* "files/s, MB/s", and with a counted tree "n / total files (x%)" and an ETA from the file rate
 * so far (unchanged files count: a re-sync's ETA shrinks as fast as it goes). */
static void main_progress_cb(void *ctx, uint64_t n_docs, uint64_t in_bytes)
{
    main_progress *p = ctx;
    if (!p->is_on) return;
    int64_t now = main_now_ns();
    if (now - p->last_ns < MAIN_PROGRESS_NS) return;
    p->last_ns = now;
    double mb = (double)in_bytes / 1e6, s = (double)(now - p->start_ns) / 1e9;
    double rate = s > 0 ? (double)n_docs / s : 0;
    fprintf(stderr, "\r%" PRIu64, n_docs);
    if (p->n_files >= n_docs && p->n_files > 0)
        fprintf(stderr, " / %" PRIu64 " files (%.0f%%)", p->n_files,
                100.0 * (double)n_docs / (double)p->n_files);
    else
        fputs(" files", stderr);
    fprintf(stderr, ", %.0f files/s, %.1f MB, %.1f MB/s", rate, mb, s > 0 ? mb / s : 0.0);
    if (p->n_files >= n_docs && rate > 0 && s >= 1) {
        uint64_t eta = (uint64_t)((double)(p->n_files - n_docs) / rate + 0.5);
        fprintf(stderr, ", ETA %" PRIu64 ":%02" PRIu64, eta / 60, eta % 60);
    }
    fputs("\033[K", stderr);
    p->is_drawn = 1;
}

static void main_summary(const build_result *r, double secs)
{
    char a[32], b[32], c[32], d[32], e[32], f[32], g[32], h[32], i[32];
    printf("%s added, %s updated, %s deleted, %s unchanged; %s tokens, %s terms, %s bytes "
           "written (%s stored text); %s document%s in %zu segment%s; %.2f s\n",
           stats_num(r->n_added, a, sizeof a), stats_num(r->n_updated, b, sizeof b),
           stats_num(r->n_deleted, c, sizeof c), stats_num(r->n_unchanged, d, sizeof d),
           stats_num(r->tokens, e, sizeof e), stats_num(r->n_terms, f, sizeof f),
           stats_num(r->file_bytes, g, sizeof g), stats_num(r->stored_bytes, h, sizeof h),
           stats_num(r->n_live, i, sizeof i), r->n_live == 1 ? "" : "s", r->n_segments,
           r->n_segments == 1 ? "" : "s", secs);
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
    OPT_DELETE,
    OPT_DELETE_FROM,
    OPT_MERGE,
    OPT_MERGE_ALL,
    OPT_NO_MERGE,
    OPT_MERGE_RATIO,
    OPT_WATCH,
    OPT_COMMIT_INTERVAL,
    OPT_COMMIT_CHANGES,
    OPT_INCLUDE,
    OPT_EXCLUDE,
    OPT_TYPE,
    OPT_TYPE_LIST,
    OPT_HIDDEN,
    OPT_NO_IGNORE,
    OPT_STATS,
    OPT_PHRASE_GRAMS,
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
    {"phrase-grams", no_argument, 0, OPT_PHRASE_GRAMS},
    {"memory", required_argument, 0, OPT_MEMORY},
    {"memory-bytes", required_argument, 0, OPT_MEMORY_BYTES},
    {"threads", required_argument, 0, OPT_THREADS},
    {"check", required_argument, 0, OPT_CHECK},
    {"quiet", no_argument, 0, 'q'},
    {"help", no_argument, 0, 'h'},
    {"version", no_argument, 0, OPT_VERSION},
    {"delete", required_argument, 0, OPT_DELETE},
    {"delete-from", required_argument, 0, OPT_DELETE_FROM},
    {"merge", required_argument, 0, OPT_MERGE},
    {"merge-all", no_argument, 0, OPT_MERGE_ALL},
    {"no-merge", no_argument, 0, OPT_NO_MERGE},
    {"merge-ratio", required_argument, 0, OPT_MERGE_RATIO},
    {"watch", no_argument, 0, OPT_WATCH},
    {"commit-interval", required_argument, 0, OPT_COMMIT_INTERVAL},
    {"commit-changes", required_argument, 0, OPT_COMMIT_CHANGES},
    {"include", required_argument, 0, OPT_INCLUDE},
    {"exclude", required_argument, 0, OPT_EXCLUDE},
    {"type", required_argument, 0, OPT_TYPE},
    {"type-list", no_argument, 0, OPT_TYPE_LIST},
    {"hidden", no_argument, 0, OPT_HIDDEN},
    {"no-ignore", no_argument, 0, OPT_NO_IGNORE},
    {"verbose", no_argument, 0, 'v'},
    {"stats", required_argument, 0, OPT_STATS},
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
    else if (c == OPT_MERGE_RATIO && main_uint(arg, 2, 1000, &v) == 0) {
        policy_defaults(&o->policy);
        o->policy.ratio = (unsigned)v;
    } else
        return -1;
    return 0;
}

/* What the command line asks for besides the build options. */
typedef struct main_cli {
    const char *check; /**< --check DIR */
    const char *stats; /**< --stats DIR */
    const char *merge; /**< --merge DIR */
    int quiet;
    int verbose;
    const char **deletes; /**< --delete ids (room for argc) */
    size_t n_deletes;
    int is_watch;
    int has_commit_opts; /**< --commit-interval or --commit-changes given */
    watch_opts watch;
    sel select; /**< --include, --exclude, --type, --hidden, --no-ignore */
} main_cli;

/* Parses a number of seconds (decimals allowed, at most a day) into milliseconds; 0 or -1. */
static int main_seconds(const char *s, uint32_t *ms)
{
    char *end;
    if (!*s || *s == '-' || *s == '+') return -1;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno || !isfinite(v) || v < 0 || v > 86400) return -1;
    *ms = (uint32_t)llround(v * 1000);
    return 0;
}

/* Applies a --watch option with a value; returns 0 or -1 (bad value). */
static int main_watch_opt(int c, const char *arg, main_cli *cli)
{
    uint64_t v;
    cli->has_commit_opts = 1;
    if (c == OPT_COMMIT_INTERVAL) return main_seconds(arg, &cli->watch.interval_ms);
    if (main_uint(arg, 1, 1000000000, &v) < 0) return -1;
    cli->watch.max_changes = (size_t)v;
    return 0;
}

/* --type-list: every type and its globs. */
static void main_type_list(void)
{
    const char *name, *globs;
    for (size_t i = 0; sel_type_at(i, &name, &globs) == 0; i++)
        printf("%-6s %s (and each .gz)\n", name, globs);
}

/* Applies one option of the file selection; returns -1 to go on, or an exit status. */
static int main_select_opt(int c, main_cli *cli)
{
    int rc = 0;
    if (c == OPT_INCLUDE)
        rc = ign_add(&cli->select.include, optarg, strlen(optarg));
    else if (c == OPT_EXCLUDE)
        rc = ign_add(&cli->select.exclude, optarg, strlen(optarg));
    else if (c == OPT_TYPE && (rc = sel_add_type(&cli->select, optarg)) == -1)
        return main_fail(2, "unknown --type %s (trawl-index --type-list shows them)", optarg);
    else if (c == OPT_HIDDEN)
        cli->select.is_hidden = 1;
    else if (c == OPT_NO_IGNORE)
        cli->select.no_ignore = 1;
    if (rc < 0) return main_fail(1, "out of memory");
    if (c == OPT_TYPE_LIST) {
        main_type_list();
        return 0;
    }
    return -1;
}

/* Applies one option without a number; returns -1 to go on, or an exit status. */
static int main_opt(int c, build_opts *o, main_cli *cli)
{
    switch (c) {
    case 'o':
        o->index_dir = optarg;
        break;
    case 'q':
        cli->quiet = 1;
        break;
    case 'v':
        cli->verbose = 1;
        break;
    case OPT_INCLUDE:
    case OPT_EXCLUDE:
    case OPT_TYPE:
    case OPT_TYPE_LIST:
    case OPT_HIDDEN:
    case OPT_NO_IGNORE:
        return main_select_opt(c, cli);
    case 'h':
        main_usage(stdout);
        return 0;
    case OPT_VERSION:
        printf("trawl-index %s\n", TRAWL_VERSION);
        return 0;
    case OPT_REBUILD:
        o->rebuild = 1;
        break;
    case OPT_PHRASE_GRAMS:
        o->phrase_grams = 1;
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
        cli->check = optarg;
        break;
    case OPT_STATS:
        cli->stats = optarg;
        break;
    case OPT_MERGE:
        cli->merge = optarg;
        break;
    case OPT_MERGE_ALL:
        o->merge = 1;
        break;
    case OPT_NO_MERGE:
        o->no_merge = 1;
        break;
    case OPT_DELETE:
        cli->deletes[cli->n_deletes++] = optarg;
        break;
    case OPT_DELETE_FROM:
        o->delete_from = optarg;
        break;
    case OPT_WATCH:
        cli->is_watch = 1;
        break;
    default:
        main_usage(stderr);
        return 2;
    }
    return -1;
}

/* Parses argv into o and cli. Returns -1 to go on, or an exit status. */
static int main_parse(int argc, char **argv, build_opts *o, main_cli *cli)
{
    int c;
    opterr = 0; /* one line of our own instead of getopt's and the whole usage */
    while ((c = getopt_long(argc, argv, ":o:qhv", main_opts, NULL)) != -1) {
        int code = -1;
        if (c == '?' && optopt)
            return main_fail(2, "unknown option -%c in %s", optopt, argv[optind - 1]);
        if (c == '?') return main_fail(2, "unknown option %s", argv[optind - 1]);
        if (c == ':') return main_fail(2, "%s needs a value", argv[optind - 1]);
        if (c == OPT_MAX_TOKEN || c == OPT_MEMORY || c == OPT_MEMORY_BYTES || c == OPT_THREADS ||
            c == OPT_MERGE_RATIO) {
            if (main_num_opt(c, optarg, o) < 0) return main_fail(2, "bad number: %s", optarg);
        } else if (c == OPT_COMMIT_INTERVAL || c == OPT_COMMIT_CHANGES) {
            if (main_watch_opt(c, optarg, cli) < 0) return main_fail(2, "bad number: %s", optarg);
        } else {
            code = main_opt(c, o, cli);
        }
        if (code >= 0) return code;
    }
    return -1;
}

/* Checks the combination of options and paths; returns -1 to go on, or an exit status. */
static int main_validate(int argc, char **argv, build_opts *o, main_cli *cli, err *e)
{
    if (cli->check || cli->merge || cli->stats) {
        if (cli->is_watch || cli->has_commit_opts)
            return main_fail(2, "--watch does not go with --check, --merge or --stats");
        if (optind < argc || o->index_dir || !!cli->check + !!cli->merge + !!cli->stats > 1)
            return main_fail(2, "--check, --merge and --stats take only the index directory");
        if (cli->merge) {
            o->index_dir = cli->merge;
            o->merge = 1;
        }
        return -1;
    }
    if (cli->has_commit_opts && !cli->is_watch)
        return main_fail(2, "--commit-interval and --commit-changes go with --watch");
    if (cli->is_watch && (o->is_jsonl || cli->n_deletes || o->delete_from || o->merge))
        return main_fail(2, "--watch syncs text files: not with --jsonl, --delete, "
                            "--delete-from or --merge-all");
    if (!o->index_dir) return main_fail(2, "no index directory: give -o INDEX_DIR");
    o->paths = (const char *const *)argv + optind;
    o->n_paths = (size_t)(argc - optind);
    o->delete_ids = cli->deletes;
    o->n_delete_ids = cli->n_deletes;
    if (o->n_paths == 0 && (cli->is_watch || (!cli->n_deletes && !o->delete_from && !o->merge)))
        return main_fail(2, "no input paths");
    if (corpus_check_paths(o->paths, o->n_paths, e) < 0) return main_fail(2, "%s", e->msg);
    return -1;
}

/* ---------------------------------------------------------------- --watch */

/* The write end of the stop pipe. A signal handler can reach nothing but a global: this is the
 * one piece of static mutable state, written once before the handlers are installed. */
static int main_stop_wfd = -1;

/* SIGINT, SIGTERM: ask the watch to stop (SA_RESETHAND makes a second one kill at once). */
static void main_on_signal(int sig)
{
    int saved = errno;
    ssize_t n = write(main_stop_wfd, "", 1); /* fails only when full: a stop is pending */
    (void)sig;
    (void)n;
    errno = saved;
}

/* What a watch's commit callback needs. */
typedef struct main_watch_ctx {
    main_progress *p;
    int quiet;
} main_watch_ctx;

/* One summary line per commit, the first full sync's included, as it happens. */
static void main_on_commit(void *ctx, const build_result *r, int64_t ns)
{
    main_watch_ctx *c = ctx;
    if (c->p->is_drawn) {
        fputs("\r\033[K", stderr);
        c->p->is_drawn = 0;
    }
    c->p->start_ns = c->p->last_ns = main_now_ns();
    if (c->quiet) return;
    main_summary(r, (double)ns / 1e9);
    fflush(stdout);
}

/* --watch: runs until SIGINT or SIGTERM; exit status 0 once the last batch is committed. */
static int main_watch(const build_opts *o, main_cli *cli, main_progress *p, err *e)
{
    int fds[2];
    struct sigaction sa;
    main_watch_ctx ctx = {p, cli->quiet};
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) return main_fail(1, "pipe: %s", strerror(errno));
    main_stop_wfd = fds[1];
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = main_on_signal;
    sa.sa_flags = SA_RESTART | SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    cli->watch.stop_fd = fds[0];
    cli->watch.on_commit = main_on_commit;
    cli->watch.commit_ctx = &ctx;
    int rc = watch_run(o, &cli->watch, e);
    signal(SIGINT, SIG_DFL); /* before the pipe closes: no handler may write to a stale fd */
    signal(SIGTERM, SIG_DFL);
    close(fds[0]);
    close(fds[1]);
    if (p->is_drawn) fputs("\r\033[K", stderr);
    return rc != TRAWL_OK ? main_fail(1, "%s", e->msg) : 0;
}

/* The notes that were not listed one by one: one line each on stderr. */
static void main_note_summary(const main_progress *p)
{
    char a[32];
    if (p->n_binary && !p->is_verbose)
        fprintf(stderr, "trawl-index: %s binary file%s skipped (-v lists them)\n",
                stats_num(p->n_binary, a, sizeof a), p->n_binary == 1 ? "" : "s");
    if (p->n_latin1 && !p->is_verbose)
        fprintf(stderr,
                "trawl-index: %s file%s not UTF-8, read as Latin-1 and converted (-v lists "
                "them)\n",
                stats_num(p->n_latin1, a, sizeof a), p->n_latin1 == 1 ? "" : "s");
}

/* Connects the callbacks of o to p and the selection of cli. */
static void main_callbacks(build_opts *o, main_progress *p, main_cli *cli)
{
    p->is_on = !cli->quiet && isatty(STDERR_FILENO);
    p->is_verbose = cli->verbose;
    p->start_ns = main_now_ns();
    p->last_ns = 0; /* the first file draws the line at once */
    o->warn = main_warn;
    o->warn_ctx = p;
    o->progress = main_progress_cb;
    o->progress_ctx = p;
    o->note = main_note;
    o->note_ctx = p;
    o->plan = p->is_on ? main_plan : NULL;
    o->select = &cli->select;
}

int main(int argc, char **argv)
{
    build_opts o;
    build_result r;
    main_progress p = {0};
    main_cli cli = {.watch = {.interval_ms = WATCH_DEFAULT_INTERVAL_MS,
                              .max_changes = WATCH_DEFAULT_CHANGES,
                              .stop_fd = -1}};
    err e;
    build_opts_init(&o);
    err_init(&e);
    sel_init(&cli.select);
    if (!(cli.deletes = calloc((size_t)argc + 1, sizeof *cli.deletes)))
        return main_fail(1, "out of memory");
    int code = main_parse(argc, argv, &o, &cli);
    if (code < 0) code = main_validate(argc, argv, &o, &cli, &e);
    if (code < 0 && cli.check) code = main_check(cli.check);
    if (code < 0 && cli.stats) code = stats_print(stdout, cli.stats);
    if (code < 0 && cli.is_watch) {
        main_callbacks(&o, &p, &cli);
        code = main_watch(&o, &cli, &p, &e);
        main_note_summary(&p);
    }
    if (code < 0) {
        main_callbacks(&o, &p, &cli);
        int rc = build_run(&o, &r, &e);
        main_progress_clear(&p);
        main_note_summary(&p);
        if (rc != TRAWL_OK)
            code = main_fail(1, "%s", e.msg);
        else if (!cli.quiet)
            main_summary(&r, (double)(main_now_ns() - p.start_ns) / 1e9);
    }
    free(cli.deletes);
    sel_free(&cli.select);
    return code < 0 ? 0 : code;
}
