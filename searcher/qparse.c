/* qparse: the query language, parsed by recursive descent into the tree of query.h.
 *
 * Grammar (tokens are separated by ASCII whitespace; AND, OR, NOT are operators only when
 * written in upper case and standing alone; "and", "or", "not" are ordinary words):
 *
 *   query   := or EOF
 *   or      := and { ( "OR" | <implicit when default_or> ) and }
 *   and     := unary { ( "AND" | <implicit when not default_or> ) unary }
 *   unary   := "NOT" primary | [ "+" | "-" ] primary
 *   primary := "(" or ")" | phrase [ "~" N ] | word | word "*" | word "~" [ E ] | date
 *   phrase  := '"' { any byte but '"' } '"'
 *   word    := a run of bytes other than whitespace, '"', '(' and ')'
 *   date    := "date:" ( D ".." D | D ".." | ".." D | D )        D := YYYY-MM-DD
 *
 * Precedence: NOT, + and - bind tightest, then AND, then OR. The implicit operator between two
 * clauses has the precedence of the operator it stands for, so with the default (AND mode)
 * `a b OR c d` is (a AND b) OR (c AND d), and with default_or `a AND b c` is (a AND b) OR c.
 * A + or - is a modifier only when it starts a token and is followed by something other than
 * whitespace, '+', '-' or ')'; otherwise it is part of a word.
 *
 * Meaning, as Lucene's BooleanQuery: an AND group becomes a Q_BOOL whose clauses are must
 * (plain, +x, AND) or must_not (-x, NOT x). An OR group becomes a Q_BOOL whose plain clauses
 * are should; a single clause that carries its own + or - keeps it, so in OR mode `a b -c` is
 * (should a, should b, must_not c) and `a OR +b` is (must b, should a).
 *
 * Leaves: a word is analysed with the index's analyzer: no token -> ignored (`&`), one token
 * -> Q_TERM, several (`gaza-egypt`, `u.s`) -> exact Q_PHRASE of them. A token longer than the
 * index's maximum token length is dropped as at indexing, with a warning in q->warns naming it;
 * a query left with nothing else to search for says that instead of "no letters or digits". A
 * phrase's offsets come from token positions, so a dropped over-long token leaves a gap; a
 * one-token phrase is a Q_TERM, an empty one is ignored; ~N (0..QP_MAX_SLOP) sets the proximity
 * slop. `word*` is a Q_PREFIX of the folded, unstemmed word, which must be exactly one token.
 * `word~E` (E = 0, 1 or 2; `word~` is 2, as in Lucene) is a Q_FUZZY of the analysed word (one
 * token): the terms within E edits of it; `word~0` is the word. A lone `~`, or one followed by
 * anything but digits, is part of the word as before.
 *
 * date: filters every result wherever it appears (at most once per query, never with a
 * modifier or NOT) and is not a clause; a query that is only a date filter matches every
 * (dated) document: root Q_ALL.
 *
 * Tidying: an ignored clause disappears after its syntax was checked (`a AND &` is `a`); a
 * Q_BOOL with a single must or should child and nothing else is that child; a must child that
 * is a Q_BOOL without should clauses, and a should child that is a Q_BOOL of only should
 * clauses, are merged into their parent (same matches, same scores).
 *
 * Errors (TRAWL_EQUERY, 1-based byte column): unmatched quote or parenthesis, empty
 * parentheses, operator without operand, bad date, '~' without number after a phrase, a fuzzy
 * distance above 2 or a fuzzy word of several tokens, a query or group with
 * no positive clause, nesting deeper than QP_MAX_DEPTH, more than QP_MAX_TERMS terms. */
#include "qparse.h"

#include "date.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define QP_MAX_DEPTH 64
#define QP_MAX_TERMS 1024
#define QP_MAX_SLOP  10000
#define QP_MAX_EDITS 2 /* term~2 (LEV_MAX_DIST) */

typedef enum qp_tkind {
    QT_EOF,
    QT_WORD,
    QT_PHRASE,
    QT_LPAREN,
    QT_RPAREN,
    QT_AND,
    QT_OR,
    QT_NOT,
} qp_tkind;

typedef struct qp_tok {
    qp_tkind kind;
    char mod;        /**< '+', '-' or 0 */
    size_t start;    /**< byte offset of the token, modifier included */
    size_t body;     /**< word: its first byte; phrase: first byte after the opening quote */
    size_t body_len; /**< bytes of the word or of the phrase's content */
    uint32_t slop;   /**< phrase: N of ~N, else 0 */
    size_t end;      /**< one past the token */
} qp_tok;

/* How a clause enters the Q_BOOL of its group. */
enum { QP_PLAIN, QP_MUST, QP_NOT };

/* A parsed clause; n == NULL when it was ignored (no token) or was a date filter. */
typedef struct qp_item {
    qnode *n;
    int occ;      /**< QP_PLAIN, QP_MUST or QP_NOT */
    uint32_t col; /**< 1-based column of its first byte */
} qp_item;

/* Growable list of items in the arena (old arrays are abandoned to the arena on growth). */
typedef struct qp_list {
    qp_item *v;
    uint32_t n, cap;
} qp_list;

typedef struct qp {
    const char *s;  /**< the query text */
    size_t len;     /**< its bytes */
    size_t pos;     /**< next byte for the lexer */
    qp_tok tok;     /**< lookahead token */
    int default_or; /**< implicit operator is OR */
    uint32_t depth; /**< open parentheses */
    uint32_t n_terms;
    int has_date;
    analyzer *an;
    arena *a;
    query *q;
    uint32_t *col; /**< out: error column */
    err *e;
} qp;

/* ------------------------------------------------------------------ errors and memory */

/* Records a query error at byte offset off (column off + 1); the first error wins. */
__attribute__((format(printf, 3, 4))) static int qp_fail(qp *p, size_t off, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    if (p->e->rc != TRAWL_OK) return p->e->rc;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    *p->col = (uint32_t)(off + 1);
    return err_set(p->e, TRAWL_EQUERY, "%s", msg);
}

static int qp_nomem(qp *p)
{
    return err_set(p->e, TRAWL_ENOMEM, "out of memory while parsing the query");
}

static qnode *qp_node(qp *p, qkind kind, uint32_t col)
{
    qnode *n = arena_calloc(p->a, sizeof *n);
    if (!n) {
        qp_nomem(p);
        return NULL;
    }
    n->kind = kind;
    n->col = col;
    n->weight = 1.0;
    return n;
}

static int qp_push(qp *p, qp_list *l, qp_item it)
{
    if (l->n == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 8;
        qp_item *v = arena_alloc(p->a, cap * sizeof *v);
        if (!v) return qp_nomem(p);
        if (l->n) memcpy(v, l->v, l->n * sizeof *v);
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = it;
    return TRAWL_OK;
}

/* ------------------------------------------------------------------ lexer */

static int qp_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int qp_ends_word(char c)
{
    return qp_is_space(c) || c == '"' || c == '(' || c == ')';
}

/* Reads "~N" after a phrase's closing quote at p->pos, if present. */
static int qp_lex_slop(qp *p)
{
    if (p->pos >= p->len || p->s[p->pos] != '~') return TRAWL_OK;
    size_t tilde = p->pos++;
    uint32_t n = 0;
    size_t digits = 0;
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
        if (n <= QP_MAX_SLOP) n = n * 10 + (uint32_t)(p->s[p->pos] - '0');
        p->pos++;
        digits++;
    }
    if (digits == 0) return qp_fail(p, tilde, "'~' must be followed by a number (\"a b\"~3)");
    if (n > QP_MAX_SLOP)
        return qp_fail(p, tilde, "proximity after '~' is too large (at most %d)", QP_MAX_SLOP);
    p->tok.slop = n;
    return TRAWL_OK;
}

static int qp_lex_phrase(qp *p)
{
    size_t quote = p->pos;
    const char *close = memchr(p->s + quote + 1, '"', p->len - quote - 1);
    if (!close) return qp_fail(p, quote, "unmatched '\"'");
    p->tok.kind = QT_PHRASE;
    p->tok.body = quote + 1;
    p->tok.body_len = (size_t)(close - (p->s + quote + 1));
    p->pos = (size_t)(close - p->s) + 1;
    return qp_lex_slop(p);
}

static void qp_lex_word(qp *p)
{
    size_t b = p->pos;
    while (p->pos < p->len && !qp_ends_word(p->s[p->pos]))
        p->pos++;
    size_t n = p->pos - b;
    p->tok.kind = QT_WORD;
    p->tok.body = b;
    p->tok.body_len = n;
    if (p->tok.mod) return;
    if (n == 3 && memcmp(p->s + b, "AND", 3) == 0)
        p->tok.kind = QT_AND;
    else if (n == 2 && memcmp(p->s + b, "OR", 2) == 0)
        p->tok.kind = QT_OR;
    else if (n == 3 && memcmp(p->s + b, "NOT", 3) == 0)
        p->tok.kind = QT_NOT;
}

/* Reads the next token into p->tok. */
static int qp_lex(qp *p)
{
    while (p->pos < p->len && qp_is_space(p->s[p->pos]))
        p->pos++;
    memset(&p->tok, 0, sizeof p->tok);
    p->tok.start = p->pos;
    if (p->pos >= p->len) {
        p->tok.kind = QT_EOF;
        p->tok.end = p->len;
        return TRAWL_OK;
    }
    char c = p->s[p->pos];
    if ((c == '+' || c == '-') && p->pos + 1 < p->len) {
        char d = p->s[p->pos + 1];
        if (!qp_is_space(d) && d != '+' && d != '-' && d != ')') {
            p->tok.mod = c;
            c = d;
            p->pos++;
        }
    }
    int rc = TRAWL_OK;
    if (c == '(') {
        p->tok.kind = QT_LPAREN;
        p->pos++;
    } else if (c == ')') {
        p->tok.kind = QT_RPAREN;
        p->pos++;
    } else if (c == '"') {
        rc = qp_lex_phrase(p);
    } else {
        qp_lex_word(p);
    }
    p->tok.end = p->pos;
    return rc;
}

/* ------------------------------------------------------------------ leaves */

#define QP_ABBREV 24 /* bytes of an ignored word a message shows before "…" */

/* Copies w[0..len) into out for a one-line message: control bytes as '?', cut after about
 * QP_ABBREV bytes at a character boundary, with "…" when cut. */
static void qp_abbrev(const char *w, size_t len, char *out, size_t cap)
{
    size_t n = 0, i = 0;
    for (; i < len && n + 4 < cap && (i < QP_ABBREV || ((unsigned char)w[i] & 0xC0) == 0x80); i++)
        out[n++] = (unsigned char)w[i] < 0x20 || w[i] == 0x7f ? '?' : w[i];
    if (i < len && n + 4 < cap) {
        memcpy(out + n, "\u2026", 3);
        n += 3;
    }
    out[n] = '\0';
}

/* Records the dropped token t of the text analysed at off: a warning in q->warns. */
static int qp_warn_long(qp *p, size_t off, const token *t)
{
    query *q = p->q;
    char word[QP_ABBREV + 8], msg[256];
    if (q->n_warns == q->cap_warns) {
        uint32_t cap = q->cap_warns ? q->cap_warns * 2 : 4;
        qwarn *w = arena_alloc(p->a, cap * sizeof *w);
        if (!w) return TRAWL_ENOMEM;
        if (q->n_warns) memcpy(w, q->warns, q->n_warns * sizeof *w);
        q->warns = w;
        q->cap_warns = cap;
    }
    qp_abbrev(p->s + off + t->start, t->end - t->start, word, sizeof word);
    int n = snprintf(msg, sizeof msg,
                     "query word \"%s\" (%u bytes) is longer than the index's maximum token "
                     "length %u and was ignored",
                     word, t->end - t->start, analyzer_max_token_len(p->an));
    char *m = arena_alloc(p->a, (size_t)n + 1);
    if (!m) return TRAWL_ENOMEM;
    memcpy(m, msg, (size_t)n + 1);
    q->warns[q->n_warns++] = (qwarn){(uint32_t)(off + t->start + 1), t->end - t->start, m};
    return 0;
}

/* Tokens of one word or phrase, copied out of the analyzer's sink. */
typedef struct qp_coll {
    qp *p;
    size_t off; /**< where the analysed text starts in the query */
    char **terms;
    uint32_t *lens;
    uint32_t *pos;
    uint32_t n, cap;
    int too_many; /**< stopped: the query passed QP_MAX_TERMS */
} qp_coll;

static int qp_coll_grow(qp_coll *c)
{
    uint32_t cap = c->cap ? c->cap * 2 : 8;
    char **terms = arena_alloc(c->p->a, cap * sizeof *terms);
    uint32_t *lens = arena_alloc(c->p->a, cap * sizeof *lens);
    uint32_t *pos = arena_alloc(c->p->a, cap * sizeof *pos);
    if (!terms || !lens || !pos) return TRAWL_ENOMEM;
    if (c->n) {
        memcpy(terms, c->terms, c->n * sizeof *terms);
        memcpy(lens, c->lens, c->n * sizeof *lens);
        memcpy(pos, c->pos, c->n * sizeof *pos);
    }
    c->terms = terms;
    c->lens = lens;
    c->pos = pos;
    c->cap = cap;
    return TRAWL_OK;
}

static int qp_coll_sink(void *ctx, const token *t)
{
    qp_coll *c = ctx;
    if (!t->term) return t->is_long ? qp_warn_long(c->p, c->off, t) : 0;
    if (c->p->n_terms + c->n >= QP_MAX_TERMS) {
        c->too_many = 1;
        return 1;
    }
    if (c->n == c->cap && qp_coll_grow(c) != TRAWL_OK) return TRAWL_ENOMEM;
    char *term = arena_alloc(c->p->a, (size_t)t->len + 1);
    if (!term) return TRAWL_ENOMEM;
    memcpy(term, t->term, t->len);
    term[t->len] = '\0';
    c->terms[c->n] = term;
    c->lens[c->n] = t->len;
    c->pos[c->n] = t->pos;
    c->n++;
    return 0;
}

/* Analyses s[off..off+len) into c; tok_off is where the clause starts (for errors). Tokens
 * dropped as too long become warnings; their positions stay used, as at indexing. */
static int qp_analyse(qp *p, size_t off, size_t len, size_t tok_off, qp_coll *c)
{
    memset(c, 0, sizeof *c);
    c->p = p;
    c->off = off;
    int rc = analyzer_run_all(p->an, p->s + off, len, 0, qp_coll_sink, c, NULL);
    if (c->too_many) return qp_fail(p, tok_off, "query has more than %d terms", QP_MAX_TERMS);
    if (rc != 0) return qp_nomem(p);
    p->n_terms += c->n;
    return TRAWL_OK;
}

/* Builds a Q_TERM (one token) or Q_PHRASE from collected tokens; NULL for none. */
static int qp_leaf(qp *p, const qp_coll *c, uint32_t slop, uint32_t col, qnode **out)
{
    *out = NULL;
    if (c->n == 0) return TRAWL_OK;
    qnode *n = qp_node(p, c->n == 1 ? Q_TERM : Q_PHRASE, col);
    uint32_t *offsets = arena_alloc(p->a, c->n * sizeof *offsets);
    if (!n || !offsets) return qp_nomem(p);
    for (uint32_t i = 0; i < c->n; i++)
        offsets[i] = c->pos[i] - c->pos[0];
    n->terms = c->terms;
    n->lens = c->lens;
    n->offsets = offsets;
    n->n_terms = c->n;
    n->slop = c->n == 1 ? 0 : slop;
    *out = n;
    return TRAWL_OK;
}

static int qp_null_sink(void *ctx, const token *t)
{
    (void)ctx;
    (void)t;
    return 0;
}

/* word* at s[off..off+len): the part before '*' must analyse to exactly one token. */
static int qp_prefix(qp *p, size_t off, size_t len, uint32_t col, qnode **out)
{
    size_t star = off + len - 1;
    uint32_t n_pos = 0;
    if (len > 1 &&
        analyzer_run(p->an, p->s + off, len - 1, 0, qp_null_sink, NULL, &n_pos, NULL) != 0)
        return qp_nomem(p);
    if (n_pos == 0) return qp_fail(p, star, "'*' needs a prefix of letters or digits before it");
    if (n_pos > 1)
        return qp_fail(p, off, "a prefix* must be a single word (it has %u tokens)", n_pos);
    char folded[ANALYZER_MAX_TOKEN_LIMIT * 4 + 1];
    size_t flen = analyzer_fold(p->an, p->s + off, len - 1, folded, sizeof folded - 1);
    if (flen == 0 || flen > sizeof folded - 1)
        return qp_fail(p, off, "prefix before '*' is longer than any indexed token");
    if (p->n_terms >= QP_MAX_TERMS)
        return qp_fail(p, off, "query has more than %d terms", QP_MAX_TERMS);
    p->n_terms++;
    qnode *n = qp_node(p, Q_PREFIX, col);
    char **terms = arena_alloc(p->a, sizeof *terms);
    uint32_t *lens = arena_alloc(p->a, sizeof *lens);
    uint32_t *offsets = arena_calloc(p->a, sizeof *offsets);
    char *term = arena_alloc(p->a, flen + 1);
    if (!n || !terms || !lens || !offsets || !term) return qp_nomem(p);
    memcpy(term, folded, flen);
    term[flen] = '\0';
    terms[0] = term;
    lens[0] = (uint32_t)flen;
    n->terms = terms;
    n->lens = lens;
    n->offsets = offsets;
    n->n_terms = 1;
    *out = n;
    return TRAWL_OK;
}

/* If the word s[off..off+len) ends in "~" and at most a few digits after at least one other byte
 * (galant~1, galant~), returns the offset of that '~' and the distance in *edits; else 0. */
static size_t qp_fuzzy_tilde(const qp *p, size_t off, size_t len, uint32_t *edits)
{
    size_t t = off + len, digits = 0;
    while (t > off && p->s[t - 1] >= '0' && p->s[t - 1] <= '9' && digits < 9) {
        t--;
        digits++;
    }
    if (t <= off + 1 || p->s[t - 1] != '~') return 0;
    *edits = 0;
    for (size_t i = t; i < off + len; i++)
        *edits = *edits * 10 + (uint32_t)(p->s[i] - '0');
    if (!digits) *edits = QP_MAX_EDITS;
    return t - 1;
}

/* word~E at s[off..off+len), '~' at tilde: the part before it must be one token. */
static int qp_fuzzy(qp *p, size_t off, size_t len, size_t tilde, uint32_t edits, uint32_t col,
                    qnode **out)
{
    qp_coll c;
    if (edits > QP_MAX_EDITS)
        return qp_fail(p, tilde, "fuzzy distance after '~' is at most %d (word~1, word~2)",
                       QP_MAX_EDITS);
    int rc = qp_analyse(p, off, tilde - off, off, &c);
    if (rc != TRAWL_OK) return rc;
    if (c.n > 1)
        return qp_fail(p, off, "a fuzzy word~%u must be a single word (it has %u tokens)", edits,
                       c.n);
    if (c.n == 0) return qp_leaf(p, &c, 0, col, out); /* nothing left, as for any word */
    rc = qp_leaf(p, &c, 0, col, out);
    if (rc != TRAWL_OK) return rc;
    (*out)->kind = edits ? Q_FUZZY : Q_TERM;
    (*out)->max_edits = edits;
    (*out)->src_off = (uint32_t)off;
    (*out)->src_len = (uint32_t)(tilde - off);
    (void)len;
    return TRAWL_OK;
}

/* ------------------------------------------------------------------ date filter */

/* Parses exactly YYYY-MM-DD at s[off..off+len) into YYYYMMDD, or fails with a message. */
static int qp_date1(qp *p, size_t off, size_t len, uint32_t *out)
{
    const char *d = p->s + off;
    unsigned v[3] = {0, 0, 0};
    static const unsigned widths[3] = {4, 2, 2};
    size_t i = 0;
    for (int f = 0; f < 3; f++) {
        if (f > 0 && (i >= len || d[i++] != '-'))
            return qp_fail(p, off, "bad date: expected YYYY-MM-DD");
        for (unsigned w = 0; w < widths[f]; w++, i++) {
            if (i >= len || d[i] < '0' || d[i] > '9')
                return qp_fail(p, off, "bad date: expected YYYY-MM-DD");
            v[f] = v[f] * 10 + (unsigned)(d[i] - '0');
        }
    }
    if (i != len) return qp_fail(p, off, "bad date: expected YYYY-MM-DD");
    if (!date_is_valid(v[0], v[1], v[2]))
        return qp_fail(p, off, "bad date: no such day in the calendar");
    *out = v[0] * 10000 + v[1] * 100 + v[2];
    return TRAWL_OK;
}

/* date:A..B, date:A.., date:..B, date:A at s[off..off+len) ("date:" included). */
static int qp_date(qp *p, size_t off, size_t len)
{
    if (p->has_date) return qp_fail(p, off, "only one date: filter is allowed");
    p->has_date = 1;
    size_t b = off + 5, n = len - 5;
    const char *dots = NULL;
    for (size_t i = 0; i + 1 < n && !dots; i++)
        if (p->s[b + i] == '.' && p->s[b + i + 1] == '.') dots = p->s + b + i;
    uint32_t from = 0, to = 0;
    int rc;
    if (!dots) {
        rc = qp_date1(p, b, n, &from);
        to = from;
    } else {
        size_t left = (size_t)(dots - (p->s + b)), right_off = left + 2;
        if (left == 0 && right_off == n)
            return qp_fail(p, off, "date: range needs at least one end (date:A..B)");
        rc = left ? qp_date1(p, b, left, &from) : TRAWL_OK;
        if (rc == TRAWL_OK && right_off < n) rc = qp_date1(p, b + right_off, n - right_off, &to);
    }
    if (rc != TRAWL_OK) return rc;
    if (from && to && from > to) return qp_fail(p, off, "date: range ends before it starts");
    p->q->date_from = from;
    p->q->date_to = to;
    return TRAWL_OK;
}

/* ------------------------------------------------------------------ groups */

/* Whether a child Q_BOOL can be merged into its parent's must (resp. should) slot with the same
 * matches and scores: must + must_not only (resp. should only). */
static int qp_merges_must(const qnode *n)
{
    return n->kind == Q_BOOL && n->n_should == 0;
}

static int qp_merges_should(const qnode *n)
{
    return n->kind == Q_BOOL && n->n_must == 0 && n->n_must_not == 0;
}

static void qp_append(qnode **dst, uint32_t *n, qnode *const *src, uint32_t k)
{
    for (uint32_t i = 0; i < k; i++)
        dst[(*n)++] = src[i];
}

/* Places item it in the right slot of b; slot arrays are large enough (counted first). */
static void qp_place(qnode *b, const qp_item *it, int occ)
{
    qnode *n = it->n;
    if (occ == QP_NOT) {
        b->must_not[b->n_must_not++] = n;
    } else if (occ == QP_MUST && qp_merges_must(n)) {
        qp_append(b->must, &b->n_must, n->must, n->n_must);
        qp_append(b->must_not, &b->n_must_not, n->must_not, n->n_must_not);
    } else if (occ == QP_MUST) {
        b->must[b->n_must++] = n;
    } else if (qp_merges_should(n)) {
        qp_append(b->should, &b->n_should, n->should, n->n_should);
    } else {
        b->should[b->n_should++] = n;
    }
}

/* Occurrence of a clause inside a group: plain clauses become plain_occ. */
static int qp_occ(const qp_item *it, int plain_occ)
{
    return it->occ == QP_PLAIN ? plain_occ : it->occ;
}

/* Reduces a group's clauses to one item: none -> NULL, one -> itself (keeping its modifier),
 * several -> a Q_BOOL in which plain clauses have occurrence plain_occ. */
static int qp_bool(qp *p, qp_list *l, int plain_occ, qp_item *out)
{
    uint32_t k = 0, n_must = 0, n_should = 0, n_not = 0;
    for (uint32_t i = 0; i < l->n; i++) {
        if (!l->v[i].n) continue;
        l->v[k++] = l->v[i];
        const qnode *n = l->v[i].n;
        int occ = qp_occ(&l->v[i], plain_occ);
        if (occ == QP_NOT) {
            n_not++;
        } else if (occ == QP_MUST && qp_merges_must(n)) {
            n_must += n->n_must;
            n_not += n->n_must_not;
        } else if (occ == QP_MUST) {
            n_must++;
        } else {
            n_should += qp_merges_should(n) ? n->n_should : 1;
        }
    }
    memset(out, 0, sizeof *out);
    if (k <= 1) {
        if (k == 1) *out = l->v[0];
        return TRAWL_OK;
    }
    if (n_must + n_should == 0)
        return qp_fail(p, l->v[0].col - 1, "%s has only excluded clauses; add a term to search",
                       p->depth ? "group" : "query");
    qnode *b = qp_node(p, Q_BOOL, l->v[0].col);
    if (!b) return p->e->rc;
    b->must = arena_alloc(p->a, (n_must + 1) * sizeof *b->must);
    b->should = arena_alloc(p->a, (n_should + 1) * sizeof *b->should);
    b->must_not = arena_alloc(p->a, (n_not + 1) * sizeof *b->must_not);
    if (!b->must || !b->should || !b->must_not) return qp_nomem(p);
    for (uint32_t i = 0; i < k; i++)
        qp_place(b, &l->v[i], qp_occ(&l->v[i], plain_occ));
    out->col = b->col;
    out->occ = QP_PLAIN;
    out->n = b;
    if (b->n_must_not == 0 && b->n_must + b->n_should == 1)
        out->n = b->n_must ? b->must[0] : b->should[0];
    return TRAWL_OK;
}

static int qp_or(qp *p, qp_item *out);

static int qp_starts_clause(qp_tkind k)
{
    return k == QT_WORD || k == QT_PHRASE || k == QT_LPAREN || k == QT_NOT;
}

static int qp_group(qp *p, qp_item *it)
{
    size_t open = p->tok.start + (p->tok.mod ? 1 : 0);
    if (p->depth >= QP_MAX_DEPTH)
        return qp_fail(p, open, "parentheses nested deeper than %d", QP_MAX_DEPTH);
    int rc = qp_lex(p);
    if (rc != TRAWL_OK) return rc;
    if (p->tok.kind == QT_RPAREN) return qp_fail(p, open, "empty parentheses");
    p->depth++;
    qp_item inner;
    rc = qp_or(p, &inner);
    p->depth--;
    if (rc != TRAWL_OK) return rc;
    if (p->tok.kind != QT_RPAREN) return qp_fail(p, open, "unmatched '('");
    if (inner.n && inner.occ == QP_NOT)
        return qp_fail(p, open, "group has only excluded clauses; add a term to search");
    it->n = inner.n;
    return qp_lex(p);
}

/* primary: the current token is WORD, PHRASE or LPAREN. Fills it->n (NULL if ignored). */
static int qp_primary(qp *p, qp_item *it)
{
    qp_tok t = p->tok;
    size_t body_col = t.start + (t.mod ? 1 : 0);
    if (t.kind == QT_LPAREN) return qp_group(p, it);
    qp_coll c;
    size_t tilde;
    uint32_t edits;
    int rc;
    if (t.kind == QT_PHRASE) {
        rc = qp_analyse(p, t.body, t.body_len, t.start, &c);
        if (rc == TRAWL_OK) rc = qp_leaf(p, &c, t.slop, it->col, &it->n);
    } else if (t.body_len >= 5 && memcmp(p->s + t.body, "date:", 5) == 0) {
        if (t.mod)
            return qp_fail(p, t.start, "a date: filter cannot take '%s'", t.mod == '+' ? "+" : "-");
        rc = qp_date(p, t.body, t.body_len);
    } else if (t.body_len > 0 && p->s[t.body + t.body_len - 1] == '*') {
        rc = qp_prefix(p, t.body, t.body_len, it->col, &it->n);
    } else if ((tilde = qp_fuzzy_tilde(p, t.body, t.body_len, &edits)) != 0) {
        rc = qp_fuzzy(p, t.body, t.body_len, tilde, edits, it->col, &it->n);
    } else {
        rc = qp_analyse(p, t.body, t.body_len, body_col, &c);
        if (rc == TRAWL_OK) rc = qp_leaf(p, &c, 0, it->col, &it->n);
        if (rc == TRAWL_OK && it->n && it->n->kind == Q_TERM) {
            it->n->src_off = (uint32_t)t.body;
            it->n->src_len = (uint32_t)t.body_len;
        }
    }
    return rc != TRAWL_OK ? rc : qp_lex(p);
}

static const char *qp_op_name(qp_tkind k)
{
    return k == QT_AND ? "AND" : k == QT_OR ? "OR" : "NOT";
}

/* unary := "NOT" primary | ["+"|"-"] primary */
static int qp_unary(qp *p, qp_item *it)
{
    memset(it, 0, sizeof *it);
    it->col = (uint32_t)p->tok.start + 1;
    if (p->tok.kind == QT_AND || p->tok.kind == QT_OR)
        return qp_fail(p, p->tok.start, "%s without left operand", qp_op_name(p->tok.kind));
    if (p->tok.kind == QT_RPAREN) return qp_fail(p, p->tok.start, "unmatched ')'");
    if (p->tok.kind == QT_NOT) {
        size_t not_off = p->tok.start;
        int rc = qp_lex(p);
        if (rc != TRAWL_OK) return rc;
        if (p->tok.kind != QT_WORD && p->tok.kind != QT_PHRASE && p->tok.kind != QT_LPAREN)
            return qp_fail(p, not_off, "NOT without operand");
        if (p->tok.mod)
            return qp_fail(p, p->tok.start, "NOT cannot be combined with '%s'",
                           p->tok.mod == '+' ? "+" : "-");
        if (p->tok.kind == QT_WORD && p->tok.body_len >= 5 &&
            memcmp(p->s + p->tok.body, "date:", 5) == 0)
            return qp_fail(p, p->tok.start, "a date: filter cannot take '%s'", "NOT");
        it->occ = QP_NOT;
        it->col = (uint32_t)p->tok.start + 1;
        return qp_primary(p, it);
    }
    it->occ = p->tok.mod == '+' ? QP_MUST : p->tok.mod == '-' ? QP_NOT : QP_PLAIN;
    return qp_primary(p, it);
}

/* After an explicit operator at op_off: the next token must start a clause. */
static int qp_after_op(qp *p, qp_tkind op, size_t op_off)
{
    int rc = qp_lex(p);
    if (rc == TRAWL_OK && !qp_starts_clause(p->tok.kind))
        rc = qp_fail(p, op_off, "%s without right operand", qp_op_name(op));
    return rc;
}

/* 1 if another clause joins the current AND group (explicit AND, or implicit in AND mode). */
static int qp_and_goes_on(const qp *p)
{
    return p->tok.kind == QT_AND || (!p->default_or && qp_starts_clause(p->tok.kind));
}

/* 1 if another clause joins the current OR group (explicit OR, or implicit in OR mode). */
static int qp_or_goes_on(const qp *p)
{
    return p->tok.kind == QT_OR || (p->default_or && qp_starts_clause(p->tok.kind));
}

/* A group of one clause is that clause (or nothing if it was ignored), as qp_bool makes it;
 * skipping the list and qp_bool saves a single-word query most of its parse. */
static int qp_single(const qp_item *it, qp_item *out)
{
    if (it->n)
        *out = *it;
    else
        memset(out, 0, sizeof *out);
    return TRAWL_OK;
}

/* and := unary { ("AND" | implicit) unary } */
static int qp_and(qp *p, qp_item *out)
{
    qp_list l = {0};
    qp_item it;
    int rc = qp_unary(p, &it);
    if (rc == TRAWL_OK && !qp_and_goes_on(p)) return qp_single(&it, out);
    if (rc == TRAWL_OK) rc = qp_push(p, &l, it);
    while (rc == TRAWL_OK) {
        if (!qp_and_goes_on(p)) break;
        if (p->tok.kind == QT_AND) rc = qp_after_op(p, QT_AND, p->tok.start);
        if (rc == TRAWL_OK) rc = qp_unary(p, &it);
        if (rc == TRAWL_OK) rc = qp_push(p, &l, it);
    }
    return rc != TRAWL_OK ? rc : qp_bool(p, &l, QP_MUST, out);
}

/* or := and { ("OR" | implicit) and } */
static int qp_or(qp *p, qp_item *out)
{
    qp_list l = {0};
    qp_item it;
    int rc = qp_and(p, &it);
    if (rc == TRAWL_OK && !qp_or_goes_on(p)) return qp_single(&it, out);
    if (rc == TRAWL_OK) rc = qp_push(p, &l, it);
    while (rc == TRAWL_OK) {
        if (!qp_or_goes_on(p)) break;
        if (p->tok.kind == QT_OR) rc = qp_after_op(p, QT_OR, p->tok.start);
        if (rc == TRAWL_OK) rc = qp_and(p, &it);
        if (rc == TRAWL_OK) rc = qp_push(p, &l, it);
    }
    return rc != TRAWL_OK ? rc : qp_bool(p, &l, QP_PLAIN, out);
}

/* query := or EOF */
static int qp_query(qp *p)
{
    int rc = qp_lex(p);
    if (rc != TRAWL_OK) return rc;
    if (p->tok.kind == QT_EOF) return qp_fail(p, p->tok.start, "empty query");
    qp_item it;
    rc = qp_or(p, &it);
    if (rc != TRAWL_OK) return rc;
    if (p->tok.kind == QT_RPAREN) return qp_fail(p, p->tok.start, "unmatched ')'");
    if (it.n && it.occ == QP_NOT)
        return qp_fail(p, it.col - 1, "query has only excluded clauses; add a term to search");
    if (!it.n && !p->has_date && p->q->n_warns)
        return qp_fail(p, p->q->warns[0].col - 1, "%s; the query has nothing else to search for",
                       p->q->warns[0].msg);
    if (!it.n && !p->has_date)
        return qp_fail(p, 0, "query has nothing to search for (no letters or digits)");
    if (!it.n) {
        it.n = qp_node(p, Q_ALL, 1);
        if (!it.n) return p->e->rc;
    }
    p->q->root = it.n;
    return TRAWL_OK;
}

int qp_parse(const char *text, int default_or, analyzer *an, arena *a, query *q, uint32_t *col,
             err *e)
{
    qp p;
    memset(&p, 0, sizeof p);
    memset(q, 0, sizeof *q);
    *col = 0;
    p.s = text ? text : "";
    p.len = strlen(p.s);
    p.default_or = default_or;
    p.an = an;
    p.a = a;
    p.q = q;
    p.col = col;
    p.e = e;
    int rc = qp_query(&p);
    if (rc != TRAWL_OK) {
        q->root = NULL;
        q->date_from = q->date_to = 0;
        if (rc != TRAWL_EQUERY) *col = 0;
    }
    return rc;
}
