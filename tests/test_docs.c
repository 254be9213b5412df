/*
 * test_docs.c -- the documentation holds together: every relative link and
 * anchor in README.md, docs/ (all of it, recursively) and the READMEs of
 * bench/, fuzz/ and data/ resolves, and README.md stays a front page of at
 * most 300 lines.
 *
 * The checker reads Markdown the way GitHub renders it, as far as links go:
 * inline links and images `[text](target "title")`, `<target>` destinations,
 * and reference definitions `[label]: target`; nothing inside fenced code
 * blocks or inline code spans (they are text, not links), backslash-escaped
 * brackets are not links.  http(s): and mailto: targets are left alone.  A
 * relative path is resolved against the folder of the file that holds it (a
 * leading '/' against the repository root) and must name a file or a folder
 * inside the repository.  A `#fragment` on a Markdown file (or alone: the
 * same file) must be the id of one of its headings, computed as GitHub does:
 * the heading's text lower-cased, every character other than a letter, a
 * digit, a space, '-' or '_' removed, spaces turned into '-', and repeated
 * headings numbered -1, -2, ...  Explicit <a name=...> / <a id=...> anchors
 * count too.  Fragments of other files (source line anchors) are not checked.
 *
 * Known simplifications, none used by our documents: code spans and
 * paragraphs are taken line by line, indented code blocks are read as text,
 * `_emphasis_` in a heading keeps its underscores, and non-ASCII punctuation
 * is recognised by block (general punctuation, arrows, mathematical and other
 * symbols, CJK punctuation, emoji) rather than by Unicode category.
 *
 * Every line is handled as a (pointer, length) slice of the file read whole,
 * and every string is allocated to its size: no fixed buffer to overflow.
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* realpath, strncasecmp: before the first system header */
#endif
#include <criterion/criterion.h>

#include "sw_test_util.h"

#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* ---- small growable strings and lists ----------------------------------- */

typedef struct strbuf {
    char *s;
    size_t len, cap;
} strbuf;

static void sb_vadd(strbuf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    cr_assert_geq(n, 0);
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + (size_t)n + 1)
            cap *= 2;
        b->s = realloc(b->s, cap);
        cr_assert_not_null(b->s);
        b->cap = cap;
    }
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

static void sb_add(strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vadd(b, fmt, ap);
    va_end(ap);
}

/* A freshly allocated formatted string. */
static char *xprintf(const char *fmt, ...)
{
    strbuf b = { 0 };
    va_list ap;
    va_start(ap, fmt);
    sb_vadd(&b, fmt, ap);
    va_end(ap);
    return b.s;
}

static char *xstrndup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    cr_assert_not_null(d);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

typedef struct strlist {
    char **v;
    size_t n, cap;
} strlist;

/* Takes ownership of s. */
static void sl_push(strlist *l, char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        cr_assert_not_null(l->v);
    }
    l->v[l->n++] = s;
}

static int sl_has(const strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return 1;
    return 0;
}

static void sl_free(strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- lines and fences ------------------------------------------------------ */

/* The next line of text at *pos: its start and length without "\n" or "\r\n";
 * 0 at the end. */
static int next_line(const char *text, size_t *pos, const char **line, size_t *len)
{
    size_t p = *pos;
    if (text[p] == '\0')
        return 0;
    const char *nl = strchr(text + p, '\n');
    size_t end = nl ? (size_t)(nl - text) : strlen(text);
    *line = text + p;
    *len = end - p;
    if (*len > 0 && (*line)[*len - 1] == '\r')
        (*len)--;
    *pos = nl ? end + 1 : end;
    return 1;
}

static size_t indent_of(const char *l, size_t n)
{
    size_t i = 0;
    while (i < n && l[i] == ' ')
        i++;
    return i;
}

static int is_blank(const char *l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (l[i] != ' ' && l[i] != '\t')
            return 0;
    return 1;
}

/* Fence state: inside a fenced code block opened by `len` times `ch`. */
typedef struct fence {
    char ch;
    size_t len;
} fence;

/* Updates the fence state for this line; 1 if the line is code or a fence
 * (not Markdown text). */
static int fence_line(fence *f, const char *l, size_t n)
{
    size_t i = indent_of(l, n);
    size_t run = 0;
    char ch = i < n ? l[i] : '\0';
    if (i <= 3 && (ch == '`' || ch == '~'))
        while (i + run < n && l[i + run] == ch)
            run++;
    if (f->len == 0) {
        if (run >= 3 && !(ch == '`' && memchr(l + i + run, '`', n - i - run))) {
            f->ch = ch;
            f->len = run;
            return 1;
        }
        return 0;
    }
    if (run >= f->len && ch == f->ch && is_blank(l + i + run, n - i - run))
        f->len = 0;
    return 1;
}

static int is_ascii_punct(unsigned char c)
{
    return c < 0x80 && ispunct(c);
}

/* A copy of the line with code spans and backslash escapes blanked out, so
 * that what remains outside them is Markdown; same length, same columns. */
static char *blank_code(const char *l, size_t n)
{
    char *b = xstrndup(l, n);
    size_t i = 0;
    while (i < n) {
        if (b[i] == '\\' && i + 1 < n && is_ascii_punct((unsigned char)b[i + 1])) {
            b[i] = b[i + 1] = ' ';
            i += 2;
        } else if (b[i] == '`') {
            size_t run = 0;
            while (i + run < n && b[i + run] == '`')
                run++;
            /* the closing run has exactly the same length */
            size_t j = i + run, close = 0;
            while (j < n) {
                if (b[j] != '`') {
                    j++;
                    continue;
                }
                size_t r2 = 0;
                while (j + r2 < n && b[j + r2] == '`')
                    r2++;
                if (r2 == run) {
                    close = j + r2;
                    break;
                }
                j += r2;
            }
            if (close) {
                memset(b + i, ' ', close - i);
                i = close;
            } else {
                i += run; /* no closing run: the backticks are literal */
            }
        } else {
            i++;
        }
    }
    return b;
}

/* ---- GitHub heading ids --------------------------------------------------- */

/* Decodes one UTF-8 sequence at s (n bytes left); returns its length, or 0
 * for an invalid one. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t len;
    uint32_t c;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    } else if ((s[0] & 0xe0) == 0xc0) {
        len = 2;
        c = s[0] & 0x1f;
    } else if ((s[0] & 0xf0) == 0xe0) {
        len = 3;
        c = s[0] & 0x0f;
    } else if ((s[0] & 0xf8) == 0xf0) {
        len = 4;
        c = s[0] & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    *cp = c;
    return len;
}

static size_t utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Non-ASCII code points GitHub removes from ids (punctuation and symbols). */
static int non_ascii_dropped(uint32_t cp)
{
    if (cp >= 0x80 && cp <= 0xbf) /* Latin-1 punctuation; keep its letters and numbers */
        return !(cp == 0xaa || cp == 0xb2 || cp == 0xb3 || cp == 0xb5 || cp == 0xb9 || cp == 0xba ||
                 (cp >= 0xbc && cp <= 0xbe));
    return cp == 0xd7 || cp == 0xf7 || (cp >= 0x2000 && cp <= 0x206f) || /* dashes, quotes, … */
           (cp >= 0x20a0 && cp <= 0x20cf) ||                            /* currency */
           (cp >= 0x2190 && cp <= 0x2bff) ||                            /* arrows, math, shapes */
           (cp >= 0x3000 && cp <= 0x303f) || (cp >= 0xfe10 && cp <= 0xfe6f) ||
           (cp >= 0xff01 && cp <= 0xff0f) || (cp >= 0x1f000 && cp <= 0x1faff); /* emoji */
}

static uint32_t non_ascii_lower(uint32_t cp)
{
    if ((cp >= 0xc0 && cp <= 0xde && cp != 0xd7) || (cp >= 0x391 && cp <= 0x3a9) ||
        (cp >= 0x410 && cp <= 0x42f))
        return cp + 0x20;
    if (cp >= 0x400 && cp <= 0x40f)
        return cp + 0x50;
    return cp;
}

/* The id GitHub gives a heading whose text (after the #s) is h[0..n). */
static char *gh_slug(const char *h, size_t n)
{
    /* never longer than the heading: lower-casing keeps a code point's UTF-8 length */
    char *out = malloc(n + 1);
    cr_assert_not_null(out);
    size_t o = 0, i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)h[i];
        if (c == ']' && i + 1 < n && h[i + 1] == '(') {
            /* a link in the heading shows its text only: skip "(destination)" */
            size_t j = i + 2;
            int depth = 1;
            while (j < n && depth > 0) {
                depth += h[j] == '(' ? 1 : h[j] == ')' ? -1 : 0;
                j++;
            }
            i = j;
            continue;
        }
        if (c < 0x80) {
            if (isalnum(c) || c == '-' || c == '_')
                out[o++] = (char)tolower(c);
            else if (c == ' ')
                out[o++] = '-';
            i++;
            continue;
        }
        uint32_t cp;
        size_t len = utf8_decode((const unsigned char *)h + i, n - i, &cp);
        if (len == 0) {
            i++;
            continue;
        }
        if (!non_ascii_dropped(cp))
            o += utf8_encode(non_ascii_lower(cp), out + o);
        i += len;
    }
    out[o] = '\0';
    return out;
}

/* Adds a heading's id as GitHub numbers repeats: "x", then "x-1", "x-2"... */
static void add_heading_id(strlist *ids, char *base)
{
    if (!sl_has(ids, base)) {
        sl_push(ids, base);
        return;
    }
    for (unsigned k = 1;; k++) {
        char *s = xprintf("%s-%u", base, k);
        if (!sl_has(ids, s)) {
            sl_push(ids, s);
            free(base);
            return;
        }
        free(s);
    }
}

/* The text of an ATX heading line ("## Title ##"), or NULL. */
static const char *atx_heading(const char *l, size_t n, size_t *tlen)
{
    size_t i = indent_of(l, n), hashes = 0;
    if (i > 3)
        return NULL;
    while (i + hashes < n && l[i + hashes] == '#')
        hashes++;
    if (hashes < 1 || hashes > 6)
        return NULL;
    i += hashes;
    if (i < n && l[i] != ' ' && l[i] != '\t')
        return NULL;
    while (i < n && (l[i] == ' ' || l[i] == '\t'))
        i++;
    size_t end = n;
    while (end > i && (l[end - 1] == ' ' || l[end - 1] == '\t'))
        end--;
    /* an optional closing run of #s, preceded by a space */
    size_t e = end;
    while (e > i && l[e - 1] == '#')
        e--;
    if (e < end && (e == i || l[e - 1] == ' ' || l[e - 1] == '\t')) {
        end = e;
        while (end > i && (l[end - 1] == ' ' || l[end - 1] == '\t'))
            end--;
    }
    *tlen = end - i;
    return l + i;
}

/* "===" or "---" under a paragraph line makes that line a heading. */
static int setext_underline(const char *l, size_t n)
{
    size_t i = indent_of(l, n);
    if (i > 3 || i >= n || (l[i] != '=' && l[i] != '-'))
        return 0;
    char ch = l[i];
    while (i < n && l[i] == ch)
        i++;
    return is_blank(l + i, n - i);
}

/* Can this line be the text of a setext heading (a plain paragraph line)? */
static int paragraph_line(const char *l, size_t n)
{
    size_t i = indent_of(l, n);
    if (is_blank(l, n) || i > 3)
        return 0;
    char c = l[i];
    if (c == '>' || c == '|' || c == '<')
        return 0;
    if ((c == '-' || c == '*' || c == '+') && (i + 1 == n || l[i + 1] == ' '))
        return 0; /* a list item */
    if (isdigit((unsigned char)c)) {
        size_t j = i;
        while (j < n && isdigit((unsigned char)l[j]))
            j++;
        if (j < n && (l[j] == '.' || l[j] == ')') && (j + 1 == n || l[j + 1] == ' '))
            return 0;
    }
    return 1;
}

/* <a name="x"> and <a id="x"> anchors on a line. */
static void html_anchors(strlist *ids, const char *l, size_t n)
{
    for (size_t i = 0; i + 3 < n; i++) {
        if (strncasecmp(l + i, "<a ", 3) != 0)
            continue;
        size_t end = i + 3;
        while (end < n && l[end] != '>')
            end++;
        for (size_t j = i + 3; j < end; j++) {
            size_t klen = strncasecmp(l + j, "name=\"", 6) == 0 ? 6 : strncasecmp(l + j, "id=\"", 4) == 0 ? 4 : 0;
            if (klen == 0 || (l[j - 1] != ' ' && l[j - 1] != '\t'))
                continue;
            const char *v = l + j + klen;
            const char *q = memchr(v, '"', end - (j + klen));
            if (q)
                sl_push(ids, xstrndup(v, (size_t)(q - v)));
        }
    }
}

/* Every id a link into this Markdown text may name. */
static void heading_ids(const char *text, strlist *ids)
{
    size_t pos = 0, n = 0, prev_n = 0;
    const char *l = NULL, *prev = NULL;
    int prev_para = 0;
    fence f = { 0, 0 };
    while (next_line(text, &pos, &l, &n)) {
        if (fence_line(&f, l, n)) {
            prev_para = 0;
            continue;
        }
        size_t tlen;
        const char *t = atx_heading(l, n, &tlen);
        if (t) {
            add_heading_id(ids, gh_slug(t, tlen));
            prev_para = 0;
            continue;
        }
        if (prev_para && setext_underline(l, n)) {
            size_t i = indent_of(prev, prev_n), end = prev_n;
            while (end > i && (prev[end - 1] == ' ' || prev[end - 1] == '\t'))
                end--;
            add_heading_id(ids, gh_slug(prev + i, end - i));
            prev_para = 0;
            continue;
        }
        html_anchors(ids, l, n);
        prev_para = paragraph_line(l, n);
        prev = l;
        prev_n = n;
    }
}

/* ---- the checker ------------------------------------------------------------ */

typedef struct doc_ids {
    char *path; /* real path */
    strlist ids;
} doc_ids;

typedef struct checker {
    char *root; /* real path of the tree */
    doc_ids *docs;
    size_t n_docs, cap_docs;
    strbuf report; /* one line per problem: FILE:LINE: TARGET: what is wrong */
    int problems;
    int links; /* relative links checked */
    int files;
} checker;

static void checker_init(checker *c, const char *root)
{
    memset(c, 0, sizeof *c);
    c->root = realpath(root, NULL);
    cr_assert_not_null(c->root, "%s: no such folder", root);
    sb_add(&c->report, "%s", "");
}

static void checker_free(checker *c)
{
    for (size_t i = 0; i < c->n_docs; i++) {
        free(c->docs[i].path);
        sl_free(&c->docs[i].ids);
    }
    free(c->docs);
    free(c->report.s);
    free(c->root);
}

static void problem(checker *c, const char *rel, unsigned long lineno, const char *target, size_t tlen,
                    const char *what)
{
    sb_add(&c->report, "%s:%lu: %.*s: %s\n", rel, lineno, (int)tlen, target, what);
    c->problems++;
}

/* The ids of a Markdown file (real path), read once. */
static const strlist *ids_of(checker *c, const char *real)
{
    for (size_t i = 0; i < c->n_docs; i++)
        if (strcmp(c->docs[i].path, real) == 0)
            return &c->docs[i].ids;
    if (c->n_docs == c->cap_docs) {
        c->cap_docs = c->cap_docs ? c->cap_docs * 2 : 16;
        c->docs = realloc(c->docs, c->cap_docs * sizeof *c->docs);
        cr_assert_not_null(c->docs);
    }
    doc_ids *d = &c->docs[c->n_docs++];
    memset(d, 0, sizeof *d);
    d->path = strdup(real);
    char *text = sw_test_slurp(real);
    heading_ids(text, &d->ids);
    free(text);
    return &d->ids;
}

static int hexval(char h)
{
    return isdigit((unsigned char)h) ? h - '0' : isxdigit((unsigned char)h) ? tolower((unsigned char)h) - 'a' + 10 : -1;
}

/* %XX decoded in place. */
static void percent_decode(char *s)
{
    char *o = s;
    for (char *p = s; *p; p++) {
        if (p[0] == '%' && p[1] && p[2] && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
            *o++ = (char)(hexval(p[1]) * 16 + hexval(p[2]));
            p += 2;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
}

static int ends_with_md(const char *p)
{
    size_t n = strlen(p);
    return n >= 3 && strcasecmp(p + n - 3, ".md") == 0;
}

/* One link target found in file `rel` (real path `real`) at line `lineno`. */
static void check_target(checker *c, const char *rel, const char *real, unsigned long lineno, const char *target,
                         size_t tlen)
{
    static const char *const skip[] = { "http://", "https://", "mailto:" };
    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
        if (tlen >= strlen(skip[i]) && strncasecmp(target, skip[i], strlen(skip[i])) == 0)
            return;
    c->links++;
    if (tlen == 0) {
        problem(c, rel, lineno, target, tlen, "empty link target");
        return;
    }
    char *t = xstrndup(target, tlen);
    char *frag = strchr(t, '#');
    if (frag)
        *frag++ = '\0';
    percent_decode(t);

    char *resolved = NULL;
    if (t[0] == '\0') {
        resolved = strdup(real);
    } else {
        char *dir = xstrndup(real, (size_t)(strrchr(real, '/') - real));
        char *full = t[0] == '/' ? xprintf("%s%s", c->root, t) : xprintf("%s/%s", dir, t);
        resolved = realpath(full, NULL);
        free(full);
        free(dir);
        if (!resolved) {
            problem(c, rel, lineno, target, tlen, "no such file or folder");
            goto done;
        }
        size_t rl = strlen(c->root);
        if (strncmp(resolved, c->root, rl) != 0 || (resolved[rl] != '/' && resolved[rl] != '\0')) {
            problem(c, rel, lineno, target, tlen, "points outside the repository");
            goto done;
        }
    }
    if (frag && frag[0] != '\0') {
        struct stat st;
        if (ends_with_md(resolved) && stat(resolved, &st) == 0 && S_ISREG(st.st_mode)) {
            percent_decode(frag);
            if (!sl_has(ids_of(c, resolved), frag))
                problem(c, rel, lineno, target, tlen, "no heading with this anchor");
        }
    }
done:
    free(resolved);
    free(t);
}

/* The destination of an inline link whose "(" is at l[open]: its start and
 * length; returns the index after the closing ")", or 0 if this is no link. */
static size_t link_destination(const char *l, size_t n, size_t open, size_t *start, size_t *len)
{
    size_t i = open + 1;
    while (i < n && (l[i] == ' ' || l[i] == '\t'))
        i++;
    if (i < n && l[i] == '<') {
        const char *gt = memchr(l + i + 1, '>', n - i - 1);
        if (!gt)
            return 0;
        *start = i + 1;
        *len = (size_t)(gt - l) - *start;
        i = (size_t)(gt - l) + 1;
    } else {
        int depth = 0;
        *start = i;
        while (i < n && l[i] != ' ' && l[i] != '\t') {
            if (l[i] == '(')
                depth++;
            else if (l[i] == ')' && depth-- == 0)
                break;
            i++;
        }
        *len = i - *start;
    }
    /* an optional title, then ")" */
    while (i < n && (l[i] == ' ' || l[i] == '\t'))
        i++;
    if (i < n && (l[i] == '"' || l[i] == '\'' || l[i] == '(')) {
        char close = l[i] == '(' ? ')' : l[i];
        const char *q = memchr(l + i + 1, close, n - i - 1);
        if (!q)
            return 0;
        i = (size_t)(q - l) + 1;
        while (i < n && (l[i] == ' ' || l[i] == '\t'))
            i++;
    }
    return i < n && l[i] == ')' ? i + 1 : 0;
}

/* Is there an unmatched "[" before position `close` (a "]")? */
static int has_open_bracket(const char *l, size_t close)
{
    int depth = 0;
    for (size_t i = close; i-- > 0;) {
        if (l[i] == ']')
            depth++;
        else if (l[i] == '[' && depth-- == 0)
            return 1;
    }
    return 0;
}

static void check_line(checker *c, const char *rel, const char *real, unsigned long lineno, const char *line,
                       size_t n)
{
    char *b = blank_code(line, n);
    /* a reference definition: [label]: target */
    size_t i = indent_of(b, n);
    if (i <= 3 && i < n && b[i] == '[') {
        const char *rb = memchr(b + i, ']', n - i);
        if (rb && (size_t)(rb - b) + 1 < n && rb[1] == ':') {
            size_t s = (size_t)(rb - b) + 2;
            while (s < n && (b[s] == ' ' || b[s] == '\t'))
                s++;
            size_t e = s;
            while (e < n && b[e] != ' ' && b[e] != '\t')
                e++;
            if (e > s && b[s] == '<' && b[e - 1] == '>')
                s++, e--;
            if (e > s)
                check_target(c, rel, real, lineno, line + s, e - s);
            free(b);
            return;
        }
    }
    for (size_t k = 0; k + 1 < n; k++) {
        if (b[k] != ']' || b[k + 1] != '(' || !has_open_bracket(b, k))
            continue;
        size_t start, len, after = link_destination(b, n, k + 1, &start, &len);
        if (after) {
            check_target(c, rel, real, lineno, line + start, len);
            k = after - 1;
        }
    }
    free(b);
}

/* Checks every link of one file, `rel` relative to the root. */
static void check_file(checker *c, const char *rel)
{
    char *path = xprintf("%s/%s", c->root, rel);
    char *real = realpath(path, NULL);
    cr_assert_not_null(real, "%s: cannot be read", path);
    char *text = sw_test_slurp(real);
    size_t pos = 0, n;
    const char *l;
    unsigned long lineno = 0;
    fence f = { 0, 0 };
    while (next_line(text, &pos, &l, &n)) {
        lineno++;
        if (!fence_line(&f, l, n))
            check_line(c, rel, real, lineno, l, n);
    }
    c->files++;
    free(text);
    free(real);
    free(path);
}

/* Every *.md below root/dir (relative names), recursively. */
static void collect_md(const char *root, const char *dir, strlist *out)
{
    char *path = xprintf("%s/%s", root, dir);
    DIR *d = opendir(path);
    free(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *rel = xprintf("%s/%s", dir, e->d_name);
        char *full = xprintf("%s/%s", root, rel);
        struct stat st;
        if (stat(full, &st) == 0 && S_ISDIR(st.st_mode)) {
            collect_md(root, rel, out);
            free(rel);
        } else if (ends_with_md(rel)) {
            sl_push(out, rel);
        } else {
            free(rel);
        }
        free(full);
    }
    closedir(d);
}

/* The documents: README.md, docs/ recursively, and the folders' READMEs. */
static void check_tree(checker *c)
{
    strlist files = { 0 };
    static const char *const readmes[] = { "README.md", "bench/README.md", "fuzz/README.md", "data/README.md" };
    for (size_t i = 0; i < sizeof readmes / sizeof readmes[0]; i++) {
        char *p = xprintf("%s/%s", c->root, readmes[i]);
        if (access(p, R_OK) == 0)
            sl_push(&files, strdup(readmes[i]));
        free(p);
    }
    strlist docs = { 0 };
    collect_md(c->root, "docs", &docs);
    qsort(docs.v, docs.n, sizeof *docs.v, cmp_str);
    for (size_t i = 0; i < docs.n; i++)
        sl_push(&files, strdup(docs.v[i]));
    sl_free(&docs);
    for (size_t i = 0; i < files.n; i++)
        check_file(c, files.v[i]);
    sl_free(&files);
}

static unsigned long count_lines(const char *text)
{
    unsigned long n = 0;
    size_t pos = 0, len;
    const char *l;
    while (next_line(text, &pos, &l, &len))
        n++;
    return n;
}

/* ---- the repository ---------------------------------------------------------- */

Test(docs, every_relative_link_and_anchor_resolves)
{
    checker c;
    checker_init(&c, SW_SOURCE_DIR);
    check_tree(&c);
    cr_log_info("docs: %d files, %d relative links", c.files, c.links);
    /* a checker that finds no links at all would pass on anything */
    cr_assert_geq(c.files, 10, "only %d Markdown files found under %s", c.files, SW_SOURCE_DIR);
    cr_assert_geq(c.links, 50, "only %d relative links found: is the link parser broken?", c.links);
    cr_assert_eq(c.problems, 0, "%d broken links:\n%s", c.problems, c.report.s);
    checker_free(&c);
}

Test(docs, readme_is_a_front_page_of_at_most_300_lines)
{
    char *path = xprintf("%s/README.md", SW_SOURCE_DIR);
    char *text = sw_test_slurp(path);
    unsigned long n = count_lines(text);
    cr_assert_gt(n, 0, "%s is empty or missing", path);
    cr_assert_leq(n, 300, "%s has %lu lines; the reference belongs in docs/", path, n);
    free(text);
    free(path);
}

/* ---- the checker itself ------------------------------------------------------- */

static void write_file(const char *dir, const char *rel, const char *content)
{
    char *path = xprintf("%s/%s", dir, rel);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    mkdir(path, 0700); /* one level is all the tests need */
    *slash = '/';
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s: cannot write", path);
    fputs(content, f);
    fclose(f);
    free(path);
}

static const char readme_md[] = "# Title\n"                                                     /* 1 */
                                "\n"                                                            /* 2 */
                                "[good](docs/a.md) [anchor](docs/a.md#second-heading) [dup](docs/a.md#same-1)\n"
                                "See [the missing page](docs/missing.md) first.\n"              /* 4 */
                                "And [a lost anchor](docs/a.md#no-such-heading).\n"             /* 5 */
                                "[self](#title) and [self, broken](#nope)\n"                    /* 6 */
                                "`[in code](docs/missing-code.md)` [web](https://example.com/x) "
                                "[mail](mailto:a@example.com)\n"                                /* 7 */
                                "```md\n"                                                       /* 8 */
                                "[in a fence](docs/missing-fence.md)\n"                         /* 9 */
                                "```\n"                                                         /* 10 */
                                "[up and out](../) [folder](docs/) [titled](docs/a.md \"A\")\n" /* 11 */
                                "\\[not a link](docs/missing-escaped.md)\n"                     /* 12 */
                                "[ref]: docs/missing-ref.md\n";                                 /* 13 */

static const char a_md[] = "# A\n"
                           "## Second heading\n"
                           "## Same\n"
                           "## Same\n"
                           "Setext heading\n"
                           "--------------\n"
                           "[up](../README.md#title) [setext](#setext-heading) [punct](#stop-upgrade-remove)\n"
                           "[spaced](<../README.md>) [top](#a)\n"
                           "## Stop, upgrade, remove ##\n";

Test(docs, the_checker_reports_a_broken_link_and_a_broken_anchor)
{
    char dir[256];
    cr_assert_eq(sw_test_tmpdir(dir, sizeof dir, "docs"), 0);
    write_file(dir, "README.md", readme_md);
    write_file(dir, "docs/a.md", a_md);

    checker c;
    checker_init(&c, dir);
    check_tree(&c);
    const char *r = c.report.s;
    cr_assert(strstr(r, "README.md:4: docs/missing.md: no such file or folder\n"), "report:\n%s", r);
    cr_assert(strstr(r, "README.md:5: docs/a.md#no-such-heading: no heading with this anchor\n"), "report:\n%s", r);
    cr_assert(strstr(r, "README.md:6: #nope: no heading with this anchor\n"), "report:\n%s", r);
    cr_assert(strstr(r, "README.md:11: ../: points outside the repository\n"), "report:\n%s", r);
    cr_assert(strstr(r, "README.md:13: docs/missing-ref.md: no such file or folder\n"), "report:\n%s", r);
    /* code, fences, escapes and web links are not links to check; a.md is clean */
    cr_assert_eq(c.problems, 5, "report:\n%s", r);
    cr_assert_eq(c.files, 2);
    checker_free(&c);
    sw_test_rmdir(dir);
}

Test(docs, heading_ids_are_githubs)
{
    static const struct {
        const char *heading, *id;
    } cases[] = {
        { "Alerts: JSON schema v1", "alerts-json-schema-v1" },
        { "Alert latency through Redis (`build/redis_latency`)", "alert-latency-through-redis-buildredis_latency" },
        { "Calendar, splits and the command-line watchlist", "calendar-splits-and-the-command-line-watchlist" },
        { "2025-01-27, bundled session, `config/demo.json`", "2025-01-27-bundled-session-configdemojson" },
        { "Read this — then that", "read-this--then-that" },
        { "[Linked](other.md#x) text", "linked-text" },
        { "Café Über → µs", "café-über--µs" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *id = gh_slug(cases[i].heading, strlen(cases[i].heading));
        cr_expect_str_eq(id, cases[i].id, "heading \"%s\"", cases[i].heading);
        free(id);
    }
    strlist ids = { 0 };
    heading_ids("# Same\n## Same\n```\n# not a heading\n```\n### Same ###\n# Same-1\n", &ids);
    cr_assert_eq(ids.n, 4);
    cr_expect_str_eq(ids.v[0], "same");
    cr_expect_str_eq(ids.v[1], "same-1");
    cr_expect_str_eq(ids.v[2], "same-2");
    /* GitHub's slugger: "Same-1" is taken, so it becomes "same-1-1" */
    cr_expect_str_eq(ids.v[3], "same-1-1");
    sl_free(&ids);
}
