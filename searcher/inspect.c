/* inspect: --terms and --show (see inspect.h). */
#include "inspect.h"

#include "out.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One term kept for sorting: its bytes are copied (the iterator's are valid for one step). */
typedef struct insp_term {
    char *term;
    uint64_t df, cf;
    int cf_is_exact;
} insp_term;

typedef struct insp_list {
    insp_term *v;
    size_t n, cap;
} insp_list;

static int insp_by_df(const void *a, const void *b)
{
    const insp_term *x = a, *y = b;
    if (x->df != y->df) return x->df < y->df ? 1 : -1;
    return strcmp(x->term, y->term);
}

static int insp_by_cf(const void *a, const void *b)
{
    const insp_term *x = a, *y = b;
    if (x->cf != y->cf) return x->cf < y->cf ? 1 : -1;
    return strcmp(x->term, y->term);
}

static void insp_print_term(const inspect_opts *o, const insp_term *t)
{
    if (!o->json) {
        printf("%10llu %12llu%s  %s\n", (unsigned long long)t->df, (unsigned long long)t->cf,
               t->cf_is_exact ? " " : "+", t->term);
        return;
    }
    fputs("{\"type\":\"term\",\"term\":\"", stdout);
    out_json_str(stdout, t->term, strlen(t->term));
    printf("\",\"df\":%llu,\"cf\":%llu,\"cf_exact\":%s}\n", (unsigned long long)t->df,
           (unsigned long long)t->cf, t->cf_is_exact ? "true" : "false");
}

static int insp_push(insp_list *l, const trawl_term *t)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 1024;
        insp_term *v = realloc(l->v, cap * sizeof *v);
        if (!v) return -1;
        l->v = v;
        l->cap = cap;
    }
    char *copy = strndup(t->term, t->len);
    if (!copy) return -1;
    l->v[l->n++] = (insp_term){copy, t->df, t->cf, t->cf_is_exact};
    return 0;
}

/* Reads every term of the walk into l (sorted orders need them all). */
static int insp_collect(trawl_terms *it, insp_list *l)
{
    trawl_term t;
    int rc;
    while ((rc = trawl_terms_next(it, &t)) == TRAWL_OK)
        if (insp_push(l, &t) < 0) return TRAWL_ENOMEM;
    return rc == TRAWL_ENOTFOUND ? TRAWL_OK : rc;
}

/* Byte order: straight from the walk, nothing kept. */
static int insp_stream(const inspect_opts *o, trawl_terms *it, uint64_t *n)
{
    trawl_term t;
    int rc = TRAWL_OK;
    while (rc == TRAWL_OK && (!o->limit || *n < o->limit)) {
        rc = trawl_terms_next(it, &t);
        if (rc != TRAWL_OK) break;
        insp_term k = {(char *)t.term, t.df, t.cf, t.cf_is_exact};
        insp_print_term(o, &k);
        ++*n;
    }
    return rc == TRAWL_ENOTFOUND ? TRAWL_OK : rc;
}

static int insp_sorted(const inspect_opts *o, trawl_terms *it, uint64_t *n)
{
    insp_list l = {0};
    int rc = insp_collect(it, &l);
    if (rc == TRAWL_OK) {
        qsort(l.v, l.n, sizeof *l.v, o->sort == INSPECT_BY_DF ? insp_by_df : insp_by_cf);
        for (size_t i = 0; i < l.n && (!o->limit || i < o->limit); i++, ++*n)
            insp_print_term(o, &l.v[i]);
    }
    for (size_t i = 0; i < l.n; i++)
        free(l.v[i].term);
    free(l.v);
    return rc;
}

int inspect_terms(const inspect_opts *o, const trawl_index *idx, const char *prefix)
{
    char folded[256];
    size_t len = strlen(prefix);
    uint64_t n = 0;
    if (len >= sizeof folded) {
        fprintf(stderr, "trawl-search: error: --terms prefix longer than 255 bytes\n");
        return 2;
    }
    for (size_t i = 0; i <= len; i++)
        folded[i] = prefix[i] >= 'A' && prefix[i] <= 'Z' ? (char)(prefix[i] + 32) : prefix[i];
    trawl_terms *it = NULL;
    int rc = trawl_terms_open(&it, idx, folded, len);
    if (rc == TRAWL_OK)
        rc = o->sort == INSPECT_BY_TERM ? insp_stream(o, it, &n) : insp_sorted(o, it, &n);
    if (rc != TRAWL_OK)
        fprintf(stderr, "trawl-search: error: %s\n",
                rc == TRAWL_ENOMEM ? "out of memory" : trawl_terms_errmsg(it));
    else if (o->json)
        printf("{\"type\":\"summary\",\"count\":%llu}\n", (unsigned long long)n);
    trawl_terms_close(it);
    return rc != TRAWL_OK ? 2 : n ? 0 : 1;
}

/* With arg not an id: the documents of the file it names, found by trying each tail of its
 * canonical path as an id and keeping the hit whose path is that file. Returns the hit's index,
 * -1 if none, or -2 on an error. */
static long insp_by_path(trawl_search *s, const char *arg)
{
    char *canon = realpath(arg, NULL);
    long found = -1;
    for (const char *p = canon; p && found == -1 && (p = strchr(p, '/')) != NULL;) {
        p++;
        int rc = trawl_search_find(s, p, strlen(p));
        if (rc != TRAWL_OK && rc != TRAWL_ENOTFOUND && rc != TRAWL_EARG) found = -2;
        for (size_t i = 0; rc == TRAWL_OK && found == -1; i++) {
            const char *path;
            size_t plen;
            int r = trawl_search_hit_path(s, i, &path, &plen);
            if (r == TRAWL_ENOTFOUND && i > 0) break;
            if (r == TRAWL_OK && strcmp(path, canon) == 0) found = (long)i;
            if (r != TRAWL_OK && r != TRAWL_ENOTFOUND) found = -2;
        }
    }
    free(canon);
    return found;
}

static void insp_print_doc(const inspect_opts *o, trawl_search *s, size_t i, const char *text,
                           size_t len, int header)
{
    trawl_hit h;
    const char *path = NULL;
    size_t plen = 0;
    trawl_search_hit(s, i, &h);
    int has_path = trawl_search_hit_path(s, i, &path, &plen) == TRAWL_OK;
    if (!o->json) {
        if (header) printf("==> %s <==\n", has_path ? path : h.id);
        fwrite(text, 1, len, stdout);
        if (header && len && text[len - 1] != '\n') fputc('\n', stdout);
        return;
    }
    fputs("{\"type\":\"document\",\"id\":\"", stdout);
    out_json_str(stdout, h.id, h.id_len);
    fputs("\",\"path\":", stdout);
    if (has_path) {
        fputc('"', stdout);
        out_json_str(stdout, path, plen);
        fputc('"', stdout);
    } else {
        fputs("null", stdout);
    }
    fputs(",\"date\":", stdout);
    out_date(stdout, h.date, 1);
    fputs(",\"text\":\"", stdout);
    out_json_str(stdout, text, len);
    fputs("\"}\n", stdout);
}

int inspect_show(const inspect_opts *o, trawl_search *s, const char *id)
{
    size_t first = 0, n = 0;
    int rc = trawl_search_find(s, id, strlen(id));
    if (rc == TRAWL_ENOTFOUND) {
        long k = insp_by_path(s, id);
        if (k == -1) {
            fprintf(stderr, "trawl-search: no document has the id or path %s\n", id);
            return 1;
        }
        rc = k < 0 ? TRAWL_ECORRUPT : TRAWL_OK;
        first = k < 0 ? 0 : (size_t)k;
        n = 1;
    }
    trawl_hit h;
    if (rc == TRAWL_OK && n == 0)
        while (trawl_search_hit(s, n, &h) == TRAWL_OK)
            n++;
    for (size_t i = first; rc == TRAWL_OK && i < first + n; i++) {
        const char *text;
        size_t len;
        rc = trawl_search_text(s, i, &text, &len);
        if (rc == TRAWL_OK) insp_print_doc(o, s, i, text, len, n > 1);
    }
    if (rc != TRAWL_OK) {
        fprintf(stderr, "trawl-search: error: %s\n", trawl_search_errmsg(s));
        return 2;
    }
    return 0;
}
