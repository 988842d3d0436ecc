/* build: syncs of a corpus into an index (contract in build.h).
 *
 * Identity: every path argument is made canonical (realpath) and hung under a manifest root:
 * the nearest existing root above it, else a new one (the directory itself, or a file's
 * directory); a file's id is its path relative to that root. So `./d/a.txt` and `$PWD/d/a.txt`
 * are one document, and `d1/n.txt` and `d2/n.txt` two.
 *
 * Per file: stat; if the index holds it with the same size and mtime it is unchanged and not
 * read; otherwise it is read and hashed: the same hash is a touch (recorded so the next sync
 * need not read it again), another is an update. After the walk, documents under an argument
 * that the walk did not meet are deleted. Everything goes into one commit.
 *
 * A session keeps the writer open across commits: each commit ends the writer's pass, so the
 * next sync reads changed files again and deletes what it does not meet. A sync of one path
 * (build_sync_path) walks just that path with the id offset and root of the argument above it,
 * so its documents get the ids a full sync gives them. */
#include "build.h"

#include "corpus.h"
#include "writer.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct bld_arg {
    char *canon; /**< canonical path of the argument */
    int is_dir;
    uint32_t root; /**< its manifest root */
    size_t id_off; /**< a file's id starts at this byte of its canonical path */
} bld_arg;

struct build_session {
    const build_opts *o;
    err *e;
    iw *w;
    bld_arg *args;              /**< one per path of o (unused for JSON Lines) */
    char *index_canon;          /**< the index directory's canonical path (never synced) */
    const uint32_t *walk_roots; /**< the root of each path of the walk under way */
    build_result r;             /**< this pass's counts from the callbacks */
    iw_counts base;             /**< the writer's counts when this pass began */
    uint64_t n_seen;            /**< documents and files met in this pass (progress) */
    int had;                    /**< the gate found the file indexed (with prev_hash) */
    uint64_t prev_hash;
};

static void bld_warn(build_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void bld_warn(build_session *s, const char *fmt, ...)
{
    char msg[1200];
    va_list ap;
    if (!s->o->warn) return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    s->o->warn(s->o->warn_ctx, msg);
}

void build_opts_init(build_opts *o)
{
    memset(o, 0, sizeof *o);
}

static void bld_progress(build_session *s, uint64_t bytes)
{
    s->n_seen++;
    s->r.in_bytes += bytes;
    if (s->o->progress) s->o->progress(s->o->progress_ctx, s->n_seen, s->r.in_bytes);
}

/* ---------------------------------------------------------------- roots */

/* Canonical path of argument i and the root it hangs under. */
static int bld_arg_root(build_session *s, size_t i)
{
    bld_arg *a = &s->args[i];
    struct stat st;
    char dir[PATH_MAX];
    if (!(a->canon = realpath(s->o->paths[i], NULL)))
        return err_set(s->e, TRAWL_EARG, "%s: %s", s->o->paths[i], strerror(errno));
    if (stat(a->canon, &st) < 0)
        return err_set(s->e, TRAWL_EARG, "%s: %s", s->o->paths[i], strerror(errno));
    a->is_dir = S_ISDIR(st.st_mode);
    snprintf(dir, sizeof dir, "%s", a->canon);
    const char *top = a->is_dir ? dir : dirname(dir);
    if (!iw_root_above(s->w, a->canon, &a->root) && iw_root(s->w, top, &a->root) < 0)
        return s->e->rc;
    size_t rl = strlen(iw_root_path(s->w, a->root));
    a->id_off = rl == 1 ? 1 : rl + 1; /* the root "/" ends with its slash */
    return TRAWL_OK;
}

/* The canonical path of the index directory, which may not exist yet (its parent does, or the
 * writer could not create it): never a path to sync. */
static int bld_index_canon(build_session *s)
{
    char dir[PATH_MAX], base[PATH_MAX];
    if ((s->index_canon = realpath(s->o->index_dir, NULL))) return TRAWL_OK;
    snprintf(dir, sizeof dir, "%s", s->o->index_dir);
    snprintf(base, sizeof base, "%s", s->o->index_dir);
    char *parent = realpath(dirname(dir), NULL);
    const char *name = basename(base);
    size_t n = parent ? strlen(parent) + strlen(name) + 2 : 0;
    if (parent && (s->index_canon = malloc(n)))
        snprintf(s->index_canon, n, "%s%s%s", parent, strcmp(parent, "/") ? "/" : "", name);
    free(parent);
    return s->index_canon ? TRAWL_OK : err_set(s->e, TRAWL_ENOMEM, "out of memory");
}

/* 1 if path is top or lies below it (top "/" holds every absolute path). */
static int bld_is_under(const char *path, const char *top)
{
    size_t n = strlen(top);
    return strncmp(path, top, n) == 0 && (path[n] == '\0' || path[n] == '/' || n == 1);
}

/* The deepest argument that path is or lies under, or -1. */
static long bld_arg_of(const build_session *s, const char *path)
{
    long best = -1;
    for (size_t i = 0; !s->o->is_jsonl && i < s->o->n_paths; i++) {
        const bld_arg *a = &s->args[i];
        if (!a->canon || !(a->is_dir ? bld_is_under(path, a->canon) : !strcmp(path, a->canon)))
            continue;
        if (best < 0 || strlen(a->canon) > strlen(s->args[best].canon)) best = (long)i;
    }
    return best;
}

int build_covers(const build_session *s, const char *path)
{
    long i = bld_arg_of(s, path);
    if (i < 0 || (s->index_canon && bld_is_under(path, s->index_canon))) return 0;
    /* The walk skips hidden entries below an argument (an argument itself may be hidden). */
    const char *top = s->args[i].canon;
    return strstr(path + (strcmp(top, "/") ? strlen(top) : 0), "/.") == NULL;
}

/* ---------------------------------------------------------------- corpus callbacks */

/* Before a text file is read: unchanged by size and mtime, or seen already (two arguments
 * overlap), means it is skipped. */
static int bld_gate(void *ctx, const corpus_file *f)
{
    build_session *s = ctx;
    fmt_src src;
    uint32_t root = s->walk_roots[f->arg];
    int r = iw_lookup(s->w, root, f->id, f->id_len, &src);
    s->had = r == 1;
    s->prev_hash = src.hash;
    if (r < 0) return r;
    if (r == 2) return CORPUS_SKIP;
    if (r == 1 && src.size == f->size && src.mtime_ns == f->mtime_ns) {
        s->r.n_unchanged++;
        bld_progress(s, 0);
        return iw_seen(s->w, root, f->id, f->id_len) < 0 ? s->e->rc : CORPUS_SKIP;
    }
    return CORPUS_READ;
}

/* A document read from the corpus: unchanged content (a touch), an update, or new. */
static int bld_on_doc(void *ctx, const corpus_doc *d)
{
    build_session *s = ctx;
    uint32_t root = s->o->is_jsonl ? 0 : s->walk_roots[d->arg];
    int rc = TRAWL_OK, replaced = 0;
    if (s->o->is_jsonl) { /* no gate for records: look each up here */
        fmt_src src;
        int r = iw_lookup(s->w, 0, d->id, d->id_len, &src);
        if (r < 0) return r;
        s->had = r == 1;
        s->prev_hash = src.hash;
    }
    bld_progress(s, d->in_bytes);
    if (s->had && s->prev_hash == d->hash) {
        s->r.n_unchanged++;
        s->had = 0;
        return s->o->is_jsonl ? iw_seen(s->w, root, d->id, d->id_len)
                              : iw_touch(s->w, root, d->id, d->id_len, d->in_bytes, d->mtime_ns);
    }
    s->had = 0;
    iw_doc doc = {root,        d->id,       d->id_len,   d->date, d->text,
                  d->text_len, d->in_bytes, d->mtime_ns, d->hash};
    rc = iw_add(s->w, &doc, &replaced);
    if (rc < 0) return rc;
    if (replaced)
        s->r.n_updated++;
    else
        s->r.n_added++;
    return TRAWL_OK;
}

/* ---------------------------------------------------------------- deletions */

/* Deletes one id: a JSON Lines id, or else a file path (resolved like the arguments). */
static int bld_delete_one(build_session *s, const char *id)
{
    int r = iw_delete(s->w, 0, id, strlen(id));
    if (r != 0) return r < 0 ? r : TRAWL_OK;
    char dir[PATH_MAX], base[PATH_MAX], canon[PATH_MAX + 2];
    uint32_t root;
    snprintf(dir, sizeof dir, "%s", id);
    snprintf(base, sizeof base, "%s", id);
    char *real_dir = realpath(dirname(dir), NULL);
    if (real_dir) {
        snprintf(canon, sizeof canon, "%s/%s", strcmp(real_dir, "/") ? real_dir : "",
                 basename(base));
        free(real_dir);
        if (iw_root_above(s->w, canon, &root)) {
            size_t rl = strlen(iw_root_path(s->w, root));
            rl = rl == 1 ? 1 : rl + 1;
            r = strlen(canon) > rl ? iw_delete(s->w, root, canon + rl, strlen(canon + rl)) : 0;
            if (r != 0) return r < 0 ? r : TRAWL_OK;
        }
    }
    bld_warn(s, "%s: no such document in the index, nothing deleted", id);
    s->r.n_missing++;
    return TRAWL_OK;
}

/* --delete-from FILE: one id a line (blank lines skipped). */
static int bld_delete_from(build_session *s, const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = TRAWL_OK;
    if (!f) return err_set(s->e, TRAWL_EARG, "%s: %s", path, strerror(errno));
    while (rc == TRAWL_OK && (n = getline(&line, &cap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n > 0) rc = bld_delete_one(s, line);
    }
    if (rc == TRAWL_OK && ferror(f)) rc = err_set(s->e, TRAWL_EIO, "%s: read error", path);
    free(line);
    if (f != stdin) fclose(f);
    return rc;
}

static int bld_deletes(build_session *s)
{
    int rc = TRAWL_OK;
    for (size_t i = 0; rc == TRAWL_OK && i < s->o->n_delete_ids; i++)
        rc = bld_delete_one(s, s->o->delete_ids[i]);
    if (rc == TRAWL_OK && s->o->delete_from) rc = bld_delete_from(s, s->o->delete_from);
    return rc;
}

/* ---------------------------------------------------------------- syncs */

/* The counting walk before the sync: the same selection, every file counted, none read. */
typedef struct bld_count {
    uint64_t n_files, bytes;
} bld_count;

static int bld_count_file(void *ctx, const corpus_file *f)
{
    bld_count *c = ctx;
    c->n_files++;
    c->bytes += f->size;
    return CORPUS_SKIP;
}

static int bld_plan(build_session *s, const corpus_opts *co, const char *const *paths, size_t n)
{
    bld_count c = {0, 0};
    corpus_opts count = *co;
    count.gate = bld_count_file;
    count.gate_ctx = &c;
    count.warn = NULL; /* the real walk says it again */
    count.note = NULL;
    count.on_dir = NULL;
    int rc = corpus_walk(&count, paths, n, bld_on_doc, s, s->e);
    if (rc == TRAWL_OK) s->o->plan(s->o->progress_ctx, c.n_files, c.bytes);
    return rc;
}

/* Walks paths[0..n) into the writer, a file's id starting at offs[i] (NULL: JSON Lines) and
 * hanging under roots[i]. missing_ok: a path that is gone is no error (it is synced by the
 * deletions that follow). */
static int bld_walk(build_session *s, const char *const *paths, const size_t *offs,
                    const size_t *sel_offs, const uint32_t *roots, size_t n, int missing_ok)
{
    const build_opts *o = s->o;
    corpus_opts co = {.is_jsonl = o->is_jsonl,
                      .id_field = o->id_field,
                      .text_field = o->text_field,
                      .date_field = o->date_field,
                      .skip_dir = o->index_dir,
                      .id_offs = offs,
                      .sel_offs = sel_offs,
                      .gate = o->is_jsonl ? NULL : bld_gate,
                      .gate_ctx = s,
                      .warn = o->warn,
                      .warn_ctx = o->warn_ctx,
                      .on_dir = o->on_dir,
                      .dir_ctx = o->dir_ctx,
                      .missing_ok = missing_ok,
                      .select = o->select,
                      .note = o->note,
                      .note_ctx = o->note_ctx};
    s->walk_roots = roots;
    int rc = TRAWL_OK;
    if (n && o->plan && !o->is_jsonl) rc = bld_plan(s, &co, paths, n);
    if (rc == TRAWL_OK && n) rc = corpus_walk(&co, paths, n, bld_on_doc, s, s->e);
    s->walk_roots = NULL;
    /* A callback's own code (on_dir's) may not be in e yet. */
    return rc < 0 && !s->e->rc ? err_set(s->e, rc, "%s", "sync stopped") : rc;
}

/* Deletes the documents at path, and below it if dir_too, that this pass did not meet. */
static int bld_delete_unseen(build_session *s, const char *path, int dir_too)
{
    uint64_t n;
    int rc = iw_delete_unseen(s->w, path, 0, &n);
    if (rc == TRAWL_OK && dir_too) rc = iw_delete_unseen(s->w, path, 1, &n);
    return rc;
}

int build_sync_all(build_session *s)
{
    size_t n = s->o->n_paths;
    const char **paths = calloc(n + 1, sizeof *paths);
    size_t *offs = calloc(n + 1, sizeof *offs);
    uint32_t *roots = calloc(n + 1, sizeof *roots);
    int rc = paths && offs && roots ? TRAWL_OK : err_set(s->e, TRAWL_ENOMEM, "out of memory");
    for (size_t i = 0; rc == TRAWL_OK && i < n; i++) {
        paths[i] = s->o->is_jsonl ? s->o->paths[i] : s->args[i].canon;
        offs[i] = s->o->is_jsonl ? 0 : s->args[i].id_off;
        roots[i] = s->o->is_jsonl ? 0 : s->args[i].root;
    }
    /* Every walk before any deletion: an argument below another (even a hidden one the
     * other's walk skips) is met before the deletions under the outer one. */
    if (rc == TRAWL_OK) rc = bld_walk(s, paths, s->o->is_jsonl ? NULL : offs, NULL, roots, n, 1);
    for (size_t i = 0; rc == TRAWL_OK && !s->o->is_jsonl && i < n; i++)
        rc = bld_delete_unseen(s, s->args[i].canon, s->args[i].is_dir);
    free(paths);
    free(offs);
    free(roots);
    return rc;
}

int build_sync_path(build_session *s, const char *path, int was_dir)
{
    struct stat st;
    long i = bld_arg_of(s, path);
    if (i < 0) return err_set(s->e, TRAWL_EARG, "%s: not under any path of this sync", path);
    int is_dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
    const bld_arg *a = &s->args[i];
    /* the selection as the argument's walk sees it: from the argument down to path */
    size_t sel_off = !a->is_dir ? 0 : strlen(a->canon) == 1 ? 1 : strlen(a->canon) + 1;
    int rc = TRAWL_OK;
    if (build_covers(s, path)) rc = bld_walk(s, &path, &a->id_off, &sel_off, &a->root, 1, 1);
    return rc == TRAWL_OK ? bld_delete_unseen(s, path, is_dir || was_dir) : rc;
}

/* ---------------------------------------------------------------- sessions */

/* What this pass did, into r; the next pass counts from here. */
static void bld_result(build_session *s, build_result *r)
{
    const iw_counts *c = iw_get_counts(s->w), *b = &s->base;
    *r = s->r;
    r->n_docs = (uint32_t)(c->added + c->replaced - b->added - b->replaced);
    r->n_deleted = c->deleted - b->deleted;
    r->tokens = c->tokens - b->tokens;
    r->n_terms = c->new_bytes != b->new_bytes ? c->new_terms : 0;
    r->file_bytes = c->new_bytes - b->new_bytes;
    r->stored_bytes = c->new_stored - b->new_stored;
    r->n_runs = c->n_runs - b->n_runs;
    r->n_segments = iw_n_segments(s->w);
    r->n_live = iw_n_docs(s->w);
    r->merges = c->merges - b->merges;
    r->commits = c->commits - b->commits;
    s->base = *c;
    memset(&s->r, 0, sizeof s->r);
    s->n_seen = 0;
}

int build_commit(build_session *s, build_result *r)
{
    int rc = iw_commit(s->w);
    if (rc == TRAWL_OK && s->o->merge) rc = iw_merge_all(s->w);
    bld_result(s, r);
    return rc;
}

/* Opens the writer with o's settings; refuses to sync files into an index that cannot tell
 * where its documents came from. */
static int bld_open_writer(build_session *s)
{
    const build_opts *o = s->o;
    iw_opts wo = {.dir = o->index_dir,
                  .language = o->language,
                  .max_token_len = o->max_token_len,
                  .phrase_grams = o->phrase_grams,
                  .memory_bytes = o->memory_bytes,
                  .threads = o->threads,
                  .rebuild = o->rebuild,
                  .no_merge = o->no_merge,
                  .policy = o->policy,
                  .warn = o->warn,
                  .warn_ctx = o->warn_ctx};
    int rc = iw_open(&s->w, &wo, s->e);
    if (rc == TRAWL_OK && !o->is_jsonl && o->n_paths && iw_has_v1(s->w))
        rc = err_set(s->e, TRAWL_EARG,
                     "%s was built by an older trawl that did not record where files came from; "
                     "rebuild it with --rebuild to keep it in sync",
                     o->index_dir);
    return rc;
}

int build_open(build_session **out, const build_opts *o, err *e)
{
    *out = NULL;
    build_session *s = calloc(1, sizeof *s);
    if (!s) return err_set(e, TRAWL_ENOMEM, "out of memory");
    s->o = o;
    s->e = e;
    int rc = corpus_check_paths(o->paths, o->n_paths, e);
    if (rc == TRAWL_OK && !(s->args = calloc(o->n_paths + 1, sizeof *s->args)))
        rc = err_set(e, TRAWL_ENOMEM, "out of memory");
    if (rc == TRAWL_OK) rc = bld_open_writer(s);
    for (size_t i = 0; rc == TRAWL_OK && !o->is_jsonl && i < o->n_paths; i++)
        rc = bld_arg_root(s, i);
    if (rc == TRAWL_OK && !o->is_jsonl) rc = bld_index_canon(s);
    if (rc != TRAWL_OK) {
        build_close(s);
        return rc;
    }
    *out = s;
    return TRAWL_OK;
}

void build_close(build_session *s)
{
    if (!s) return;
    iw_close(s->w);
    for (size_t i = 0; s->args && i < s->o->n_paths; i++)
        free(s->args[i].canon);
    free(s->args);
    free(s->index_canon);
    free(s);
}

/* ---------------------------------------------------------------- the run */

/* A sync that wrote nothing and found nothing is a mistake when the index would be empty (or
 * replaced): no documents under the paths given. */
static int bld_check_found(build_session *s)
{
    const build_opts *o = s->o;
    const iw_counts *c = iw_get_counts(s->w);
    int wrote = c->added + c->replaced > 0;
    if (o->n_paths && !wrote && (o->rebuild || (iw_n_segments(s->w) == 0 && !o->merge)) &&
        s->r.n_unchanged == 0)
        return err_set(s->e, TRAWL_EARG, "no documents found in %s%s", o->paths[0],
                       o->n_paths > 1 ? " and the other paths" : "");
    return TRAWL_OK;
}

int build_run(const build_opts *o, build_result *r, err *e)
{
    build_session *s = NULL;
    memset(r, 0, sizeof *r);
    if (o->n_paths == 0 && !o->n_delete_ids && !o->delete_from && !o->merge)
        return err_set(e, TRAWL_EARG, "no input paths");
    int rc = build_open(&s, o, e);
    if (rc == TRAWL_OK) rc = build_sync_all(s);
    if (rc == TRAWL_OK) rc = bld_deletes(s);
    if (rc == TRAWL_OK) rc = bld_check_found(s);
    if (rc == TRAWL_OK) rc = build_commit(s, r);
    build_close(s);
    return rc;
}
