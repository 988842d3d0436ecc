/* manifest: reads and writes the MANIFEST text file (docs/FORMAT.md, "Manifest"):
 *   trawl-manifest 1
 *   generation <u64>
 *   language <name>
 *   max_token_len <u32>
 *   <segment file name> <segment id> <n_docs>      (one line per segment, document order)
 *   checksum <16 hex digits: xxhash64 of every byte before this line>
 * Text so that an operator can read it; a checksum so that a torn or edited file is refused. */
#include "manifest.h"

#include "analyzer.h"
#include "checksum.h"
#include "fsx.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MANIFEST_MAGIC   "trawl-manifest "
#define MANIFEST_VERSION 1u
#define MANIFEST_MAX     (16u << 20) /**< refuse larger files: not a manifest */

void manifest_init(manifest *m)
{
    memset(m, 0, sizeof *m);
}

void manifest_free(manifest *m)
{
    free(m->segs);
    manifest_init(m);
}

/* A name safe to join to a directory: no slash, no leading dot, printable, fits. */
static int manifest_name_ok(const char *name, size_t len)
{
    if (len == 0 || len >= sizeof(((manifest_seg *)0)->name) || name[0] == '.') return 0;
    for (size_t i = 0; i < len; i++)
        if (name[i] <= ' ' || name[i] == '/' || (unsigned char)name[i] >= 0x7f) return 0;
    return 1;
}

int manifest_add(manifest *m, const char *name, uint64_t id, uint32_t n_docs, err *e)
{
    if (!manifest_name_ok(name, strlen(name)))
        return err_set(e, TRAWL_EARG, "manifest: bad segment name \"%s\"", name);
    manifest_seg *p = realloc(m->segs, (m->n_segs + 1) * sizeof *p);
    if (!p) return err_set(e, TRAWL_ENOMEM, "manifest: out of memory");
    m->segs = p;
    memset(&p[m->n_segs], 0, sizeof *p);
    memcpy(p[m->n_segs].name, name, strlen(name) + 1);
    p[m->n_segs].id = id;
    p[m->n_segs].n_docs = n_docs;
    m->n_segs++;
    return TRAWL_OK;
}

int manifest_write(const manifest *m, const char *dir, err *e)
{
    size_t cap = 256 + m->n_segs * 128, n = 0;
    char *txt = malloc(cap);
    if (!txt) return err_set(e, TRAWL_ENOMEM, "manifest: out of memory");
    if (!manifest_name_ok(m->language, strlen(m->language))) {
        free(txt);
        return err_set(e, TRAWL_EARG, "manifest: bad language \"%s\"", m->language);
    }
    n += (size_t)snprintf(txt + n, cap - n,
                          "%s%u\ngeneration %" PRIu64 "\nlanguage %s\n"
                          "max_token_len %" PRIu32 "\n",
                          MANIFEST_MAGIC, MANIFEST_VERSION, m->generation, m->language,
                          m->max_token_len);
    for (size_t i = 0; i < m->n_segs; i++)
        n += (size_t)snprintf(txt + n, cap - n, "%s %" PRIu64 " %" PRIu32 "\n", m->segs[i].name,
                              m->segs[i].id, m->segs[i].n_docs);
    n += (size_t)snprintf(txt + n, cap - n, "checksum %016" PRIx64 "\n", checksum64(txt, n));
    int rc = fsx_replace_file(dir, MANIFEST_NAME, txt, n, e);
    free(txt);
    return rc;
}

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

/* Magic and version first (so a newer manifest is "newer", whatever its checksum), then the
 * checksum line, which must be the last line. */
static int manifest_frame(const char *dir, const char *txt, size_t len, err *e)
{
    unsigned long ver;
    char *endp;
    size_t ml = strlen(MANIFEST_MAGIC);
    if (len < ml || memcmp(txt, MANIFEST_MAGIC, ml) != 0)
        return err_set(e, TRAWL_ENOTINDEX, "%s/%s: not a trawl manifest", dir, MANIFEST_NAME);
    errno = 0;
    ver = strtoul(txt + ml, &endp, 10);
    if (endp == txt + ml || *endp != '\n' || errno)
        return err_set(e, TRAWL_ECORRUPT, "%s/%s: bad version line", dir, MANIFEST_NAME);
    if (ver != MANIFEST_VERSION)
        return err_set(e, TRAWL_EVERSION, "%s/%s: manifest version %lu, this build reads %u", dir,
                       MANIFEST_NAME, ver, MANIFEST_VERSION);
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

/* A strict decimal at *p: one or more ASCII digits, no sign, no space, at most max (sscanf's
 * %llu would take "-1" as 2^64 - 1 and let %u wrap). Advances *p past it; -1 if malformed. */
static int manifest_dec(const char **p, uint64_t max, uint64_t *v)
{
    const char *q = *p;
    uint64_t n = 0;
    if (*q < '0' || *q > '9') return -1;
    for (; *q >= '0' && *q <= '9'; q++) {
        unsigned d = (unsigned)(*q - '0');
        if (n > (max - d) / 10) return -1;
        n = n * 10 + d;
    }
    *p = q;
    *v = n;
    return 0;
}

/* Reads the line "<key> <decimal <= max>\n" at *line and moves *line to the next one. */
static int manifest_num_line(const char **line, const char *key, uint64_t max, uint64_t *v)
{
    size_t kl = strlen(key);
    const char *p = *line + kl + 1;
    if (strncmp(*line, key, kl) != 0 || (*line)[kl] != ' ' || manifest_dec(&p, max, v) < 0 ||
        *p != '\n')
        return -1;
    *line = p + 1;
    return 0;
}

/* Reads the line "language <name>\n" into lang (cap bytes). */
static int manifest_lang_line(const char **line, char *lang, size_t cap)
{
    const char *p = *line + 9, *nl = strchr(*line, '\n');
    size_t n = nl ? (size_t)(nl - p) : 0;
    if (strncmp(*line, "language ", 9) != 0 || !nl || nl < p || n >= cap || !manifest_name_ok(p, n))
        return -1;
    memcpy(lang, p, n);
    lang[n] = '\0';
    *line = nl + 1;
    return 0;
}

/* Reads one segment line "<name> <id u64> <n_docs u32>\n" into m. */
static int manifest_seg_line(manifest *m, const char **line, err *e)
{
    char name[sizeof(((manifest_seg *)0)->name)];
    const char *sp = strchr(*line, ' '), *p = sp ? sp + 1 : NULL;
    uint64_t id, nd;
    size_t n = sp ? (size_t)(sp - *line) : 0;
    if (!sp || n >= sizeof name || !manifest_name_ok(*line, n) ||
        manifest_dec(&p, UINT64_MAX, &id) < 0 || *p++ != ' ' ||
        manifest_dec(&p, UINT32_MAX, &nd) < 0 || *p != '\n')
        return -1;
    memcpy(name, *line, n);
    name[n] = '\0';
    *line = p + 1;
    return manifest_add(m, name, id, (uint32_t)nd, e) < 0 ? -1 : 0;
}

/* Parses the body lines between the version line and the checksum line (which manifest_frame
 * found to be the last line, so every line read here ends with '\n'). */
static int manifest_parse(manifest *m, const char *dir, const char *txt, err *e)
{
    const char *line = strchr(txt, '\n') + 1;
    uint64_t gen, mtl;
    if (manifest_num_line(&line, "generation", UINT64_MAX, &gen) < 0 ||
        manifest_lang_line(&line, m->language, sizeof m->language) < 0 ||
        manifest_num_line(&line, "max_token_len", UINT32_MAX, &mtl) < 0)
        return err_set(e, TRAWL_ECORRUPT, "%s/%s: bad header fields", dir, MANIFEST_NAME);
    m->generation = gen;
    m->max_token_len = (uint32_t)mtl;
    while (strncmp(line, "checksum ", 9) != 0) {
        if (manifest_seg_line(m, &line, e) < 0)
            return e->rc
                       ? e->rc
                       : err_set(e, TRAWL_ECORRUPT, "%s/%s: bad segment line", dir, MANIFEST_NAME);
    }
    return TRAWL_OK;
}

/* What a checksum cannot catch: a manifest re-sealed after an edit, or written by a buggy
 * writer. A segment listed twice (by name or by id) would be searched twice: every hit doubled,
 * every df and so every idf changed. */
static int manifest_validate(const manifest *m, const char *dir, err *e)
{
    if (m->max_token_len == 0 || m->max_token_len > ANALYZER_MAX_TOKEN_LIMIT)
        return err_set(e, TRAWL_ECORRUPT, "%s/%s: max_token_len %" PRIu32 " outside 1..%u", dir,
                       MANIFEST_NAME, m->max_token_len, ANALYZER_MAX_TOKEN_LIMIT);
    for (size_t i = 0; i < m->n_segs; i++) {
        for (size_t j = 0; j < i; j++) {
            if (strcmp(m->segs[i].name, m->segs[j].name) == 0)
                return err_set(e, TRAWL_ECORRUPT, "%s/%s: segment %s is listed twice", dir,
                               MANIFEST_NAME, m->segs[i].name);
            if (m->segs[i].id == m->segs[j].id)
                return err_set(e, TRAWL_ECORRUPT,
                               "%s/%s: segment id %" PRIu64 " is listed twice (%s and %s)", dir,
                               MANIFEST_NAME, m->segs[i].id, m->segs[j].name, m->segs[i].name);
        }
    }
    return TRAWL_OK;
}

int manifest_read(manifest *m, const char *dir, err *e)
{
    char *txt = NULL;
    size_t len;
    manifest_init(m);
    int rc = manifest_slurp(dir, &txt, &len, e);
    if (rc == TRAWL_OK && strlen(txt) != len)
        rc = err_set(e, TRAWL_ECORRUPT, "%s/%s: NUL byte in manifest", dir, MANIFEST_NAME);
    if (rc == TRAWL_OK) rc = manifest_frame(dir, txt, len, e);
    if (rc == TRAWL_OK) rc = manifest_parse(m, dir, txt, e);
    if (rc == TRAWL_OK) rc = manifest_validate(m, dir, e);
    free(txt);
    if (rc != TRAWL_OK) manifest_free(m);
    return rc;
}
