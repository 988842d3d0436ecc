/* ignore: gitignore rules (see ignore.h). A pattern is matched component by component: each
 * component by fnmatch(3) (no flags: "*" matches a leading dot, as in git), a "**" component
 * by trying every number of path components. */
#include "ignore.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#define IGN_COMPONENT 512 /* a longer pattern or path component never matches */

void ign_init(ign_list *l)
{
    memset(l, 0, sizeof *l);
}

void ign_free(ign_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->rules[i].pat);
    free(l->rules);
    ign_init(l);
}

static int ign_push(ign_list *l, ign_rule r)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        ign_rule *v = realloc(l->rules, cap * sizeof *v);
        if (!v) return -1;
        l->rules = v;
        l->cap = cap;
    }
    l->rules[l->n++] = r;
    return 0;
}

int ign_add(ign_list *l, const char *s, size_t len)
{
    ign_rule r = {0};
    size_t from = 0;
    if (len > 0 && s[len - 1] == '\r') len--;
    if (len == 0 || s[0] == '#') return 0;
    /* trailing spaces go, unless the last one is escaped */
    while (len > 0 && s[len - 1] == ' ' && !(len > 1 && s[len - 2] == '\\'))
        len--;
    if (s[0] == '!') {
        r.is_negated = 1;
        from = 1;
    } else if (len > 1 && s[0] == '\\' && (s[1] == '!' || s[1] == '#')) {
        from = 1; /* the backslash only said the '!' or '#' is literal */
    }
    while (len > from && s[len - 1] == '/') {
        r.is_dir = 1;
        len--;
    }
    if (len > from && s[from] == '/') {
        r.is_anchored = 1;
        while (len > from && s[from] == '/')
            from++;
    }
    if (len <= from) return 0;
    if (memchr(s + from, '/', len - from)) r.is_anchored = 1;
    if (!(r.pat = strndup(s + from, len - from))) return -1;
    if (ign_push(l, r) == 0) return 0;
    free(r.pat);
    return -1;
}

int ign_add_text(ign_list *l, const char *text, size_t len)
{
    while (len > 0) {
        const char *nl = memchr(text, '\n', len);
        size_t n = nl ? (size_t)(nl - text) : len;
        if (ign_add(l, text, n) < 0) return -1;
        text += n + (nl != NULL);
        len -= n + (nl != NULL);
    }
    return 0;
}

/* fnmatch of one pattern component p[0..pn) against one path component s[0..sn). */
static int ign_component(const char *p, size_t pn, const char *s, size_t sn)
{
    char pb[IGN_COMPONENT], sb[IGN_COMPONENT];
    if (pn >= sizeof pb || sn >= sizeof sb) return 0;
    memcpy(pb, p, pn);
    pb[pn] = '\0';
    memcpy(sb, s, sn);
    sb[sn] = '\0';
    return fnmatch(pb, sb, 0) == 0;
}

/* Bytes up to the next '/' (or the end) of s. */
static size_t ign_clen(const char *s)
{
    const char *slash = strchr(s, '/');
    return slash ? (size_t)(slash - s) : strlen(s);
}

/* Matches the components of pattern p against those of path s, both from their start. */
static int ign_components(const char *p, const char *s)
{
    size_t pn = ign_clen(p);
    if (pn == 2 && p[0] == '*' && p[1] == '*') {
        const char *rest = p[2] ? p + 3 : NULL;
        if (!rest) return *s != '\0'; /* "a/" "**": everything inside a */
        for (;;) {                    /* "**" stands for zero, one, two, ... components */
            if (ign_components(rest, s)) return 1;
            size_t sn = ign_clen(s);
            if (!s[sn]) return 0;
            s += sn + 1;
        }
    }
    size_t sn = ign_clen(s);
    if (!*s || !ign_component(p, pn, s, sn)) return 0;
    if (!p[pn]) return !s[sn];
    return s[sn] && ign_components(p + pn + 1, s + sn + 1);
}

/* 1 if rule r matches path (is_dir: a directory). */
static int ign_rule_match(const ign_rule *r, const char *path, int is_dir)
{
    if (r->is_dir && !is_dir) return 0;
    if (r->is_anchored) return ign_components(r->pat, path);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return ign_component(r->pat, strlen(r->pat), base, strlen(base));
}

int ign_match(const ign_list *l, const char *path, int is_dir)
{
    for (size_t i = l->n; i-- > 0;)
        if (ign_rule_match(&l->rules[i], path, is_dir))
            return l->rules[i].is_negated ? IGN_KEEP : IGN_IGNORE;
    return IGN_NONE;
}

int ign_glob(const char *glob, const char *path, int is_dir)
{
    ign_list l;
    ign_init(&l);
    int rc = ign_add(&l, glob, strlen(glob)) == 0 && ign_match(&l, path, is_dir) == IGN_IGNORE;
    ign_free(&l);
    return rc;
}
