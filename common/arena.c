#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct arena_chunk {
    arena_chunk *next;
    size_t cap;  /**< usable bytes in data */
    size_t used; /**< bytes handed out */
    _Alignas(16) unsigned char data[];
};

#define ARENA_MIN_CHUNK (64 * 1024)

void arena_init(arena *a)
{
    a->head = NULL;
    a->spare = NULL;
}

static arena_chunk *arena_take_chunk(arena *a, size_t n)
{
    arena_chunk **pp = &a->spare;
    for (; *pp; pp = &(*pp)->next) {
        if ((*pp)->cap >= n) {
            arena_chunk *c = *pp;
            *pp = c->next;
            c->used = 0;
            return c;
        }
    }
    size_t cap = a->head ? a->head->cap * 2 : ARENA_MIN_CHUNK;
    while (cap < n)
        cap *= 2;
    arena_chunk *c = malloc(sizeof *c + cap);
    if (!c) return NULL;
    c->cap = cap;
    c->used = 0;
    return c;
}

void *arena_alloc(arena *a, size_t n)
{
    if (n > SIZE_MAX / 2) return NULL;
    n = (n + 15) & ~(size_t)15;
    if (!a->head || a->head->cap - a->head->used < n) {
        arena_chunk *c = arena_take_chunk(a, n);
        if (!c) return NULL;
        c->next = a->head;
        a->head = c;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += n;
    return p;
}

void *arena_calloc(arena *a, size_t n)
{
    void *p = arena_alloc(a, n);
    if (p) memset(p, 0, n);
    return p;
}

void arena_reset(arena *a)
{
    while (a->head) {
        arena_chunk *c = a->head;
        a->head = c->next;
        c->next = a->spare;
        a->spare = c;
    }
}

static void arena_free_list(arena_chunk *c)
{
    while (c) {
        arena_chunk *next = c->next;
        free(c);
        c = next;
    }
}

void arena_free(arena *a)
{
    arena_free_list(a->head);
    arena_free_list(a->spare);
    arena_init(a);
}
