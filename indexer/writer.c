/* writer: the index writer (contract in writer.h).
 *
 * Order of effects of a commit, chosen so that a kill at any instant leaves the previous
 * generation usable and a reader never sees a half-written one:
 *   1. the new segment is finished: written as .seg-N.trw.tmp, fsynced, renamed seg-N.trw;
 *   2. each segment with new deletions or touches gets seg-N-G.liv (same dance) for the new
 *      generation G;
 *   3. the manifest naming them is written beside the old one and renamed over it: the commit;
 *   4. files the new manifest does not name are deleted (readers that mapped them keep them).
 * A merge is a commit of its own: the merged segment is written, then a manifest that lists it
 * instead of its inputs. Segment ids come from the manifest's next_segment, so a file name is
 * never reused while an old reader may still hold it. */
#include "writer.h"

#include "analyzer.h"
#include "catalog.h"
#include "fsx.h"
#include "grams.h"
#include "liv.h"
#include "liv_writer.h"
#include "manifest.h"
#include "segbuild.h"
#include "segment.h"
#include "segmerge.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define IW_KEY_JSONL '\x01' /* first byte of a JSON Lines id's key (a path key starts with /) */

/* A committed segment and what is pending for it. */
typedef struct iw_seg {
    segment *seg;
    liv *live;       /**< its committed live file, NULL if none */
    liv_builder *lb; /**< deletions and touches since, NULL until the first */
} iw_seg;

struct iw {
    iw_opts o;
    char dir[4096];
    err *e;
    int rc;       /**< sticky failure: the writer refuses further work */
    int lock_fd;  /**< -1 until the directory exists and is locked */
    manifest m;   /**< the generation last committed (roots may run ahead) */
    iw_seg *segs; /**< m.segs' segments, same order */
    char language[32];
    uint32_t max_tok;
    analyzer *an;
    grams *grams; /**< the index's phrase grams, NULL if it has none */
    catalog *cat; /**< NULL until first needed */
    segbuild *sb; /**< the new segment, NULL until the first document */
    uint64_t sb_id;
    char sb_name[MANIFEST_NAME_MAX];
    uint64_t *sb_del; /**< documents of the new segment deleted before it was committed */
    size_t sb_del_cap;
    int drop_old; /**< rebuild: the next commit lists only new segments */
    int has_v1;
    int dirty; /**< something to commit */
    iw_counts c;
    buf key; /**< scratch for identity keys */
};

static void iw_warn(iw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void iw_warn(iw *w, const char *fmt, ...)
{
    char msg[1200];
    va_list ap;
    if (!w->o.warn) return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    w->o.warn(w->o.warn_ctx, msg);
}

/* Records a failure: the writer stops. */
static int iw_fail(iw *w, int rc)
{
    if (w->rc == TRAWL_OK) w->rc = rc;
    return rc;
}

static int iw_path(const iw *w, char *out, size_t cap, const char *name)
{
    return fsx_join(out, cap, w->dir, name, w->e);
}

/* ---------------------------------------------------------------- directory */

/* Takes the exclusive lock on DIR/LOCK, held until iw_close. */
static int iw_lock(iw *w)
{
    char path[4096];
    if (iw_path(w, path, sizeof path, "LOCK") < 0) return w->e->rc;
    int fd = fsx_open_regular(path, O_RDWR | O_CREAT, 0644, NULL);
    if (fd == FSX_NOT_REGULAR) return err_set(w->e, TRAWL_EIO, "%s: not a regular file", path);
    if (fd < 0) return err_set(w->e, TRAWL_EIO, "%s: %s", path, strerror(errno));
    w->lock_fd = fd;
    if (flock(w->lock_fd, LOCK_EX | LOCK_NB) < 0)
        return err_set(w->e, TRAWL_EIO, "%s: %s", path,
                       errno == EWOULDBLOCK ? "locked: another writer is updating this index"
                                            : strerror(errno));
    return TRAWL_OK;
}

/* 1 if name is one of ours: "seg-" then digits, and ".trw", or "-" digits ".liv". */
static int iw_is_ours(const char *name, uint64_t *seg_id)
{
    unsigned long long id, gen;
    int n = 0;
    if (sscanf(name, "seg-%llu.trw%n", &id, &n) == 1 && name[n] == '\0') {
        *seg_id = id;
        return 1;
    }
    n = 0;
    if (sscanf(name, "seg-%llu-%llu.liv%n", &id, &gen, &n) == 2 && name[n] == '\0') {
        *seg_id = id;
        return 1;
    }
    return 0;
}

/* Deletes leftover temporary files and every segment or live file m does not name (m NULL:
 * all of them). Only with the lock held; failures are ignored (the files are garbage either
 * way, and the next writer tries again). *max_id receives the largest segment id seen. */
static void iw_gc(iw *w, const manifest *m, uint64_t *max_id)
{
    char path[4096];
    err e2;
    DIR *d = opendir(w->dir);
    struct dirent *de;
    if (!d) return;
    err_init(&e2);
    while ((de = readdir(d)) != NULL) {
        uint64_t id = 0;
        int is_tmp = de->d_name[0] == '.' && strstr(de->d_name, ".tmp") != NULL;
        int ours = iw_is_ours(de->d_name, &id);
        if (ours && max_id && id > *max_id) *max_id = id;
        int named = 0;
        for (size_t i = 0; ours && m && i < m->n_segs; i++)
            named |=
                strcmp(m->segs[i].name, de->d_name) == 0 || strcmp(m->segs[i].liv, de->d_name) == 0;
        if ((is_tmp || (ours && !named)) &&
            fsx_join(path, sizeof path, w->dir, de->d_name, &e2) == 0)
            unlink(path);
    }
    closedir(d);
}

/* Settles language and max token length: given, or the existing index's, or defaults. */
static int iw_settings(iw *w, int inherit)
{
    const char *lang = w->o.language;
    uint32_t mt = w->o.max_token_len;
    if (inherit && lang && strcmp(lang, w->m.language) != 0)
        return err_set(w->e, TRAWL_EARG, "%s was built with --language %s, not %s", w->dir,
                       w->m.language, lang);
    if (inherit && mt && mt != w->m.max_token_len)
        return err_set(w->e, TRAWL_EARG, "%s was built with --max-token-len %u, not %u", w->dir,
                       w->m.max_token_len, mt);
    if (inherit && w->o.phrase_grams && !w->m.phrase_grams)
        return err_set(w->e, TRAWL_EARG,
                       "%s was built without --phrase-grams; add them with --rebuild", w->dir);
    if (!lang) lang = inherit ? w->m.language : "english";
    if (!mt) mt = inherit ? w->m.max_token_len : ANALYZER_DEFAULT_MAX_TOKEN;
    snprintf(w->language, sizeof w->language, "%s", lang);
    w->max_tok = mt;
    memcpy(w->m.language, w->language, sizeof w->m.language);
    w->m.max_token_len = mt;
    /* an index keeps the word list it was built with, even under a newer build */
    w->m.phrase_grams = inherit && w->m.phrase_grams ? w->m.phrase_grams
                        : w->o.phrase_grams          ? GRAMS_VERSION
                                                     : 0;
    int rc = analyzer_new(&w->an, w->language, w->max_tok, w->e);
    if (rc == TRAWL_OK && w->m.phrase_grams)
        rc = grams_new(&w->grams, w->an, w->m.phrase_grams, w->e);
    return rc;
}

/* Turns a failure to read the existing index into the "corrupt, left untouched" error. */
static int iw_corrupt(iw *w)
{
    char why[sizeof w->e->msg];
    snprintf(why, sizeof why, "%s", w->e->msg);
    err_init(w->e);
    return err_set(w->e, TRAWL_ECORRUPT,
                   "%s: existing index is unreadable (%s); left untouched, use --rebuild to "
                   "replace it",
                   w->dir, why);
}

/* Maps the segments and live files m names into w->segs. */
static int iw_open_segs(iw *w)
{
    char path[4096];
    if (w->m.n_segs && !(w->segs = calloc(w->m.n_segs, sizeof *w->segs)))
        return err_set(w->e, TRAWL_ENOMEM, "out of memory");
    for (size_t i = 0; i < w->m.n_segs; i++) {
        const manifest_seg *ms = &w->m.segs[i];
        iw_seg *s = &w->segs[i];
        int rc = iw_path(w, path, sizeof path, ms->name);
        if (rc == TRAWL_OK) rc = segment_open(&s->seg, path, ms->name, ms->id, w->e);
        if (rc == TRAWL_OK && segment_n_docs(s->seg) != ms->n_docs)
            rc = err_set(w->e, TRAWL_ECORRUPT, "%s: %u documents, the manifest says %u", ms->name,
                         segment_n_docs(s->seg), ms->n_docs);
        if (rc == TRAWL_OK && ms->liv[0] && iw_path(w, path, sizeof path, ms->liv) == 0)
            rc = liv_open(&s->live, path, ms->liv, ms->id, ms->n_docs, w->e);
        if (rc == TRAWL_OK && s->live && s->live->n_deleted != ms->n_deleted)
            rc = err_set(w->e, TRAWL_ECORRUPT, "%s: deleted count differs from the manifest's",
                         ms->liv);
        if (rc != TRAWL_OK) return rc;
        w->has_v1 |= !segment_has_src(s->seg);
    }
    return TRAWL_OK;
}

/* Reads the existing index (if any) once the directory is locked. */
static int iw_read_existing(iw *w)
{
    char path[4096];
    struct stat st;
    uint64_t max_id = 0;
    if (iw_path(w, path, sizeof path, MANIFEST_NAME) < 0) return w->e->rc;
    if (lstat(path, &st) < 0 && errno == ENOENT) {
        iw_gc(w, NULL, &max_id);
        w->m.next_seg = max_id + 1;
        return iw_settings(w, 0);
    }
    int rc = manifest_read(&w->m, w->dir, w->e);
    if (rc == TRAWL_OK) rc = iw_open_segs(w);
    if (rc < 0 && w->o.rebuild) {
        iw_warn(w, "%s: ignoring the unreadable existing index (%s)", w->dir, w->e->msg);
        err_init(w->e);
        for (size_t i = 0; w->segs && i < w->m.n_segs; i++) {
            liv_close(w->segs[i].live);
            segment_close(w->segs[i].seg);
        }
        free(w->segs);
        w->segs = NULL;
        manifest_free(&w->m);
        iw_gc(w, NULL, &max_id);
        w->m.next_seg = max_id + 1;
        w->has_v1 = 0;
        return iw_settings(w, 0);
    }
    if (rc < 0) return rc == TRAWL_ENOMEM || rc == TRAWL_EVERSION ? rc : iw_corrupt(w);
    iw_gc(w, &w->m, NULL);
    if (w->o.rebuild) { /* new documents hang under fresh roots */
        for (size_t i = 0; i < w->m.n_roots; i++)
            free(w->m.roots[i].path);
        w->m.n_roots = 0;
    }
    return iw_settings(w, !w->o.rebuild);
}

int iw_open(iw **out, const iw_opts *o, err *e)
{
    struct stat st;
    *out = NULL;
    iw *w = calloc(1, sizeof *w);
    if (!w) return err_set(e, TRAWL_ENOMEM, "out of memory");
    w->o = *o;
    w->e = e;
    w->lock_fd = -1;
    w->drop_old = o->rebuild;
    if (!w->o.policy.ratio) policy_defaults(&w->o.policy);
    manifest_init(&w->m);
    buf_init(&w->key);
    int rc = strlen(o->dir) < sizeof w->dir ? TRAWL_OK
                                            : err_set(e, TRAWL_EARG, "%s: path too long", o->dir);
    if (rc == TRAWL_OK) strcpy(w->dir, o->dir);
    if (rc == TRAWL_OK && o->create) rc = fsx_mkdir(w->dir, e);
    if (rc == TRAWL_OK && stat(w->dir, &st) == 0) {
        rc = S_ISDIR(st.st_mode)
                 ? iw_lock(w)
                 : err_set(e, TRAWL_EARG, "%s: exists and is not a directory", w->dir);
        if (rc == TRAWL_OK) rc = iw_read_existing(w);
    } else if (rc == TRAWL_OK && errno != ENOENT) {
        rc = err_set(e, TRAWL_EIO, "%s: %s", w->dir, strerror(errno));
    } else if (rc == TRAWL_OK) {
        rc = iw_settings(w, 0);
    }
    if (rc != TRAWL_OK) {
        iw_close(w);
        return rc;
    }
    *out = w;
    return TRAWL_OK;
}

void iw_close(iw *w)
{
    if (!w) return;
    sb_free(w->sb);
    free(w->sb_del);
    for (size_t i = 0; w->segs && i < w->m.n_segs; i++) {
        lb_free(w->segs[i].lb);
        liv_close(w->segs[i].live);
        segment_close(w->segs[i].seg);
    }
    free(w->segs);
    manifest_free(&w->m);
    cat_free(w->cat);
    analyzer_free(w->an);
    grams_free(w->grams);
    buf_free(&w->key);
    if (w->lock_fd >= 0) close(w->lock_fd);
    free(w);
}

/* Creates and locks the directory before the first file goes into it. */
static int iw_ensure_dir(iw *w)
{
    char path[4096];
    struct stat st;
    if (w->lock_fd >= 0) return TRAWL_OK;
    int rc = fsx_mkdir(w->dir, w->e);
    if (rc == TRAWL_OK) rc = iw_lock(w);
    if (rc == TRAWL_OK && iw_path(w, path, sizeof path, MANIFEST_NAME) == 0 &&
        lstat(path, &st) == 0)
        rc = err_set(w->e, TRAWL_EIO, "%s: another writer created an index here meanwhile", w->dir);
    return rc;
}

/* ---------------------------------------------------------------- roots and identity */

int iw_root(iw *w, const char *path, uint32_t *root)
{
    return manifest_root_get(&w->m, path, root, w->e);
}

const char *iw_root_path(const iw *w, uint32_t root)
{
    return manifest_root_path(&w->m, root);
}

int iw_root_above(const iw *w, const char *path, uint32_t *root)
{
    size_t best = 0;
    int found = 0;
    for (size_t i = 0; i < w->m.n_roots; i++) {
        const char *r = w->m.roots[i].path;
        size_t n = strlen(r);
        int above = strncmp(path, r, n) == 0 && (path[n] == '\0' || path[n] == '/' || n == 1);
        if (above && n >= best) {
            best = n;
            *root = w->m.roots[i].id;
            found = 1;
        }
    }
    return found;
}

static int iw_catalog(iw *w);

/* The identity key of (root, id) in k: "\x01" id, or the root's path "/" id. */
static int iw_key_in(iw *w, buf *k, uint32_t root, const char *id, size_t len)
{
    k->len = 0;
    if (root == 0) {
        buf_put_u8(k, IW_KEY_JSONL);
    } else {
        const char *r = manifest_root_path(&w->m, root);
        if (!r) return err_set(w->e, TRAWL_ECORRUPT, "document under unknown root %u", root);
        size_t rl = strlen(r);
        buf_put(k, r, rl);
        if (rl == 0 || r[rl - 1] != '/') buf_put_u8(k, '/');
    }
    buf_put(k, id, len);
    return k->oom ? err_set(w->e, TRAWL_ENOMEM, "out of memory") : TRAWL_OK;
}

/* The key of (root, id) in w->key, with the catalog loaded (loading it builds keys too). */
static int iw_key(iw *w, uint32_t root, const char *id, size_t len)
{
    int rc = iw_catalog(w);
    return rc < 0 ? rc : iw_key_in(w, &w->key, root, id, len);
}

static iw_seg *iw_seg_by_id(iw *w, uint64_t id)
{
    for (size_t i = 0; i < w->m.n_segs; i++)
        if (w->m.segs[i].id == id) return &w->segs[i];
    return NULL;
}

static int iw_is_deleted(const iw_seg *s, uint32_t doc)
{
    return s->lb ? lb_is_deleted(s->lb, doc) : s->live && liv_is_deleted(s->live, doc);
}

/* Adds segment s's live documents to the catalog. */
static int iw_catalog_seg(iw *w, const iw_seg *s)
{
    buf k;
    buf_init(&k);
    for (uint32_t d = 0; d < segment_n_docs(s->seg); d++) {
        const char *id;
        size_t len;
        fmt_src src;
        if (iw_is_deleted(s, d)) continue;
        segment_doc_src(s->seg, d, &src);
        if (segment_doc_id(s->seg, d, &id, &len, w->e) < 0 ||
            iw_key_in(w, &k, src.root, id, len) < 0)
            break;
        if (cat_put(w->cat, (const char *)k.p, k.len, (cat_loc){segment_id(s->seg), d}) < 0) {
            err_set(w->e, TRAWL_ENOMEM, "out of memory for document ids");
            break;
        }
    }
    buf_free(&k);
    return w->e->rc;
}

/* Builds the catalog of every live document on first use. */
static int iw_catalog(iw *w)
{
    if (w->cat) return TRAWL_OK;
    if (!(w->cat = cat_new())) return err_set(w->e, TRAWL_ENOMEM, "out of memory");
    for (size_t i = 0; !w->drop_old && i < w->m.n_segs; i++)
        if (iw_catalog_seg(w, &w->segs[i]) < 0) return w->e->rc;
    return TRAWL_OK;
}

/* Looks up the current key: 1 with *loc, 0, or an error. */
static int iw_find(iw *w, cat_loc *loc)
{
    int rc = iw_catalog(w);
    if (rc < 0) return rc;
    return cat_get(w->cat, (const char *)w->key.p, w->key.len, loc);
}

int iw_lookup(iw *w, uint32_t root, const char *id, size_t id_len, fmt_src *src)
{
    cat_loc loc;
    if (w->rc) return w->rc;
    int r = iw_key(w, root, id, id_len);
    if (r == TRAWL_OK) r = iw_find(w, &loc);
    if (r <= 0) return r;
    memset(src, 0, sizeof *src);
    if (cat_is_marked(w->cat, (const char *)w->key.p, w->key.len)) return 2;
    const iw_seg *s = iw_seg_by_id(w, loc.seg_id);
    if (!s) return 2; /* the new segment: added in this session */
    fmt_liv_override ov;
    segment_doc_src(s->seg, loc.doc, src);
    if (s->live && liv_override(s->live, loc.doc, &ov)) {
        src->size = ov.size;
        src->mtime_ns = ov.mtime_ns;
    }
    return 1;
}

/* ---------------------------------------------------------------- changes */

/* Marks the document at loc deleted: in its segment's live builder, or in the new segment. */
static int iw_delete_at(iw *w, cat_loc loc)
{
    if (loc.seg_id == w->sb_id && w->sb) {
        size_t word = loc.doc / 64;
        if (word >= w->sb_del_cap) {
            size_t cap = word * 2 + 16;
            uint64_t *p = realloc(w->sb_del, cap * sizeof *p);
            if (!p) return err_set(w->e, TRAWL_ENOMEM, "out of memory");
            memset(p + w->sb_del_cap, 0, (cap - w->sb_del_cap) * sizeof *p);
            w->sb_del = p;
            w->sb_del_cap = cap;
        }
        w->sb_del[word] |= (uint64_t)1 << (loc.doc % 64);
        return TRAWL_OK;
    }
    iw_seg *s = iw_seg_by_id(w, loc.seg_id);
    if (!s)
        return err_set(w->e, TRAWL_ECORRUPT, "catalog names unknown segment %" PRIu64, loc.seg_id);
    if (!s->lb && lb_new(&s->lb, s->seg, s->live, w->e) < 0) return w->e->rc;
    return lb_delete(s->lb, loc.doc) == TRAWL_OK ? TRAWL_OK
                                                 : err_set(w->e, TRAWL_ECORRUPT, "bad document");
}

/* A document of the new segment analysed (segbuild.h): counts its tokens, warns of bad bytes. */
static void iw_analysed(void *ctx, const char *id, size_t id_len, uint32_t n_tokens,
                        size_t n_invalid)
{
    iw *w = ctx;
    w->c.tokens += n_tokens;
    if (n_invalid)
        iw_warn(w, "%.*s: %zu invalid UTF-8 sequence%s skipped", (int)id_len, id, n_invalid,
                n_invalid == 1 ? "" : "s");
}

/* Opens the new segment before its first document. */
static int iw_start_segment(iw *w)
{
    int rc = iw_ensure_dir(w);
    if (rc < 0) return rc;
    w->sb_id = w->m.next_seg++;
    snprintf(w->sb_name, sizeof w->sb_name, "seg-%06" PRIu64 ".trw", w->sb_id);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    sb_opts so = {.dir = w->dir,
                  .name = w->sb_name,
                  .seg_id = w->sb_id,
                  .language = w->language,
                  .max_token_len = w->max_tok,
                  .grams = w->grams,
                  .memory_bytes = w->o.memory_bytes,
                  .threads = w->o.threads ? w->o.threads
                             : cpus >= 2  ? 2
                                          : 1,
                  .analysed = iw_analysed,
                  .analysed_ctx = w};
    return sb_open(&w->sb, &so, w->an, w->e);
}

int iw_add(iw *w, const iw_doc *d, int *replaced)
{
    cat_loc loc;
    uint32_t doc;
    if (w->rc) return w->rc;
    int r = iw_key(w, d->root, d->id, d->id_len);
    if (r == TRAWL_OK) r = iw_find(w, &loc);
    if (r < 0) return iw_fail(w, r);
    if (r == 1 && iw_delete_at(w, loc) < 0) return iw_fail(w, w->e->rc);
    if (!w->sb && iw_start_segment(w) < 0) return iw_fail(w, w->e->rc);
    fmt_src src = {d->root, 0, d->size, d->mtime_ns, d->hash};
    int rc = sb_add(w->sb, d->id, d->id_len, d->date, d->text, d->text_len, &src, &doc);
    if (rc < 0) return iw_fail(w, rc);
    if (cat_put(w->cat, (const char *)w->key.p, w->key.len, (cat_loc){w->sb_id, doc}) < 0)
        return iw_fail(w, err_set(w->e, TRAWL_ENOMEM, "out of memory for document ids"));
    cat_mark(w->cat, (const char *)w->key.p, w->key.len);
    if (r == 1)
        w->c.replaced++;
    else
        w->c.added++;
    if (replaced) *replaced = r == 1;
    w->dirty = 1;
    return TRAWL_OK;
}

int iw_delete(iw *w, uint32_t root, const char *id, size_t id_len)
{
    cat_loc loc;
    if (w->rc) return w->rc;
    int r = iw_key(w, root, id, id_len);
    if (r == TRAWL_OK) r = iw_find(w, &loc);
    if (r <= 0) return r < 0 ? iw_fail(w, r) : 0;
    if (iw_delete_at(w, loc) < 0) return iw_fail(w, w->e->rc);
    cat_del(w->cat, (const char *)w->key.p, w->key.len);
    w->c.deleted++;
    w->dirty = 1;
    return 1;
}

int iw_seen(iw *w, uint32_t root, const char *id, size_t id_len)
{
    if (w->rc) return w->rc;
    int r = iw_key(w, root, id, id_len);
    if (r == TRAWL_OK) r = iw_catalog(w);
    if (r < 0) return iw_fail(w, r);
    cat_mark(w->cat, (const char *)w->key.p, w->key.len);
    return TRAWL_OK;
}

int iw_touch(iw *w, uint32_t root, const char *id, size_t id_len, uint64_t size, int64_t mtime_ns)
{
    cat_loc loc;
    if (w->rc) return w->rc;
    int r = iw_key(w, root, id, id_len);
    if (r == TRAWL_OK) r = iw_find(w, &loc);
    if (r <= 0) return r < 0 ? iw_fail(w, r) : TRAWL_OK;
    iw_seg *s = iw_seg_by_id(w, loc.seg_id);
    if (!s) return TRAWL_OK;
    if (!s->lb && lb_new(&s->lb, s->seg, s->live, w->e) < 0) return iw_fail(w, w->e->rc);
    if (lb_override(s->lb, loc.doc, size, mtime_ns) < 0)
        return iw_fail(w, err_set(w->e, TRAWL_ENOMEM, "out of memory"));
    cat_mark(w->cat, (const char *)w->key.p, w->key.len);
    w->c.touched++;
    w->dirty = 1;
    return TRAWL_OK;
}

/* Collects the unseen keys under a path for iw_delete_unseen. */
typedef struct iw_unseen {
    const char *path;
    size_t len;
    int is_dir;
    buf keys; /**< <u32 len, bytes>... */
} iw_unseen;

static int iw_unseen_fn(void *ctx, const char *key, size_t len, cat_loc loc, int marked)
{
    iw_unseen *u = ctx;
    (void)loc;
    if (marked || len < u->len || memcmp(key, u->path, u->len) != 0) return 0;
    if (u->is_dir ? len > u->len && (key[u->len] == '/' || u->path[u->len - 1] == '/')
                  : len == u->len) {
        buf_put_u32(&u->keys, (uint32_t)len);
        buf_put(&u->keys, key, len);
    }
    return u->keys.oom ? -1 : 0;
}

/* iw_delete_unseen for a file: one key, no walk over the catalog. */
static int iw_delete_unseen_file(iw *w, const char *path, uint64_t *n)
{
    cat_loc loc;
    size_t len = strlen(path);
    if (!cat_get(w->cat, path, len, &loc) || cat_is_marked(w->cat, path, len)) return TRAWL_OK;
    if (iw_delete_at(w, loc) < 0) return iw_fail(w, w->e->rc);
    cat_del(w->cat, path, len);
    *n = 1;
    w->c.deleted++;
    w->dirty = 1;
    return TRAWL_OK;
}

int iw_delete_unseen(iw *w, const char *path, int is_dir, uint64_t *n)
{
    iw_unseen u = {path, strlen(path), is_dir, {0}};
    cat_loc loc;
    *n = 0;
    if (w->rc) return w->rc;
    if (iw_catalog(w) < 0) return iw_fail(w, w->e->rc);
    if (!is_dir) return iw_delete_unseen_file(w, path, n);
    buf_init(&u.keys);
    if (cat_each(w->cat, iw_unseen_fn, &u) < 0) {
        buf_free(&u.keys);
        return iw_fail(w, err_set(w->e, TRAWL_ENOMEM, "out of memory"));
    }
    for (size_t off = 0; off < u.keys.len;) {
        uint32_t len;
        memcpy(&len, u.keys.p + off, 4);
        const char *k = (const char *)u.keys.p + off + 4;
        off += 4 + len;
        if (!cat_get(w->cat, k, len, &loc)) continue;
        if (iw_delete_at(w, loc) < 0) break;
        cat_del(w->cat, k, len);
        ++*n;
    }
    buf_free(&u.keys);
    w->c.deleted += *n;
    if (*n) w->dirty = 1;
    return w->e->rc ? iw_fail(w, w->e->rc) : TRAWL_OK;
}

int iw_has_changes(const iw *w)
{
    return w->dirty || (w->drop_old && w->m.n_segs > 0) || (w->o.create && w->m.generation == 0);
}

/* ---------------------------------------------------------------- commit */

/* Deletes the new segment file unless the manifest on disk names it (the rename may have
 * happened before a later fsync failed). */
static void iw_drop_unnamed(iw *w, const char *name)
{
    manifest m;
    err e2;
    char path[4096];
    err_init(&e2);
    int named = manifest_read(&m, w->dir, &e2) == TRAWL_OK && manifest_find(&m, name) != SIZE_MAX;
    manifest_free(&m);
    if (!named && fsx_join(path, sizeof path, w->dir, name, &e2) == 0) unlink(path);
}

/* Finishes the new segment and appends it to w->segs / nm (not yet committed). */
static int iw_finish_segment(iw *w, manifest *nm, iw_seg **segs, size_t *n)
{
    sw_stats st;
    char path[4096];
    uint32_t runs = 0;
    memset(&(*segs)[*n], 0, sizeof **segs); /* nothing to close if the finish fails */
    int rc = sb_finish(w->sb, &st, &runs);
    sb_free(w->sb);
    w->sb = NULL;
    w->c.n_runs += runs;
    if (rc < 0) return rc;
    w->c.new_bytes += st.file_bytes;
    w->c.new_stored += st.stored_bytes;
    w->c.new_terms = st.n_terms;
    iw_seg *s = &(*segs)[(*n)++];
    memset(s, 0, sizeof *s);
    rc = manifest_add(nm, w->sb_name, w->sb_id, st.n_docs, w->e);
    if (rc == TRAWL_OK) rc = iw_path(w, path, sizeof path, w->sb_name);
    if (rc == TRAWL_OK) rc = segment_open(&s->seg, path, w->sb_name, w->sb_id, w->e);
    if (rc == TRAWL_OK && w->sb_del) rc = lb_new(&s->lb, s->seg, NULL, w->e);
    for (uint32_t d = 0; rc == TRAWL_OK && w->sb_del && d < st.n_docs; d++)
        if (d / 64 < w->sb_del_cap && (w->sb_del[d / 64] >> (d % 64) & 1)) lb_delete(s->lb, d);
    free(w->sb_del);
    w->sb_del = NULL;
    w->sb_del_cap = 0;
    return rc;
}

/* Writes the live files of the segments with pending changes into nm, for generation gen. */
static int iw_write_livs(iw *w, manifest *nm, iw_seg *segs, uint64_t gen)
{
    for (size_t i = 0; i < nm->n_segs; i++) {
        iw_seg *s = &segs[i];
        char name[MANIFEST_NAME_MAX];
        if (!s->lb || !lb_is_dirty(s->lb)) continue;
        snprintf(name, sizeof name, "seg-%06" PRIu64 "-%06" PRIu64 ".liv", nm->segs[i].id, gen);
        if (lb_n_deleted(s->lb) == nm->segs[i].n_docs) continue; /* dropped at commit */
        int rc = lb_write(s->lb, w->an, w->grams, w->dir, name, gen, w->e);
        if (rc == TRAWL_OK) rc = manifest_set_liv(nm, i, name, lb_n_deleted(s->lb), w->e);
        if (rc < 0) return rc;
    }
    return TRAWL_OK;
}

/* Drops the segments whose every document is deleted from nm and segs (they are closed
 * after the commit by the caller through *gone). */
static void iw_drop_empty(manifest *nm, iw_seg *segs, iw_seg *gone, size_t *n_gone)
{
    size_t k = 0;
    for (size_t i = 0; i < nm->n_segs; i++) {
        int empty = segs[i].lb && lb_n_deleted(segs[i].lb) == nm->segs[i].n_docs;
        if (empty) {
            gone[(*n_gone)++] = segs[i];
            continue;
        }
        nm->segs[k] = nm->segs[i];
        segs[k++] = segs[i];
    }
    nm->n_segs = k;
}

/* After a commit of nm: the live files just written replace the readers' ones. */
static int iw_adopt_livs(iw *w)
{
    char path[4096];
    for (size_t i = 0; i < w->m.n_segs; i++) {
        iw_seg *s = &w->segs[i];
        const manifest_seg *ms = &w->m.segs[i];
        if (!s->lb) continue;
        lb_free(s->lb);
        s->lb = NULL;
        if (!ms->liv[0] || (s->live && strcmp(s->live->name, ms->liv) == 0)) continue;
        liv_close(s->live);
        s->live = NULL;
        int rc = iw_path(w, path, sizeof path, ms->liv);
        if (rc == TRAWL_OK) rc = liv_open(&s->live, path, ms->liv, ms->id, ms->n_docs, w->e);
        if (rc < 0) return rc;
    }
    return TRAWL_OK;
}

static void iw_close_seg(iw_seg *s)
{
    lb_free(s->lb);
    liv_close(s->live);
    segment_close(s->seg);
}

/* Writes nm as the next generation. Returns an error if that failed (nothing changed: the
 * caller still owns nm and segs); otherwise nm and segs become the writer's state, the old
 * state's segments listed in gone are closed, and a failure after the commit (reading back a
 * live file) stops the writer but does not undo it. */
static int iw_publish(iw *w, manifest *nm, iw_seg *segs, iw_seg *gone, size_t n_gone)
{
    int rc = iw_ensure_dir(w);
    if (rc == TRAWL_OK) rc = manifest_write(nm, w->dir, w->e);
    if (rc < 0) return rc;
    manifest_free(&w->m);
    w->m = *nm;
    manifest_init(nm);
    free(w->segs);
    w->segs = segs;
    for (size_t i = 0; i < n_gone; i++)
        iw_close_seg(&gone[i]);
    w->c.commits++;
    if (iw_adopt_livs(w) < 0) iw_fail(w, w->e->rc);
    iw_gc(w, &w->m, NULL);
    return TRAWL_OK;
}

/* One generation with everything pending. */
static int iw_commit_changes(iw *w)
{
    manifest nm;
    size_t n = w->m.n_segs, n_gone = 0;
    iw_seg *segs = calloc(n + 2, sizeof *segs), *gone = calloc(n + 2, sizeof *gone);
    int rc = segs && gone ? manifest_copy(&nm, &w->m, w->e)
                          : err_set(w->e, TRAWL_ENOMEM, "out of memory");
    if (rc < 0) {
        free(segs);
        free(gone);
        return rc;
    }
    if (n) memcpy(segs, w->segs, n * sizeof *segs);
    if (w->drop_old) { /* rebuild: the old segments leave with this generation */
        memcpy(gone, segs, n * sizeof *segs);
        memset(segs, 0, n * sizeof *segs); /* held by w->segs and gone only: a failure below
                                              closes the new segment's slot, not segs[0] */
        n_gone = n;
        n = nm.n_segs = 0;
    }
    char sb_name[MANIFEST_NAME_MAX] = "";
    iw_seg *fresh = NULL;
    if (w->sb) {
        snprintf(sb_name, sizeof sb_name, "%s", w->sb_name);
        fresh = &segs[n];
        rc = iw_finish_segment(w, &nm, &segs, &n);
    }
    nm.generation = w->m.generation + 1;
    if (rc == TRAWL_OK) rc = iw_write_livs(w, &nm, segs, nm.generation);
    if (rc == TRAWL_OK) iw_drop_empty(&nm, segs, gone, &n_gone);
    if (rc == TRAWL_OK) rc = iw_publish(w, &nm, segs, gone, n_gone);
    if (rc < 0) {
        if (fresh) iw_close_seg(fresh);
        if (sb_name[0]) iw_drop_unnamed(w, sb_name);
        manifest_free(&nm);
        free(segs);
    } else {
        w->drop_old = 0;
        w->dirty = 0;
    }
    free(gone);
    return rc < 0 ? rc : w->rc;
}

/* ---------------------------------------------------------------- merges */

/* Merges segments idx[0..k) (increasing) into one new segment and commits it in their place
 * (at the first one's position). */
static int iw_merge(iw *w, const size_t *idx, size_t k)
{
    char name[MANIFEST_NAME_MAX], path[4096];
    manifest nm;
    sw_stats st;
    uint64_t id = w->m.next_seg++;
    snprintf(name, sizeof name, "seg-%06" PRIu64 ".trw", id);
    sm_input *in = calloc(k, sizeof *in);
    uint32_t **maps = calloc(k, sizeof *maps);
    iw_seg *segs = calloc(w->m.n_segs + 1, sizeof *segs), *gone = calloc(k, sizeof *gone);
    uint64_t *old_ids = calloc(k, sizeof *old_ids);
    int rc = in && maps && segs && gone && old_ids ? TRAWL_OK
                                                   : err_set(w->e, TRAWL_ENOMEM, "out of memory");
    for (size_t i = 0; rc == TRAWL_OK && i < k; i++)
        in[i] = (sm_input){w->segs[idx[i]].seg, w->segs[idx[i]].live};
    sm_opts so = {w->dir, name, id, w->language, w->max_tok};
    if (rc == TRAWL_OK) rc = sm_run(in, k, &so, maps, &st, w->e);
    iw_seg out = {0};
    if (rc == TRAWL_OK) rc = iw_path(w, path, sizeof path, name);
    if (rc == TRAWL_OK) rc = segment_open(&out.seg, path, name, id, w->e);
    if (rc == TRAWL_OK) rc = manifest_copy(&nm, &w->m, w->e);
    if (rc == TRAWL_OK) {
        size_t n = 0, j = 0, g = 0;
        manifest_seg *kept = nm.segs;
        for (size_t i = 0; i < w->m.n_segs; i++) {
            if (j < k && idx[j] == i) {
                gone[g++] = w->segs[i];
                if (j++ == 0) { /* the output takes the first input's place */
                    segs[n] = out;
                    memset(&kept[n], 0, sizeof kept[n]);
                    snprintf(kept[n].name, sizeof kept[n].name, "%s", name);
                    kept[n].id = id;
                    kept[n++].n_docs = st.n_docs;
                }
                continue;
            }
            kept[n] = w->m.segs[i];
            segs[n++] = w->segs[i];
        }
        nm.n_segs = n;
        nm.generation = w->m.generation + 1;
        for (size_t i = 0; i < k; i++)
            old_ids[i] = w->m.segs[idx[i]].id;
        rc = iw_publish(w, &nm, segs, gone, k);
        if (rc == TRAWL_OK) {
            segs = NULL;
            out.seg = NULL;
            for (size_t i = 0; w->cat && i < k; i++)
                cat_remap(w->cat, old_ids[i], maps[i], id);
            w->c.merges++;
            w->c.merged_bytes += st.file_bytes;
        } else {
            manifest_free(&nm);
        }
    }
    if (rc < 0) {
        segment_close(out.seg);
        iw_drop_unnamed(w, name);
    }
    for (size_t i = 0; maps && i < k; i++)
        free(maps[i]);
    free(maps);
    free(in);
    free(segs);
    free(gone);
    free(old_ids);
    return rc < 0 ? rc : w->rc;
}

/* Carries out the merges the policy picks, until it picks none. */
static int iw_policy(iw *w)
{
    size_t *idx = malloc((w->m.n_segs + 1) * sizeof *idx);
    policy_seg *ps = malloc((w->m.n_segs + 1) * sizeof *ps);
    int rc = idx && ps ? TRAWL_OK : err_set(w->e, TRAWL_ENOMEM, "out of memory");
    size_t k;
    while (rc == TRAWL_OK) {
        for (size_t i = 0; i < w->m.n_segs; i++)
            ps[i] = (policy_seg){segment_file_bytes(w->segs[i].seg), w->m.segs[i].n_docs,
                                 w->m.segs[i].n_deleted};
        if ((k = policy_pick(ps, w->m.n_segs, &w->o.policy, idx)) == 0) break;
        rc = iw_merge(w, idx, k);
    }
    free(idx);
    free(ps);
    return rc;
}

/* A commit ends a pass: marks go (writer.h). */
static void iw_end_pass(iw *w)
{
    if (w->cat) cat_unmark_all(w->cat);
}

int iw_commit(iw *w)
{
    if (w->rc) return w->rc;
    int rc = iw_has_changes(w) ? iw_commit_changes(w) : TRAWL_OK;
    if (rc == TRAWL_OK && !w->o.no_merge) rc = iw_policy(w);
    if (rc == TRAWL_OK) iw_end_pass(w);
    return rc < 0 ? iw_fail(w, rc) : TRAWL_OK;
}

int iw_merge_all(iw *w)
{
    if (w->rc) return w->rc;
    int rc = iw_has_changes(w) ? iw_commit_changes(w) : TRAWL_OK;
    if (rc == TRAWL_OK && (w->m.n_segs > 1 || (w->m.n_segs == 1 && w->m.segs[0].n_deleted))) {
        size_t *idx = malloc(w->m.n_segs * sizeof *idx);
        if (!idx) return iw_fail(w, err_set(w->e, TRAWL_ENOMEM, "out of memory"));
        for (size_t i = 0; i < w->m.n_segs; i++)
            idx[i] = i;
        rc = iw_merge(w, idx, w->m.n_segs);
        free(idx);
    }
    if (rc == TRAWL_OK) iw_end_pass(w);
    return rc < 0 ? iw_fail(w, rc) : TRAWL_OK;
}

const iw_counts *iw_get_counts(const iw *w)
{
    return &w->c;
}

uint64_t iw_n_docs(const iw *w)
{
    uint64_t n = 0;
    for (size_t i = 0; i < w->m.n_segs; i++)
        n += w->m.segs[i].n_docs - w->m.segs[i].n_deleted;
    return n;
}

size_t iw_n_segments(const iw *w)
{
    return w->m.n_segs;
}

uint64_t iw_generation(const iw *w)
{
    return w->m.generation;
}

int iw_has_v1(const iw *w)
{
    return w->has_v1 && !w->drop_old;
}
