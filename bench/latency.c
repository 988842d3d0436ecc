/* latency: the C half of `make bench`. Builds the peers' indexes (SQLite FTS5, Xapian), runs a
 * child process under a stopwatch, and times every query on trawl and its peers in the same
 * process, warm, single thread. It writes raw measurements only; bench/report.py aggregates them.
 *
 *   latency load  --jsonl F --db D [--tokenize 'unicode61']   FTS5 table t(body), rowid = line
 *   latency xload --jsonl F --xapian DIR [--language none]    Xapian database, docid = line
 *   latency exec  CMD ARGS...                                   wall time and peak RSS of CMD
 *   latency stats --index DIR [--query Q]                       trawl index sizes, open times
 *   latency run   --index DIR --db D [--xapian DIR --language L] [--grams DIR] --queries F
 *                 --set NAME [--reps R] [--out CSV] [--modes TOP_10,COUNT,...] (default: every
 *                 mode)
 *   latency ab    --index DIR --queries F --set NAME --opts SPEC [--reps R] [--out CSV]
 *
 * `ab` times trawl's TOP_10 twice per pass, with the default options (engine "trawl") and with
 * SPEC (bench/trawlopts.h; engine "trawl+SPEC"), passes alternating: what an option costs.
 * `run --grams DIR` adds engine "trawl+grams": the same corpus indexed with --phrase-grams.
 *
 * Queries are JSON Lines {"query": "<Lucene syntax>", "tags": [class, ...]}. trawl reads the
 * Lucene syntax as is with default_or = 1 (Lucene's default operator); FTS5 gets a translation
 * (fts_translate); Xapian's QueryParser reads the same syntax (+, -, "...", default OR). Every
 * key=value line printed is read by bench/run.sh. */
#include "trawl.h"
#include "trawlopts.h"
#include "xapian_peer.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <malloc.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MODE_TOP10, MODE_COUNT, MODE_TOP10_COUNT, N_MODES };
static const char *const lat_mode_names[N_MODES] = {"TOP_10", "COUNT", "TOP_10_COUNT"};

/* The engines of one run, in the order their passes alternate. ENG_PEER is FTS5 in `run` and
 * trawl with other options in `ab`; ENG_GRAMS is trawl on an index with phrase grams. */
enum { ENG_TRAWL, ENG_PEER, ENG_XAPIAN, ENG_GRAMS, N_ENGINES };

/* One benchmark query in every dialect. */
typedef struct lat_query {
    char *cls;                       /**< first tag: term, intersection, union, phrase, ... */
    char *text;                      /**< Lucene syntax, given to trawl and Xapian */
    char *fts;                       /**< FTS5 MATCH expression, NULL if not expressible */
    double *us;                      /**< [N_ENGINES * reps]: timings per engine, current mode */
    long long n[N_ENGINES][N_MODES]; /**< count reported per engine and mode, -1 on error */
} lat_query;

static double lat_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static long lat_maxrss_kb(int who)
{
    struct rusage ru;
    getrusage(who, &ru);
    return ru.ru_maxrss;
}

/* Resident kilobytes of the files under dir that this process maps (/proc/self/smaps), -1 if
 * unreadable: the pages of the index that the searcher touched, with the kernel's fault-around. */
static long lat_mapped_kb(const char *dir)
{
    char root[PATH_MAX], line[PATH_MAX + 128];
    FILE *f = realpath(dir, root) ? fopen("/proc/self/smaps", "r") : NULL;
    size_t n = strlen(root);
    long kb, total = 0;
    int in_dir = 0;
    if (!f) return -1;
    while (fgets(line, sizeof line, f)) {
        char *path = strchr(line, '/');
        if (isxdigit((unsigned char)line[0]) && strchr(line, '-') < strchr(line, ' '))
            in_dir = path && strncmp(path, root, n) == 0 && path[n] == '/';
        else if (in_dir && sscanf(line, "Rss: %ld kB", &kb) == 1)
            total += kb;
    }
    fclose(f);
    return total;
}

/* Bytes of heap in use now (mallinfo2). */
static long lat_heap_kb(void)
{
    return (long)(mallinfo2().uordblks / 1024);
}

static const char *lat_arg(int argc, char **argv, const char *name, const char *dflt)
{
    for (int i = 2; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0) return argv[i + 1];
    return dflt;
}

static const char *lat_need(int argc, char **argv, const char *name)
{
    const char *v = lat_arg(argc, argv, name, NULL);
    if (!v) {
        fprintf(stderr, "latency %s: missing %s\n", argv[1], name);
        exit(2);
    }
    return v;
}

static long long lat_file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* ------------------------------------------------------------------ FTS5 translation */

/* Appends s to out as one FTS5 string ("..." with quotes doubled). */
static void fts_quote(char *out, size_t *o, const char *s, size_t len)
{
    out[(*o)++] = '"';
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"') out[(*o)++] = '"';
        out[(*o)++] = s[i];
    }
    out[(*o)++] = '"';
}

/* Appends the clauses of kind k ('+', ' ', '-') of a Lucene query, joined by sep (also before
 * the first one if lead). Returns how many were written. A clause is [+-]word or
 * [+-]"phrase words". */
static int fts_clauses(const char *q, char k, const char *sep, int lead, char *out, size_t *o)
{
    int n = 0;
    const char *p = q;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p) break;
        char kind = (*p == '+' || *p == '-') ? *p++ : ' ';
        const char *s = p, *e;
        if (*p == '"') {
            s = ++p;
            while (*p && *p != '"')
                p++;
            e = p;
            if (*p) p++;
        } else {
            while (*p && *p != ' ' && *p != '\t')
                p++;
            e = p;
        }
        if (kind != k || e == s) continue;
        if (n++ || lead) {
            memcpy(out + *o, sep, strlen(sep));
            *o += strlen(sep);
        }
        fts_quote(out, o, s, (size_t)(e - s));
    }
    return n;
}

/* Lucene syntax to an FTS5 expression: the required clauses ANDed (optional ones then only
 * score in Lucene, which FTS5 cannot express, so they are dropped), else the optional clauses
 * ORed; then NOT each excluded clause. Returns NULL when nothing positive remains. */
static char *fts_translate(const char *q)
{
    size_t cap = 4 * strlen(q) + 64, o = 1;
    char *out = malloc(cap);
    if (!out) return NULL;
    out[0] = '(';
    if (fts_clauses(q, '+', " AND ", 0, out, &o) == 0 &&
        fts_clauses(q, ' ', " OR ", 0, out, &o) == 0) {
        free(out);
        return NULL;
    }
    out[o++] = ')';
    fts_clauses(q, '-', " NOT ", 1, out, &o);
    out[o] = '\0';
    return out;
}

/* ------------------------------------------------------------------ load */

static int fts_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "latency: %s: %s\n", sql, msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* The texts of a JSONL file, parsed before any timing starts: a user bulk-loading FTS5 or
 * Xapian feeds it strings, so a peer's load is measured without a JSON parser, as trawl's JSONL
 * reader is part of trawl's. Both peers read their input through this one function. */
typedef struct lat_texts {
    char **text;
    size_t *len;
    long long n;
    long long bytes;
} lat_texts;

static int lat_read_texts(FILE *in, lat_texts *t)
{
    char *line = NULL;
    size_t cap = 0, room = 0;
    ssize_t len;
    memset(t, 0, sizeof *t);
    while ((len = getline(&line, &cap, in)) > 0) {
        json_error_t je;
        json_t *doc = json_loadb(line, (size_t)len, 0, &je);
        json_t *text = doc ? json_object_get(doc, "text") : NULL;
        if (!json_is_string(text)) {
            fprintf(stderr, "latency: line %lld: no \"text\" string\n", t->n + 1);
            json_decref(doc);
            free(line);
            return -1;
        }
        if ((size_t)t->n == room) {
            room = room ? 2 * room : 1024;
            t->text = realloc(t->text, room * sizeof *t->text);
            t->len = realloc(t->len, room * sizeof *t->len);
        }
        t->len[t->n] = json_string_length(text);
        t->text[t->n] = malloc(t->len[t->n] + 1);
        memcpy(t->text[t->n], json_string_value(text), t->len[t->n]);
        t->bytes += (long long)t->len[t->n];
        t->n++;
        json_decref(doc);
    }
    free(line);
    return 0;
}

/* Reads the texts of the JSONL file at path: 0, or -1 said on stderr. */
static int lat_load_texts(const char *path, lat_texts *t)
{
    FILE *in = fopen(path, "r");
    if (!in) {
        fprintf(stderr, "latency: %s: %s\n", path, strerror(errno));
        return -1;
    }
    int bad = lat_read_texts(in, t);
    fclose(in);
    return bad;
}

static void lat_free_texts(lat_texts *t)
{
    for (long long i = 0; i < t->n; i++)
        free(t->text[i]);
    free(t->text);
    free(t->len);
}

/* Inserts every text as one row (rowid = 1-based line number). */
static int fts_insert_all(sqlite3 *db, const lat_texts *t)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "INSERT INTO t(rowid, body) VALUES (?, ?)", -1, &st, NULL);
    for (long long i = 0; rc == SQLITE_OK && i < t->n; i++) {
        sqlite3_bind_int64(st, 1, i + 1);
        sqlite3_bind_text(st, 2, t->text[i], (int)t->len[i], SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? sqlite3_reset(st) : SQLITE_ERROR;
    }
    if (rc != SQLITE_OK) fprintf(stderr, "latency: insert: %s\n", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? 0 : -1;
}

/* Prints the bytes of the FTS5 shadow tables: the inverted index (t_data, t_idx, t_docsize,
 * t_config) apart from the stored text (t_content). Needs the dbstat table (Debian has it). */
static void fts_print_sizes(sqlite3 *db)
{
    sqlite3_stmt *st;
    long long index = 0, content = 0;
    if (sqlite3_prepare_v2(db, "SELECT name, sum(pgsize) FROM dbstat GROUP BY name", -1, &st,
                           NULL) != SQLITE_OK) {
        printf("fts_index_bytes=-1\nfts_content_bytes=-1\n");
        return;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        long long n = sqlite3_column_int64(st, 1);
        if (strcmp(name, "t_content") == 0)
            content += n;
        else if (strncmp(name, "t_", 2) == 0)
            index += n;
    }
    sqlite3_finalize(st);
    printf("fts_index_bytes=%lld\nfts_content_bytes=%lld\n", index, content);
}

/* Bulk-loads FTS5 as its users would: texts in memory (no JSON parsing in the timed region),
 * journal_mode=OFF and synchronous=OFF, one transaction, integer rowids, then 'optimize'. */
static int lat_load(int argc, char **argv)
{
    const char *path = lat_need(argc, argv, "--jsonl"), *dbpath = lat_need(argc, argv, "--db");
    const char *tok = lat_arg(argc, argv, "--tokenize", "unicode61");
    char sql[256];
    sqlite3 *db = NULL;
    lat_texts t;
    if (lat_load_texts(path, &t) != 0) return 1;
    int bad;
    long rss0 = lat_maxrss_kb(RUSAGE_SELF);
    unlink(dbpath);
    double t0 = lat_now_us();
    snprintf(sql, sizeof sql, "CREATE VIRTUAL TABLE t USING fts5(body, tokenize='%s')", tok);
    bad = sqlite3_open(dbpath, &db) != SQLITE_OK || fts_exec(db, "PRAGMA journal_mode=OFF") ||
          fts_exec(db, "PRAGMA synchronous=OFF") || fts_exec(db, sql) || fts_exec(db, "BEGIN") ||
          fts_insert_all(db, &t) || fts_exec(db, "COMMIT");
    double t1 = lat_now_us();
    bad = bad || fts_exec(db, "INSERT INTO t(t) VALUES('optimize')");
    double t2 = lat_now_us();
    if (!bad) {
        printf("docs=%lld\ntext_bytes=%lld\nload_s=%.3f\noptimize_s=%.3f\n", t.n, t.bytes,
               (t1 - t0) / 1e6, (t2 - t1) / 1e6);
        fts_print_sizes(db);
    }
    sqlite3_close(db);
    /* Peak RSS less what holding the parsed texts took: SQLite's own working memory. */
    printf("db_bytes=%lld\nmaxrss_kb=%ld\ntexts_rss_kb=%ld\n", lat_file_size(dbpath),
           lat_maxrss_kb(RUSAGE_SELF), rss0);
    lat_free_texts(&t);
    return bad;
}

/* Sums the file sizes of a Xapian database directory: the document data (docdata.glass, the
 * stored texts) apart from the rest (postlist, position, termlist tables and their base files). */
static void lat_xapian_sizes(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char path[4096];
    long long index = 0, data = 0, termlist = 0, position = 0;
    while (d && (de = readdir(d)) != NULL) {
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        long long n = de->d_name[0] == '.' ? 0 : lat_file_size(path);
        if (n <= 0) continue;
        if (strncmp(de->d_name, "docdata.", 8) == 0)
            data += n;
        else
            index += n;
        if (strncmp(de->d_name, "termlist.", 9) == 0) termlist += n;
        if (strncmp(de->d_name, "position.", 9) == 0) position += n;
    }
    if (d) closedir(d);
    printf("xapian_index_bytes=%lld\nxapian_data_bytes=%lld\nxapian_termlist_bytes=%lld\n"
           "xapian_position_bytes=%lld\n",
           index, data, termlist, position);
}

/* Bulk-loads Xapian as its users would (xapian_peer.h): the same texts in memory as the FTS5
 * load, one commit, no fsync, then compaction; a flush threshold above the corpus so the
 * postings are written once, at the commit (XAPIAN_FLUSH_THRESHOLD, documents between automatic
 * commits; the default, 10,000, already exceeds the kernel docs' 8,771). */
static int lat_xload(int argc, char **argv)
{
    const char *path = lat_need(argc, argv, "--jsonl"), *dir = lat_need(argc, argv, "--xapian");
    const char *lang = lat_arg(argc, argv, "--language", "none");
    char err[512];
    xp_times xt;
    lat_texts t;
    if (lat_load_texts(path, &t) != 0) return 1;
    setenv("XAPIAN_FLUSH_THRESHOLD", "1000000000", 0);
    long rss0 = lat_maxrss_kb(RUSAGE_SELF);
    int bad = xp_build(dir, lang, t.text, t.len, t.n, &xt, err, sizeof err);
    if (bad) {
        fprintf(stderr, "latency xload: %s: %s\n", dir, err);
    } else {
        printf("docs=%lld\ntext_bytes=%lld\nload_s=%.3f\ncommit_s=%.3f\ncompact_s=%.3f\n"
               "xapian=%s\n",
               t.n, t.bytes, xt.add_s, xt.commit_s, xt.compact_s, xp_version());
        lat_xapian_sizes(dir);
    }
    printf("maxrss_kb=%ld\ntexts_rss_kb=%ld\n", lat_maxrss_kb(RUSAGE_SELF), rss0);
    lat_free_texts(&t);
    return bad;
}

/* Replaces rows as an application keeping an FTS5 table in step with changed files would: in
 * one transaction, DELETE the old row and INSERT the new text under the same rowid, for every
 * line {"rowid": N, "text": ...} of the JSONL file, at SQLite's default durability (journal and
 * fsync on commit), like trawl-index's sync, which fsyncs its files and manifest. */
static int lat_update(int argc, char **argv)
{
    const char *path = lat_need(argc, argv, "--jsonl"), *dbpath = lat_need(argc, argv, "--db");
    sqlite3 *db = NULL;
    sqlite3_stmt *del = NULL, *ins = NULL;
    FILE *in = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    long long n = 0;
    if (!in) {
        fprintf(stderr, "latency: %s: %s\n", path, strerror(errno));
        return 1;
    }
    double t0 = lat_now_us();
    int bad = sqlite3_open(dbpath, &db) != SQLITE_OK || fts_exec(db, "BEGIN") ||
              sqlite3_prepare_v2(db, "DELETE FROM t WHERE rowid = ?", -1, &del, NULL) ||
              sqlite3_prepare_v2(db, "INSERT INTO t(rowid, body) VALUES (?, ?)", -1, &ins, NULL);
    while (!bad && getline(&line, &cap, in) > 0) {
        json_error_t je;
        json_t *doc = json_loads(line, 0, &je);
        json_t *text = doc ? json_object_get(doc, "text") : NULL;
        json_t *rowid = doc ? json_object_get(doc, "rowid") : NULL;
        bad = !json_is_string(text) || !json_is_integer(rowid);
        if (!bad) {
            sqlite3_bind_int64(del, 1, json_integer_value(rowid));
            sqlite3_bind_int64(ins, 1, json_integer_value(rowid));
            sqlite3_bind_text(ins, 2, json_string_value(text), (int)json_string_length(text),
                              SQLITE_STATIC);
            bad = sqlite3_step(del) != SQLITE_DONE || sqlite3_step(ins) != SQLITE_DONE;
            sqlite3_reset(del);
            sqlite3_reset(ins);
            n++;
        }
        json_decref(doc);
    }
    bad = bad || fts_exec(db, "COMMIT");
    double t1 = lat_now_us();
    if (bad) fprintf(stderr, "latency update: %s\n", sqlite3_errmsg(db));
    sqlite3_finalize(del);
    sqlite3_finalize(ins);
    sqlite3_close(db);
    free(line);
    fclose(in);
    if (!bad) printf("rows=%lld\nupdate_s=%.4f\n", n, (t1 - t0) / 1e6);
    return bad;
}

/* ------------------------------------------------------------------ exec, stats */

/* Runs argv[2..] as a child; its output passes through. Prints wall time and its peak RSS. */
static int lat_exec(int argc, char **argv)
{
    if (argc < 3) return 2;
    fflush(stdout);
    double t0 = lat_now_us();
    pid_t pid = fork();
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        fprintf(stderr, "latency exec: %s: %s\n", argv[2], strerror(errno));
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) return 1;
    printf("wall_s=%.3f\nmaxrss_kb=%ld\nexit=%d\n", (lat_now_us() - t0) / 1e6, ru.ru_maxrss,
           WIFEXITED(status) ? WEXITSTATUS(status) : 128);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int lat_open(trawl_index **idx, const char *dir)
{
    char errbuf[512];
    const char *dirs[] = {dir};
    int rc = trawl_index_open(idx, dirs, 1, errbuf, sizeof errbuf);
    if (rc != TRAWL_OK) fprintf(stderr, "latency: %s: %s\n", trawl_strerror(rc), errbuf);
    return rc;
}

static int lat_cmp_double(const void *a, const void *b);

#define LAT_OPEN_WARM 21 /* open+close cycles for the warm median */
#define LAT_OPEN_COLD 5  /* the same, each after evicting the index from the page cache */

/* Drops the page cache's copy of every file in dir (posix_fadvise DONTNEED: clean pages only,
 * and only these files), so the next open faults in whatever it reads from the disk. */
static void lat_evict(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char path[4096];
    while (d && (de = readdir(d)) != NULL) {
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        int fd = open(path, O_RDONLY | O_NONBLOCK);
        if (fd < 0) continue;
        (void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        close(fd);
    }
    if (d) closedir(d);
}

/* One top-10 query with its hits on idx (what a process does right after the open). */
static int lat_first_query(const trawl_index *idx, const char *query)
{
    trawl_search *s = NULL;
    trawl_options o;
    trawl_hit hit;
    trawl_options_init(&o);
    int rc = trawl_search_new(&s, idx);
    if (rc == TRAWL_OK) rc = trawl_search_run(s, query, &o);
    for (size_t i = 0; rc == TRAWL_OK && trawl_search_hit(s, i, &hit) == TRAWL_OK; i++)
        ;
    if (rc != TRAWL_OK)
        fprintf(stderr, "latency: %s: %s\n", query, s ? trawl_search_errmsg(s) : "");
    trawl_search_free(s);
    return rc;
}

/* Median microseconds of n cycles of trawl_index_open (then, with query, one query) and close,
 * evicting dir from the page cache first if cold. */
static double lat_open_median(const char *dir, int n, int cold, const char *query)
{
    double us[LAT_OPEN_WARM];
    trawl_index *idx;
    for (int i = 0; i < n; i++) {
        if (cold) lat_evict(dir);
        double t0 = lat_now_us();
        if (lat_open(&idx, dir) != TRAWL_OK) return -1;
        if (query && lat_first_query(idx, query) != TRAWL_OK) return -1;
        us[i] = lat_now_us() - t0;
        trawl_index_close(idx);
    }
    qsort(us, (size_t)n, sizeof *us, lat_cmp_double);
    return us[n / 2];
}

/* What an open, then a first query, make resident: the index pages this process maps (with
 * the files evicted from the page cache first, so that a fault maps the pages around it, not a
 * whole large folio the build left cached) and the heap. Fills r[4]: mapped KB after the open,
 * after the query, heap KB the open took, the query took. 0 or -1. */
static int lat_resident(const char *dir, const char *query, long r[4])
{
    trawl_index *idx;
    lat_evict(dir);
    long heap0 = lat_heap_kb();
    if (lat_open(&idx, dir) != TRAWL_OK) return -1;
    long heap1 = lat_heap_kb();
    r[0] = lat_mapped_kb(dir);
    int rc = lat_first_query(idx, query);
    r[1] = lat_mapped_kb(dir);
    r[2] = heap1 - heap0;
    r[3] = lat_heap_kb() - heap1;
    trawl_index_close(idx);
    return rc == TRAWL_OK ? 0 : -1;
}

/* Index sizes and open time: open_us is the first open in this process (the page cache as the
 * build left it); open_warm_us and open_cold_us are medians of repeated opens with the files
 * cached and evicted; open_query_warm_us adds one top-10 query (--query, default "the") and its
 * hits, the first reads of a short-lived process such as trawl-search; open_mapped_kb,
 * query_mapped_kb, open_heap_kb and query_heap_kb are lat_resident's. */
static int lat_stats(int argc, char **argv)
{
    const char *dir = lat_need(argc, argv, "--index");
    const char *query = lat_arg(argc, argv, "--query", "the");
    trawl_index *idx;
    trawl_stats st;
    long res[4];
    double t0 = lat_now_us();
    if (lat_open(&idx, dir) != TRAWL_OK) return 1;
    double t1 = lat_now_us();
    trawl_index_stats(idx, &st);
    trawl_index_close(idx);
    double warm = lat_open_median(dir, LAT_OPEN_WARM, 0, NULL);
    double cold = lat_open_median(dir, LAT_OPEN_COLD, 1, NULL);
    double query_warm = lat_open_median(dir, LAT_OPEN_WARM, 0, query);
    if (lat_resident(dir, query, res) < 0) return 1;
    printf("open_us=%.1f\nopen_warm_us=%.1f\nopen_cold_us=%.1f\nopen_query_warm_us=%.1f\n"
           "docs=%llu\ntokens=%llu\nterms=%llu\nsegments=%u\nindex_bytes=%llu\n"
           "stored_bytes=%llu\nlanguage=%s\nopen_mapped_kb=%ld\nquery_mapped_kb=%ld\n"
           "open_heap_kb=%ld\nquery_heap_kb=%ld\n",
           t1 - t0, warm, cold, query_warm, (unsigned long long)st.n_docs,
           (unsigned long long)st.total_tokens, (unsigned long long)st.n_terms, st.n_segments,
           (unsigned long long)st.index_bytes, (unsigned long long)st.stored_bytes, st.language,
           res[0], res[1], res[2], res[3]);
    return 0;
}

/* ------------------------------------------------------------------ run */

/* Reads the query file; returns the number of queries (0 on error). */
static size_t lat_read_queries(const char *path, lat_query **out, int reps)
{
    FILE *in = fopen(path, "r");
    json_error_t je;
    json_t *j;
    size_t n = 0, cap = 0;
    lat_query *qs = NULL;
    if (!in) {
        fprintf(stderr, "latency: %s: %s\n", path, strerror(errno));
        return 0;
    }
    while ((j = json_loadf(in, JSON_DISABLE_EOF_CHECK, &je)) != NULL) {
        const char *text = json_string_value(json_object_get(j, "query"));
        const char *cls = json_string_value(json_array_get(json_object_get(j, "tags"), 0));
        if (text && n == cap) {
            cap = cap ? 2 * cap : 1024;
            qs = realloc(qs, cap * sizeof *qs);
        }
        if (text && qs) {
            lat_query *q = &qs[n++];
            memset(q, 0, sizeof *q);
            q->text = strdup(text);
            q->cls = strdup(cls ? cls : "other");
            q->fts = fts_translate(text);
            q->us = calloc(N_ENGINES * (size_t)reps, sizeof(double));
        }
        json_decref(j);
    }
    fclose(in);
    *out = qs;
    return qs ? n : 0;
}

/* Runs one query on trawl in mode m (with the options of spec, NULL: defaults); returns the
 * count or -1 on error. */
static long long lat_trawl_one(trawl_search *s, const lat_query *q, int m, const char *spec)
{
    trawl_options o;
    trawl_hit hit;
    trawl_options_init(&o);
    if (spec && trawlopts_apply(&o, spec) < 0) return -1;
    o.default_or = 1;
    o.limit = m == MODE_COUNT ? 0 : 10;
    o.count_only = m == MODE_COUNT;
    o.exact_count = m == MODE_TOP10_COUNT;
    if (trawl_search_run(s, q->text, &o) != TRAWL_OK) return -1;
    size_t i = 0;
    while (trawl_search_hit(s, i, &hit) == TRAWL_OK)
        i++;
    return m == MODE_TOP10 ? (long long)i : (long long)trawl_search_count(s);
}

/* Steps st over the bound query; returns the rows (TOP) or count(*) (COUNT), -1 on error. */
static long long fts_step(sqlite3_stmt *st, const char *match, int is_count)
{
    long long n = 0;
    int rc;
    sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        n = is_count ? sqlite3_column_int64(st, 0) : n + (sqlite3_column_int64(st, 0) != 0);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? n : -1;
}

/* Runs one query on FTS5 in mode m (TOP_10_COUNT runs both statements). */
static long long lat_fts_one(sqlite3_stmt *top, sqlite3_stmt *cnt, const lat_query *q, int m)
{
    if (!q->fts) return -1;
    long long n = m == MODE_COUNT ? 0 : fts_step(top, q->fts, 0);
    return m == MODE_TOP10 || n < 0 ? n : fts_step(cnt, q->fts, 1);
}

/* Runs one query on Xapian in mode m: top 10 read, the exact count, or both. */
static long long lat_xapian_one(xp_db *x, const lat_query *q, int m)
{
    return xp_run(x, q->text, m == MODE_COUNT ? 0 : 10, m != MODE_TOP10);
}

typedef struct lat_ctx {
    trawl_search *s;
    trawl_search *sg; /**< on the index with phrase grams; NULL: no such engine */
    sqlite3_stmt *top, *cnt;
    xp_db *xapian; /**< NULL: no Xapian engine in this run */
    lat_query *qs;
    size_t n;
    int reps;
    const char *spec; /**< ab: the second engine's options (in place of FTS5) */
} lat_ctx;

/* One pass over all queries on engine e; stores the times in e's part of q->us (rep < 0:
 * warm-up). */
static void lat_pass(lat_ctx *c, int e, int m, int rep)
{
    for (size_t i = 0; i < c->n; i++) {
        lat_query *q = &c->qs[i];
        double t0 = lat_now_us();
        long long n = e == ENG_TRAWL    ? lat_trawl_one(c->s, q, m, NULL)
                      : e == ENG_GRAMS  ? lat_trawl_one(c->sg, q, m, NULL)
                      : e == ENG_XAPIAN ? lat_xapian_one(c->xapian, q, m)
                      : c->spec         ? lat_trawl_one(c->s, q, m, c->spec)
                                        : lat_fts_one(c->top, c->cnt, q, m);
        double t1 = lat_now_us();
        if (rep < 0) continue;
        q->us[e * c->reps + rep] = t1 - t0;
        q->n[e][m] = n;
    }
}

static int lat_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Writes engine e's raw.csv rows of mode m: set, class, mode, engine, query no, min and
 * median of the passes (µs), count. */
static void lat_emit(FILE *out, const char *set, lat_ctx *c, int e, int m)
{
    for (size_t i = 0; i < c->n; i++) {
        lat_query *q = &c->qs[i];
        double *us = q->us + e * c->reps;
        qsort(us, (size_t)c->reps, sizeof(double), lat_cmp_double);
        fprintf(out, "%s,%s,%s,%s%s,%zu,%.3f,%.3f,%lld\n", set, q->cls, lat_mode_names[m],
                e == ENG_TRAWL    ? "trawl"
                : e == ENG_GRAMS  ? "trawl+grams"
                : e == ENG_XAPIAN ? "xapian"
                : c->spec         ? "trawl+"
                                  : "fts5",
                e == ENG_PEER && c->spec ? c->spec : "", i, us[0], us[c->reps / 2], q->n[e][m]);
    }
}

static int lat_prepare(sqlite3 *db, lat_ctx *c)
{
    const char *top = "SELECT rowid FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT 10";
    const char *cnt = "SELECT count(*) FROM t WHERE t MATCH ?";
    if (sqlite3_prepare_v2(db, top, -1, &c->top, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, cnt, -1, &c->cnt, NULL) == SQLITE_OK)
        return 0;
    fprintf(stderr, "latency: prepare: %s\n", sqlite3_errmsg(db));
    return -1;
}

/* Frees the queries read by lat_read_queries, with their timings. */
static void lat_free_queries(lat_ctx *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->qs[i].cls);
        free(c->qs[i].text);
        free(c->qs[i].fts);
        free(c->qs[i].us);
    }
    free(c->qs);
}

/* 1 if mode m is named in the comma-separated list (NULL: every mode). */
static int lat_mode_wanted(const char *list, int m)
{
    size_t len = strlen(lat_mode_names[m]);
    for (const char *p = list; p && *p; p += strcspn(p, ","), p += *p == ',')
        if (strncmp(p, lat_mode_names[m], len) == 0 && (p[len] == ',' || p[len] == '\0')) return 1;
    return list == NULL;
}

static int lat_run(int argc, char **argv)
{
    const char *set = lat_need(argc, argv, "--set");
    const char *outpath = lat_arg(argc, argv, "--out", NULL);
    const char *modes = lat_arg(argc, argv, "--modes", NULL);
    const char *xdir = lat_arg(argc, argv, "--xapian", NULL);
    lat_ctx c = {.reps = atoi(lat_arg(argc, argv, "--reps", "5"))};
    trawl_index *idx = NULL;
    sqlite3 *db = NULL;
    char err[512];
    FILE *out = outpath ? fopen(outpath, "a") : stdout;
    if (c.reps < 1 || !out) return 2;
    c.n = lat_read_queries(lat_need(argc, argv, "--queries"), &c.qs, c.reps);
    int bad = c.n == 0 || lat_open(&idx, lat_need(argc, argv, "--index")) != TRAWL_OK ||
              trawl_search_new(&c.s, idx) != TRAWL_OK ||
              sqlite3_open_v2(lat_need(argc, argv, "--db"), &db, SQLITE_OPEN_READONLY, NULL) ||
              lat_prepare(db, &c);
    if (!bad && xdir &&
        xp_open(&c.xapian, xdir, lat_arg(argc, argv, "--language", "none"), err, sizeof err)) {
        fprintf(stderr, "latency: %s: %s\n", xdir, err);
        bad = 1;
    }
    const char *gdir = lat_arg(argc, argv, "--grams", NULL);
    trawl_index *gidx = NULL;
    if (!bad && gdir &&
        (lat_open(&gidx, gdir) != TRAWL_OK || trawl_search_new(&c.sg, gidx) != TRAWL_OK))
        bad = 1;
    int eng[N_ENGINES], n_eng = 0; /* the engines of this run */
    for (int e = 0; e < N_ENGINES; e++)
        if ((e != ENG_XAPIAN || c.xapian) && (e != ENG_GRAMS || c.sg)) eng[n_eng++] = e;
    for (int m = 0; !bad && m < N_MODES; m++) {
        if (!lat_mode_wanted(modes, m)) continue;
        /* The engines' passes alternate, so a slow spell of the shared machine hits all
         * alike; trawl's passes are short, and run back to back they could all fall in one. */
        double t0 = lat_now_us();
        for (int rep = -1; rep < c.reps; rep++)
            for (int e = 0; e < n_eng; e++)
                lat_pass(&c, eng[e], m, rep);
        fprintf(stderr, "latency: %s %s: %zu queries x %d on %d engines in %.1f s\n", set,
                lat_mode_names[m], c.n, c.reps + 1, n_eng, (lat_now_us() - t0) / 1e6);
        for (int e = 0; e < n_eng; e++)
            lat_emit(out, set, &c, eng[e], m);
    }
    sqlite3_finalize(c.top);
    sqlite3_finalize(c.cnt);
    sqlite3_close(db);
    xp_close(c.xapian);
    trawl_search_free(c.s);
    trawl_search_free(c.sg);
    trawl_index_close(idx);
    trawl_index_close(gidx);
    if (out != stdout) fclose(out);
    lat_free_queries(&c);
    return bad;
}

/* TOP_10 with the default options against TOP_10 with --opts, passes alternating. The CSV's
 * commas would split an engine name: a spec is written with ';' for ','. */
static int lat_ab(int argc, char **argv)
{
    const char *set = lat_need(argc, argv, "--set");
    const char *outpath = lat_arg(argc, argv, "--out", NULL);
    lat_ctx c = {.reps = atoi(lat_arg(argc, argv, "--reps", "5")),
                 .spec = lat_need(argc, argv, "--opts")};
    trawl_index *idx = NULL;
    FILE *out = outpath ? fopen(outpath, "a") : stdout;
    if (c.reps < 1 || !out || strchr(c.spec, ';')) return 2;
    c.n = lat_read_queries(lat_need(argc, argv, "--queries"), &c.qs, c.reps);
    int bad = c.n == 0 || lat_open(&idx, lat_need(argc, argv, "--index")) != TRAWL_OK ||
              trawl_search_new(&c.s, idx) != TRAWL_OK;
    if (!bad) {
        double t0 = lat_now_us();
        for (int rep = -1; rep < c.reps; rep++)
            for (int e = ENG_TRAWL; e <= ENG_PEER; e++)
                lat_pass(&c, e, MODE_TOP10, rep);
        fprintf(stderr, "latency: %s TOP_10: %zu queries x %d, defaults and %s, in %.1f s\n", set,
                c.n, c.reps + 1, c.spec, (lat_now_us() - t0) / 1e6);
        char spec[256];
        snprintf(spec, sizeof spec, "%s", c.spec);
        for (char *p = spec; *p; p++)
            if (*p == ',') *p = ';';
        c.spec = spec;
        for (int e = ENG_TRAWL; e <= ENG_PEER; e++)
            lat_emit(out, set, &c, e, MODE_TOP10);
    }
    trawl_search_free(c.s);
    trawl_index_close(idx);
    if (out != stdout) fclose(out);
    lat_free_queries(&c);
    return bad;
}

/* `latency translate QUERY`: prints the FTS5 form (for checking the translation by hand). */
static int lat_translate(int argc, char **argv)
{
    if (argc < 3) return 2;
    char *f = fts_translate(argv[2]);
    printf("%s\n", f ? f : "(none)");
    free(f);
    return 0;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";
    if (strcmp(cmd, "load") == 0) return lat_load(argc, argv);
    if (strcmp(cmd, "xload") == 0) return lat_xload(argc, argv);
    if (strcmp(cmd, "exec") == 0) return lat_exec(argc, argv);
    if (strcmp(cmd, "update") == 0) return lat_update(argc, argv);
    if (strcmp(cmd, "stats") == 0) return lat_stats(argc, argv);
    if (strcmp(cmd, "run") == 0) return lat_run(argc, argv);
    if (strcmp(cmd, "ab") == 0) return lat_ab(argc, argv);
    if (strcmp(cmd, "translate") == 0) return lat_translate(argc, argv);
    fprintf(
        stderr,
        "usage: latency load|xload|update|exec|stats|run|ab|translate ... (see bench/README.md)\n");
    return 2;
}
