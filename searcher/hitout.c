/* hitout: one hit in each output format (see hitout.h). Paths and ids show control bytes as
 * '?', so a hostile file name cannot move the cursor or end a line; JSON strings always parse
 * (out_json_str). */
#include "hitout.h"

#include <string.h>

/* Writes s[0..n) with control bytes as '?'. */
static void hitout_plain(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        fputc(c < 0x20 || c == 0x7f ? '?' : c, f);
    }
}

/* The snippet on one line, "…" where the passage cuts the text. */
static void hitout_snippet(FILE *f, const hitout_opts *o, const trawl_snippet *sn)
{
    fputs("   ", f);
    if (!sn->is_start) fputs("…", f);
    out_marked(f, sn->text, sn->len, sn->spans, sn->n_spans, 0, &o->marks, 1);
    if (!sn->is_end) fputs("…", f);
    fputc('\n', f);
}

const char *hitout_origin_name(int origin)
{
    return origin == TRAWL_TERM_FUZZY      ? "fuzzy"
           : origin == TRAWL_TERM_FEEDBACK ? "feedback"
                                           : "query";
}

/* What a clause is, after its term: a proximity part, a fuzzy variant's word, a weight. */
static void hitout_clause_note(FILE *f, const trawl_explain_info *in)
{
    if (in->kind == TRAWL_CLAUSE_PROXIMITY) {
        fprintf(f, " (proximity, closeness %.4f, factor %.4f)", in->closeness, in->weight);
        return;
    }
    if (in->origin == TRAWL_TERM_FUZZY)
        fprintf(f, " (~%u of %s, weight %.4f)", in->edits, in->from ? in->from : "", in->weight);
    else if (in->origin == TRAWL_TERM_FEEDBACK)
        fprintf(f, " (expansion, weight %.4f)", in->weight);
    else if (in->weight != 1.0)
        fprintf(f, " (weight %.4f)", in->weight);
}

static void hitout_explain_text(FILE *f, const hitout_explain *x)
{
    double sum = 0;
    for (size_t j = 0; j < x->n_ex; j++) {
        const trawl_explain *e = &x->ex[j];
        trawl_explain_info in;
        fprintf(f, "     tf=%u df=%llu idf=%.4f norm=%.4f score=%.4f  %s", e->tf,
                (unsigned long long)e->df, e->idf, e->norm, e->score, e->term);
        if (trawl_search_explain_info(x->s, x->hit, j, &in) == TRAWL_OK) hitout_clause_note(f, &in);
        fputc('\n', f);
        sum += e->score;
    }
    fprintf(f, "     sum=%.4f  doc_len=%u\n", sum, x->doc_len);
}

/* path:line:column, or the path (or id) alone without a snippet. */
static void hitout_where(FILE *f, const loc *l)
{
    hitout_plain(f, l->path, l->path_len);
    if (l->has_snippet && l->is_file)
        fprintf(f, ":%llu:%llu", (unsigned long long)l->line, (unsigned long long)l->col);
}

void hitout_text(FILE *f, const hitout_opts *o, size_t i, const trawl_hit *h, const loc *l,
                 const hitout_explain *x)
{
    fprintf(f, "%zu. %.4f  ", (size_t)o->offset + i + 1, h->score);
    hitout_where(f, l);
    fputs(h->date ? "  " : "", f);
    out_date(f, h->date, 0);
    fputc('\n', f);
    if (l->has_snippet) hitout_snippet(f, o, &l->sn);
    if (x->is_on) hitout_explain_text(f, x);
}

/* The JSON fields of what clause j is: kind, origin, weight, and a part's closeness or a
 * variant's edits and word. */
static void hitout_clause_json(FILE *f, const trawl_explain_info *in)
{
    static const char *const kinds[] = {"term", "phrase", "proximity"};
    fprintf(f, ",\"kind\":\"%s\",\"origin\":\"%s\",\"weight\":%.10g",
            in->kind >= 0 && in->kind <= 2 ? kinds[in->kind] : "?", hitout_origin_name(in->origin),
            in->weight);
    if (in->kind == TRAWL_CLAUSE_PROXIMITY) fprintf(f, ",\"closeness\":%.10g", in->closeness);
    if (in->origin == TRAWL_TERM_FUZZY && in->from) {
        fprintf(f, ",\"edits\":%u,\"from\":\"", in->edits);
        out_json_str(f, in->from, strlen(in->from));
        fputc('"', f);
    }
}

static void hitout_explain_json(FILE *f, const hitout_explain *x)
{
    fprintf(f, ",\"doc_len\":%u,\"explain\":[", x->doc_len);
    for (size_t j = 0; j < x->n_ex; j++) {
        const trawl_explain *e = &x->ex[j];
        trawl_explain_info in;
        fprintf(f, "%s{\"term\":\"", j ? "," : "");
        out_json_str(f, e->term, strlen(e->term));
        fprintf(f, "\",\"tf\":%u,\"df\":%llu,\"idf\":%.10g,\"norm\":%.10g,\"score\":%.10g", e->tf,
                (unsigned long long)e->df, e->idf, e->norm, e->score);
        if (trawl_search_explain_info(x->s, x->hit, j, &in) == TRAWL_OK) hitout_clause_json(f, &in);
        fputc('}', f);
    }
    fputc(']', f);
}

void hitout_json(FILE *f, const hitout_opts *o, size_t i, const trawl_hit *h, const loc *l,
                 const hitout_explain *x)
{
    fprintf(f, "{\"type\":\"hit\",\"rank\":%zu,\"id\":\"", (size_t)o->offset + i + 1);
    out_json_str(f, h->id, h->id_len);
    fputs("\",\"path\":", f);
    if (l->is_file) {
        fputc('"', f);
        out_json_str(f, l->path, l->path_len);
        fputc('"', f);
    } else {
        fputs("null", f);
    }
    fprintf(f, ",\"score\":%.10g,\"date\":", h->score);
    out_date(f, h->date, 1);
    if (l->has_snippet) {
        fprintf(f, ",\"line\":%llu,\"column\":%llu,\"snippet\":\"", (unsigned long long)l->line,
                (unsigned long long)l->col);
        out_json_str(f, l->sn.text, l->sn.len);
        fputs("\",", f);
        out_json_highlights(f, &l->sn);
    }
    if (x->is_on) hitout_explain_json(f, x);
    fputs("}\n", f);
}

void hitout_vimgrep(FILE *f, const hitout_opts *o, const loc *l)
{
    hitout_where(f, l);
    if (!l->is_file)
        fprintf(f, ":%llu:%llu", (unsigned long long)l->line, (unsigned long long)l->col);
    fputc(':', f);
    out_marked(f, l->line_text, l->line_len, l->sn.spans, l->sn.n_spans,
               (int64_t)l->sn.doc_off - (int64_t)l->line_off, &o->marks, 0);
    fputc('\n', f);
}

void hitout_path(FILE *f, const loc *l, int is_nul)
{
    if (is_nul)
        fwrite(l->path, 1, l->path_len, f);
    else
        hitout_plain(f, l->path, l->path_len);
    fputc(is_nul ? '\0' : '\n', f);
}
