/* library: facts about the library itself rather than an index: its version and the
 * description of every return code. */
#include "trawl.h"

#include <stddef.h>

const char *trawl_version(void)
{
    return TRAWL_VERSION;
}

unsigned trawl_version_number(void)
{
    return TRAWL_VERSION_NUMBER;
}

/* One row per return code; the index is -code. */
static const struct {
    const char *name;
    const char *sentence;
} lib_codes[] = {
    {"TRAWL_OK", "Success."},
    {"TRAWL_ECORRUPT", "An index file is corrupt: it failed a checksum, bounds or structure "
                       "check."},
    {"TRAWL_EVERSION", "The index was written by a newer or unknown format version of trawl."},
    {"TRAWL_EIO", "A system call failed while reading the index."},
    {"TRAWL_ENOMEM", "Out of memory."},
    {"TRAWL_EQUERY", "The query is malformed."},
    {"TRAWL_EARG", "A bad argument was passed to the library."},
    {"TRAWL_ENOTINDEX", "The path is not a trawl index (no MANIFEST, or a file with the wrong "
                        "magic)."},
    {"TRAWL_ELIMIT", "The query exceeds a limit (prefix expansions or query terms)."},
    {"TRAWL_ENOTFOUND", "No such hit, term or item."},
};

#define LIB_N_CODES (sizeof lib_codes / sizeof lib_codes[0])

const char *trawl_strerror(int rc)
{
    if (rc > 0 || (size_t) - (long)rc >= LIB_N_CODES) return "Unknown trawl error code.";
    return lib_codes[-rc].sentence;
}

const char *trawl_errname(int rc)
{
    if (rc > 0 || (size_t) - (long)rc >= LIB_N_CODES) return "TRAWL_EUNKNOWN";
    return lib_codes[-rc].name;
}
