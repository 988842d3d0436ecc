/* testutil: small helpers the unit tests share. Header-only (static inline) because every test
 * is its own program; nothing here asserts, so callers choose how a failure is reported. */
#ifndef TRAWL_TESTUTIL_H
#define TRAWL_TESTUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* xorshift64*: the tests' reproducible random numbers; *state must start non-zero. */
static inline uint64_t tu_rand(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 0x2545F4914F6CDD1DULL;
}

/* Reads the whole file at path into a malloc'd buffer with a NUL after the last byte. Returns
 * it (the caller frees) and its length in *len (may be NULL), or NULL if it cannot be read. */
static inline void *tu_slurp(const char *path, size_t *len)
{
    size_t unused;
    if (!len) len = &unused;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    char *p = n >= 0 ? malloc((size_t)n + 1) : NULL;
    rewind(f);
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    if (p) {
        p[n] = '\0';
        *len = (size_t)n;
    }
    return p;
}

/* Creates a fresh directory /tmp/trawl-test-TAG-XXXXXX, its path in out. Returns out or NULL. */
static inline char *tu_mkdtemp(char *out, size_t cap, const char *tag)
{
    int n = snprintf(out, cap, "/tmp/trawl-test-%s-XXXXXX", tag);
    return n > 0 && (size_t)n < cap ? mkdtemp(out) : NULL;
}

/* Removes dir and everything below it. Returns 0 on success. */
static inline int tu_rm_rf(const char *dir)
{
    char cmd[600];
    int n = snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return n > 0 && (size_t)n < sizeof cmd ? system(cmd) : -1;
}

#endif
