/* runmerge: the final merge of spilled runs into the segment writer, on several threads. The
 * terms are cut into ranges at terms of the runs' directories (spill.h); each range of every
 * run is read from the directory entry before it, merged (merge.h) and encoded by whichever
 * thread takes it (termpool.h), and the ranges are written in term order, so the segment has
 * the bytes a merge on one thread gives it. With one thread the serial merge was a quarter of
 * a 16x kernel-docs build, one core busy while the other idled. Knows nothing of documents. */
#ifndef TRAWL_RUNMERGE_H
#define TRAWL_RUNMERGE_H

#include "err.h"
#include "segment_writer.h"
#include "spill.h"

#include <stddef.h>

/* Merges runs[0..n) (paths, in document order, with their directories) into sw, every
 * document already added. threads >= 1; memory: about what the read buffers may take in all.
 * Returns TRAWL_OK or the first error (TRAWL_ENOMEM, TRAWL_EIO, TRAWL_ECORRUPT, the writer's). */
int rm_write(char *const *runs, const spill_dir *dirs, size_t n, segment_writer *sw,
             unsigned threads, size_t memory, err *e);

#endif
