/* manifest: reads, validates and writes the MANIFEST text file (docs/FORMAT.md, "Manifest"):
 *   trawl-manifest 2
 *   generation <u64>
 *   language <name>
 *   max_token_len <u32>
 *   next_segment <u64>                                                  (version 2)
 *   phrase_grams <u32: the grams.h word list version>                  (version 3, only)
 *   root <id> <absolute path, bytes below 0x21, 0x7f and % written as %XX> (version 2, 0..n)
 *   <segment file> <segment id> <n_docs> <live file or -> <n_deleted>   (v1: the first three)
 *   checksum <16 hex digits: xxhash64 of every byte before this line>
 * Text so that an operator can read it; a checksum so that a torn or edited file is refused;
 * strict numbers (no sign, no overflow) and a consistency check so that a re-sealed damaged
 * file is refused too. */
#include "manifest.h"

#include "checksum.h"
#include "fsx.h"
#include "grams.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MANIFEST_MAGIC   "trawl-manifest "
#define MANIFEST_VERSION 3u          /* written only by an index with phrase grams; else 2 */
#define MANIFEST_MAX     (16u << 20) /**< refuse larger files: not a manifest */

void manifest_init(manifest *m)
{
    memset(m, 0, sizeof *m);
    m->version = MANIFEST_VERSION;
    m->next_seg = 1;
}

void manifest_free(manifest *m)
{
    for (size_t i = 0; i < m->n_roots; i++)
        free(m->roots[i].path);
    free(m->roots);
    free(m->segs);
    manifest_init(m);
}

int manifest_name_ok(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len >= MANIFEST_NAME_MAX || name[0] == '.') return 0;
    for (size_t i = 0; i < len; i++)
        if (name[i] <= ' ' || name[i] == '/' || (unsigned char)name[i] >= 0x7f) return 0;
    return 1;
}

int manifest_add(manifest *m, const char *name, uint64_t id, uint32_t n_docs, err *e)
{
    if (!manifest_name_ok(name))
        return err_set(e, TRAWL_EARG, "manifest: bad segment name \"%s\"", name);
    manifest_seg *p = realloc(m->segs, (m->n_segs + 1) * sizeof *p);
    if (!p) return err_set(e, TRAWL_ENOMEM, "manifest: out of memory");
    m->segs = p;
    memset(&p[m->n_segs], 0, sizeof *p);
    memcpy(p[m->n_segs].name, name, strlen(name) + 1);
    p[m->n_segs].id = id;
    p[m->n_segs].n_docs = n_docs;
    m->n_segs++;
    if (id >= m->next_seg) m->next_seg = id + 1;
    return TRAWL_OK;
}

int manifest_set_liv(manifest *m, size_t i, const char *liv, uint32_t n_deleted, err *e)
{
    manifest_seg *s = &m->segs[i];
    if ((*liv && !manifest_name_ok(liv)) || n_deleted > s->n_docs || (!*liv && n_deleted))
        return err_set(e, TRAWL_EARG, "manifest: bad live file \"%s\" (%u of %u deleted)", liv,
                       n_deleted, s->n_docs);
    snprintf(s->liv, sizeof s->liv, "%s", liv);
    s->n_deleted = n_deleted;
    return TRAWL_OK;
}

/* Appends root (id, path) after the existing ones; path is copied. */
static int manifest_root_add(manifest *m, uint32_t id, const char *path, size_t len, err *e)
{
    manifest_root *r = realloc(m->roots, (m->n_roots + 1) * sizeof *r);
    if (!r) return err_set(e, TRAWL_ENOMEM, "manifest: out of memory");
    m->roots = r;
    if (!(r[m->n_roots].path = strndup(path, len)))
        return err_set(e, TRAWL_ENOMEM, "manifest: out of memory");
    r[m->n_roots].id = id;
    m->n_roots++;
    return TRAWL_OK;
}

int manifest_root_get(manifest *m, const char *path, uint32_t *id, err *e)
{
    if (path[0] != '/' || strchr(path, '\n'))
        return err_set(e, TRAWL_EARG, "manifest: root \"%s\" is not an absolute path", path);
    for (size_t i = 0; i < m->n_roots; i++)
        if (strcmp(m->roots[i].path, path) == 0) {
            *id = m->roots[i].id;
            return TRAWL_OK;
        }
    *id = m->n_roots ? m->roots[m->n_roots - 1].id + 1 : 1;
    return manifest_root_add(m, *id, path, strlen(path), e);
}

const char *manifest_root_path(const manifest *m, uint32_t id)
{
    for (size_t i = 0; i < m->n_roots; i++)
        if (m->roots[i].id == id) return m->roots[i].path;
    return NULL;
}

size_t manifest_find(const manifest *m, const char *name)
{
    for (size_t i = 0; i < m->n_segs; i++)
        if (strcmp(m->segs[i].name, name) == 0) return i;
    return SIZE_MAX;
}

int manifest_copy(manifest *dst, const manifest *src, err *e)
{
    *dst = *src;
    dst->roots = NULL;
    dst->segs = NULL;
    dst->n_roots = dst->n_segs = 0;
    for (size_t i = 0; i < src->n_roots; i++)
        if (manifest_root_add(dst, src->roots[i].id, src->roots[i].path, strlen(src->roots[i].path),
                              e) < 0)
            goto fail;
    if (src->n_segs) {
        if (!(dst->segs = malloc(src->n_segs * sizeof *dst->segs))) {
            err_set(e, TRAWL_ENOMEM, "manifest: out of memory");
            goto fail;
        }
        memcpy(dst->segs, src->segs, src->n_segs * sizeof *dst->segs);
        dst->n_segs = src->n_segs;
    }
    return TRAWL_OK;
fail:
    manifest_free(dst);
    return e->rc;
}

/* ---------------------------------------------------------------- consistency */

/* What both reading and writing insist on: every file named once, segment ids unique and below
 * next_segment, deleted counts within the segments, root ids increasing. A damaged manifest
 * that was re-sealed with a valid checksum would otherwise double documents or reuse a
 * segment id that a reader still has mapped under another content. */
static int manifest_validate(const manifest *m, const char *where, int rc, err *e)
{
    for (size_t i = 0; i < m->n_roots; i++)
        if (m->roots[i].id == 0 || (i && m->roots[i].id <= m->roots[i - 1].id))
            return err_set(e, rc, "%s: root ids not increasing (%u)", where, m->roots[i].id);
    for (size_t i = 0; i < m->n_segs; i++) {
        const manifest_seg *s = &m->segs[i];
        if (s->id == 0 || s->id >= m->next_seg || s->n_deleted > s->n_docs ||
            (!s->liv[0] && s->n_deleted))
            return err_set(e, rc, "%s: segment %s: bad id, count or live file", where, s->name);
        for (size_t j = 0; j < i; j++) {
            const manifest_seg *t = &m->segs[j];
            if (t->id == s->id || strcmp(t->name, s->name) == 0 ||
                (s->liv[0] && (strcmp(t->liv, s->liv) == 0 || strcmp(t->name, s->liv) == 0)) ||
                (t->liv[0] && strcmp(t->liv, s->name) == 0))
                return err_set(e, rc, "%s: %s is listed twice", where, s->name);
        }
    }
    return TRAWL_OK;
}

/* ---------------------------------------------------------------- writing */

/* Appends path to out with bytes below 0x21, 0x7f and '%' as %XX, so a root is one line and
 * its trailing spaces survive. */
static size_t manifest_escape(char *out, const char *path)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (*p < 0x21 || *p == 0x7f || *p == '%')
            n += (size_t)sprintf(out + n, "%%%02X", *p);
        else
            out[n++] = (char)*p;
    }
    out[n] = '\0';
    return n;
}

int manifest_write(const manifest *m, const char *dir, err *e)
{
    size_t cap = 256 + m->n_segs * 200, n = 0;
    for (size_t i = 0; i < m->n_roots; i++)
        cap += 32 + 3 * strlen(m->roots[i].path);
    if (!manifest_name_ok(m->language))
        return err_set(e, TRAWL_EARG, "manifest: bad language \"%s\"", m->language);
    if (manifest_validate(m, "manifest", TRAWL_EARG, e) < 0) return e->rc;
    char *txt = malloc(cap);
    if (!txt) return err_set(e, TRAWL_ENOMEM, "manifest: out of memory");
    /* Version 3 only when needed: an index without grams stays readable by older builds,
     * and one with them is refused by a build that would add segments without them. */
    n += (size_t)snprintf(txt + n, cap - n,
                          "%s%u\ngeneration %" PRIu64 "\nlanguage %s\nmax_token_len %" PRIu32
                          "\nnext_segment %" PRIu64 "\n",
                          MANIFEST_MAGIC, m->phrase_grams ? 3u : 2u, m->generation, m->language,
                          m->max_token_len, m->next_seg);
    if (m->phrase_grams)
        n += (size_t)snprintf(txt + n, cap - n, "phrase_grams %" PRIu32 "\n", m->phrase_grams);
    for (size_t i = 0; i < m->n_roots; i++) {
        n += (size_t)snprintf(txt + n, cap - n, "root %" PRIu32 " ", m->roots[i].id);
        n += manifest_escape(txt + n, m->roots[i].path);
        txt[n++] = '\n';
    }
    for (size_t i = 0; i < m->n_segs; i++) {
        const manifest_seg *s = &m->segs[i];
        n += (size_t)snprintf(txt + n, cap - n, "%s %" PRIu64 " %" PRIu32 " %s %" PRIu32 "\n",
                              s->name, s->id, s->n_docs, s->liv[0] ? s->liv : "-", s->n_deleted);
    }
    n += (size_t)snprintf(txt + n, cap - n, "checksum %016" PRIx64 "\n", checksum64(txt, n));
    int rc = fsx_replace_file(dir, MANIFEST_NAME, txt, n, e);
    free(txt);
    return rc;
}

/* ---------------------------------------------------------------- reading */

/* Reads dir/MANIFEST whole into *out (NUL-terminated). */
static int manifest_slurp(const char *dir, char **out, size_t *len, err *e)
{
    char path[4096];
    if (fsx_join(path, sizeof path, dir, MANIFEST_NAME, e) < 0) return e->rc;
    int fd = fsx_open_regular(path, O_RDONLY, 0, NULL);
    if (fd == FSX_NOT_REGULAR) return err_set(e, TRAWL_ECORRUPT, "%s: not a regular file", path);
    if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
        return err_set(e, TRAWL_ENOTINDEX, "%s: not a trawl index (no %s)", dir, MANIFEST_NAME);
    if (fd < 0) return err_set(e, TRAWL_EIO, "%s: %s", path, strerror(errno));
    char *p = malloc(MANIFEST_MAX + 1);
    size_t n = 0;
    int rc = p ? TRAWL_OK : err_set(e, TRAWL_ENOMEM, "%s: out of memory", path);
    while (rc == TRAWL_OK && n <= MANIFEST_MAX) {
        ssize_t got = read(fd, p + n, MANIFEST_MAX + 1 - n);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) rc = err_set(e, TRAWL_EIO, "%s: read: %s", path, strerror(errno));
        if (got <= 0) break;
        n += (size_t)got;
    }
    close(fd);
    if (rc == TRAWL_OK && n > MANIFEST_MAX)
        rc = err_set(e, TRAWL_ENOTINDEX, "%s: too large for a manifest", path);
    if (rc != TRAWL_OK) {
        free(p);
        return rc;
    }
    p[n] = '\0';
    *out = p;
    *len = n;
    return TRAWL_OK;
}

/* Strict decimal: digits only (no sign, no space), at most max. Advances *p past them. */
static int manifest_num(const char **p, uint64_t max, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    if (*s < '0' || *s > '9') return -1;
    for (; *s >= '0' && *s <= '9'; s++) {
        uint64_t d = (uint64_t)(*s - '0');
        if (v > (max - d) / 10) return -1;
        v = v * 10 + d;
    }
    *p = s;
    *out = v;
    return 0;
}

/* Magic and version first (so a newer manifest is "newer", whatever its checksum), then the
 * checksum line, which must be the last line. */
static int manifest_frame(const char *dir, const char *txt, size_t len, uint32_t *version, err *e)
{
    size_t ml = strlen(MANIFEST_MAGIC);
    uint64_t ver;
    if (len < ml || memcmp(txt, MANIFEST_MAGIC, ml) != 0)
        return err_set(e, TRAWL_ENOTINDEX, "%s/%s: not a trawl manifest", dir, MANIFEST_NAME);
    const char *p = txt + ml;
    if (manifest_num(&p, UINT32_MAX, &ver) < 0 || *p != '\n')
        return err_set(e, TRAWL_ECORRUPT, "%s/%s: bad version line", dir, MANIFEST_NAME);
    if (ver < 1 || ver > MANIFEST_VERSION)
        return err_set(e, TRAWL_EVERSION,
                       "%s/%s: manifest version %" PRIu64 ", this build reads 1 to %u", dir,
                       MANIFEST_NAME, ver, MANIFEST_VERSION);
    *version = (uint32_t)ver;
    const char *last = len >= 2 ? txt + len - 2 : txt;
    while (last > txt && *last != '\n')
        last--;
    uint64_t want;
    char tail;
    if (len == 0 || txt[len - 1] != '\n' || last == txt ||
        sscanf(last + 1, "checksum %16" SCNx64 "%c", &want, &tail) != 2 || tail != '\n' ||
        checksum64(txt, (size_t)(last + 1 - txt)) != want)
        return err_set(e, TRAWL_ECORRUPT, "%s/%s: checksum line missing or mismatched", dir,
                       MANIFEST_NAME);
    return TRAWL_OK;
}

/* A line "key <u64 at most max>" at *line; advances to the next line. */
static int manifest_kv(char **line, const char *key, uint64_t max, uint64_t *out)
{
    size_t kl = strlen(key);
    const char *p = *line;
    if (strncmp(p, key, kl) != 0 || p[kl] != ' ') return -1;
    p += kl + 1;
    if (manifest_num(&p, max, out) < 0 || *p != '\n') return -1;
    *line = (char *)p + 1;
    return 0;
}

/* The next space-separated word of at most cap - 1 bytes, copied to out; 0 or -1. */
static int manifest_word(const char **p, char *out, size_t cap)
{
    const char *s = *p;
    size_t n = 0;
    while (s[n] && s[n] != ' ' && s[n] != '\n')
        n++;
    if (n == 0 || n >= cap) return -1;
    memcpy(out, s, n);
    out[n] = '\0';
    *p = s + n;
    return 0;
}

/* "root <id> <escaped path>\n" */
static int manifest_parse_root(manifest *m, char **line, err *e)
{
    const char *p = *line + 5;
    uint64_t id;
    char *nl = strchr(p, '\n');
    if (manifest_num(&p, UINT32_MAX, &id) < 0 || *p != ' ' || p[1] != '/') return -1;
    char *path = malloc((size_t)(nl - p));
    size_t n = 0;
    if (!path) return err_set(e, TRAWL_ENOMEM, "manifest: out of memory");
    for (p++; p < nl; p++) {
        unsigned int c;
        if (*p == '%' && nl - p >= 3 && sscanf(p + 1, "%2x", &c) == 1 && c != 0) {
            path[n++] = (char)c;
            p += 2;
        } else if ((unsigned char)*p >= 0x21 && *p != '%' && *p != 0x7f) {
            path[n++] = *p;
        } else {
            free(path);
            return -1;
        }
    }
    int rc = manifest_root_add(m, (uint32_t)id, path, n, e);
    free(path);
    *line = nl + 1;
    return rc;
}

/* "<name> <id> <n_docs>[ <live file or -> <n_deleted>]\n" (the bracket: version 2) */
static int manifest_parse_seg(manifest *m, char **line, err *e)
{
    const char *p = *line;
    char name[MANIFEST_NAME_MAX], liv[MANIFEST_NAME_MAX] = "-";
    uint64_t id, nd, ndel = 0;
    if (manifest_word(&p, name, sizeof name) < 0 || *p++ != ' ' ||
        manifest_num(&p, UINT64_MAX - 1, &id) < 0 || *p++ != ' ' ||
        manifest_num(&p, UINT32_MAX, &nd) < 0)
        return -1;
    if (m->version >= 2 && (*p++ != ' ' || manifest_word(&p, liv, sizeof liv) < 0 || *p++ != ' ' ||
                            manifest_num(&p, UINT32_MAX, &ndel) < 0))
        return -1;
    if (*p != '\n' || !manifest_name_ok(name) || (strcmp(liv, "-") && !manifest_name_ok(liv)))
        return -1;
    if (manifest_add(m, name, id, (uint32_t)nd, e) < 0) return e->rc;
    manifest_seg *s = &m->segs[m->n_segs - 1];
    if (strcmp(liv, "-") != 0) snprintf(s->liv, sizeof s->liv, "%s", liv);
    s->n_deleted = (uint32_t)ndel;
    *line = (char *)p + 1;
    return 0;
}

/* Parses the body lines between the version line and the checksum line. */
static int manifest_parse(manifest *m, const char *dir, char *txt, err *e)
{
    char *line = strchr(txt, '\n') + 1, lang[64];
    uint64_t gen, mtl, next = 0, gram_list = 0;
    int ok = manifest_kv(&line, "generation", INT64_MAX, &gen) == 0;
    const char *p = line + 9;
    ok = ok && strncmp(line, "language ", 9) == 0 && manifest_word(&p, lang, sizeof lang) == 0 &&
         *p == '\n' && strlen(lang) < sizeof m->language;
    if (ok) line = (char *)p + 1;
    ok = ok && manifest_kv(&line, "max_token_len", 255, &mtl) == 0 && mtl >= 1;
    ok = ok && (m->version < 2 || manifest_kv(&line, "next_segment", INT64_MAX, &next) == 0);
    ok = ok && (m->version < 3 ||
                (manifest_kv(&line, "phrase_grams", UINT32_MAX, &gram_list) == 0 && gram_list > 0));
    if (!ok) return err_set(e, TRAWL_ECORRUPT, "%s/%s: bad header fields", dir, MANIFEST_NAME);
    if (gram_list > GRAMS_VERSION) /* its segments hold grams of a list this build cannot make */
        return err_set(e, TRAWL_EVERSION,
                       "%s/%s: phrase grams of word list %" PRIu64 ", this build knows 1 to %u",
                       dir, MANIFEST_NAME, gram_list, GRAMS_VERSION);
    m->generation = gen;
    memcpy(m->language, lang, strlen(lang) + 1);
    m->max_token_len = (uint32_t)mtl;
    m->phrase_grams = (uint32_t)gram_list;
    while (m->version >= 2 && strncmp(line, "root ", 5) == 0) {
        int rc = manifest_parse_root(m, &line, e);
        if (rc != 0)
            return e->rc ? e->rc
                         : err_set(e, TRAWL_ECORRUPT, "%s/%s: bad root line", dir, MANIFEST_NAME);
    }
    while (strncmp(line, "checksum ", 9) != 0) {
        if (manifest_parse_seg(m, &line, e) != 0)
            return e->rc
                       ? e->rc
                       : err_set(e, TRAWL_ECORRUPT, "%s/%s: bad segment line", dir, MANIFEST_NAME);
    }
    if (m->version >= 2) m->next_seg = next; /* v1: manifest_add derived it */
    char where[4200];
    snprintf(where, sizeof where, "%s/%s", dir, MANIFEST_NAME);
    return manifest_validate(m, where, TRAWL_ECORRUPT, e);
}

int manifest_read(manifest *m, const char *dir, err *e)
{
    char *txt = NULL;
    size_t len;
    manifest_init(m);
    int rc = manifest_slurp(dir, &txt, &len, e);
    if (rc == TRAWL_OK && strlen(txt) != len)
        rc = err_set(e, TRAWL_ECORRUPT, "%s/%s: NUL byte in manifest", dir, MANIFEST_NAME);
    if (rc == TRAWL_OK) rc = manifest_frame(dir, txt, len, &m->version, e);
    if (rc == TRAWL_OK) rc = manifest_parse(m, dir, txt, e);
    free(txt);
    if (rc != TRAWL_OK) manifest_free(m);
    return rc;
}
