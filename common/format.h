/* format: the constants and fixed-size records of the segment file (docs/FORMAT.md is the spec).
 * Shared by the writer (indexer/segment_writer.c) and the reader (common/segment.c, dict.c,
 * term_cursor.c); holds nothing else. All integers are little-endian (rd.h asserts the host).
 *
 *   File       --> Header, <Section, Padding>^n, SectionTable, Trailer   (n = 11; 10 in v1)
 *   Header     --> Magic[8], Version u32, Flags u32, SegmentId u64          (24 bytes)
 *   Padding    --> >= FMT_PAD zero bytes, up to the next multiple of 8
 *   SectionTable --> <Id u32, Reserved u32, Offset u64, Length u64, XXH64 u64>^n
 *   Trailer    --> TableOffset u64, SectionCount u32, ChecksumAlgo u32, TableXXH64 u64,
 *                  FooterMagic[8]                                            (32 bytes)
 *   Postings   --> per term: [SkipTable, ImpactTable], <Block>^nb   (only when nb > 1;
 *                  v1, v2: no ImpactTable)
 *   ImpactTable --> <<fmt_impact>^FMT_IMPACTS>^nb   (version 3 on)
 *   Block      --> full: PFor(docgap-1), PFor(tf-1)
 *                  last partial: <VInt (docgap-1)*2 + [tf == 1], [VInt tf-2]>^n
 *   PFor       --> Packed128(low w bits of 128 values), ExcCount u8,
 *                  <ExcIndex u8, value >> w as u8>^ExcCount   (w >= max bits - 8)
 *   Positions  --> per term, per block: PForList(first position of each doc),
 *                  PForList(each later position - previous - 1)
 *   PForList   --> <PFor>^(m / 128), <VInt>^(m % 128)
 *   Dictionary --> per 16 terms: PostBase VInt, PosBase VInt, <Entry>^16
 *   Entry      --> Lens u8, [VInt prefix-15], [VInt suffix-15], Suffix, VInt df*2 + inline,
 *                  inline: Block (the partial form), Positions of that block
 *                  else:   VInt cf-df, VInt max_tf, VInt min_len, VInt post_len, VInt pos_len
 *   DictIndex  --> per dictionary block: Offset u32, Key[4]   (fmt_dict_ix; Key = the first 4
 *                  bytes of the block's first term, zero-padded: big-endian, so a u32 compare
 *                  orders keys like memcmp orders terms)
 *   Stored     --> <zlib stream>^m, each inflating to 1..65536 bytes; the documents' texts lie
 *                  end to end in document order over the concatenated streams (v1: every
 *                  stream but the last inflates to exactly 65536 bytes)
 *   DocSrc     --> <fmt_src>^n_docs                                        (version 2 on)
 */
#ifndef TRAWL_FORMAT_H
#define TRAWL_FORMAT_H

#include <stdint.h>

/* "\xFEtrawl\r\n": 0xFE never occurs in UTF-8 and is not ASCII; \r\n catches newline mangling. */
#define FMT_MAGIC \
    "\xFE"        \
    "trawl\r\n"
#define FMT_FOOTER_MAGIC \
    "\xFF"               \
    "trawl\r\n"
#define FMT_MAGIC_LEN      8
#define FMT_VERSION        4u /**< written by this build */
#define FMT_VERSION_MIN    1u /**< oldest version this build reads (v1: no DOC_SRC section) */
#define FMT_CHECKSUM_XXH64 1u /**< checksum algorithm id: xxhash64, seed 0 */

#define FMT_ALIGN      8u   /**< every section starts at a multiple of this */
#define FMT_PAD        32u  /**< zero bytes after each section (>= CODEC_OVERREAD) */
#define FMT_BLOCK_DOCS 128u /**< documents per postings block */
#define FMT_DICT_BLOCK 16u  /**< terms per front-coded dictionary block */
#define FMT_INLINE_DF  4u   /**< lists with df <= this and cf <= FMT_INLINE_CF live in */
#define FMT_INLINE_CF  16u  /**< their dictionary entry (and only those) */
#define FMT_LENS_ESC   15u  /**< nibble value: the prefix or suffix length follows as VInt */
#define FMT_MAX_TERM   255u /**< bytes in a term */
/* At most this many raw bytes per stored text block (v1: exactly this many in every block but
 * the last). */
#define FMT_STORED_BLOCK 65536u
/* The writers cut stored text every FMT_STORED_CUT bytes: a snippet or a deleted document's
 * text inflates one 16 KiB block (~65 us) instead of 64 KiB (~260 us), for 35.4% of the raw
 * kernel docs instead of 33.3% (docs/FORMAT.md, "Stored text"). */
#define FMT_STORED_CUT 16384u
#define FMT_LANG_LEN   32u

/* Section ids. Every id below is required exactly once; any other id is corrupt. */
enum {
    FMT_SEC_STATS = 1,         /**< fmt_stats */
    FMT_SEC_DICT = 2,          /**< front-coded dictionary blocks, small lists inline */
    FMT_SEC_DICT_INDEX = 3,    /**< fmt_dict_ix per dictionary block */
    FMT_SEC_POSTINGS = 4,      /**< per-term skip table + doc/tf blocks */
    FMT_SEC_POSITIONS = 5,     /**< per-term, per-block position lists */
    FMT_SEC_DOC_LENS = 6,      /**< u32 length in tokens per document */
    FMT_SEC_DOC_TABLE = 7,     /**< fmt_doc per document */
    FMT_SEC_IDS = 8,           /**< concatenated external ids */
    FMT_SEC_STORED = 9,        /**< zlib streams of stored text */
    FMT_SEC_STORED_INDEX = 10, /**< fmt_stored_block per zlib stream */
    FMT_SEC_DOC_SRC = 11,      /**< fmt_src per document (version 2 on) */
    FMT_SEC_CHUNK_SUMS = 12,   /**< u32 per FMT_CHUNK bytes of the dictionary, then of the ids
                                    (version 4 on) */
    FMT_SEC_COUNT = 12,        /**< the largest id; version 1 files have ids 1..10 */
};

/* Sections a file of the given (readable) version holds: ids 1..n, each once. */
static inline uint32_t fmt_n_sections(uint32_t version)
{
    return version >= 4 ? 12u : version >= 2 ? 11u : 10u;
}

/* From version 4 the dictionary and the ids carry a check per FMT_CHUNK bytes (the low 32 bits
 * of the xxhash64 of the chunk; the last chunk of a section may be shorter), so that a search
 * verifies the chunks it reads instead of hashing both sections whole at its first lookup and
 * first hit: what an opened index costs then no longer grows with its vocabulary and
 * documents (docs/FORMAT.md, "Hostile input"). */
#define FMT_CHUNK 4096u

static inline uint64_t fmt_n_chunks(uint64_t section_len)
{
    return section_len / FMT_CHUNK + (section_len % FMT_CHUNK != 0);
}

typedef struct fmt_header {
    uint8_t magic[8];
    uint32_t version;
    uint32_t flags; /**< reserved, 0 */
    uint64_t seg_id;
} fmt_header;

typedef struct fmt_section {
    uint32_t id;
    uint32_t reserved; /**< 0 */
    uint64_t off;      /**< from the start of the file; multiple of FMT_ALIGN */
    uint64_t len;      /**< bytes, padding excluded */
    uint64_t hash;     /**< xxhash64 of the len bytes */
} fmt_section;

typedef struct fmt_trailer {
    uint64_t table_off;
    uint32_t n_sections;
    uint32_t checksum_algo;
    uint64_t table_hash; /**< xxhash64 of the section table */
    uint8_t magic[8];
} fmt_trailer;

typedef struct fmt_stats {
    uint32_t n_docs;
    uint32_t max_token_len;
    uint64_t total_tokens;
    uint64_t n_terms;
    char language[FMT_LANG_LEN]; /**< NUL-padded, at least one NUL */
} fmt_stats;

typedef struct fmt_doc {
    uint32_t date;   /**< YYYYMMDD or 0 */
    uint32_t id_off; /**< into the ids section */
    uint32_t id_len;
    uint32_t text_block; /**< stored block where the text starts */
    uint32_t text_off;   /**< offset in that block's uncompressed bytes */
    uint32_t text_len;   /**< bytes; may continue into the following blocks */
} fmt_doc;

/* One skip entry per postings block; offsets are ends, so block b spans
 * [end(b-1), end(b)) with end(-1) = 0. */
typedef struct fmt_skip {
    uint32_t last_doc; /**< last doc id in the block */
    uint32_t doc_end;  /**< end of the block, from the first byte after the skip table */
    uint32_t pos_end;  /**< end of the block's positions, from the term's first position byte */
    uint32_t max_tf;   /**< largest tf in the block */
    uint32_t min_len;  /**< smallest doc length in the block */
} fmt_skip;

/* Version 3 on, FMT_IMPACTS per postings block of a list with a skip table: the block's
 * Pareto frontier of (tf, doc length) -- documents no other document of the block beats with
 * a tf as large and a length as short -- by increasing tf and length, neighbours merged
 * conservatively (the group's largest tf, shortest length) when there are more than fit,
 * unused slots (0, 0) at the end. A value over 65535 is stored as 65535: the reader reads a
 * tf of 65535 as the skip entry's max_tf and a length below min_len as min_len, so every pair
 * still bounds the documents it stands for. BM25 over the pairs bounds the block far tighter
 * than (max_tf, min_len), which come from different documents, and stays independent of idf
 * and avgdl (Lucene's impacts). */
#define FMT_IMPACTS    4u
#define FMT_IMPACT_SAT 65535u /**< a stored value that stands for "this or more" */
typedef struct fmt_impact {
    uint16_t tf;  /**< tf, at most FMT_IMPACT_SAT; 0: unused slot */
    uint16_t len; /**< document length, at most FMT_IMPACT_SAT */
} fmt_impact;

/* Bytes of the skip data of a list of nb > 1 blocks in a file of this version. */
static inline uint64_t fmt_skip_bytes(uint32_t version, uint64_t nb)
{
    return nb * (sizeof(fmt_skip) + (version >= 3 ? FMT_IMPACTS * sizeof(fmt_impact) : 0u));
}

/* One dictionary index entry per block of FMT_DICT_BLOCK terms. The key lets a binary search
 * decide most probes inside the index, touching a block's first term only on a tie; the offset
 * is why a dictionary section is at most 4 GiB. */
typedef struct fmt_dict_ix {
    uint32_t off;   /**< the block's offset in the dictionary section */
    uint8_t key[4]; /**< first 4 bytes of its first term, zero-padded */
} fmt_dict_ix;

/* Where a document came from, so that a later sync can tell an unchanged input from a changed
 * one without reading it (size and mtime) and a touched one from an edited one (hash). */
typedef struct fmt_src {
    uint32_t root;    /**< the manifest root the id is relative to; 0: none (a JSON Lines id) */
    uint32_t flags;   /**< reserved, 0 */
    uint64_t size;    /**< bytes of the input it was read from (the file, or the JSON line) */
    int64_t mtime_ns; /**< that file's modification time, ns since the epoch; 0 if none */
    uint64_t hash;    /**< XXH3-64 (seed 0) of those bytes */
} fmt_src;

typedef struct fmt_stored_block {
    uint64_t off;      /**< of the zlib stream in the stored section */
    uint32_t comp_len; /**< bytes of the zlib stream */
    uint32_t raw_len;  /**< bytes it inflates to, 1..FMT_STORED_BLOCK */
} fmt_stored_block;

/* ---------------------------------------------------------------- live-documents file
 *
 *   LiveFile   --> LivHeader, Bitmap, Overrides, TermIndex, TermBlob, TermHash, LivTrailer
 *   Bitmap     --> u64^ceil(n_docs / 64): bit d (word d / 64, bit d % 64) set = doc d deleted
 *   Overrides  --> fmt_liv_override^n_overrides, in doc order
 *   TermIndex  --> <Key u64, Off u32, DelDf u32>^n_terms, in byte order of the terms
 *                  (fmt_liv_term; Key: the term's first 8 bytes, zero-padded, big-endian)
 *   TermBlob   --> <Len u8, Bytes>^n_terms, zero-padded to a multiple of 8
 *   TermHash   --> u32^hash_slots: term index + 1 at slot XXH3-64(term) mod hash_slots, linear
 *                  probing, 0 = empty (hash_slots a power of two >= 2 n_terms; 0 without terms)
 *   LivTrailer --> XXH64 u64 of the header, FooterMagic[8]
 * The header holds the XXH64 of Bitmap+Overrides (verified at open: every query reads them)
 * and of TermIndex..TermHash (verified at the first df lookup: most of the file, and only
 * queries over a segment with deletions need it).
 * One per segment and commit that changed it (docs/FORMAT.md, "Live-documents file"). */
#define FMT_LIV_MAGIC \
    "\xFE"            \
    "trliv\r\n"
#define FMT_LIV_FOOTER_MAGIC \
    "\xFF"                   \
    "trliv\r\n"
#define FMT_LIV_VERSION 1u

typedef struct fmt_liv_header {
    uint8_t magic[8];
    uint32_t version;
    uint32_t flags;          /**< reserved, 0 */
    uint64_t seg_id;         /**< the segment it belongs to */
    uint64_t generation;     /**< the manifest generation that wrote it */
    uint32_t n_docs;         /**< the segment's documents */
    uint32_t n_deleted;      /**< bits set in the bitmap */
    uint64_t deleted_tokens; /**< sum of the deleted documents' lengths */
    uint64_t n_terms;        /**< terms of the deleted documents */
    uint64_t blob_len;       /**< bytes of TermBlob before its padding */
    uint64_t n_overrides;    /**< entries in Overrides */
    uint64_t hash_slots;     /**< entries in TermHash */
    uint64_t docs_hash;      /**< XXH64 of Bitmap and Overrides */
    uint64_t terms_hash;     /**< XXH64 of TermIndex, TermBlob (padded) and TermHash */
} fmt_liv_header;

/* A term of the deleted documents: how many of them hold it, so that the term's document
 * frequency over the live documents is the dictionary's df minus DelDf (exact BM25). The key
 * lets a lookup's binary search decide most probes inside the index (one cache line a probe)
 * instead of also touching the term's bytes (the dictionary index's trick, 8 bytes wide). */
typedef struct fmt_liv_term {
    uint8_t key[8];  /**< the term's first 8 bytes, zero-padded: as a big-endian u64 it orders
                          like memcmp orders terms */
    uint32_t off;    /**< of its Len byte in TermBlob */
    uint32_t del_df; /**< deleted documents holding the term, >= 1 */
} fmt_liv_term;

/* A live document whose input was touched but not changed: its size and mtime as now seen,
 * so the next sync need not read it again to learn that. */
typedef struct fmt_liv_override {
    uint32_t doc;
    uint32_t reserved; /**< 0 */
    uint64_t size;
    int64_t mtime_ns;
} fmt_liv_override;

typedef struct fmt_liv_trailer {
    uint64_t hash;
    uint8_t magic[8];
} fmt_liv_trailer;

_Static_assert(sizeof(fmt_header) == 24, "header layout");
_Static_assert(sizeof(fmt_liv_header) == 96, "live file header layout");
_Static_assert(sizeof(fmt_liv_term) == 16, "live file term layout");
_Static_assert(sizeof(fmt_liv_override) == 24, "live file override layout");
_Static_assert(sizeof(fmt_liv_trailer) == 16, "live file trailer layout");
_Static_assert(sizeof(fmt_section) == 32, "section table entry layout");
_Static_assert(sizeof(fmt_trailer) == 32, "trailer layout");
_Static_assert(sizeof(fmt_stats) == 56, "stats layout");
_Static_assert(sizeof(fmt_doc) == 24, "doc table entry layout");
_Static_assert(sizeof(fmt_skip) == 20, "skip entry layout");
_Static_assert(sizeof(fmt_impact) == 4, "impact layout");
_Static_assert(sizeof(fmt_dict_ix) == 8, "dictionary index entry layout");
_Static_assert(sizeof(fmt_stored_block) == 16, "stored index entry layout");
_Static_assert(sizeof(fmt_src) == 32, "document source layout");
_Static_assert(sizeof(FMT_MAGIC) == FMT_MAGIC_LEN + 1, "magic is 8 bytes");

#endif
