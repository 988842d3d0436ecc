#include "hugemem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HUGEMEM_PAGE ((size_t)2 << 20) /* x86-64 and arm64 (4 KB base pages) huge page */

void *hugemem_alloc(size_t bytes)
{
    int is_huge = bytes >= HUGEMEM_PAGE && bytes % HUGEMEM_PAGE == 0;
    void *p = is_huge ? aligned_alloc(HUGEMEM_PAGE, bytes) : malloc(bytes);
#ifdef MADV_HUGEPAGE
    /* Only advice: where THP is off the pages stay small. */
    if (p && is_huge) (void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}

void *hugemem_zalloc(size_t bytes)
{
    void *p = hugemem_alloc(bytes);
    if (!p) return NULL;
    /* GCC turns malloc + memset of the whole block into calloc, which maps the zero page: the
     * empty asm hides from it that p is what malloc returned. */
    __asm__("" : "+r"(p));
    memset(p, 0, bytes);
    return p;
}
