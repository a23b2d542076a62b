/* formula.c -- the formula parser: a tokenizer and a recursive-descent parser over the token
 * array (the grammar and its decisions are in gw_formula.h).
 *
 * Memory: every string and array of a parsed formula lives in a small arena owned by the
 * formula (one gw_malloc per piece, chained), so the many tiny pieces of a formula need no
 * individual bookkeeping and a failure half-way through releases everything in one walk.
 * Growable arrays double inside the arena; the abandoned copies stay until gw_formula_free,
 * which at most doubles a formula's footprint (formulas are small). */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_expr.h"
#include "gw_formula.h"
#include "io_int.h"

/* ---------------------------------------------------------------------------------------- */
/* Arena                                                                                     */

typedef struct ablk {
    struct ablk *next;
    max_align_t data[];
} ablk;

struct gw_formula {
    ablk *arena;
    char *text;
    gw_formula_factor response;
    int has_intercept;
    gw_formula_term *terms;
    size_t nterms;
    char **fe;
    size_t *fe_pos;
    size_t nfe;
    int has_iv;
    gw_formula_term *endog;
    size_t nendog;
    gw_formula_term *inst;
    size_t ninst;
    struct gw_expr **exprs; /* the GW_FF_EXPR factors' expressions (gw_expr_free each) */
    size_t nexpr, capexpr;
};

/* Returns size bytes owned by f's arena, or NULL (the caller reports GW_ENOMEM). */
static void *aalloc(gw_formula *f, size_t size)
{
    if (size > (size_t)-1 - sizeof(ablk))
        return NULL;
    ablk *b = gw_malloc(sizeof(ablk) + (size ? size : 1));
    if (b == NULL)
        return NULL;
    b->next = f->arena;
    f->arena = b;
    return b->data;
}

static char *astrndup(gw_formula *f, const char *s, size_t n)
{
    char *r = aalloc(f, n + 1);
    if (r != NULL) {
        memcpy(r, s, n);
        r[n] = '\0';
    }
    return r;
}

/* Grows the arena array *arr of *cap elements of size sz so that it holds at least need. */
static int agrow(gw_formula *f, void **arr, size_t *cap, size_t need, size_t sz)
{
    if (need <= *cap)
        return 1;
    size_t ncap = *cap ? *cap : 4;
    while (ncap < need)
        ncap *= 2;
    if (ncap > (size_t)-1 / sz)
        return 0;
    void *n = aalloc(f, ncap * sz);
    if (n == NULL)
        return 0;
    if (*cap)
        memcpy(n, *arr, *cap * sz);
    *arr = n;
    *cap = ncap;
    return 1;
}

/* ---------------------------------------------------------------------------------------- */
/* Caret lines                                                                               */

static int is_cont(unsigned char c) { return (c & 0xC0u) == 0x80u; }

/* Writes "  <text window>\n  <blanks>^" for byte offset pos of text[0..len) into buf. The
 * caret column counts characters, not bytes (UTF-8 continuation bytes take no column), so the
 * caret sits under multi-byte characters correctly on a UTF-8 terminal. */
static size_t caret_lines(const char *text, size_t len, size_t pos, char *buf, size_t size)
{
    size_t w = GW_FORMULA_CARET_WIDTH, start = 0, end = len, o = 0;
    if (size == 0)
        return 0;
    if (pos > len)
        pos = len;
    if (len > w) {
        start = pos > w / 2 ? pos - w / 2 : 0;
        end = start + w < len ? start + w : len;
        if (end - start < w && end == len)
            start = len > w ? len - w : 0;
        while (start > 0 && start < len && is_cont((unsigned char)text[start]))
            start++;
        while (end < len && is_cont((unsigned char)text[end]))
            end++;
        if (pos < start)
            pos = start;
    }
#define PUT(ch)                                                                                    \
    do {                                                                                           \
        if (o + 1 < size)                                                                          \
            buf[o++] = (char)(ch);                                                                 \
    } while (0)
    PUT(' ');
    PUT(' ');
    size_t col = 0;
    if (start > 0) {
        PUT('.');
        PUT('.');
        PUT('.');
        col += 3;
    }
    for (size_t i = start; i < end; i++) {
        unsigned char c = (unsigned char)text[i];
        PUT(c < 0x20u || c == 0x7Fu ? ' ' : c);
        if (i < pos && !is_cont(c))
            col++;
    }
    if (end < len) {
        PUT('.');
        PUT('.');
        PUT('.');
    }
    PUT('\n');
    PUT(' ');
    PUT(' ');
    for (size_t i = 0; i < col; i++)
        PUT(' ');
    PUT('^');
#undef PUT
    buf[o] = '\0';
    return o;
}

size_t gwi_caret_lines(const char *text, size_t len, size_t pos, char *buf, size_t size)
{
    return caret_lines(text, len, pos, buf, size);
}

/* Length of text without trailing white space: where "end of formula" points. */
static size_t trimmed_len(const char *text)
{
    size_t n = strlen(text);
    while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\n' ||
                     text[n - 1] == '\r' || text[n - 1] == '\v' || text[n - 1] == '\f'))
        n--;
    return n;
}

size_t gw_formula_caret(const gw_formula *f, size_t pos, char *buf, size_t size)
{
    return caret_lines(f->text, trimmed_len(f->text), pos, buf, size);
}

size_t gw_text_caret(const char *text, size_t pos, char *buf, size_t size)
{
    return caret_lines(text, trimmed_len(text), pos, buf, size);
}

/* ---------------------------------------------------------------------------------------- */
/* Tokens                                                                                    */

typedef enum {
    T_END,
    T_NAME,
    T_NUM,
    T_TILDE,
    T_PLUS,
    T_MINUS,
    T_STAR,
    T_COLON,
    T_CARET,
    T_LPAR,
    T_RPAR,
    T_BAR,
    T_OTHER, /* inside parentheses: an expression's operator or string (parse_expr_factor) */
    T_COMMA, /* the arguments of poly(), factor(x, ref = v), i(), l(), f(), d() */
    T_EQ,
    T_STR /* "text": a reference level; name holds the text without the quotes */
} tok_type;

typedef struct {
    tok_type type;
    size_t pos, len; /* bytes of the token in the text (backquotes included) */
    char *name;      /* T_NAME: the name (arena); T_NUM: its text */
} token;

typedef struct {
    gw_formula *f;
    const char *text;
    size_t len; /* trimmed length */
    token *toks;
    size_t ntok, cap, i;
    gw_formula_factor by; /* i(x, by): by, for parse_inter to append (var NULL: none) */
    int ranged;           /* l(x, k1:k2) or f(x, k1:k2) was parsed: parse_product expands it */
    long range_hi;        /* k2 */
    size_t range_pos;     /* where k1 is, for carets */
} parser;

/* Records a GW_ESYNTAX detail: the formatted reason, then the caret lines under pos. */
static gw_status syntax_error(const parser *ps, size_t pos, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static gw_status syntax_error(const parser *ps, size_t pos, const char *fmt, ...)
{
    char what[512], caret[2 * GW_FORMULA_CARET_WIDTH + 32];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    caret_lines(ps->text, ps->len, pos, caret, sizeof caret);
    return gwi_fail(GW_ESYNTAX, "%s\n%s", what, caret);
}

static int is_name_start(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '.';
}
static int is_name_char(int c) { return is_name_start(c) || (c >= '0' && c <= '9'); }
static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static gw_status push_tok(parser *ps, tok_type type, size_t pos, size_t len, char *name)
{
    if (!agrow(ps->f, (void **)&ps->toks, &ps->cap, ps->ntok + 1, sizeof(token)))
        return gwi_fail(GW_ENOMEM, "cannot allocate the formula's tokens");
    ps->toks[ps->ntok++] = (token){type, pos, len, name};
    return GW_OK;
}

/* Inside parentheses, the end of an expression's operator or quoted string starting at s[i]
 * (io/gw_expr.h: / < > = ! & , %in% "..." '...'), or i when s[i] is none of them. The
 * expression parser reads these again from the text; the formula only needs to skip them. */
static size_t expr_token_end(const char *s, size_t i, size_t n)
{
    char c = s[i];
    if (c == '"' || c == '\'') {
        size_t j = i + 1;
        while (j < n && s[j] != c)
            j++;
        return j < n ? j + 1 : n;
    }
    return strchr("/<>=!&,%", c) != NULL && c != '\0' ? i + 1 : i;
}

static gw_status tokenize(parser *ps)
{
    const char *s = ps->text;
    size_t i = 0, n = ps->len, depth = 0;
    gw_status rc = GW_OK;
    while (i < n && rc == GW_OK) {
        unsigned char c = (unsigned char)s[i];
        size_t j = i + 1;
        if (is_space(c)) {
            i++;
            continue;
        }
        if (is_name_start(c) || (c >= '0' && c <= '9')) {
            /* Numbers absorb trailing name characters so that "2x" or "1.5" is one token that
             * the parser rejects as a whole. */
            while (j < n && is_name_char((unsigned char)s[j]))
                j++;
            char *name = astrndup(ps->f, s + i, j - i);
            if (name == NULL)
                return gwi_fail(GW_ENOMEM, "cannot copy a name of the formula");
            rc = push_tok(ps, is_name_start(c) ? T_NAME : T_NUM, i, j - i, name);
        } else if (c == '`') {
            while (j < n && s[j] != '`')
                j++;
            if (j >= n)
                return syntax_error(ps, i, "unterminated backquoted name");
            if (j == i + 1)
                return syntax_error(ps, i, "empty backquoted name");
            char *name = astrndup(ps->f, s + i + 1, j - i - 1);
            if (name == NULL)
                return gwi_fail(GW_ENOMEM, "cannot copy a name of the formula");
            rc = push_tok(ps, T_NAME, i, j + 1 - i, name);
            j++;
        } else if (c == '"') {
            while (j < n && s[j] != '"')
                j++;
            if (j >= n)
                return syntax_error(ps, i, "unterminated string");
            char *text = astrndup(ps->f, s + i + 1, j - i - 1);
            if (text == NULL)
                return gwi_fail(GW_ENOMEM, "cannot copy a string of the formula");
            rc = push_tok(ps, T_STR, i, j + 1 - i, text);
            j++;
        } else {
            tok_type t;
            switch (c) {
            case '~':
                t = T_TILDE;
                break;
            case '+':
                t = T_PLUS;
                break;
            case '-':
                t = T_MINUS;
                break;
            case '*':
                t = T_STAR;
                break;
            case ':':
                t = T_COLON;
                break;
            case '^':
                t = T_CARET;
                break;
            case '(':
                t = T_LPAR;
                depth++;
                break;
            case ')':
                t = T_RPAR;
                depth -= depth > 0;
                break;
            case '|':
                t = depth > 0 ? T_OTHER : T_BAR;
                break;
            case ',':
                t = T_COMMA;
                break;
            case '=':
                t = T_EQ;
                break;
            default:
                if (depth > 0 && expr_token_end(s, i, n) > i) {
                    j = expr_token_end(s, i, n);
                    t = T_OTHER;
                    break;
                }
                if (c >= 0x21u && c < 0x7Fu)
                    return syntax_error(ps, i, "unexpected character '%c'", c);
                if (c >= 0xC0u) { /* a UTF-8 sequence: show it whole */
                    while (j < n && is_cont((unsigned char)s[j]) && j - i < 4)
                        j++;
                    return syntax_error(ps, i, "unexpected character '%.*s'", (int)(j - i), s + i);
                }
                return syntax_error(ps, i, "unexpected character (byte 0x%02X)", (unsigned)c);
            }
            rc = push_tok(ps, t, i, j - i, NULL);
        }
        i = j;
    }
    if (rc == GW_OK)
        rc = push_tok(ps, T_END, n, 0, NULL);
    return rc;
}

static const token *cur(const parser *ps) { return &ps->toks[ps->i]; }
static const token *peek(const parser *ps, size_t k)
{
    size_t j = ps->i + k;
    return &ps->toks[j < ps->ntok ? j : ps->ntok - 1];
}

/* Reports "<prefix> <the current token>", or "unexpected end of formula" at the end. */
static gw_status unexpected(const parser *ps, const char *what)
{
    const token *t = cur(ps);
    if (t->type == T_END)
        return syntax_error(ps, t->pos, "unexpected end of formula%s%s", what ? ": " : "",
                            what ? what : "");
    if (t->type == T_RPAR && what == NULL)
        return syntax_error(ps, t->pos, "unbalanced parenthesis: ')' without '('");
    return syntax_error(ps, t->pos, "unexpected '%.*s'%s%s", (int)(t->len < 40 ? t->len : 40),
                        ps->text + t->pos, what ? ": " : "", what ? what : "");
}

/* ---------------------------------------------------------------------------------------- */
/* Factors and terms                                                                         */

/* Parses "^ INT" after a variable or inside I(...). */
static gw_status parse_exponent(parser *ps, unsigned *k)
{
    const token *t = cur(ps);
    unsigned long v = 0;
    if (t->type == T_END)
        return unexpected(ps, "expected an integer exponent");
    if (t->type != T_NUM)
        return syntax_error(ps, t->pos, "the exponent must be an integer from 1 to %u",
                            GW_FORMULA_MAX_EXPONENT);
    for (size_t j = 0; j < t->len; j++) {
        char c = t->name[j];
        if (c < '0' || c > '9')
            return syntax_error(ps, t->pos, "the exponent must be an integer from 1 to %u",
                                GW_FORMULA_MAX_EXPONENT);
        if (v <= GW_FORMULA_MAX_EXPONENT)
            v = v * 10 + (unsigned long)(c - '0');
    }
    if (v < 1 || v > GW_FORMULA_MAX_EXPONENT)
        return syntax_error(ps, t->pos, "the exponent must be an integer from 1 to %u",
                            GW_FORMULA_MAX_EXPONENT);
    *k = (unsigned)v;
    ps->i++;
    return GW_OK;
}

static char *fmt_name(gw_formula *f, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static char *fmt_name(gw_formula *f, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *r = n < 0 ? NULL : aalloc(f, (size_t)n + 1);
    if (r != NULL)
        vsnprintf(r, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return r;
}

/* Expects the variable name inside "fname(": a plain name, not a call, number or ')'. */
static gw_status expect_var(parser *ps, const char *fname, const token **var)
{
    const token *t = cur(ps);
    if (t->type == T_NAME && peek(ps, 1)->type == T_LPAR)
        return syntax_error(ps, t->pos, "function calls cannot be nested: %s() takes a variable",
                            fname);
    if (t->type != T_NAME) {
        if (t->type == T_END)
            return unexpected(ps, "missing ')'");
        return syntax_error(ps, t->pos, "expected a variable name inside %s()", fname);
    }
    *var = t;
    ps->i++;
    return GW_OK;
}

static gw_status expect_rpar(parser *ps, size_t lpar_pos)
{
    const token *t = cur(ps);
    if (t->type == T_RPAR) {
        ps->i++;
        return GW_OK;
    }
    if (t->type == T_END)
        return syntax_error(ps, t->pos,
                            "unexpected end of formula: unbalanced parenthesis, the '(' at "
                            "column %zu is not closed",
                            lpar_pos + 1);
    return syntax_error(ps, t->pos, "expected ')' to close the '(' at column %zu", lpar_pos + 1);
}

/* ---------------------------------------------------------------------------------------- */
/* Factors with arithmetic inside (GW_FF_EXPR): kept apart from the rest of the grammar.     */

/* 1 when the call at the current token (FUNC or I, then "(") has the forms the formula parses
 * itself: FUNC(VAR), and I(VAR^INT) with a decimal integer (whose range parse_exponent checks,
 * as before); anything else inside is an expression. */
static int simple_call(const parser *ps, gw_ffkind kind)
{
    tok_type a = peek(ps, 2)->type;
    if (a == T_END || a == T_RPAR) /* "log(" and "log()": the messages of expect_var */
        return 1;
    if (a != T_NAME)
        return 0;
    if (kind == GW_FF_FUNC)
        return peek(ps, 3)->type == T_RPAR;
    const token *k = peek(ps, 4);
    if (peek(ps, 3)->type != T_CARET || k->type != T_NUM || peek(ps, 5)->type != T_RPAR)
        return 0;
    for (size_t j = 0; j < k->len; j++)
        if (k->name[j] < '0' || k->name[j] > '9')
            return 0;
    return 1;
}

/* The name of text[b..e): its characters without white space, except inside quotes. */
static char *expr_name(gw_formula *f, const char *text, size_t b, size_t e)
{
    char *r = aalloc(f, e - b + 1), quote = 0;
    size_t o = 0;
    if (r == NULL)
        return NULL;
    for (size_t i = b; i < e; i++) {
        char c = text[i];
        if (quote == 0 && (c == '"' || c == '\'' || c == '`'))
            quote = c;
        else if (c == quote)
            quote = 0;
        if (quote != 0 || c == quote || !is_space((unsigned char)c))
            r[o++] = c;
    }
    r[o] = '\0';
    return r;
}

/* FUNC "(" EXPR ")" or "I(" EXPR ")" at the current token, into ff (kind and func set by the
 * caller): finds the matching ")", hands the text to the expression parser (its errors carry
 * the formula and a caret) and keeps the expression in the formula. */
static gw_status parse_expr_factor(parser *ps, gw_formula_factor *ff)
{
    gw_formula *f = ps->f;
    const token *fn = cur(ps), *lpar = peek(ps, 1);
    size_t k = ps->i + 2, depth = 1;
    for (; k < ps->ntok && ps->toks[k].type != T_END; k++) {
        depth += ps->toks[k].type == T_LPAR;
        depth -= ps->toks[k].type == T_RPAR;
        if (depth == 0)
            break;
    }
    if (k >= ps->ntok || ps->toks[k].type == T_END)
        return syntax_error(ps, ps->len,
                            "unexpected end of formula: unbalanced parenthesis, the '(' at "
                            "column %zu is not closed",
                            lpar->pos + 1);
    const token *rpar = &ps->toks[k];
    int is_i = ff->kind == GW_FF_I_POWER;
    size_t b = is_i ? lpar->pos + 1 : fn->pos, e = is_i ? rpar->pos : rpar->pos + 1;
    struct gw_expr *x = NULL;
    if (!agrow(f, (void **)&f->exprs, &f->capexpr, f->nexpr + 1, sizeof *f->exprs))
        return gwi_fail(GW_ENOMEM, "cannot allocate a formula's expressions");
    gw_status rc = gwi_expr_parse_range(ps->text, b, e, "formula", &x);
    if (rc != GW_OK)
        return rc;
    f->exprs[f->nexpr++] = x;
    if (gw_expr_nvars(x) == 0)
        return syntax_error(ps, fn->pos, "'%.*s' reads no variable",
                            (int)(rpar->pos + 1 - fn->pos < 60 ? rpar->pos + 1 - fn->pos : 60),
                            ps->text + fn->pos);
    ff->kind = GW_FF_EXPR;
    ff->expr = x;
    ff->var = (char *)(uintptr_t)gw_expr_var(x, 0); /* owned by x, freed with the formula */
    ff->pos = gw_expr_var_pos(x, 0);
    ff->name = expr_name(f, ps->text, fn->pos, rpar->pos + 1);
    if (ff->name == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate a factor's name");
    ps->i = k + 1;
    if (cur(ps)->type == T_CARET)
        return syntax_error(ps, cur(ps)->pos,
                            "'^' cannot follow a function call (write I(x^2) for a power)");
    return GW_OK;
}

/* The calls poly(), factor(x, ref = v), i(), l(), f(), d() (issue 19): arguments after the    */
/* variable, parsed apart from the one-variable calls above so that both can grow.           */

/* 1 when fn is one of these calls (factor only with arguments after its variable). */
static int is_arg_call(const parser *ps, const char *fn)
{
    if (strcmp(fn, "factor") == 0)
        return peek(ps, 3)->type == T_COMMA;
    return strcmp(fn, "poly") == 0 || strcmp(fn, "i") == 0 || strcmp(fn, "l") == 0 ||
           strcmp(fn, "f") == 0 || strcmp(fn, "d") == 0;
}

/* A number token, optionally after "-": *v and its text (the shortest round-trip form). */
static gw_status parse_number(parser *ps, const char *what, double *v, char **text)
{
    int neg = cur(ps)->type == T_MINUS;
    const token *t = peek(ps, (size_t)neg);
    char *end = NULL, num[32];
    if (t->type == T_END)
        return unexpected(ps, what);
    double x = t->type == T_NUM ? strtod(t->name, &end) : 0.0;
    if (t->type != T_NUM || end == NULL || *end != '\0' || !isfinite(x))
        return syntax_error(ps, t->pos, "%s", what);
    x = neg ? -x : x;
    ps->i += (size_t)neg + 1;
    *v = x;
    if (text != NULL) {
        gwi_fmt_shortest(x == 0.0 ? 0.0 : x, num, sizeof num);
        if ((*text = astrndup(ps->f, num, strlen(num))) == NULL)
            return gwi_fail(GW_ENOMEM, "cannot copy a number of the formula");
    }
    return GW_OK;
}

/* An integer argument in [lo, hi] (a lag, a degree). */
static gw_status parse_int_arg(parser *ps, long lo, long hi, const char *what, long *k)
{
    size_t pos = cur(ps)->pos;
    double v = 0.0;
    char msg[96];
    snprintf(msg, sizeof msg, "%s must be an integer from %ld to %ld", what, lo, hi);
    gw_status rc = parse_number(ps, msg, &v, NULL);
    if (rc != GW_OK)
        return rc;
    if (v != floor(v) || v < (double)lo || v > (double)hi)
        return syntax_error(ps, pos, "%s", msg);
    *k = (long)v;
    return GW_OK;
}

/* ref = VALUE | ref = c(VALUE, ...), VALUE a number or a "string", into ff->refs. */
static gw_status parse_refs(parser *ps, gw_formula_factor *ff, int many)
{
    size_t cap = 0;
    int list =
        cur(ps)->type == T_NAME && strcmp(cur(ps)->name, "c") == 0 && peek(ps, 1)->type == T_LPAR;
    size_t lpar = list ? peek(ps, 1)->pos : 0;
    if (list && !many)
        return syntax_error(ps, cur(ps)->pos, "factor() takes one reference level");
    ps->i += list ? 2u : 0u;
    for (;;) {
        gw_formula_ref r = {NULL, 0, cur(ps)->pos};
        double v = 0.0;
        gw_status rc = GW_OK;
        if (cur(ps)->type == T_STR) {
            r.text = cur(ps)->name;
            r.is_str = 1;
            ps->i++;
        } else {
            rc = parse_number(ps, "a reference level is a number or a \"string\"", &v, &r.text);
        }
        if (rc != GW_OK)
            return rc;
        if (!agrow(ps->f, (void **)&ff->refs, &cap, ff->nref + 1, sizeof *ff->refs))
            return gwi_fail(GW_ENOMEM, "cannot allocate the reference levels");
        ff->refs[ff->nref++] = r;
        if (!list || cur(ps)->type != T_COMMA)
            break;
        ps->i++;
    }
    return list ? expect_rpar(ps, lpar) : GW_OK;
}

/* The name of ff's reference levels: "", ",ref=2015", ",ref=c(-1,-5)", ",ref=\"a\"". */
static char *refs_text(gw_formula *f, const gw_formula_factor *ff)
{
    size_t len = 16;
    for (size_t k = 0; k < ff->nref; k++)
        len += strlen(ff->refs[k].text) + 3;
    char *s = aalloc(f, len);
    if (s == NULL)
        return NULL;
    s[0] = '\0';
    if (ff->nref == 0)
        return s;
    strcat(s, ff->nref > 1 ? ",ref=c(" : ",ref=");
    for (size_t k = 0; k < ff->nref; k++) {
        if (k > 0)
            strcat(s, ",");
        if (ff->refs[k].is_str)
            strcat(s, "\"");
        strcat(s, ff->refs[k].text);
        if (ff->refs[k].is_str)
            strcat(s, "\"");
    }
    if (ff->nref > 1)
        strcat(s, ")");
    return s;
}

/* "NAME =" of a named argument, or 0 when the next argument is not named so. */
static int named_arg(const parser *ps, const char *name)
{
    return cur(ps)->type == T_NAME && strcmp(cur(ps)->name, name) == 0 && peek(ps, 1)->type == T_EQ;
}

/* The arguments after the variable of poly(), factor(), i(), l(), f(), d(), up to the ')'.
 * by: i()'s second variable (by->var stays NULL without one). */
static gw_status parse_call_args(parser *ps, const char *fn, gw_formula_factor *ff,
                                 gw_formula_factor *by)
{
    gw_status rc = GW_OK;
    long k = 1;
    size_t nargs = 0;
    for (; cur(ps)->type == T_COMMA && rc == GW_OK; nargs++) {
        ps->i++;
        const token *t = cur(ps);
        if (ff->kind == GW_FF_POLY && nargs == 0) {
            rc = parse_int_arg(ps, 1, GW_FORMULA_MAX_EXPONENT, "the degree of poly()", &k);
            ff->exponent = (unsigned)k;
        } else if (ff->kind == GW_FF_POLY && named_arg(ps, "raw")) {
            ps->i += 2;
            t = cur(ps);
            if (t->type != T_NAME || (strcmp(t->name, "TRUE") != 0 && strcmp(t->name, "T") != 0 &&
                                      strcmp(t->name, "FALSE") != 0 && strcmp(t->name, "F") != 0))
                return syntax_error(ps, t->pos, "raw = takes TRUE or FALSE");
            ff->raw = t->name[0] == 'T';
            ps->i++;
        } else if ((ff->kind == GW_FF_FACTOR || ff->kind == GW_FF_I) && named_arg(ps, "ref") &&
                   ff->nref == 0) {
            ps->i += 2;
            rc = parse_refs(ps, ff, ff->kind == GW_FF_I);
        } else if (ff->kind == GW_FF_I && nargs == 0 && t->type == T_NAME &&
                   peek(ps, 1)->type != T_EQ) {
            const token *v = NULL;
            if ((rc = expect_var(ps, "i", &v)) == GW_OK)
                *by = (gw_formula_factor){.kind = GW_FF_I_BY,
                                          .exponent = 1,
                                          .var = v->name,
                                          .name = v->name,
                                          .pos = v->pos};
        } else if (ff->kind == GW_FF_LAG && nargs == 0) {
            rc = parse_int_arg(ps, ff->diff ? 1 : -1000000, 1000000,
                               ff->diff ? "the lag of d()" : "the lag", &k);
            ff->lag = fn[0] == 'f' ? -k : k;
            if (rc == GW_OK && cur(ps)->type == T_COLON && ff->diff)
                return syntax_error(ps, cur(ps)->pos, "d() takes one lag, not a range");
            if (rc == GW_OK && cur(ps)->type == T_COLON) { /* l(x, 1:3) */
                size_t pos = t->pos;
                long hi = 0;
                ps->i++;
                if ((rc = parse_int_arg(ps, k, k + GW_FORMULA_MAX_LAGS - 1,
                                        "the end of the range of lags", &hi)) != GW_OK)
                    return rc;
                ps->ranged = 1;
                ps->range_hi = hi;
                ps->range_pos = pos;
            }
        } else {
            return syntax_error(ps, t->pos, "unexpected argument of %s()", fn);
        }
    }
    if (rc == GW_OK && ff->kind == GW_FF_POLY && ff->exponent == 0 && cur(ps)->type == T_RPAR)
        return syntax_error(ps, cur(ps)->pos, "poly() needs a degree: poly(%s, d)", ff->var);
    return rc;
}

/* The factor's name once its arguments are known (white space removed, numbers written in
 * their shortest form). */
static char *call_name(gw_formula *f, const char *fn, const gw_formula_factor *ff,
                       const gw_formula_factor *by)
{
    char *refs = refs_text(f, ff);
    if (refs == NULL)
        return NULL;
    switch (ff->kind) {
    case GW_FF_POLY:
        return fmt_name(f, "poly(%s,%u%s)", ff->var, ff->exponent, ff->raw ? ",raw=TRUE" : "");
    case GW_FF_I:
        return fmt_name(f, "i(%s%s%s%s)", ff->var, by->var ? "," : "", by->var ? by->var : "",
                        refs);
    case GW_FF_LAG:
        if (ff->diff)
            return ff->lag == 1 ? fmt_name(f, "d(%s)", ff->var)
                                : fmt_name(f, "d(%s,%ld)", ff->var, ff->lag);
        return fmt_name(f, "%s(%s,%ld)", fn, ff->var, fn[0] == 'f' ? -ff->lag : ff->lag);
    default: /* factor(x, ref = v) keeps the name of factor(x): its dummies are factor(x)=L */
        return fmt_name(f, "factor(%s)", ff->var);
    }
}

/* fn "(" VAR { "," argument } ")" for the calls of is_arg_call; *by receives i()'s second
 * variable as a factor of its own (kind GW_FF_I_BY, var NULL when there is none). */
static gw_status parse_arg_call(parser *ps, int response, gw_formula_factor *ff,
                                gw_formula_factor *by)
{
    const token *t = cur(ps), *var = NULL;
    const char *fn = t->name;
    size_t lpar = peek(ps, 1)->pos;
    gw_status rc;
    memset(by, 0, sizeof *by);
    ff->kind = fn[0] == 'p'   ? GW_FF_POLY
               : fn[1] == 'a' ? GW_FF_FACTOR
               : fn[0] == 'i' ? GW_FF_I
                              : GW_FF_LAG;
    ff->exponent = ff->kind == GW_FF_POLY ? 0 : 1;
    ff->diff = fn[0] == 'd';
    ff->lag = fn[0] == 'f' ? -1 : 1;
    if (response && ff->kind != GW_FF_LAG)
        return syntax_error(ps, t->pos, "the response cannot be %s(...)", fn);
    ps->i += 2;
    if ((rc = expect_var(ps, fn, &var)) != GW_OK)
        return rc;
    ff->var = var->name;
    ff->pos = var->pos;
    if ((rc = parse_call_args(ps, fn, ff, by)) != GW_OK || (rc = expect_rpar(ps, lpar)) != GW_OK)
        return rc;
    if (cur(ps)->type == T_CARET)
        return syntax_error(ps, cur(ps)->pos,
                            "'^' cannot follow a function call (write I(x^2) for a power)");
    if ((ff->name = call_name(ps->f, fn, ff, by)) == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate a factor's name");
    return GW_OK;
}

/* poly() and i() stand alone in their term (i(x, by) is its own interaction): "x:poly(x, 2)"
 * has no meaning goodwork gives it. */
static gw_status check_alone(const parser *ps, const gw_formula_term *t)
{
    size_t units = t->nfactors, at = SIZE_MAX;
    for (size_t j = 0; j < t->nfactors; j++) {
        gw_ffkind k = t->factors[j].kind;
        units -= k == GW_FF_I_BY;
        if ((k == GW_FF_POLY || k == GW_FF_I) && at == SIZE_MAX)
            at = j;
    }
    if (at == SIZE_MAX || units == 1)
        return GW_OK;
    return syntax_error(ps, t->factors[at].pos, "%s cannot be part of an interaction",
                        t->factors[at].kind == GW_FF_POLY ? "poly()"
                                                          : "i() (write i(x, by) for a product)");
}

/* Parses one factor into *ff. response: the response's position (no factor(VAR)). */
static gw_status parse_factor(parser *ps, int response, gw_formula_factor *ff)
{
    gw_formula *f = ps->f;
    const token *t = cur(ps);
    gw_status rc = GW_OK;
    memset(ff, 0, sizeof *ff);
    ff->exponent = 1;
    if (t->type != T_NAME) {
        if (t->type == T_LPAR)
            return syntax_error(ps, t->pos,
                                "parentheses may only follow a function name (log, exp, sqrt, "
                                "abs, I, factor)");
        if (t->type == T_RPAR)
            return syntax_error(ps, t->pos, "unbalanced parenthesis: ')' without '('");
        if (t->type == T_END)
            return unexpected(ps, NULL);
        if (t->type == T_TILDE && response)
            return syntax_error(ps, t->pos, "expected the response before '~'");
        return syntax_error(ps, t->pos, "expected a variable, found '%.*s'",
                            (int)(t->len < 40 ? t->len : 40), ps->text + t->pos);
    }
    if (peek(ps, 1)->type == T_LPAR) {
        const char *fn = t->name;
        const token *var = NULL;
        size_t lpar = peek(ps, 1)->pos;
        if (is_arg_call(ps, fn))
            return parse_arg_call(ps, response, ff, &ps->by);
        if (strcmp(fn, "log") == 0 || strcmp(fn, "exp") == 0 || strcmp(fn, "sqrt") == 0 ||
            strcmp(fn, "abs") == 0) {
            ff->kind = GW_FF_FUNC;
            ff->func = fn[0] == 'l'   ? GW_FN_LOG
                       : fn[0] == 'e' ? GW_FN_EXP
                       : fn[0] == 's' ? GW_FN_SQRT
                                      : GW_FN_ABS;
        } else if (strcmp(fn, "I") == 0) {
            ff->kind = GW_FF_I_POWER;
        } else if (strcmp(fn, "factor") == 0) {
            if (response)
                return syntax_error(ps, t->pos, "the response cannot be factor(...)");
            ff->kind = GW_FF_FACTOR;
        } else {
            return syntax_error(ps, t->pos,
                                "unknown function '%.40s' (known: log, exp, sqrt, abs, I, "
                                "factor, poly, i, l, f, d)",
                                fn);
        }
        if (ff->kind != GW_FF_FACTOR && !simple_call(ps, ff->kind))
            return parse_expr_factor(ps, ff);
        ps->i += 2;
        if ((rc = expect_var(ps, fn, &var)) != GW_OK)
            return rc;
        ff->var = var->name;
        ff->pos = var->pos;
        if (ff->kind == GW_FF_I_POWER) {
            if (cur(ps)->type != T_CARET) {
                if (cur(ps)->type == T_END)
                    return unexpected(ps, "missing '^' and ')'");
                return syntax_error(ps, cur(ps)->pos, "I() takes a power: I(%s^k)", var->name);
            }
            ps->i++;
            if ((rc = parse_exponent(ps, &ff->exponent)) != GW_OK)
                return rc;
        }
        if ((rc = expect_rpar(ps, lpar)) != GW_OK)
            return rc;
        if (cur(ps)->type == T_CARET)
            return syntax_error(ps, cur(ps)->pos,
                                "'^' cannot follow a function call (write I(x^2) for a power)");
        if (ff->kind == GW_FF_FUNC)
            ff->name = fmt_name(f, "%s(%s)", fn, ff->var);
        else if (ff->kind == GW_FF_I_POWER)
            ff->name = fmt_name(f, "I(%s^%u)", ff->var, ff->exponent);
        else
            ff->name = fmt_name(f, "factor(%s)", ff->var);
    } else {
        ff->kind = GW_FF_VAR;
        ff->var = t->name;
        ff->pos = t->pos;
        ps->i++;
        if (cur(ps)->type == T_CARET) {
            ps->i++;
            if ((rc = parse_exponent(ps, &ff->exponent)) != GW_OK)
                return rc;
            ff->kind = GW_FF_POWER;
            ff->name = fmt_name(f, "%s^%u", ff->var, ff->exponent);
        } else {
            ff->name = ff->var;
        }
    }
    if (ff->name == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate a factor's name");
    return GW_OK;
}

/* A growable list of terms in the arena. */
typedef struct {
    gw_formula_term *v;
    size_t n, cap;
} term_list;

static int has_factor(const gw_formula_term *t, const char *name)
{
    for (size_t j = 0; j < t->nfactors; j++)
        if (strcmp(t->factors[j].name, name) == 0)
            return 1;
    return 0;
}

/* Two terms are the same when they hold the same set of factors (factors within a term are
 * distinct, so equal counts and inclusion suffice). */
static int same_term(const gw_formula_term *a, const gw_formula_term *b)
{
    if (a->nfactors != b->nfactors)
        return 0;
    for (size_t j = 0; j < a->nfactors; j++)
        if (!has_factor(b, a->factors[j].name))
            return 0;
    return 1;
}

static ptrdiff_t find_term(const term_list *l, const gw_formula_term *t)
{
    for (size_t k = 0; k < l->n; k++)
        if (same_term(&l->v[k], t))
            return (ptrdiff_t)k;
    return -1;
}

/* Appends t unless an equal term is already there. */
static gw_status add_term(gw_formula *f, term_list *l, const gw_formula_term *t)
{
    if (find_term(l, t) >= 0)
        return GW_OK;
    if (!agrow(f, (void **)&l->v, &l->cap, l->n + 1, sizeof *l->v))
        return gwi_fail(GW_ENOMEM, "cannot allocate the formula's terms");
    l->v[l->n++] = *t;
    return GW_OK;
}

/* Builds the term made of the factors of the operands selected by idx[0..s) (a product of
 * ":"-groups), dropping repeated factors, and names it. */
static gw_status merge_term(gw_formula *f, const gw_formula_term *ops, const size_t *idx, size_t s,
                            gw_formula_term *out)
{
    size_t m = 0, namelen = 0;
    for (size_t a = 0; a < s; a++)
        m += ops[idx[a]].nfactors;
    gw_formula_factor *fs = aalloc(f, m * sizeof *fs);
    if (fs == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate a term");
    gw_formula_term t = {NULL, 0, fs, ops[idx[0]].pos};
    for (size_t a = 0; a < s; a++)
        for (size_t j = 0; j < ops[idx[a]].nfactors; j++) {
            const gw_formula_factor *ff = &ops[idx[a]].factors[j];
            if (!has_factor(&t, ff->name)) {
                fs[t.nfactors++] = *ff;
                namelen += strlen(ff->name) + 1;
            }
        }
    t.name = aalloc(f, namelen);
    if (t.name == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate a term's name");
    size_t o = 0;
    for (size_t j = 0; j < t.nfactors; j++) {
        size_t l = strlen(fs[j].name);
        if (j > 0)
            t.name[o++] = ':';
        memcpy(t.name + o, fs[j].name, l);
        o += l;
    }
    t.name[o] = '\0';
    *out = t;
    return GW_OK;
}

/* inter := factor { ":" factor }, as a term (possibly with repeated factors; merge_term
 * removes them). */
static gw_status parse_inter(parser *ps, gw_formula_term *out)
{
    gw_formula *f = ps->f;
    gw_formula_factor *fs = NULL;
    size_t n = 0, cap = 0;
    gw_status rc;
    for (;;) {
        if (!agrow(f, (void **)&fs, &cap, n + 1, sizeof *fs))
            return gwi_fail(GW_ENOMEM, "cannot allocate a term");
        if ((rc = parse_factor(ps, 0, &fs[n])) != GW_OK)
            return rc;
        n++;
        if (ps->by.var != NULL) { /* i(x, by): by is a factor of the same term */
            if (!agrow(f, (void **)&fs, &cap, n + 1, sizeof *fs))
                return gwi_fail(GW_ENOMEM, "cannot allocate a term");
            fs[n++] = ps->by;
            ps->by.var = NULL;
        }
        if (cur(ps)->type != T_COLON)
            break;
        ps->i++;
    }
    *out = (gw_formula_term){NULL, n, fs, fs[0].pos};
    return GW_OK;
}

/* l(x, k1:k2) standing alone as a term: the terms l(x,k1), ..., l(x,k2) (f(): f(x,k1), ...). */
static gw_status expand_lag_range(parser *ps, const gw_formula_term *ops, size_t k, term_list *l)
{
    ps->ranged = 0;
    if (k != 1 || ops[0].nfactors != 1)
        return syntax_error(ps, ps->range_pos,
                            "a range of lags must stand alone as a term (write l(x, 1) + "
                            "l(x, 2):z)");
    const gw_formula_factor *ff = &ops[0].factors[0];
    int lead = ff->name[0] == 'f';
    long k1 = lead ? -ff->lag : ff->lag;
    for (long j = k1; j <= ps->range_hi; j++) {
        gw_formula_factor *one = aalloc(ps->f, sizeof *one);
        if (one == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate a lag");
        *one = *ff;
        one->lag = lead ? -j : j;
        one->name = fmt_name(ps->f, "%c(%s,%ld)", lead ? 'f' : 'l', ff->var, j);
        if (one->name == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate a lag's name");
        gw_formula_term t = {one->name, 1, one, ops[0].pos};
        gw_status rc = add_term(ps->f, l, &t);
        if (rc != GW_OK)
            return rc;
    }
    return GW_OK;
}

/* term := inter { "*" inter }, expanded into every non-empty subset of the operands, by size
 * then in lexicographic order of operand positions (a, b, c, a:b, a:c, b:c, a:b:c), each
 * appended to l. */
static gw_status parse_product(parser *ps, term_list *l)
{
    gw_formula_term ops[GW_FORMULA_MAX_STAR];
    size_t k = 0, idx[GW_FORMULA_MAX_STAR];
    gw_status rc;
    for (;;) {
        if (k == GW_FORMULA_MAX_STAR)
            return syntax_error(ps, cur(ps)->pos, "too many '*' operands in one term (at most %d)",
                                GW_FORMULA_MAX_STAR);
        if ((rc = parse_inter(ps, &ops[k])) != GW_OK)
            return rc;
        k++;
        if (cur(ps)->type != T_STAR)
            break;
        ps->i++;
    }
    if (ps->ranged)
        return expand_lag_range(ps, ops, k, l);
    for (size_t s = 1; s <= k; s++) {
        for (size_t a = 0; a < s; a++)
            idx[a] = a;
        for (;;) {
            gw_formula_term t;
            if ((rc = merge_term(ps->f, ops, idx, s, &t)) != GW_OK ||
                (rc = check_alone(ps, &t)) != GW_OK)
                return rc;
            if ((rc = add_term(ps->f, l, &t)) != GW_OK)
                return rc;
            /* Next combination of s out of k in lexicographic order. */
            size_t a = s;
            while (a > 0 && idx[a - 1] == k - s + a - 1)
                a--;
            if (a == 0)
                break;
            idx[a - 1]++;
            for (size_t b = a; b < s; b++)
                idx[b] = idx[b - 1] + 1;
        }
    }
    return GW_OK;
}

static int ends_part(tok_type t) { return t == T_PLUS || t == T_MINUS || t == T_BAR || t == T_END; }

/* rhs := [sign] term { ("+" | "-") term }, with "0" and "1" as intercept switches. */
static gw_status parse_rhs(parser *ps, term_list *keep)
{
    gw_formula *f = ps->f;
    term_list drop = {NULL, 0, 0};
    int minus = 0;
    gw_status rc;
    f->has_intercept = 1;
    if (cur(ps)->type == T_PLUS || cur(ps)->type == T_MINUS) {
        minus = cur(ps)->type == T_MINUS;
        ps->i++;
    }
    for (;;) {
        const token *t = cur(ps);
        if (t->type == T_NUM && (strcmp(t->name, "0") == 0 || strcmp(t->name, "1") == 0)) {
            int one = t->name[0] == '1';
            ps->i++;
            if (!ends_part(cur(ps)->type) && cur(ps)->type != T_TILDE)
                return syntax_error(ps, cur(ps)->pos, "unexpected '%.*s' after '%c'",
                                    (int)(cur(ps)->len < 40 ? cur(ps)->len : 40),
                                    ps->text + cur(ps)->pos, one ? '1' : '0');
            f->has_intercept = one != minus;
        } else if (t->type == T_NUM) {
            return syntax_error(ps, t->pos, "a number cannot stand as a term (only 0 or 1 can)");
        } else if ((rc = parse_product(ps, minus ? &drop : keep)) != GW_OK) {
            return rc;
        }
        if (cur(ps)->type != T_PLUS && cur(ps)->type != T_MINUS)
            break;
        minus = cur(ps)->type == T_MINUS;
        ps->i++;
    }
    /* Removals apply to the whole rhs, as in R. */
    size_t o = 0;
    for (size_t k = 0; k < keep->n; k++)
        if (find_term(&drop, &keep->v[k]) < 0)
            keep->v[o++] = keep->v[k];
    keep->n = o;
    return GW_OK;
}

/* A list of terms joined by "+" (the IV parts). */
static gw_status parse_plus_list(parser *ps, term_list *l, const char *what)
{
    gw_status rc;
    for (;;) {
        const token *t = cur(ps);
        if (t->type == T_NUM)
            return syntax_error(ps, t->pos, "a number cannot stand as %s", what);
        if ((rc = parse_product(ps, l)) != GW_OK)
            return rc;
        if (cur(ps)->type == T_MINUS)
            return syntax_error(ps, cur(ps)->pos, "'-' is not allowed in the IV part");
        if (cur(ps)->type != T_PLUS)
            return GW_OK;
        ps->i++;
    }
}

/* fixed_effects := VAR { "+" VAR } | "0". */
static gw_status parse_fe(parser *ps)
{
    gw_formula *f = ps->f;
    size_t cap = 0, pcap = 0;
    const token *t = cur(ps);
    if (t->type == T_NUM && strcmp(t->name, "0") == 0 &&
        (peek(ps, 1)->type == T_BAR || peek(ps, 1)->type == T_END)) {
        ps->i++;
        return GW_OK;
    }
    if (t->type == T_BAR || t->type == T_END)
        return syntax_error(ps, t->pos, "empty fixed-effects part after '|'");
    for (;;) {
        t = cur(ps);
        if (t->type == T_END)
            return unexpected(ps, "expected a fixed-effect variable");
        if (t->type != T_NAME)
            return syntax_error(ps, t->pos, "expected a fixed-effect variable, found '%.*s'",
                                (int)(t->len < 40 ? t->len : 40), ps->text + t->pos);
        if (peek(ps, 1)->type == T_LPAR)
            return syntax_error(ps, t->pos, "fixed effects must be plain variable names");
        int dup = 0;
        for (size_t k = 0; k < f->nfe; k++)
            dup |= strcmp(f->fe[k], t->name) == 0;
        if (!dup) {
            if (!agrow(f, (void **)&f->fe, &cap, f->nfe + 1, sizeof *f->fe) ||
                !agrow(f, (void **)&f->fe_pos, &pcap, f->nfe + 1, sizeof *f->fe_pos))
                return gwi_fail(GW_ENOMEM, "cannot allocate the fixed effects");
            f->fe[f->nfe] = t->name;
            f->fe_pos[f->nfe++] = t->pos;
        }
        ps->i++;
        if (cur(ps)->type != T_PLUS)
            break;
        ps->i++;
    }
    t = cur(ps);
    if (t->type != T_BAR && t->type != T_END)
        return syntax_error(ps, t->pos,
                            "fixed effects are plain variables joined by '+', found '%.*s'",
                            (int)(t->len < 40 ? t->len : 40), ps->text + t->pos);
    return GW_OK;
}

/* endogenous "~" instruments. */
static gw_status parse_iv(parser *ps)
{
    gw_formula *f = ps->f;
    term_list en = {NULL, 0, 0}, in = {NULL, 0, 0};
    gw_status rc;
    if (cur(ps)->type == T_TILDE)
        return syntax_error(ps, cur(ps)->pos, "expected the endogenous variables before '~'");
    if ((rc = parse_plus_list(ps, &en, "an endogenous term")) != GW_OK)
        return rc;
    if (cur(ps)->type != T_TILDE)
        return unexpected(ps, "expected '~' between the endogenous variables and the instruments");
    ps->i++;
    if ((rc = parse_plus_list(ps, &in, "an instrument")) != GW_OK)
        return rc;
    if (cur(ps)->type == T_TILDE)
        return syntax_error(ps, cur(ps)->pos, "a second '~' in the IV part");
    for (size_t k = 0; k < en.n; k++) {
        for (size_t j = 0; j < f->nterms; j++)
            if (same_term(&en.v[k], &f->terms[j]))
                return syntax_error(ps, en.v[k].pos,
                                    "'%.200s' is both an exogenous regressor and endogenous",
                                    en.v[k].name);
    }
    f->has_iv = 1;
    f->endog = en.v;
    f->nendog = en.n;
    f->inst = in.v;
    f->ninst = in.n;
    return GW_OK;
}

/* The part after a "|" is the IV part when it holds a "~" before the next "|". */
static int part_has_tilde(const parser *ps)
{
    for (size_t j = ps->i; j < ps->ntok; j++) {
        if (ps->toks[j].type == T_TILDE)
            return 1;
        if (ps->toks[j].type == T_BAR || ps->toks[j].type == T_END)
            return 0;
    }
    return 0;
}

static gw_status parse_formula(parser *ps)
{
    gw_formula *f = ps->f;
    term_list main = {NULL, 0, 0};
    gw_status rc;
    if ((rc = parse_factor(ps, 1, &f->response)) != GW_OK)
        return rc;
    if (ps->ranged)
        return syntax_error(ps, ps->range_pos, "the response cannot be a range of lags");
    if (cur(ps)->type != T_TILDE) {
        if (cur(ps)->type == T_END)
            return syntax_error(ps, cur(ps)->pos, "missing '~' after the response");
        return syntax_error(ps, cur(ps)->pos,
                            "expected '~' after the response (the response is one variable "
                            "or transform), found '%.*s'",
                            (int)(cur(ps)->len < 40 ? cur(ps)->len : 40), ps->text + cur(ps)->pos);
    }
    ps->i++;
    if ((rc = parse_rhs(ps, &main)) != GW_OK)
        return rc;
    f->terms = main.v;
    f->nterms = main.n;
    if (cur(ps)->type == T_TILDE)
        return syntax_error(ps, cur(ps)->pos,
                            "a second '~' in the model part (an IV part goes after '|': "
                            "y ~ x | d ~ z)");
    for (int part = 1; cur(ps)->type == T_BAR; part++) {
        size_t barpos = cur(ps)->pos;
        if (part > 2)
            return syntax_error(ps, barpos, "too many '|' parts (at most: fixed effects, then IV)");
        if (f->has_iv)
            return syntax_error(ps, barpos, "the IV part must come last");
        ps->i++;
        if (part_has_tilde(ps))
            rc = parse_iv(ps);
        else if (part == 2)
            return syntax_error(ps, cur(ps)->pos,
                                "the part after the fixed effects must be 'endogenous ~ "
                                "instruments'");
        else
            rc = parse_fe(ps);
        if (rc != GW_OK)
            return rc;
    }
    if (cur(ps)->type != T_END) {
        const token *t = cur(ps);
        if (t->type == T_RPAR)
            return syntax_error(ps, t->pos, "unbalanced parenthesis: ')' without '('");
        if (t->type == T_NAME || t->type == T_NUM || t->type == T_LPAR)
            return syntax_error(ps, t->pos, "unexpected '%.*s' (missing '+' or ':'?)",
                                (int)(t->len < 40 ? t->len : 40), ps->text + t->pos);
        return unexpected(ps, NULL);
    }
    return GW_OK;
}

gw_status gw_formula_parse(const char *text, gw_formula **out)
{
    gw_formula *f = NULL;
    parser ps;
    gw_status rc = GW_OK;
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_formula_parse: out is NULL");
    *out = NULL;
    if (text == NULL)
        return gwi_fail(GW_EINVAL, "gw_formula_parse: the formula is NULL");
    f = gw_calloc(1, sizeof *f);
    if (f == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate a formula");
    memset(&ps, 0, sizeof ps);
    ps.f = f;
    f->text = astrndup(f, text, strlen(text));
    if (f->text == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot copy the formula");
        goto done;
    }
    ps.text = f->text;
    ps.len = trimmed_len(f->text);
    if ((rc = tokenize(&ps)) != GW_OK)
        goto done;
    if (ps.ntok == 1) {
        rc = syntax_error(&ps, 0, "empty formula");
        goto done;
    }
    rc = parse_formula(&ps);
done:
    if (rc != GW_OK) {
        gw_formula_free(f);
        return rc;
    }
    *out = f;
    return GW_OK;
}

void gw_formula_free(gw_formula *f)
{
    if (f == NULL)
        return;
    for (size_t k = 0; k < f->nexpr; k++)
        gw_expr_free(f->exprs[k]);
    for (ablk *b = f->arena, *next; b != NULL; b = next) {
        next = b->next;
        gw_free(b);
    }
    gw_free(f);
}

const char *gw_formula_text(const gw_formula *f) { return f->text; }
const gw_formula_factor *gw_formula_response(const gw_formula *f) { return &f->response; }
int gw_formula_has_intercept(const gw_formula *f) { return f->has_intercept; }
size_t gw_formula_nterms(const gw_formula *f) { return f->nterms; }
const gw_formula_term *gw_formula_term_at(const gw_formula *f, size_t k) { return &f->terms[k]; }
size_t gw_formula_nfe(const gw_formula *f) { return f->nfe; }
const char *gw_formula_fe(const gw_formula *f, size_t k) { return f->fe[k]; }
size_t gw_formula_fe_pos(const gw_formula *f, size_t k) { return f->fe_pos[k]; }
int gw_formula_has_iv(const gw_formula *f) { return f->has_iv; }
size_t gw_formula_nendog(const gw_formula *f) { return f->nendog; }
const gw_formula_term *gw_formula_endog(const gw_formula *f, size_t k) { return &f->endog[k]; }
size_t gw_formula_ninst(const gw_formula *f) { return f->ninst; }
const gw_formula_term *gw_formula_inst(const gw_formula *f, size_t k) { return &f->inst[k]; }
