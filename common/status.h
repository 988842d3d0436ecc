/* status: the return codes every module reports, the same values and names as the public
 * TRAWL_E* codes of trawl.h. Defined here because common/ may not include the public header,
 * which sits above it; the block between the guards is identical in both files
 * (tests/cli/layering.sh compares them), so whichever a file includes first defines them. */
#ifndef TRAWL_STATUS_H
#define TRAWL_STATUS_H

#ifndef TRAWL_STATUS_CODES
#define TRAWL_STATUS_CODES
/** Return codes. TRAWL_OK is 0; every error is negative. */
enum {
    TRAWL_OK = 0,
    TRAWL_ECORRUPT = -1,  /**< an index file fails a checksum, bound or structural check */
    TRAWL_EVERSION = -2,  /**< an index written by a newer (or unknown) format version */
    TRAWL_EIO = -3,       /**< a system call failed (message carries strerror) */
    TRAWL_ENOMEM = -4,    /**< out of memory */
    TRAWL_EQUERY = -5,    /**< the query string is malformed (see trawl_search_error_column) */
    TRAWL_EARG = -6,      /**< a bad argument from the caller */
    TRAWL_ENOTINDEX = -7, /**< the path is not a trawl index (no manifest, wrong magic) */
    TRAWL_ELIMIT = -8,    /**< a query exceeds a limit (prefix expansions, query terms) */
    TRAWL_ENOTFOUND = -9, /**< no such hit, term or item (also ends hit iteration) */
};
#endif /* TRAWL_STATUS_CODES */

#endif
