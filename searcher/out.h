/* out: output helpers the trawl-search program shares between its one-query mode (main.c) and
 * its batch mode (batch.c): JSON string bodies that always parse, and dates. Not part of the
 * library, which never prints. */
#ifndef TRAWL_OUT_H
#define TRAWL_OUT_H

#include "trawl.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Width (2..4) of the valid UTF-8 sequence starting at s (s[0] >= 0x80), or 0 if invalid. */
size_t out_utf8_width(const char *s, size_t n);

/* Writes s[0..n) as the body of a JSON string (no quotes): escapes quotes, backslashes and
 * control characters, and replaces invalid UTF-8 with U+FFFD so the line always parses. */
void out_json_str(FILE *f, const char *s, size_t n);

/* Writes a YYYYMMDD date as YYYY-MM-DD (quoted with json); 0 = no date: nothing, or null. */
void out_date(FILE *f, uint32_t date, int json);

/* Writes "highlights":[[byte offset, bytes],...],"highlights_cp":[[code point offset, code
 * points],...] for the spans of sn, both against sn->text as out_json_str writes it (an invalid
 * byte counts as the one U+FFFD it becomes). */
void out_json_highlights(FILE *f, const trawl_snippet *sn);

/* What goes around a highlighted match: ANSI colour codes, the --marks, or "". */
typedef struct out_marks {
    const char *open;
    const char *close;
} out_marks;

/* Writes text[0..len) with the matches spans[0..n_spans) between m's open and close strings;
 * span k covers text[spans[k].off + shift, + spans[k].len) (shift moves spans given against
 * another start, such as a snippet's, onto this text; parts outside it are left out). Control
 * bytes but tab show as '?'; with flatten, every run of white space (tabs and newlines too)
 * as one space, so the text stays on one line. */
void out_marked(FILE *f, const char *text, size_t len, const trawl_span *spans, size_t n_spans,
                int64_t shift, const out_marks *m, int flatten);

#endif
