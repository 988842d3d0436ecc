/* select: the walk's entry rules and its stack of ignore files (see select.h). */
#include "select.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEL_IGNORE_MAX (1 << 20) /* a larger ignore file is read up to here */

/* File types for --type: common text formats. Each glob also matches its gzipped form. */
static const struct {
    const char *name;
    const char *globs;
} sel_types[] = {
    {"adoc", "*.adoc *.asciidoc"},
    {"c", "*.c *.h"},
    {"cpp", "*.cc *.cpp *.cxx *.hh *.hpp *.hxx"},
    {"csv", "*.csv *.tsv"},
    {"go", "*.go"},
    {"html", "*.html *.htm *.xhtml"},
    {"java", "*.java"},
    {"js", "*.js *.mjs *.ts"},
    {"json", "*.json *.jsonl"},
    {"log", "*.log"},
    {"mail", "*.eml *.mbox"},
    {"man", "*.[0-9] *.man"},
    {"md", "*.md *.markdown *.mdown *.mkd"},
    {"org", "*.org"},
    {"py", "*.py"},
    {"rst", "*.rst"},
    {"rust", "*.rs"},
    {"sh", "*.sh *.bash"},
    {"tex", "*.tex"},
    {"txt", "*.txt *.text"},
    {"xml", "*.xml"},
    {"yaml", "*.yml *.yaml"},
};

static const char *const sel_vcs[] = {".git",   ".hg", ".svn", ".bzr",
                                      "_darcs", "CVS", ".jj",  ".pijul"};

void sel_init(sel *s)
{
    memset(s, 0, sizeof *s);
    ign_init(&s->include);
    ign_init(&s->exclude);
}

void sel_free(sel *s)
{
    ign_free(&s->include);
    ign_free(&s->exclude);
}

int sel_type_at(size_t i, const char **name, const char **globs)
{
    if (i >= sizeof sel_types / sizeof sel_types[0]) return -1;
    *name = sel_types[i].name;
    *globs = sel_types[i].globs;
    return 0;
}

int sel_add_type(sel *s, const char *name)
{
    const char *n, *g;
    for (size_t i = 0; sel_type_at(i, &n, &g) == 0; i++) {
        if (strcmp(n, name) != 0) continue;
        while (*g) {
            size_t len = strcspn(g, " ");
            char gz[64];
            int k = snprintf(gz, sizeof gz, "%.*s.gz", (int)len, g);
            if (ign_add(&s->include, g, len) < 0 || ign_add(&s->include, gz, (size_t)k) < 0)
                return -2;
            g += len + (g[len] == ' ');
        }
        return 0;
    }
    return -1;
}

int sel_is_vcs(const char *name)
{
    for (size_t i = 0; i < sizeof sel_vcs / sizeof sel_vcs[0]; i++)
        if (strcmp(name, sel_vcs[i]) == 0) return 1;
    return 0;
}

void sel_walk_init(sel_walk *w, const sel *s)
{
    memset(w, 0, sizeof *w);
    w->s = s;
}

void sel_walk_free(sel_walk *w)
{
    while (w->n > 0)
        sel_leave(w);
    free(w->f);
}

/* Bytes of the directory at or above dir (absolute, canonical) that holds a .git: the top of
 * the repository the walk starts in; 0 when there is none. */
static size_t sel_repo_top(const char *dir)
{
    char p[PATH_MAX];
    struct stat st;
    size_t n = strlen(dir);
    if (n + 6 > sizeof p || dir[0] != '/') return 0;
    memcpy(p, dir, n + 1);
    for (;;) {
        memcpy(p + n, "/.git", 6);
        if (stat(p, &st) == 0) return n;
        while (n > 0 && p[n - 1] != '/')
            n--;
        while (n > 1 && p[n - 1] == '/')
            n--;
        if (n <= 1) return 0;
        p[n] = '\0';
    }
}

/* Pushes the ignore files of the directory dir[0..len) above the walked argument dir, as
 * ripgrep reads them up to the top of the repository: their paths are the argument's path
 * relative to it plus the entry's. Returns 0 or -1 (out of memory). */
static int sel_enter_parent(sel_walk *w, const char *dir, size_t len)
{
    char p[PATH_MAX];
    if (len >= sizeof p) return 0;
    memcpy(p, dir, len);
    p[len] = '\0';
    int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = sel_enter(w, fd, 0);
    if (fd >= 0) close(fd);
    if (rc < 0) return -1;
    const char *rest = dir + len + 1; /* dir[len] is the '/' after it */
    sel_frame *f = &w->f[w->n - 1];
    size_t rn = strlen(rest);
    if (!(f->prefix = malloc(rn + 2))) return -1;
    memcpy(f->prefix, rest, rn);
    memcpy(f->prefix + rn, "/", 2);
    return 0;
}

int sel_walk_root(sel_walk *w, const char *dir, size_t arg_off)
{
    while (w->n > 0)
        sel_leave(w);
    w->arg_off = arg_off;
    size_t top = w->s && !w->s->no_ignore ? sel_repo_top(dir) : 0, n = strlen(dir);
    w->is_root_in_git = top > 0;
    /* every directory from the repository's top down to the argument's parent: each ends
     * where dir has a '/' */
    for (size_t k = top; top > 0 && k < n; k++)
        if (dir[k] == '/' && sel_enter_parent(w, dir, k) < 0) return -1;
    return 0;
}

/* Reads the pattern file name in the directory dirfd into l (missing: nothing). Returns 0 or
 * -1 out of memory; a file that cannot be read counts as empty. */
static int sel_read(int dirfd, const char *name, ign_list *l)
{
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (fd < 0) return 0;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return 0;
    }
    size_t cap = st.st_size < SEL_IGNORE_MAX ? (size_t)st.st_size : SEL_IGNORE_MAX, n = 0;
    char *p = malloc(cap + 1);
    if (!p) {
        close(fd);
        return -1;
    }
    for (ssize_t r; n < cap && (r = read(fd, p + n, cap - n)) > 0;)
        n += (size_t)r;
    close(fd);
    int rc = ign_add_text(l, p, n);
    free(p);
    return rc;
}

int sel_enter(sel_walk *w, int dirfd, size_t rel_off)
{
    if (w->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 16;
        sel_frame *f = realloc(w->f, cap * sizeof *f);
        if (!f) return -1;
        w->f = f;
        w->cap = cap;
    }
    sel_frame *f = &w->f[w->n++];
    struct stat st;
    memset(f, 0, sizeof *f);
    ign_init(&f->ignore);
    ign_init(&f->git);
    f->rel_off = rel_off;
    if (!w->s || w->s->no_ignore || dirfd < 0) return 0;
    f->in_git = (w->n > 1 ? w->f[w->n - 2].in_git : w->is_root_in_git) ||
                fstatat(dirfd, ".git", &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (sel_read(dirfd, ".ignore", &f->ignore) < 0) return -1;
    if (f->in_git && sel_read(dirfd, ".gitignore", &f->git) < 0) return -1;
    return 0;
}

void sel_leave(sel_walk *w)
{
    if (w->n == 0) return;
    sel_frame *f = &w->f[--w->n];
    ign_free(&f->ignore);
    ign_free(&f->git);
    free(f->prefix);
}

/* What the ignore files say of path: the deepest directory's first, its .ignore before its
 * .gitignore; the first file with an opinion decides. 1 if the entry is ignored. */
static int sel_ignored(const sel_walk *w, const char *path, int is_dir)
{
    char up[2 * PATH_MAX];
    for (size_t i = w->n; i-- > 0;) {
        const sel_frame *f = &w->f[i];
        const char *rel = path + f->rel_off;
        if (f->prefix) { /* a directory above the argument */
            snprintf(up, sizeof up, "%s%s", f->prefix, path + w->arg_off);
            rel = up;
        }
        int r = ign_match(&f->ignore, rel, is_dir);
        if (r == IGN_NONE) r = ign_match(&f->git, rel, is_dir);
        if (r != IGN_NONE) return r == IGN_IGNORE;
    }
    return 0;
}

int sel_take(const sel_walk *w, const char *path, size_t name_off, int is_dir)
{
    const char *name = path + name_off;
    const sel *s = w->s;
    if (is_dir && sel_is_vcs(name)) return 0;
    if (name[0] == '.' && (!s || !s->is_hidden)) return 0;
    if (!s) return 1;
    const char *rel = path + w->arg_off;
    if (ign_match(&s->exclude, rel, is_dir) == IGN_IGNORE) return 0;
    if (!is_dir && s->include.n && ign_match(&s->include, rel, 0) != IGN_IGNORE) return 0;
    return !sel_ignored(w, path, is_dir);
}
