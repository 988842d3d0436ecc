/* tui: search as you type (see tui.h).
 *
 *   trawl> memory barr*                       <- the query, edited in place
 *   153 matching documents in 0.41 ms         <- or the query's error
 *   > Documentation/memory-barriers.txt.gz:54:38      <- hits: where, then the snippet
 *       …What may not be assumed about memory barriers? …
 *     html/core-api/wrappers/memory-barriers.html:191:38
 *       …
 *   -- Documentation/memory-barriers.txt.gz --        <- preview of the selected hit
 *       52  ...
 *   >   54       - What may not be assumed about memory barriers?
 *   Up/Down: select  Enter: open in $EDITOR  Esc: quit
 *
 * Input is read a byte at a time (a UTF-8 character arrives as its bytes and is kept whole; a
 * backspace removes a whole character), so the query needs no locale; the screen is drawn with
 * the locale's encoding (ncursesw under a UTF-8 locale shows UTF-8 text as it is). */
#include "tui.h"

#include "locate.h"

#include <curses.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TUI_QUERY_MAX 1024 /* bytes of query */
#define TUI_MAX_HITS  50   /* hits fetched per keystroke: the list scrolls through them */
#define TUI_KEY_MS    200  /* getch timeout: how soon a SIGTERM is noticed */

enum { TUI_PAIR_MATCH = 1, TUI_PAIR_ERROR = 2 };
enum { TUI_GO_ON = -1 };

/* One hit as the list and the preview need it: copies, since locate's buffers are reused. */
typedef struct tui_hit {
    char *where;       /**< "path:line:column", or the id of a JSON Lines record (malloc) */
    int is_file;       /**< Enter can open it */
    char *path;        /**< as printed (opens from the working directory) (malloc) */
    uint64_t line;     /**< the file's line of the match (for the editor) */
    char *snip;        /**< the snippet's text (malloc) */
    size_t snip_len;   /**< bytes of snip */
    trawl_span *spans; /**< its matches (malloc) */
    size_t n_spans;
    uint64_t doc_off;   /**< where the snippet starts in the stored text */
    uint64_t match_off; /**< where its first match is */
} tui_hit;

typedef struct tui {
    const tui_opts *o;
    trawl_search *s;
    loc_ctx lc;
    char q[TUI_QUERY_MAX + 1];
    size_t qlen;
    tui_hit *hits;
    size_t n_hits;
    size_t sel;       /**< the selected hit */
    size_t top;       /**< the first hit shown */
    char status[512]; /**< count and time, or the error */
    int is_error;
    int has_color;
} tui;

static volatile sig_atomic_t tui_stop; /* SIGTERM or SIGHUP arrived: leave cleanly */

static void tui_on_signal(int sig)
{
    (void)sig;
    tui_stop = 1;
}

static void tui_free_hits(tui *t)
{
    for (size_t i = 0; i < t->n_hits; i++) {
        free(t->hits[i].where);
        free(t->hits[i].path);
        free(t->hits[i].snip);
        free(t->hits[i].spans);
    }
    free(t->hits);
    t->hits = NULL;
    t->n_hits = t->sel = t->top = 0;
}

/* Copies located hit l into h. Returns 0 or -1 (out of memory). */
static int tui_keep(tui_hit *h, const loc *l)
{
    char where[64];
    memset(h, 0, sizeof *h);
    h->is_file = l->is_file;
    h->line = l->line;
    h->doc_off = l->sn.doc_off;
    h->match_off = l->match_off;
    h->snip_len = l->sn.len;
    h->n_spans = l->sn.n_spans;
    snprintf(where, sizeof where, ":%llu:%llu", (unsigned long long)l->line,
             (unsigned long long)l->col);
    size_t wl = l->is_file ? strlen(where) : 0;
    h->where = malloc(l->path_len + wl + 1);
    h->path = strndup(l->path, l->path_len);
    h->snip = malloc(l->sn.len + 1);
    h->spans = malloc((l->sn.n_spans + 1) * sizeof *h->spans);
    if (!h->where || !h->path || !h->snip || !h->spans) return -1;
    memcpy(h->where, l->path, l->path_len);
    memcpy(h->where + l->path_len, where, wl + 1);
    h->where[l->path_len + wl] = '\0';
    memcpy(h->snip, l->sn.text, l->sn.len);
    if (l->sn.n_spans) memcpy(h->spans, l->sn.spans, l->sn.n_spans * sizeof *h->spans);
    return 0;
}

/* 1 if the query has something besides white space. */
static int tui_has_query(const tui *t)
{
    for (size_t i = 0; i < t->qlen; i++)
        if (t->q[i] != ' ' && t->q[i] != '\t') return 1;
    return 0;
}

/* Runs the query and keeps its hits, or its error for the status line. */
static void tui_search(tui *t)
{
    trawl_options o = t->o->opt;
    trawl_hit h;
    loc l;
    tui_free_hits(t);
    t->is_error = 0;
    if (!tui_has_query(t)) {
        snprintf(t->status, sizeof t->status, "type a query");
        return;
    }
    o.limit = TUI_MAX_HITS;
    o.offset = 0;
    int rc = trawl_search_run(t->s, t->q, &o);
    if (rc == TRAWL_OK) {
        unsigned long long n = trawl_search_count(t->s);
        snprintf(t->status, sizeof t->status, "%s%llu matching document%s in %.2f ms",
                 trawl_search_count_is_exact(t->s) ? "" : "at least ", n, n == 1 ? "" : "s",
                 trawl_search_elapsed_us(t->s) / 1000.0);
        t->hits = calloc(TUI_MAX_HITS, sizeof *t->hits);
        if (!t->hits) rc = TRAWL_ENOMEM;
    }
    for (size_t i = 0; rc == TRAWL_OK && trawl_search_hit(t->s, i, &h) == TRAWL_OK; i++) {
        rc = loc_hit(&t->lc, t->s, i, &h, 1, t->o->snippet_bytes, &l);
        if (rc == TRAWL_OK && tui_keep(&t->hits[i], &l) < 0) rc = TRAWL_ENOMEM;
        t->n_hits = i + 1;
    }
    if (rc != TRAWL_OK) {
        snprintf(t->status, sizeof t->status, "%s",
                 rc == TRAWL_ENOMEM ? "out of memory" : trawl_search_errmsg(t->s));
        t->is_error = 1;
    }
}

/* Bytes of the UTF-8 character starting at s (1 for a stray byte), at most n. */
static size_t tui_char_len(const char *s, size_t n)
{
    unsigned char c = (unsigned char)s[0];
    size_t w = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    for (size_t k = 1; k < w; k++)
        if (k >= n || ((unsigned char)s[k] & 0xC0) != 0x80) return 1;
    return w;
}

/* Draws text[0..len) at row y from column x on, one column a character, cut at the screen's
 * edge. Span k covers [spans[k].off + shift, + len): drawn as a match. Control characters and
 * white space show as one space each. */
static void tui_text(const tui *t, int y, int x, const char *text, size_t len,
                     const trawl_span *spans, size_t n_spans, int64_t shift)
{
    size_t k = 0;
    attr_t hl = t->has_color ? (attr_t)(COLOR_PAIR(TUI_PAIR_MATCH) | A_BOLD) : A_BOLD | A_UNDERLINE;
    move(y, x);
    for (size_t i = 0; i < len && x < COLS;) {
        while (k < n_spans && (int64_t)spans[k].off + spans[k].len + shift <= (int64_t)i)
            k++;
        int in = k < n_spans && (int64_t)i >= (int64_t)spans[k].off + shift;
        size_t w = tui_char_len(text + i, len - i);
        unsigned char c = (unsigned char)text[i];
        if (in) attron(hl);
        if (w == 1 && (c < 0x20 || c == 0x7f))
            addch(' ');
        else
            addnstr(text + i, (int)w);
        if (in) attroff(hl);
        i += w;
        x++;
    }
}

/* The hit list: two rows a hit, the selected one marked and reversed. */
static void tui_draw_list(tui *t, int y0, int rows)
{
    size_t shown = (size_t)(rows / 2);
    if (shown == 0) return;
    if (t->sel < t->top) t->top = t->sel;
    if (t->sel >= t->top + shown) t->top = t->sel - shown + 1;
    for (size_t i = t->top; i < t->n_hits && i < t->top + shown; i++) {
        const tui_hit *h = &t->hits[i];
        int y = y0 + 2 * (int)(i - t->top);
        if (i == t->sel) attron(A_REVERSE);
        mvaddstr(y, 0, i == t->sel ? "> " : "  ");
        tui_text(t, y, 2, h->where, strlen(h->where), NULL, 0, 0);
        if (i == t->sel) attroff(A_REVERSE);
        tui_text(t, y + 1, 4, h->snip, h->snip_len, h->spans, h->n_spans, 0);
    }
}

/* Offset of line number `want` (1-based) in text, or len past the last line. */
static size_t tui_line_start(const char *text, size_t len, uint64_t want)
{
    size_t off = 0;
    for (uint64_t line = 1; line < want && off < len; line++) {
        const char *nl = memchr(text + off, '\n', len - off);
        off = nl ? (size_t)(nl - text) + 1 : len;
    }
    return off;
}

/* Where to start showing the line starting at off so that the byte at match (on that line) is
 * on screen, width columns wide: off itself when it is in the first two thirds, else a
 * character boundary a third of the width before it (columns counted as characters). */
static size_t tui_scroll_to(const char *text, size_t off, size_t match, int width)
{
    size_t cols = 0, from = match;
    for (size_t i = off; i < match; i++)
        cols += ((unsigned char)text[i] & 0xC0) != 0x80;
    if (width <= 0 || cols < (size_t)width * 2 / 3) return off;
    for (size_t back = 0; from > off && back < (size_t)width / 3;) {
        from--;
        back += ((unsigned char)text[from] & 0xC0) != 0x80;
    }
    return from;
}

/* The preview: the selected document's lines around its match, numbered as in the file. */
static void tui_draw_preview(tui *t, int y0, int rows)
{
    const tui_hit *h = &t->hits[t->sel];
    const char *text;
    size_t len;
    attron(A_BOLD);
    mvaddstr(y0, 0, "-- ");
    tui_text(t, y0, 3, h->path, strlen(h->path), NULL, 0, 0);
    attroff(A_BOLD);
    if (rows < 2 || trawl_search_text(t->s, t->sel, &text, &len) != TRAWL_OK) return;
    uint64_t mline = 1; /* the match's line in the stored text */
    for (size_t i = 0; i < h->match_off && i < len; i++)
        mline += text[i] == '\n';
    int64_t delta = (int64_t)h->line - (int64_t)mline; /* a date prefix's lines */
    uint64_t first = mline > (uint64_t)(rows - 1) / 3 ? mline - (uint64_t)(rows - 1) / 3 : 1;
    size_t off = tui_line_start(text, len, first);
    for (int r = 1; r < rows && off < len; r++, first++) {
        const char *nl = memchr(text + off, '\n', len - off);
        size_t end = nl ? (size_t)(nl - text) : len;
        char num[32];
        snprintf(num, sizeof num, "%c%6lld ", first == mline ? '>' : ' ',
                 (long long)first + (long long)delta);
        if (first == mline) attron(A_BOLD);
        mvaddstr(y0 + r, 0, num);
        if (first == mline) attroff(A_BOLD);
        size_t from = first == mline ? tui_scroll_to(text, off, h->match_off, COLS - 8) : off;
        tui_text(t, y0 + r, (int)strlen(num), text + from, end - from, h->spans, h->n_spans,
                 (int64_t)h->doc_off - (int64_t)from);
        off = end + 1;
    }
}

static void tui_draw(tui *t)
{
    erase();
    int list_rows = (LINES - 4) / 2, prev_rows = LINES - 3 - list_rows;
    if (t->is_error && t->has_color) attron(COLOR_PAIR(TUI_PAIR_ERROR));
    tui_text(t, 1, 0, t->status, strlen(t->status), NULL, 0, 0);
    if (t->is_error && t->has_color) attroff(COLOR_PAIR(TUI_PAIR_ERROR));
    if (t->n_hits) {
        tui_draw_list(t, 2, list_rows);
        tui_draw_preview(t, 2 + list_rows, prev_rows);
    }
    attron(A_DIM);
    mvaddstr(LINES - 1, 0, "Up/Down: select  Enter: open in $EDITOR  Ctrl-U: clear  Esc: quit");
    attroff(A_DIM);
    mvaddstr(0, 0, "trawl> ");
    tui_text(t, 0, 7, t->q, t->qlen, NULL, 0, 0);
    refresh();
}

/* Runs $VISUAL or $EDITOR (vi without either) on the selected hit's file at its line, the
 * terminal given back to it meanwhile. The editor variable may hold arguments ("code -w"). */
static void tui_open(tui *t)
{
    const tui_hit *h = &t->hits[t->sel];
    const char *ed = getenv("VISUAL");
    char plus[32];
    if (!h->is_file) {
        snprintf(t->status, sizeof t->status, "%s is a JSON Lines record: no file to open",
                 h->where);
        return;
    }
    if (!ed || !*ed) ed = getenv("EDITOR");
    if (!ed || !*ed) ed = "vi";
    size_t n = strlen(ed);
    char *cmd = malloc(n + 8);
    if (!cmd) return;
    memcpy(cmd, ed, n);
    memcpy(cmd + n, " \"$@\"", 6);
    snprintf(plus, sizeof plus, "+%llu", (unsigned long long)h->line);
    def_prog_mode();
    endwin();
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, "sh", plus, h->path, (char *)NULL);
        _exit(127);
    }
    int st;
    while (pid > 0 && waitpid(pid, &st, 0) < 0)
        ;
    free(cmd);
    reset_prog_mode();
    refresh();
}

/* Removes the query's last character (all of its UTF-8 bytes). */
static void tui_backspace(tui *t)
{
    while (t->qlen > 0 && ((unsigned char)t->q[t->qlen - 1] & 0xC0) == 0x80)
        t->qlen--;
    if (t->qlen > 0) t->qlen--;
    t->q[t->qlen] = '\0';
}

/* Applies one key. Returns TUI_GO_ON, or the exit status. */
static int tui_key(tui *t, int c)
{
    size_t page = (size_t)((LINES - 4) / 4 > 1 ? (LINES - 4) / 4 : 1);
    if (c == 27) return 0;  /* Esc */
    if (c == 3) return 130; /* Ctrl-C (raw mode: a key, not a signal) */
    if ((c == KEY_DOWN || c == 14) && t->sel + 1 < t->n_hits) t->sel++;
    if ((c == KEY_UP || c == 16) && t->sel > 0) t->sel--;
    if (c == KEY_NPAGE)
        t->sel = t->sel + page < t->n_hits ? t->sel + page : t->n_hits - !!t->n_hits;
    if (c == KEY_PPAGE) t->sel = t->sel > page ? t->sel - page : 0;
    if ((c == '\n' || c == '\r' || c == KEY_ENTER) && t->n_hits) tui_open(t);
    int edit = 0;
    if (c == KEY_BACKSPACE || c == 127 || c == 8) {
        tui_backspace(t);
        edit = 1;
    } else if (c == 21) { /* Ctrl-U */
        t->qlen = 0;
        t->q[0] = '\0';
        edit = 1;
    } else if (c >= 0x20 && c <= 0xFF && c != 0x7F && t->qlen < TUI_QUERY_MAX) {
        t->q[t->qlen++] = (char)c;
        t->q[t->qlen] = '\0';
        edit = 1;
    }
    if (edit) tui_search(t);
    return TUI_GO_ON;
}

/* Sets up curses on the terminal: raw keys (Ctrl-C a key), no echo, keypad, a short Esc
 * delay, colours when there are any. Returns the screen or NULL. */
static SCREEN *tui_screen(tui *t)
{
    SCREEN *scr = newterm(NULL, stdout, stdin);
    if (!scr) return NULL;
    raw();
    noecho();
    keypad(stdscr, TRUE);
    set_escdelay(25);
    timeout(TUI_KEY_MS);
    if (t->o->color && has_colors()) {
        start_color();
        use_default_colors();
        init_pair(TUI_PAIR_MATCH, COLOR_RED, -1);
        init_pair(TUI_PAIR_ERROR, COLOR_RED, -1);
        t->has_color = 1;
    }
    return scr;
}

int tui_run(const tui_opts *o, trawl_search *s)
{
    tui t;
    memset(&t, 0, sizeof t);
    t.o = o;
    t.s = s;
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "trawl-search: error: --interactive needs a terminal\n");
        return 2;
    }
    setlocale(LC_ALL, "");
    SCREEN *scr = tui_screen(&t);
    if (!scr) {
        fprintf(stderr, "trawl-search: error: cannot set up the terminal (TERM=%s)\n",
                getenv("TERM") ? getenv("TERM") : "");
        return 2;
    }
    signal(SIGTERM, tui_on_signal);
    signal(SIGHUP, tui_on_signal);
    loc_init(&t.lc, o->absolute);
    if (o->query) {
        snprintf(t.q, sizeof t.q, "%s", o->query);
        t.qlen = strlen(t.q);
    }
    tui_search(&t);
    int rc = TUI_GO_ON;
    while (rc == TUI_GO_ON && !tui_stop) {
        tui_draw(&t);
        int c = getch();
        if (c != ERR) rc = tui_key(&t, c);
    }
    endwin();
    delscreen(scr);
    tui_free_hits(&t);
    loc_free(&t.lc);
    return rc == TUI_GO_ON ? 0 : rc;
}
