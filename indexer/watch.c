/* watch: inotify events -> batches of paths -> build_sync_path -> one commit a batch.
 *
 * Watches are added by the syncs themselves: every directory a walk enters is watched before
 * its entries are listed (build_opts.on_dir), so a file created meanwhile is listed, reported,
 * or both, never neither. A directory's files that appear before its watch (a tree copied in)
 * are met by the walk of the directory, which its own creation queued.
 *
 * Events only name paths; what a path is now is looked up when the batch is synced, after the
 * commit timer ran out. So a burst of events on one file costs one read, and an editor's save
 * by rename (write a temporary file, rename it over the old one; or delete, then create) ends
 * in one update of the old document, its temporary file never indexed if it was gone by then.
 * Every change after a sync brings a new event, so the index catches up with the tree within
 * one batch after it stops changing.
 *
 * A directory deleted or moved away loses its watches at once (moved away, its events would
 * name paths it no longer has: harmless, the syncs find them gone, but wasted) and its
 * documents with the batch. Moved within the trees it is both: gone from the old path, walked
 * and watched at the new one.
 *
 *   wd -> path (sorted by wd)        pending paths (a batch)      one session
 *   +----+------------------+        +--------------------+       +-------------+
 *   | 1  | /notes           |  --->  | /notes/a.txt       |  -->  | sync_path   |
 *   | 2  | /notes/sub       |        | /notes/sub/  (dir) |       | ... commit  |
 *   +----+------------------+        +--------------------+       +-------------+ */
#include "watch.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* What a directory watch reports: a file written (closed or not: some writers never close),
 * its metadata changed (touch, chmod), entries created, deleted or renamed in or out, and the
 * directory itself deleted or renamed. Only a directory is watched (IN_ONLYDIR: the path may
 * have become a file since the walk), and a file unlinked while open is not heard of again
 * (IN_EXCL_UNLINK). */
#define WT_MASK                                                                       \
    (IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | IN_CREATE | IN_DELETE | IN_MOVED_FROM | \
     IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK)
#define WT_READ_BYTES  65536 /* one read of events; the batch size is checked between reads */
#define WT_DRAIN_READS 64    /* reads at a stop: more than the kernel's default queue holds */

typedef struct wt_dir {
    int wd;
    char *path;    /**< the directory as the walk met it; NULL: forgotten */
    uint32_t pass; /**< the last full sync that met it */
    int is_pinned; /**< the directory of a file argument: no walk meets it, keep it */
    int is_link;   /**< path is a symbolic link */
} wt_dir;

typedef struct wt_change {
    char *path;
    int was_dir; /**< an event said directory: documents below it may have to go */
} wt_change;

typedef struct wt {
    const watch_opts *o;
    build_opts bo; /**< the caller's, with on_dir here */
    build_session *s;
    err *e;
    int ifd;      /**< the inotify instance */
    wt_dir *dirs; /**< sorted by wd; a wd has one entry per path */
    size_t n_dirs, cap_dirs;
    int has_dead;  /**< some entries are forgotten (wt_compact) */
    int has_links; /**< some entry is a symbolic link */
    uint32_t pass; /**< full syncs so far */
    wt_change *pend;
    size_t n_pend, cap_pend;
    size_t max_changes;
    int64_t first_ns;    /**< when the batch's first change came */
    int is_resync;       /**< the next batch is a full sync */
    int has_warned_full; /**< the watch limit was reported */
} wt;

static void wt_warn(wt *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void wt_warn(wt *w, const char *fmt, ...)
{
    char msg[1200];
    va_list ap;
    if (!w->bo.warn) return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    w->bo.warn(w->bo.warn_ctx, msg);
}

static int64_t wt_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* 1 if path is top or lies below it. */
static int wt_is_under(const char *path, const char *top)
{
    size_t n = strlen(top);
    return strncmp(path, top, n) == 0 && (path[n] == '\0' || path[n] == '/' || n == 1);
}

/* ---------------------------------------------------------------- the watch table */

/* The first entry whose wd is at least wd. */
static size_t wt_dir_lo(const wt *w, int wd)
{
    size_t lo = 0, hi = w->n_dirs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->dirs[mid].wd < wd)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* 1 if a live entry other than skip has this wd. */
static int wt_wd_in_use(const wt *w, int wd, size_t skip)
{
    for (size_t i = wt_dir_lo(w, wd); i < w->n_dirs && w->dirs[i].wd == wd; i++)
        if (i != skip && w->dirs[i].path) return 1;
    return 0;
}

/* Forgets entry i; the kernel's watch goes with its last path. */
static void wt_dir_kill(wt *w, size_t i)
{
    free(w->dirs[i].path);
    w->dirs[i].path = NULL;
    w->has_dead = 1;
    if (!wt_wd_in_use(w, w->dirs[i].wd, i)) inotify_rm_watch(w->ifd, w->dirs[i].wd);
}

/* Removes forgotten entries (never while events are being handled: they hold indices). */
static void wt_compact(wt *w)
{
    size_t k = 0;
    for (size_t i = 0; w->has_dead && i < w->n_dirs; i++)
        if (w->dirs[i].path) w->dirs[k++] = w->dirs[i];
    if (w->has_dead) w->n_dirs = k;
    w->has_dead = 0;
}

/* Records path for wd: a new entry, or the one the walks met before. One directory reached by
 * two paths (a symbolic link to a directory of the trees) is one kernel watch with two
 * entries, and its events are reported under both paths, as a full sync indexes it twice. */
static int wt_dir_put(wt *w, int wd, const char *path, int is_pinned, int is_link)
{
    size_t i = wt_dir_lo(w, wd);
    for (; i < w->n_dirs && w->dirs[i].wd == wd; i++) {
        wt_dir *d = &w->dirs[i];
        if (!d->path || strcmp(d->path, path) != 0) continue;
        d->pass = w->pass;
        d->is_pinned |= is_pinned;
        return TRAWL_OK;
    }
    char *copy = strdup(path);
    if (!copy) return err_set(w->e, TRAWL_ENOMEM, "out of memory");
    if (w->n_dirs == w->cap_dirs) {
        size_t cap = w->cap_dirs ? 2 * w->cap_dirs : 64;
        wt_dir *d = realloc(w->dirs, cap * sizeof *d);
        if (!d) {
            free(copy);
            return err_set(w->e, TRAWL_ENOMEM, "out of memory");
        }
        w->dirs = d;
        w->cap_dirs = cap;
    }
    memmove(&w->dirs[i + 1], &w->dirs[i], (w->n_dirs - i) * sizeof *w->dirs);
    w->dirs[i] = (wt_dir){wd, copy, w->pass, is_pinned, is_link};
    w->n_dirs++;
    w->has_links |= is_link;
    return TRAWL_OK;
}

/* Watches the directory at path. A directory that went away meanwhile is no error (its parent
 * reported it); one the kernel refuses is a warning. */
static int wt_watch(wt *w, const char *path, int is_pinned)
{
    struct stat st;
    int wd = inotify_add_watch(w->ifd, path, WT_MASK);
    if (wd >= 0)
        return wt_dir_put(w, wd, path, is_pinned, lstat(path, &st) == 0 && S_ISLNK(st.st_mode));
    if (errno == ENOENT || errno == ENOTDIR) return TRAWL_OK;
    if (errno != ENOSPC) {
        wt_warn(w, "%s: cannot watch (%s); changes below it are missed", path, strerror(errno));
        return TRAWL_OK;
    }
    if (!w->has_warned_full)
        wt_warn(w,
                "%s: cannot watch: the inotify watch limit is reached (sysctl "
                "fs.inotify.max_user_watches); changes below it, and below other such "
                "directories, are missed",
                path);
    w->has_warned_full = 1;
    return TRAWL_OK;
}

/* build_opts.on_dir: a walk enters path. */
static int wt_on_dir(void *ctx, const char *path)
{
    return wt_watch(ctx, path, 0);
}

/* Stops watching path and every directory below it. */
static void wt_forget(wt *w, const char *path)
{
    for (size_t i = 0; i < w->n_dirs; i++)
        if (w->dirs[i].path && wt_is_under(w->dirs[i].path, path)) wt_dir_kill(w, i);
}

/* After a full sync: the watches no walk met are of directories gone unseen (the events that
 * said so were lost). */
static void wt_forget_unmet(wt *w)
{
    for (size_t i = 0; i < w->n_dirs; i++)
        if (w->dirs[i].path && w->dirs[i].pass != w->pass && !w->dirs[i].is_pinned)
            wt_dir_kill(w, i);
    wt_compact(w);
}

/* 1 if path is the watched path of a symbolic link to a directory: removing the link removes
 * a directory from the trees. Costs a scan only once the trees have such a link. */
static int wt_is_dir_link(const wt *w, const char *path)
{
    for (size_t i = 0; w->has_links && i < w->n_dirs; i++)
        if (w->dirs[i].is_link && w->dirs[i].path && strcmp(w->dirs[i].path, path) == 0) return 1;
    return 0;
}

/* ---------------------------------------------------------------- the batch */

static void wt_pend_clear(wt *w)
{
    for (size_t i = 0; i < w->n_pend; i++)
        free(w->pend[i].path);
    w->n_pend = 0;
}

/* Adds path to the batch; the same path as the last one only widens it. */
static int wt_queue(wt *w, char *path, int was_dir)
{
    if (w->n_pend && strcmp(w->pend[w->n_pend - 1].path, path) == 0) {
        w->pend[w->n_pend - 1].was_dir |= was_dir;
        free(path);
        return TRAWL_OK;
    }
    if (w->n_pend == w->cap_pend) {
        size_t cap = w->cap_pend ? 2 * w->cap_pend : 64;
        wt_change *p = realloc(w->pend, cap * sizeof *p);
        if (!p) {
            free(path);
            return err_set(w->e, TRAWL_ENOMEM, "out of memory");
        }
        w->pend = p;
        w->cap_pend = cap;
    }
    if (!w->n_pend && !w->is_resync) w->first_ns = wt_now_ns();
    w->pend[w->n_pend++] = (wt_change){path, was_dir};
    return TRAWL_OK;
}

/* The next batch is a full sync. */
static void wt_resync(wt *w)
{
    if (!w->n_pend && !w->is_resync) w->first_ns = wt_now_ns();
    w->is_resync = 1;
}

static int wt_change_cmp(const void *a, const void *b)
{
    return strcmp(((const wt_change *)a)->path, ((const wt_change *)b)->path);
}

/* Syncs each pending path once. */
static int wt_sync_pending(wt *w)
{
    int rc = TRAWL_OK;
    qsort(w->pend, w->n_pend, sizeof *w->pend, wt_change_cmp);
    for (size_t i = 0; rc == TRAWL_OK && i < w->n_pend; i++) {
        int was_dir = w->pend[i].was_dir;
        while (i + 1 < w->n_pend && strcmp(w->pend[i].path, w->pend[i + 1].path) == 0)
            was_dir |= w->pend[++i].was_dir;
        rc = build_sync_path(w->s, w->pend[i].path, was_dir);
    }
    return rc;
}

/* Syncs every argument, refreshing the watches; drops those no walk met. */
static int wt_sync_all(wt *w)
{
    w->pass++;
    int rc = build_sync_all(w->s);
    if (rc == TRAWL_OK) wt_forget_unmet(w);
    return rc;
}

/* Syncs the batch and commits it; tells the caller if something was committed (always for
 * the first, full, sync). */
static int wt_commit(wt *w, int is_first)
{
    build_result r;
    int64_t t0 = wt_now_ns();
    int rc = w->is_resync || is_first ? wt_sync_all(w) : wt_sync_pending(w);
    w->is_resync = 0;
    wt_pend_clear(w);
    if (rc == TRAWL_OK) rc = build_commit(w->s, &r);
    if (rc == TRAWL_OK && (r.commits || is_first) && w->o->on_commit)
        w->o->on_commit(w->o->commit_ctx, &r, wt_now_ns() - t0);
    return rc;
}

/* ---------------------------------------------------------------- events */

/* 1 if the directory above path is watched (then it reports what happens to path). */
static int wt_has_parent(const wt *w, const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    for (size_t i = 0; slash && i < w->n_dirs; i++) {
        const char *p = w->dirs[i].path;
        if (p && strlen(p) == n && strncmp(p, path, n) == 0) return 1;
    }
    return 0;
}

/* The directory of entry i itself was deleted or moved away. Its parent, if watched, reports
 * that too; a top directory (an argument, or a file argument's directory) takes the watches
 * below it along, and a full sync settles what is left. */
static int wt_self_gone(wt *w, size_t i)
{
    if (wt_has_parent(w, w->dirs[i].path)) return TRAWL_OK;
    char *path = strdup(w->dirs[i].path); /* wt_forget frees the entry's */
    if (!path) return err_set(w->e, TRAWL_ENOMEM, "out of memory");
    wt_warn(w, "%s: moved or deleted; its documents are deleted and it is no longer watched", path);
    wt_forget(w, path);
    free(path);
    wt_resync(w);
    return TRAWL_OK;
}

/* An event naming an entry of directory entry i: its path joins the batch. */
static int wt_entry_event(wt *w, size_t i, const struct inotify_event *ev)
{
    const char *dir = w->dirs[i].path;
    size_t dl = strlen(dir), nl = strlen(ev->name);
    char *path = malloc(dl + nl + 2);
    if (!path) return err_set(w->e, TRAWL_ENOMEM, "out of memory");
    snprintf(path, dl + nl + 2, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", ev->name);
    if (!build_covers(w->s, path)) {
        free(path);
        return TRAWL_OK;
    }
    int is_dir = (ev->mask & IN_ISDIR) != 0;
    int is_gone = (ev->mask & (IN_DELETE | IN_MOVED_FROM)) != 0;
    if (is_gone && !is_dir) is_dir = wt_is_dir_link(w, path);
    if (is_gone && is_dir) wt_forget(w, path);
    return wt_queue(w, path, is_dir);
}

/* One event, for every path its directory has. */
static int wt_event(wt *w, const struct inotify_event *ev)
{
    int rc = TRAWL_OK;
    if (ev->mask & IN_Q_OVERFLOW) {
        wt_warn(w, "too many changes at once: the event queue overflowed; syncing everything");
        wt_resync(w);
        return TRAWL_OK;
    }
    for (size_t i = wt_dir_lo(w, ev->wd); rc == TRAWL_OK && i < w->n_dirs; i++) {
        if (w->dirs[i].wd != ev->wd) break;
        if (!w->dirs[i].path) continue; /* forgotten */
        if (ev->mask & IN_IGNORED) {    /* the kernel dropped the watch */
            free(w->dirs[i].path);
            w->dirs[i].path = NULL;
            w->has_dead = 1;
        } else if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) {
            rc = wt_self_gone(w, i);
        } else if (ev->len) { /* not the directory's own metadata */
            rc = wt_entry_event(w, i, ev);
        }
    }
    return rc;
}

/* Reads and handles the events at hand (one buffer full). */
static int wt_read(wt *w)
{
    _Alignas(struct inotify_event) char buf[WT_READ_BYTES];
    ssize_t n = read(w->ifd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return TRAWL_OK;
    if (n < 0) return err_sys(w->e, "reading inotify events");
    int rc = TRAWL_OK;
    for (char *p = buf; rc == TRAWL_OK && p < buf + n;) {
        const struct inotify_event *ev = (const struct inotify_event *)p;
        rc = wt_event(w, ev);
        p += sizeof *ev + ev->len;
    }
    wt_compact(w);
    return rc;
}

/* ---------------------------------------------------------------- the loop */

/* Milliseconds until the batch is due: -1 with nothing pending. */
static int wt_timeout(const wt *w)
{
    if (!w->n_pend && !w->is_resync) return -1;
    int64_t left = w->first_ns + (int64_t)w->o->interval_ms * 1000000 - wt_now_ns();
    return left <= 0 ? 0 : (int)((left + 999999) / 1000000);
}

static int wt_is_due(const wt *w)
{
    return w->n_pend >= w->max_changes || (wt_timeout(w) == 0);
}

/* Reads the events at hand, when stopping: they are part of what is pending. At most
 * WT_DRAIN_READS reads, so a tree that never stops changing cannot hold the stop up. */
static int wt_drain(wt *w)
{
    struct pollfd p = {w->ifd, POLLIN, 0};
    int rc = TRAWL_OK;
    for (int i = 0; rc == TRAWL_OK && i < WT_DRAIN_READS && poll(&p, 1, 0) == 1; i++)
        rc = wt_read(w);
    return rc;
}

/* Waits for events and commits batches when due, until stop_fd says stop; then commits the
 * last batch. */
static int wt_loop(wt *w)
{
    int rc = TRAWL_OK;
    while (rc == TRAWL_OK) {
        struct pollfd fds[2] = {{w->ifd, POLLIN, 0}, {w->o->stop_fd, POLLIN, 0}};
        int n = poll(fds, w->o->stop_fd >= 0 ? 2 : 1, wt_timeout(w));
        if (n < 0 && errno != EINTR) return err_sys(w->e, "waiting for inotify events");
        if (n > 0 && w->o->stop_fd >= 0 && fds[1].revents) {
            rc = wt_drain(w);
            return rc == TRAWL_OK && (w->n_pend || w->is_resync) ? wt_commit(w, 0) : rc;
        }
        if (n > 0 && (fds[0].revents & POLLIN)) rc = wt_read(w);
        if (rc == TRAWL_OK && wt_is_due(w)) rc = wt_commit(w, 0);
    }
    return rc;
}

/* Watches the directory of every file argument (the events of its other entries are
 * ignored): saving by rename replaces the file, and only its directory sees that. */
static int wt_watch_file_dirs(wt *w)
{
    struct stat st;
    int rc = TRAWL_OK;
    for (size_t i = 0; rc == TRAWL_OK && i < w->bo.n_paths; i++) {
        char *canon = realpath(w->bo.paths[i], NULL);
        if (!canon) return err_set(w->e, TRAWL_EARG, "%s: %s", w->bo.paths[i], strerror(errno));
        char *slash = strrchr(canon, '/');
        if (slash && stat(canon, &st) == 0 && !S_ISDIR(st.st_mode)) {
            *slash = '\0';
            rc = wt_watch(w, slash == canon ? "/" : canon, 1);
        }
        free(canon);
    }
    return rc;
}

int watch_run(const build_opts *bo, const watch_opts *wo, err *e)
{
    wt w = {.o = wo, .bo = *bo, .e = e, .ifd = -1};
    w.max_changes = wo->max_changes ? wo->max_changes : WATCH_DEFAULT_CHANGES;
    w.bo.on_dir = wt_on_dir;
    w.bo.dir_ctx = &w;
    if (bo->is_jsonl || bo->n_delete_ids || bo->delete_from || bo->merge || !bo->n_paths)
        return err_set(e, TRAWL_EARG,
                       "a watch syncs text files: no JSON Lines, deletions by id "
                       "or full merge, and at least one path");
    int rc = build_open(&w.s, &w.bo, e);
    if (rc == TRAWL_OK && (w.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
        rc = err_sys(e, "inotify_init1");
    if (rc == TRAWL_OK) rc = wt_watch_file_dirs(&w);
    if (rc == TRAWL_OK) rc = wt_commit(&w, 1);
    if (rc == TRAWL_OK) rc = wt_loop(&w);
    build_close(w.s);
    if (w.ifd >= 0) close(w.ifd);
    wt_pend_clear(&w);
    free(w.pend);
    for (size_t i = 0; i < w.n_dirs; i++)
        free(w.dirs[i].path);
    free(w.dirs);
    return rc;
}
