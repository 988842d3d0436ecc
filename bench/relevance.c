/* relevance: runs a bag-of-words query set on trawl and on SQLite FTS5 and writes one TREC run
 * file per engine (bench/eval_trec.py scores them). Both engines index the same JSONL corpus:
 * trawl through trawl-index --jsonl, FTS5 through `latency load` (rowid = line number, mapped
 * back to the JSONL id here).
 *
 *   relevance --index DIR --db D --jsonl CORPUS --queries Q.tsv --trawl-run F --fts-run G
 *             [--depth 1000] [--variants LIST --variant-dir OUT]
 *
 * Q.tsv lines are "<id>\t<words>", words free of query syntax but for a final * (a prefix:
 * trawl's syntax, and FTS5's "w"*). trawl runs them as a union (default_or = 1) with the
 * library's default options; FTS5 as "w1" OR "w2" ... ranked by bm25(). LIST has one trawl
 * configuration a line, "NAME key=value,key=value" (bench/trawlopts.h; an empty spec is the
 * defaults), each run into OUT/NAME.run, so one process scores every configuration of a comparison.
 */
#include "trawl.h"
#include "trawlopts.h"

#include <errno.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rel_ids {
    char **id; /**< [n + 1]: id[rowid], id[0] unused */
    size_t n;
} rel_ids;

static const char *rel_arg(int argc, char **argv, const char *name, const char *dflt)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0) return argv[i + 1];
    return dflt;
}

static const char *rel_need(int argc, char **argv, const char *name)
{
    const char *v = rel_arg(argc, argv, name, NULL);
    if (!v) {
        fprintf(stderr, "relevance: missing %s\n", name);
        exit(2);
    }
    return v;
}

/* Reads the "id" of every JSONL line, in order, so FTS5 rowid r names ids->id[r]. */
static int rel_read_ids(const char *path, rel_ids *ids)
{
    FILE *in = fopen(path, "r");
    json_error_t je;
    json_t *j;
    size_t cap = 0;
    if (!in) {
        fprintf(stderr, "relevance: %s: %s\n", path, strerror(errno));
        return -1;
    }
    while ((j = json_loadf(in, JSON_DISABLE_EOF_CHECK, &je)) != NULL) {
        const char *id = json_string_value(json_object_get(j, "id"));
        if (ids->n + 2 > cap) {
            cap = cap ? 2 * cap : 4096;
            ids->id = realloc(ids->id, cap * sizeof(char *));
            if (!ids->id) exit(1);
        }
        ids->id[++ids->n] = strdup(id ? id : "");
        json_decref(j);
    }
    fclose(in);
    return 0;
}

/* Writes up to depth ranked trawl hits of query qid under options spec ("" = defaults). */
static void rel_trawl(trawl_search *s, const char *spec, const char *qid, const char *words,
                      uint32_t depth, FILE *out)
{
    trawl_options o;
    trawl_hit h;
    trawl_options_init(&o);
    o.default_or = 1;
    o.limit = depth;
    if (trawlopts_apply(&o, spec) < 0) exit(2);
    if (trawl_search_run(s, words, &o) != TRAWL_OK) {
        fprintf(stderr, "relevance: trawl query %s: %s\n", qid, trawl_search_errmsg(s));
        return;
    }
    for (size_t i = 0; trawl_search_hit(s, i, &h) == TRAWL_OK; i++)
        fprintf(out, "%s Q0 %.*s %zu %.6f trawl\n", qid, (int)h.id_len, h.id, i + 1, h.score);
}

/* "w1" OR "w2"* ... of the space-separated words (which carry no quotes; a final * is a
 * prefix). */
static char *rel_fts_or(const char *words)
{
    size_t len = strlen(words), o = 0;
    char *out = malloc(4 * len + 8);
    const char *p = words;
    while (out && *p) {
        while (*p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        if (e == p) break;
        int star = e - p > 1 && e[-1] == '*';
        if (o) o += (size_t)sprintf(out + o, " OR ");
        o += (size_t)sprintf(out + o, "\"%.*s\"%s", (int)(e - p - star), p, star ? "*" : "");
        p = e;
    }
    if (out) out[o] = '\0';
    return out;
}

/* Writes up to depth FTS5 hits (score = -bm25, so larger is better, as in trawl). */
static void rel_fts(sqlite3_stmt *st, const rel_ids *ids, const char *qid, const char *words,
                    FILE *out)
{
    char *match = rel_fts_or(words);
    int rc;
    size_t rank = 0;
    if (!match || !*match) {
        free(match);
        return;
    }
    sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite3_int64 row = sqlite3_column_int64(st, 0);
        if (row < 1 || (size_t)row > ids->n) continue;
        fprintf(out, "%s Q0 %s %zu %.6f fts5\n", qid, ids->id[row], ++rank,
                -sqlite3_column_double(st, 1));
    }
    if (rc != SQLITE_DONE) fprintf(stderr, "relevance: fts5 query %s: %d\n", qid, rc);
    sqlite3_reset(st);
    free(match);
}

#define REL_MAX_VARIANTS 256

typedef struct rel_ctx {
    trawl_search *s;
    sqlite3_stmt *st;
    rel_ids ids;
    FILE *trun, *frun;
    uint32_t depth;
    char *vname[REL_MAX_VARIANTS], *vspec[REL_MAX_VARIANTS]; /**< --variants */
    FILE *vrun[REL_MAX_VARIANTS];
    size_t n_var;
} rel_ctx;

/* Reads the variants file and opens OUT/NAME.run for each. */
static int rel_variants(rel_ctx *c, const char *list, const char *dir)
{
    FILE *in = fopen(list, "r");
    char line[1024], path[1200];
    if (!in) {
        fprintf(stderr, "relevance: %s: %s\n", list, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof line, in) && c->n_var < REL_MAX_VARIANTS) {
        char name[256], spec[768] = "";
        if (sscanf(line, "%255s %767s", name, spec) < 1 || name[0] == '#') continue;
        snprintf(path, sizeof path, "%s/%s.run", dir, name);
        c->vname[c->n_var] = strdup(name);
        c->vspec[c->n_var] = strdup(spec);
        if (!(c->vrun[c->n_var] = fopen(path, "w"))) {
            fprintf(stderr, "relevance: %s: %s\n", path, strerror(errno));
            fclose(in);
            return -1;
        }
        c->n_var++;
    }
    fclose(in);
    return 0;
}

static int rel_queries(rel_ctx *c, const char *path)
{
    FILE *in = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    if (!in) return -1;
    while ((len = getline(&line, &cap, in)) > 0) {
        if (line[len - 1] == '\n') line[len - 1] = '\0';
        char *tab = strchr(line, '\t');
        if (!tab) continue;
        *tab = '\0';
        rel_trawl(c->s, "", line, tab + 1, c->depth, c->trun);
        rel_fts(c->st, &c->ids, line, tab + 1, c->frun);
        for (size_t v = 0; v < c->n_var; v++)
            rel_trawl(c->s, c->vspec[v], line, tab + 1, c->depth, c->vrun[v]);
    }
    free(line);
    fclose(in);
    return 0;
}

static int rel_open(rel_ctx *c, const char *dir, const char *dbpath, sqlite3 **db,
                    trawl_index **idx)
{
    char errbuf[512], sql[128];
    const char *dirs[] = {dir};
    int rc = trawl_index_open(idx, dirs, 1, errbuf, sizeof errbuf);
    if (rc != TRAWL_OK) {
        fprintf(stderr, "relevance: %s: %s\n", trawl_strerror(rc), errbuf);
        return -1;
    }
    if (trawl_search_new(&c->s, *idx) != TRAWL_OK) return -1;
    snprintf(sql, sizeof sql,
             "SELECT rowid, bm25(t) FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT %u", c->depth);
    if (sqlite3_open_v2(dbpath, db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(*db, sql, -1, &c->st, NULL) != SQLITE_OK) {
        fprintf(stderr, "relevance: %s: %s\n", dbpath, sqlite3_errmsg(*db));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    rel_ctx c = {.depth = (uint32_t)atoi(rel_arg(argc, argv, "--depth", "1000"))};
    trawl_index *idx = NULL;
    sqlite3 *db = NULL;
    c.trun = fopen(rel_need(argc, argv, "--trawl-run"), "w");
    c.frun = fopen(rel_need(argc, argv, "--fts-run"), "w");
    const char *vlist = rel_arg(argc, argv, "--variants", NULL);
    int bad =
        !c.trun || !c.frun ||
        (vlist && rel_variants(&c, vlist, rel_need(argc, argv, "--variant-dir"))) ||
        rel_read_ids(rel_need(argc, argv, "--jsonl"), &c.ids) ||
        rel_open(&c, rel_need(argc, argv, "--index"), rel_need(argc, argv, "--db"), &db, &idx) ||
        rel_queries(&c, rel_need(argc, argv, "--queries"));
    if (c.trun) fclose(c.trun);
    if (c.frun) fclose(c.frun);
    for (size_t v = 0; v < c.n_var; v++) {
        fclose(c.vrun[v]);
        free(c.vname[v]);
        free(c.vspec[v]);
    }
    sqlite3_finalize(c.st);
    sqlite3_close(db);
    trawl_search_free(c.s);
    trawl_index_close(idx);
    for (size_t i = 1; i <= c.ids.n; i++)
        free(c.ids.id[i]);
    free(c.ids.id);
    return bad;
}
