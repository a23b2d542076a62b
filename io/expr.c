/* expr.c -- row expressions (the grammar and its decisions are in gw_expr.h).
 *
 * The parser is recursive descent over an on-the-fly lexer and emits a postfix program while it
 * parses (each rule emits its operands, then its operator), so evaluation needs no tree: a
 * stack machine runs the program over a block of GW_EXPR_BLOCK rows at a time, one vector per
 * stack slot, which keeps the interpreter's dispatch cost per instruction, not per row. */
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

typedef enum {
    OP_NUM,
    OP_VAR,
    OP_STR, /* parse time only: a string operand waiting for its comparison */
    OP_NEG,
    OP_NOT,
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_POW,
    OP_EQ,
    OP_NE,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_AND,
    OP_OR,
    OP_LOG,
    OP_EXP,
    OP_SQRT,
    OP_ABS,
    OP_IN,    /* numeric value in set[set] */
    OP_CATEQ, /* categorical var == set[set] (one string) */
    OP_CATNE,
    OP_CATIN
} opcode;

typedef struct {
    opcode op;
    size_t pos; /* byte offset in the text (carets) */
    size_t var; /* OP_VAR, OP_CAT*: variable index */
    size_t set; /* OP_IN, OP_CAT*, OP_STR: set index */
    double num; /* OP_NUM */
} instr;

typedef struct {
    size_t n;
    double *num; /* numeric set, or NULL */
    char **str;  /* string set, or NULL */
} eset;

struct gw_expr {
    char *text;
    size_t len; /* trimmed length: the caret window */
    const char *ctx;
    instr *code;
    size_t ncode, capcode;
    char **vars;
    size_t *varpos;
    size_t nvars, capvars;
    eset *sets;
    size_t nsets, capsets;
    size_t depth;
    int cond;
};

struct gw_expr_prog {
    const gw_expr *e;
    size_t *cols;
    const double **x;
    const int32_t **codes;
    size_t *nlev;
    unsigned char **member; /* per set used by a categorical instruction: level -> member */
};

/* ---------------------------------------------------------------------------------------- */
/* Lexer                                                                                     */

typedef enum {
    K_END,
    K_NUM,
    K_NAME,
    K_STR,
    K_LPAR,
    K_RPAR,
    K_COMMA,
    K_PLUS,
    K_MINUS,
    K_STAR,
    K_SLASH,
    K_CARET,
    K_EQ,
    K_NE,
    K_LT,
    K_LE,
    K_GT,
    K_GE,
    K_NOT,
    K_AND,
    K_OR,
    K_IN
} ktype;

typedef struct {
    ktype type;
    size_t pos, len; /* bytes in the text (quotes included) */
    double num;
} ktok;

typedef struct {
    gw_expr *e;
    size_t i, end; /* lexer position, end of the range */
    ktok t;        /* the current token */
} eparser;

static gw_status perr(const eparser *ps, size_t pos, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Records a GW_ESYNTAX detail: the reason, then the caret lines under pos. */
static gw_status perr(const eparser *ps, size_t pos, const char *fmt, ...)
{
    char what[512], caret[2 * GW_FORMULA_CARET_WIDTH + 32];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    gwi_caret_lines(ps->e->text, ps->e->len, pos, caret, sizeof caret);
    return gwi_fail(GW_ESYNTAX, "%s\n%s", what, caret);
}

static int name_start(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '.';
}
static int digit(int c) { return c >= '0' && c <= '9'; }
static int name_char(int c) { return name_start(c) || digit(c); }
static int space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Two-character operators, then one-character ones. */
static const struct {
    const char *s;
    ktype k;
} ops[] = {{"==", K_EQ},   {"!=", K_NE},  {"<=", K_LE},   {">=", K_GE},  {"&&", K_AND},
           {"||", K_OR},   {"<", K_LT},   {">", K_GT},    {"!", K_NOT},  {"&", K_AND},
           {"|", K_OR},    {"+", K_PLUS}, {"-", K_MINUS}, {"*", K_STAR}, {"/", K_SLASH},
           {"^", K_CARET}, {"(", K_LPAR}, {")", K_RPAR},  {",", K_COMMA}};

/* Reads the next token into ps->t. */
static gw_status lex(eparser *ps)
{
    const char *s = ps->e->text;
    size_t i = ps->i;
    while (i < ps->end && space((unsigned char)s[i]))
        i++;
    ps->t = (ktok){K_END, i, 0, 0.0};
    if (i >= ps->end) {
        ps->i = i;
        return GW_OK;
    }
    unsigned char c = (unsigned char)s[i];
    size_t j = i + 1;
    if (digit(c) || (c == '.' && i + 1 < ps->end && digit((unsigned char)s[i + 1]))) {
        char buf[64], *endp;
        while (j < ps->end && (digit((unsigned char)s[j]) || s[j] == '.'))
            j++;
        if (j < ps->end && (s[j] == 'e' || s[j] == 'E')) {
            size_t k = j + 1;
            if (k < ps->end && (s[k] == '+' || s[k] == '-'))
                k++;
            if (k < ps->end && digit((unsigned char)s[k])) {
                while (k < ps->end && digit((unsigned char)s[k]))
                    k++;
                j = k;
            }
        }
        if (j - i >= sizeof buf)
            return perr(ps, i, "number too long");
        memcpy(buf, s + i, j - i);
        buf[j - i] = '\0';
        ps->t.num = strtod(buf, &endp);
        if (*endp != '\0' || !isfinite(ps->t.num))
            return perr(ps, i, "malformed number '%s'", buf);
        ps->t.type = K_NUM;
    } else if (name_start(c)) {
        while (j < ps->end && name_char((unsigned char)s[j]))
            j++;
        ps->t.type = K_NAME;
    } else if (c == '`' || c == '"' || c == '\'') {
        while (j < ps->end && (unsigned char)s[j] != c)
            j++;
        if (j >= ps->end)
            return perr(ps, i, c == '`' ? "unterminated backquoted name" : "unterminated string");
        if (c == '`' && j == i + 1)
            return perr(ps, i, "empty backquoted name");
        j++;
        ps->t.type = c == '`' ? K_NAME : K_STR;
    } else if (c == '%') {
        if (ps->end - i >= 4 && strncmp(s + i, "%in%", 4) == 0) {
            j = i + 4;
            ps->t.type = K_IN;
        } else {
            return perr(ps, i, "unknown operator (the only %%...%% operator is %%in%%)");
        }
    } else {
        size_t k = 0, nops = sizeof ops / sizeof ops[0];
        while (k < nops && strncmp(s + i, ops[k].s, strlen(ops[k].s)) != 0)
            k++;
        if (k == nops || i + strlen(ops[k].s) > ps->end) {
            if (c >= 0x21u && c < 0x7Fu)
                return perr(ps, i, "unexpected character '%c'", c);
            return perr(ps, i, "unexpected character (byte 0x%02X)", (unsigned)c);
        }
        j = i + strlen(ops[k].s);
        ps->t.type = ops[k].k;
    }
    ps->t.len = j - i;
    ps->i = j;
    return GW_OK;
}

/* The text of the current token, for messages. */
/* NAN is a float expression: the double it stands for. */
#define DNAN ((double)NAN)

#define TOKFMT "%.*s"
#define TOKARG(ps) (int)((ps)->t.len < 40 ? (ps)->t.len : 40), (ps)->e->text + (ps)->t.pos

static gw_status unexpected(const eparser *ps, const char *want)
{
    if (ps->t.type == K_END)
        return perr(ps, ps->t.pos, "unexpected end of %s%s%s", ps->e->ctx, want ? ": " : "",
                    want ? want : "");
    return perr(ps, ps->t.pos, "unexpected '" TOKFMT "'%s%s", TOKARG(ps), want ? ": " : "",
                want ? want : "");
}

/* ---------------------------------------------------------------------------------------- */
/* Program building                                                                          */

static gw_status emit(eparser *ps, opcode op, size_t pos, size_t var, size_t set, double num)
{
    gw_expr *e = ps->e;
    if (e->ncode == e->capcode) {
        size_t cap = e->capcode ? 2 * e->capcode : 16;
        instr *c = gw_realloc(e->code, cap * sizeof *c);
        if (c == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate an expression");
        e->code = c;
        e->capcode = cap;
    }
    e->code[e->ncode++] = (instr){op, pos, var, set, num};
    return GW_OK;
}

/* The index of variable name[0..len) (added at its first use). */
static gw_status add_var(eparser *ps, const char *name, size_t len, size_t pos, size_t *k)
{
    gw_expr *e = ps->e;
    for (size_t v = 0; v < e->nvars; v++)
        if (strlen(e->vars[v]) == len && memcmp(e->vars[v], name, len) == 0) {
            *k = v;
            return GW_OK;
        }
    if (e->nvars == e->capvars) {
        size_t cap = e->capvars ? 2 * e->capvars : 8;
        char **v = gw_realloc(e->vars, cap * sizeof *v);
        if (v != NULL)
            e->vars = v;
        size_t *p = v != NULL ? gw_realloc(e->varpos, cap * sizeof *p) : NULL;
        if (p == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate an expression");
        e->varpos = p;
        e->capvars = cap;
    }
    char *s = gw_malloc(len + 1);
    if (s == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate an expression");
    memcpy(s, name, len);
    s[len] = '\0';
    e->vars[e->nvars] = s;
    e->varpos[e->nvars] = pos;
    *k = e->nvars++;
    return GW_OK;
}

static gw_status new_set(eparser *ps, size_t *k)
{
    gw_expr *e = ps->e;
    if (e->nsets == e->capsets) {
        size_t cap = e->capsets ? 2 * e->capsets : 4;
        eset *s = gw_realloc(e->sets, cap * sizeof *s);
        if (s == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate an expression");
        e->sets = s;
        e->capsets = cap;
    }
    e->sets[e->nsets] = (eset){0, NULL, NULL};
    *k = e->nsets++;
    return GW_OK;
}

/* Appends a number or a string (text[pos..pos+len), quotes excluded) to set k. */
static gw_status set_add(eparser *ps, size_t k, double num, const char *str, size_t len)
{
    eset *s = &ps->e->sets[k];
    if (str != NULL) {
        char **a = gw_realloc(s->str, (s->n + 1) * sizeof *a);
        if (a == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate a set");
        s->str = a;
        if ((a[s->n] = gw_malloc(len + 1)) == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate a set");
        memcpy(a[s->n], str, len);
        a[s->n][len] = '\0';
    } else {
        double *a = gw_realloc(s->num, (s->n + 1) * sizeof *a);
        if (a == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate a set");
        s->num = a;
        a[s->n] = num;
    }
    s->n++;
    return GW_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Parser                                                                                    */

typedef enum { TY_NUM, TY_COND, TY_STR } etype;

static gw_status p_or(eparser *ps, etype *ty);

/* A string operand is only a comparison's: any other use is reported at the string. */
static gw_status no_string(const eparser *ps, etype ty, size_t pos)
{
    if (ty != TY_STR)
        return GW_OK;
    return perr(ps, pos,
                "a string can only be compared with a categorical variable "
                "(region == \"North\", region %%in%% c(\"North\", \"East\"))");
}

static gw_status expect(eparser *ps, ktype k, const char *what)
{
    if (ps->t.type != k)
        return unexpected(ps, what);
    return lex(ps);
}

/* FUNC "(" or ")". */
static gw_status p_call(eparser *ps, size_t pos, size_t len, etype *ty)
{
    static const struct {
        const char *name;
        opcode op;
    } fns[] = {{"log", OP_LOG}, {"exp", OP_EXP}, {"sqrt", OP_SQRT}, {"abs", OP_ABS}};
    const char *name = ps->e->text + pos;
    size_t k = 0, nf = sizeof fns / sizeof fns[0];
    while (k < nf && !(strlen(fns[k].name) == len && memcmp(fns[k].name, name, len) == 0))
        k++;
    if (k == nf) {
        if (len == 1 && name[0] == 'c')
            return perr(ps, pos, "c(...) is a set: it goes after %%in%%");
        return perr(ps, pos, "unknown function '%.*s' (known: log, exp, sqrt, abs)",
                    (int)(len < 40 ? len : 40), name);
    }
    size_t lpar = ps->t.pos, at = ps->t.pos;
    gw_status rc;
    if ((rc = lex(ps)) != GW_OK)
        return rc;
    at = ps->t.pos;
    if ((rc = p_or(ps, ty)) != GW_OK || (rc = no_string(ps, *ty, at)) != GW_OK)
        return rc;
    if (ps->t.type != K_RPAR)
        return ps->t.type == K_END ? perr(ps, ps->t.pos,
                                          "unbalanced parenthesis: the '(' at column %zu is not "
                                          "closed",
                                          lpar + 1)
                                   : unexpected(ps, "expected ')'");
    *ty = TY_NUM;
    if ((rc = lex(ps)) != GW_OK)
        return rc;
    return emit(ps, fns[k].op, pos, 0, 0, 0.0);
}

/* primary := NUMBER | VAR | STRING | "(" or ")" | FUNC "(" or ")". */
static gw_status p_primary(eparser *ps, etype *ty)
{
    ktok t = ps->t;
    const char *s = ps->e->text;
    gw_status rc;
    switch (t.type) {
    case K_NUM:
        *ty = TY_NUM;
        if ((rc = lex(ps)) != GW_OK)
            return rc;
        return emit(ps, OP_NUM, t.pos, 0, 0, t.num);
    case K_STR: {
        size_t k = 0;
        *ty = TY_STR;
        if ((rc = new_set(ps, &k)) != GW_OK ||
            (rc = set_add(ps, k, 0.0, s + t.pos + 1, t.len - 2)) != GW_OK ||
            (rc = lex(ps)) != GW_OK)
            return rc;
        return emit(ps, OP_STR, t.pos, 0, k, 0.0);
    }
    case K_NAME: {
        int quoted = s[t.pos] == '`';
        if ((rc = lex(ps)) != GW_OK)
            return rc;
        if (!quoted && ps->t.type == K_LPAR)
            return p_call(ps, t.pos, t.len, ty);
        size_t v = 0;
        *ty = TY_NUM;
        if ((rc = add_var(ps, s + t.pos + quoted, t.len - 2 * (size_t)quoted, t.pos, &v)) != GW_OK)
            return rc;
        return emit(ps, OP_VAR, t.pos, v, 0, 0.0);
    }
    case K_LPAR:
        if ((rc = lex(ps)) != GW_OK || (rc = p_or(ps, ty)) != GW_OK)
            return rc;
        if (ps->t.type != K_RPAR)
            return ps->t.type == K_END ? perr(ps, ps->t.pos,
                                              "unbalanced parenthesis: the '(' at column %zu is "
                                              "not closed",
                                              t.pos + 1)
                                       : unexpected(ps, "expected ')'");
        return lex(ps);
    case K_RPAR:
        return perr(ps, t.pos, "unbalanced parenthesis: ')' without '('");
    default:
        return unexpected(ps, "expected a number, a variable or '('");
    }
}

/* unary := ("-" | "+") unary | pow;  pow := primary [ "^" unary ]. */
static gw_status p_unary(eparser *ps, etype *ty)
{
    gw_status rc;
    if (ps->t.type == K_MINUS || ps->t.type == K_PLUS) {
        ktok t = ps->t;
        if ((rc = lex(ps)) != GW_OK)
            return rc;
        size_t at = ps->t.pos;
        if ((rc = p_unary(ps, ty)) != GW_OK || (rc = no_string(ps, *ty, at)) != GW_OK)
            return rc;
        *ty = TY_NUM;
        return t.type == K_MINUS ? emit(ps, OP_NEG, t.pos, 0, 0, 0.0) : GW_OK;
    }
    size_t at = ps->t.pos;
    if ((rc = p_primary(ps, ty)) != GW_OK)
        return rc;
    if (ps->t.type != K_CARET)
        return GW_OK;
    ktok op = ps->t;
    if ((rc = no_string(ps, *ty, at)) != GW_OK || (rc = lex(ps)) != GW_OK)
        return rc;
    at = ps->t.pos;
    if ((rc = p_unary(ps, ty)) != GW_OK || (rc = no_string(ps, *ty, at)) != GW_OK)
        return rc;
    *ty = TY_NUM;
    return emit(ps, OP_POW, op.pos, 0, 0, 0.0);
}

/* The set after %in%: c( literal { , literal } ), into set k; *str: a string set. */
static gw_status p_set(eparser *ps, size_t k, int *str)
{
    gw_status rc;
    const char *s = ps->e->text;
    if (!(ps->t.type == K_NAME && ps->t.len == 1 && s[ps->t.pos] == 'c'))
        return unexpected(ps, "%in% takes a set: c(1, 2) or c(\"a\", \"b\")");
    if ((rc = lex(ps)) != GW_OK || (rc = expect(ps, K_LPAR, "expected '(' after c")) != GW_OK)
        return rc;
    for (size_t n = 0;; n++) {
        int neg = 0, is_str;
        size_t at = ps->t.pos;
        if (ps->t.type == K_MINUS) {
            neg = 1;
            if ((rc = lex(ps)) != GW_OK)
                return rc;
        }
        if (!(ps->t.type == K_STR && !neg) && ps->t.type != K_NUM)
            return unexpected(ps, "a set holds numbers or strings");
        is_str = ps->t.type == K_STR;
        if (n > 0 && is_str != *str)
            return perr(ps, at, "a set holds numbers or strings, not both");
        *str = is_str;
        rc = is_str ? set_add(ps, k, 0.0, s + ps->t.pos + 1, ps->t.len - 2)
                    : set_add(ps, k, neg ? -ps->t.num : ps->t.num, NULL, 0);
        if (rc != GW_OK)
            return rc;
        if ((rc = lex(ps)) != GW_OK)
            return rc;
        if (ps->t.type == K_RPAR)
            return lex(ps);
        if ((rc = expect(ps, K_COMMA, "expected ',' or ')' in the set")) != GW_OK)
            return rc;
    }
}

/* The variable of a single-instruction operand code[from..to), or SIZE_MAX. */
static size_t lone_var(const gw_expr *e, size_t from, size_t to)
{
    return to == from + 1 && e->code[from].op == OP_VAR ? e->code[from].var : SIZE_MAX;
}

/* in := unary [ "%in%" set ]. */
static gw_status p_in(eparser *ps, etype *ty)
{
    gw_expr *e = ps->e;
    size_t from = e->ncode, at = ps->t.pos, k = 0;
    gw_status rc;
    if ((rc = p_unary(ps, ty)) != GW_OK || ps->t.type != K_IN)
        return rc;
    size_t oppos = ps->t.pos;
    int str = 0;
    if ((rc = no_string(ps, *ty, at)) != GW_OK || (rc = lex(ps)) != GW_OK ||
        (rc = new_set(ps, &k)) != GW_OK || (rc = p_set(ps, k, &str)) != GW_OK)
        return rc;
    *ty = TY_COND;
    if (!str)
        return emit(ps, OP_IN, oppos, 0, k, 0.0);
    size_t v = lone_var(e, from, e->ncode);
    if (v == SIZE_MAX)
        return perr(ps, at, "a set of strings needs a categorical variable on the left of %%in%%");
    e->ncode = from;
    return emit(ps, OP_CATIN, at, v, k, 0.0);
}

/* mul := in { ("*" | "/") in };  add := mul { ("+" | "-") mul }: one loop over two levels. */
static gw_status p_arith(eparser *ps, int level, etype *ty)
{
    gw_status rc;
    size_t at = ps->t.pos;
    if ((rc = level ? p_arith(ps, 0, ty) : p_in(ps, ty)) != GW_OK)
        return rc;
    for (;;) {
        ktype k = ps->t.type;
        if (!(level ? (k == K_PLUS || k == K_MINUS) : (k == K_STAR || k == K_SLASH)))
            return GW_OK;
        size_t oppos = ps->t.pos;
        if ((rc = no_string(ps, *ty, at)) != GW_OK || (rc = lex(ps)) != GW_OK)
            return rc;
        at = ps->t.pos;
        if ((rc = level ? p_arith(ps, 0, ty) : p_in(ps, ty)) != GW_OK ||
            (rc = no_string(ps, *ty, at)) != GW_OK)
            return rc;
        *ty = TY_NUM;
        opcode op = k == K_PLUS ? OP_ADD : k == K_MINUS ? OP_SUB : k == K_STAR ? OP_MUL : OP_DIV;
        if ((rc = emit(ps, op, oppos, 0, 0, 0.0)) != GW_OK)
            return rc;
    }
}

/* cmp := add [ cmpop add ]; a string on one side needs a lone variable on the other. */
static gw_status p_cmp(eparser *ps, etype *ty)
{
    gw_expr *e = ps->e;
    size_t a0 = e->ncode, at = ps->t.pos;
    etype tb;
    gw_status rc;
    if ((rc = p_arith(ps, 1, ty)) != GW_OK)
        return rc;
    ktype k = ps->t.type;
    if (k < K_EQ || k > K_GE)
        return GW_OK;
    size_t oppos = ps->t.pos, b0 = e->ncode;
    if ((rc = lex(ps)) != GW_OK)
        return rc;
    size_t bt = ps->t.pos;
    if ((rc = p_arith(ps, 1, &tb)) != GW_OK)
        return rc;
    if (ps->t.type >= K_EQ && ps->t.type <= K_GE)
        return perr(ps, ps->t.pos, "comparisons cannot be chained (write a < b & b < c)");
    static const opcode cmp[] = {OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE};
    int sa = *ty == TY_STR, sb = tb == TY_STR;
    *ty = TY_COND;
    if (!sa && !sb)
        return emit(ps, cmp[k - K_EQ], oppos, 0, 0, 0.0);
    if (sa && sb)
        return perr(ps, at, "two strings compared: one side must be a categorical variable");
    if (k != K_EQ && k != K_NE)
        return perr(ps, oppos, "strings can only be compared with == or != (levels have no order)");
    size_t v = sa ? lone_var(e, b0, e->ncode) : lone_var(e, a0, b0);
    size_t set = sa ? e->code[a0].set : e->code[b0].set;
    if (v == SIZE_MAX)
        return perr(ps, sa ? bt : at, "a string can only be compared with a categorical variable");
    e->ncode = a0;
    return emit(ps, k == K_EQ ? OP_CATEQ : OP_CATNE, sa ? bt : at, v, set, 0.0);
}

/* not := "!" not | cmp. */
static gw_status p_not(eparser *ps, etype *ty)
{
    gw_status rc;
    if (ps->t.type != K_NOT)
        return p_cmp(ps, ty);
    size_t pos = ps->t.pos;
    if ((rc = lex(ps)) != GW_OK)
        return rc;
    size_t at = ps->t.pos;
    if ((rc = p_not(ps, ty)) != GW_OK || (rc = no_string(ps, *ty, at)) != GW_OK)
        return rc;
    *ty = TY_COND;
    return emit(ps, OP_NOT, pos, 0, 0, 0.0);
}

/* and := not { "&" not };  or := and { "|" and }. */
static gw_status p_logic(eparser *ps, int level, etype *ty)
{
    gw_status rc;
    size_t at = ps->t.pos;
    if ((rc = level ? p_logic(ps, 0, ty) : p_not(ps, ty)) != GW_OK)
        return rc;
    ktype want = level ? K_OR : K_AND;
    while (ps->t.type == want) {
        size_t oppos = ps->t.pos;
        if ((rc = no_string(ps, *ty, at)) != GW_OK || (rc = lex(ps)) != GW_OK)
            return rc;
        at = ps->t.pos;
        if ((rc = level ? p_logic(ps, 0, ty) : p_not(ps, ty)) != GW_OK ||
            (rc = no_string(ps, *ty, at)) != GW_OK)
            return rc;
        *ty = TY_COND;
        if ((rc = emit(ps, level ? OP_OR : OP_AND, oppos, 0, 0, 0.0)) != GW_OK)
            return rc;
    }
    return GW_OK;
}

static gw_status p_or(eparser *ps, etype *ty) { return p_logic(ps, 1, ty); }

/* The largest stack the program needs. */
static size_t stack_depth(const gw_expr *e)
{
    size_t sp = 0, max = 0;
    for (size_t k = 0; k < e->ncode; k++) {
        opcode op = e->code[k].op;
        if (op == OP_NUM || op == OP_VAR || op == OP_CATEQ || op == OP_CATNE || op == OP_CATIN)
            sp++;
        else if (op >= OP_ADD && op <= OP_OR)
            sp--;
        max = sp > max ? sp : max;
    }
    return max;
}

static size_t trim_end(const char *text, size_t n)
{
    while (n > 0 && space((unsigned char)text[n - 1]))
        n--;
    return n;
}

gw_status gwi_expr_parse_range(const char *text, size_t begin, size_t end, const char *ctx,
                               gw_expr **out)
{
    gw_status rc = GW_OK;
    size_t n = strlen(text);
    gw_expr *e = gw_calloc(1, sizeof *e);
    *out = NULL;
    if (e == NULL || (e->text = gw_malloc(n + 1)) == NULL) {
        gw_free(e);
        return gwi_fail(GW_ENOMEM, "cannot allocate an expression");
    }
    memcpy(e->text, text, n + 1);
    e->len = trim_end(text, n);
    e->ctx = ctx;
    eparser ps = {e, begin, end < n ? end : n, {K_END, 0, 0, 0.0}};
    etype ty = TY_NUM;
    if ((rc = lex(&ps)) != GW_OK)
        goto done;
    if (ps.t.type == K_END) {
        rc = perr(&ps, ps.t.pos, "empty %s", ctx);
        goto done;
    }
    size_t at = ps.t.pos;
    if ((rc = p_or(&ps, &ty)) != GW_OK || (rc = no_string(&ps, ty, at)) != GW_OK)
        goto done;
    if (ps.t.type != K_END) {
        rc = ps.t.type == K_RPAR ? perr(&ps, ps.t.pos, "unbalanced parenthesis: ')' without '('")
                                 : unexpected(&ps, "expected an operator");
        goto done;
    }
    e->cond = ty == TY_COND;
    e->depth = stack_depth(e);
done:
    if (rc != GW_OK) {
        gw_expr_free(e);
        return rc;
    }
    *out = e;
    return GW_OK;
}

gw_status gw_expr_parse_named(const char *text, const char *what, gw_expr **out)
{
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_expr_parse: out is NULL");
    *out = NULL;
    if (text == NULL || what == NULL)
        return gwi_fail(GW_EINVAL, "gw_expr_parse: the expression is NULL");
    return gwi_expr_parse_range(text, 0, strlen(text), what, out);
}

gw_status gw_expr_parse(const char *text, gw_expr **out)
{
    return gw_expr_parse_named(text, "expression", out);
}

void gw_expr_free(gw_expr *e)
{
    if (e == NULL)
        return;
    for (size_t v = 0; v < e->nvars; v++)
        gw_free(e->vars[v]);
    for (size_t k = 0; k < e->nsets; k++) {
        for (size_t j = 0; e->sets[k].str != NULL && j < e->sets[k].n; j++)
            gw_free(e->sets[k].str[j]);
        gw_free(e->sets[k].str);
        gw_free(e->sets[k].num);
    }
    gw_free(e->sets);
    gw_free(e->vars);
    gw_free(e->varpos);
    gw_free(e->code);
    gw_free(e->text);
    gw_free(e);
}

size_t gw_expr_nvars(const gw_expr *e) { return e->nvars; }
const char *gw_expr_var(const gw_expr *e, size_t k) { return e->vars[k]; }
size_t gw_expr_var_pos(const gw_expr *e, size_t k) { return e->varpos[k]; }
int gw_expr_is_condition(const gw_expr *e) { return e->cond; }

const char *gw_expr_why_text(unsigned char why)
{
    return why == GW_EXPR_UNDEFINED  ? "is undefined"
           : why == GW_EXPR_DIVZERO  ? "divides by zero"
           : why == GW_EXPR_OVERFLOW ? "overflows"
                                     : "";
}

/* ---------------------------------------------------------------------------------------- */
/* Binding                                                                                   */

/* Records status s with the reason what and the caret lines under pos. */
static gw_status bind_fail(const gw_expr *e, gw_status s, size_t pos, const char *what)
{
    char caret[2 * GW_FORMULA_CARET_WIDTH + 32];
    gwi_caret_lines(e->text, e->len, pos, caret, sizeof caret);
    return gwi_fail(s, "%s\n%s", what, caret);
}

/* The membership map of set s over the levels of categorical column col, and in *unknown the
 * first string of s that is no level (NULL: none). A typo (`nation == 'Wales'` where the levels
 * are E, S, W) would otherwise select no row, or with != and %in% silently the wrong ones, so the
 * caller makes it an error rather than R's silent FALSE. */
static unsigned char *member_map(const eset *s, const gw_table *t, size_t col,
                                 const char **unknown)
{
    size_t nl = gw_table_nlevels(t, col);
    unsigned char *m = gw_calloc(nl ? nl : 1, 1);
    *unknown = NULL;
    for (size_t j = 0; m != NULL && j < s->n; j++) {
        size_t l = 0;
        while (l < nl && strcmp(gw_table_level(t, col, l), s->str[j]) != 0)
            l++;
        if (l < nl)
            m[l] = 1;
        else if (*unknown == NULL)
            *unknown = s->str[j];
    }
    return m;
}

/* "E, S, W" into buf: the levels of col, cut with "..." past about 200 characters. */
static void level_list(const gw_table *t, size_t col, char *buf, size_t size)
{
    size_t nl = gw_table_nlevels(t, col), o = 0;
    buf[0] = '\0';
    for (size_t l = 0; l < nl; l++) {
        const char *v = gw_table_level(t, col, l), *sep = l ? ", " : "";
        if (o > 200 || o + strlen(v) + 8 > size) {
            snprintf(buf + o, size - o, "%s...", sep);
            return;
        }
        o += (size_t)snprintf(buf + o, size - o, "%s%s", sep, v);
    }
}

gw_status gw_expr_bind(const gw_expr *e, const gw_table *t, gw_expr_prog **out)
{
    gw_status rc = GW_OK;
    char what[512];
    if (out == NULL || e == NULL || t == NULL)
        return gwi_fail(GW_EINVAL, "gw_expr_bind: NULL argument");
    *out = NULL;
    gw_expr_prog *p = gw_calloc(1, sizeof *p);
    size_t nv = e->nvars ? e->nvars : 1, ns = e->nsets ? e->nsets : 1;
    if (p == NULL || (p->cols = gw_calloc(nv, sizeof *p->cols)) == NULL ||
        (p->x = gw_calloc(nv, sizeof *p->x)) == NULL ||
        (p->codes = gw_calloc(nv, sizeof *p->codes)) == NULL ||
        (p->nlev = gw_calloc(nv, sizeof *p->nlev)) == NULL ||
        (p->member = gw_calloc(ns, sizeof *p->member)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate an expression");
        goto done;
    }
    p->e = e;
    for (size_t v = 0; v < e->nvars; v++) {
        ptrdiff_t j = gw_table_find(t, e->vars[v]);
        if (j < 0) {
            snprintf(what, sizeof what, "unknown variable '%.200s' in the %s", e->vars[v], e->ctx);
            rc = bind_fail(e, GW_ENOVAR, e->varpos[v], what);
            goto done;
        }
        p->cols[v] = (size_t)j;
        p->x[v] = gw_table_numeric(t, (size_t)j);
        p->codes[v] = gw_table_codes(t, (size_t)j);
        p->nlev[v] = gw_table_nlevels(t, (size_t)j);
    }
    for (size_t k = 0; k < e->ncode; k++) {
        const instr *in = &e->code[k];
        int cat = in->op == OP_CATEQ || in->op == OP_CATNE || in->op == OP_CATIN;
        if (in->op == OP_VAR && gw_table_coltype(t, p->cols[in->var]) == GW_COL_CATEGORICAL) {
            snprintf(what, sizeof what,
                     "'%.200s' is categorical: in the %s it can only be compared with a string "
                     "(== \"level\", != or %%in%% c(...)); a number is needed here",
                     e->vars[in->var], e->ctx);
            rc = bind_fail(e, GW_EINVAL, in->pos, what);
            goto done;
        }
        if (cat && gw_table_coltype(t, p->cols[in->var]) != GW_COL_CATEGORICAL) {
            snprintf(what, sizeof what,
                     "'%.200s' is numeric: compare it with a number, not a string (in the %s)",
                     e->vars[in->var], e->ctx);
            rc = bind_fail(e, GW_EINVAL, in->pos, what);
            goto done;
        }
        const char *bad = NULL;
        if (cat && (p->member[in->set] =
                        member_map(&e->sets[in->set], t, p->cols[in->var], &bad)) == NULL) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate an expression");
            goto done;
        }
        if (bad != NULL) {
            char lev[256];
            level_list(t, p->cols[in->var], lev, sizeof lev);
            snprintf(what, sizeof what, "'%.100s' is not a level of '%.100s' (levels: %s)", bad,
                     e->vars[in->var], lev);
            rc = bind_fail(e, GW_EINVAL, in->pos, what);
            goto done;
        }
    }
done:
    if (rc != GW_OK) {
        gw_expr_prog_free(p);
        return rc;
    }
    *out = p;
    return GW_OK;
}

void gw_expr_prog_free(gw_expr_prog *p)
{
    if (p == NULL)
        return;
    for (size_t k = 0; p->member != NULL && k < p->e->nsets; k++)
        gw_free(p->member[k]);
    gw_free(p->member);
    gw_free(p->cols);
    gw_free(p->x);
    gw_free(p->codes);
    gw_free(p->nlev);
    gw_free(p);
}

size_t gw_expr_prog_ncols(const gw_expr_prog *p) { return p->e->nvars; }
const size_t *gw_expr_prog_cols(const gw_expr_prog *p) { return p->cols; }

/* ---------------------------------------------------------------------------------------- */
/* Evaluation                                                                                */

/* A result that is not a finite number from finite operands gets a reason (the row's first)
 * and becomes NaN; operands already missing or infinite pass their value through. */
static inline double checked(double r, double a, double b, unsigned char reason, unsigned char *w)
{
    if (isfinite(r) || !isfinite(a) || !isfinite(b))
        return r;
    if (*w == 0)
        *w = reason;
    return DNAN;
}

static double binary(opcode op, double a, double b, unsigned char *w)
{
    switch (op) {
    case OP_ADD:
        return checked(a + b, a, b, GW_EXPR_OVERFLOW, w);
    case OP_SUB:
        return checked(a - b, a, b, GW_EXPR_OVERFLOW, w);
    case OP_MUL:
        return checked(a * b, a, b, GW_EXPR_OVERFLOW, w);
    case OP_DIV:
        return checked(a / b, a, b, b == 0.0 ? GW_EXPR_DIVZERO : GW_EXPR_OVERFLOW, w);
    case OP_POW: {
        double r = pow(a, b);
        return checked(r, a, b,
                       a == 0.0 && b < 0.0 ? GW_EXPR_DIVZERO
                       : isnan(r)          ? GW_EXPR_UNDEFINED
                                           : GW_EXPR_OVERFLOW,
                       w);
    }
    case OP_AND:
        if (a == 0.0 || b == 0.0)
            return 0.0;
        return isnan(a) || isnan(b) ? DNAN : 1.0;
    case OP_OR:
        if ((!isnan(a) && a != 0.0) || (!isnan(b) && b != 0.0))
            return 1.0;
        return isnan(a) || isnan(b) ? DNAN : 0.0;
    default:
        break;
    }
    if (isnan(a) || isnan(b))
        return DNAN;
    switch (op) {
    case OP_EQ:
        return a == b;
    case OP_NE:
        return a != b;
    case OP_LT:
        return a < b;
    case OP_LE:
        return a <= b;
    case OP_GT:
        return a > b;
    default:
        return a >= b;
    }
}

static double unary(opcode op, double a, unsigned char *w)
{
    switch (op) {
    case OP_NEG:
        return -a;
    case OP_NOT:
        return isnan(a) ? DNAN : (double)(a == 0.0);
    case OP_LOG:
        return a <= 0.0 ? checked(DNAN, a, 0.0, GW_EXPR_UNDEFINED, w) : log(a);
    case OP_SQRT:
        return a < 0.0 ? checked(DNAN, a, 0.0, GW_EXPR_UNDEFINED, w) : sqrt(a);
    case OP_EXP:
        return checked(exp(a), a, 0.0, GW_EXPR_OVERFLOW, w);
    default:
        return fabs(a);
    }
}

/* A categorical test of variable v's code at row r: ==, != (missing: NaN), %in% (missing:
 * false, as R's match). */
static double cat_test(const gw_expr_prog *p, const instr *in, size_t r)
{
    int32_t c = p->codes[in->var][r];
    const unsigned char *m = p->member[in->set];
    if (c < 0)
        return in->op == OP_CATIN ? 0.0 : DNAN;
    int is = c < (int32_t)p->nlev[in->var] && m[c];
    return in->op == OP_CATNE ? (double)!is : (double)is;
}

static double in_set(const eset *s, double a)
{
    if (isnan(a))
        return 0.0;
    for (size_t j = 0; j < s->n; j++)
        if (s->num[j] == a)
            return 1.0;
    return 0.0;
}

/* Rows [i0, i1) (at most GW_EXPR_BLOCK) with stack st (depth x GW_EXPR_BLOCK). */
static void eval_block(const gw_expr_prog *p, const size_t *rows, size_t i0, size_t i1, double *st,
                       double *out, unsigned char *why)
{
    const gw_expr *e = p->e;
    const size_t m = i1 - i0, B = GW_EXPR_BLOCK;
    unsigned char w[GW_EXPR_BLOCK];
    size_t sp = 0;
    memset(w, 0, m);
    for (size_t k = 0; k < e->ncode; k++) {
        const instr *in = &e->code[k];
        double *a = st + (sp - (sp > 0)) * B, *b = st + sp * B;
        switch (in->op) {
        case OP_NUM:
            for (size_t i = 0; i < m; i++)
                b[i] = in->num;
            sp++;
            break;
        case OP_VAR:
            for (size_t i = 0; i < m; i++)
                b[i] = p->x[in->var][rows ? rows[i0 + i] : i0 + i];
            sp++;
            break;
        case OP_CATEQ:
        case OP_CATNE:
        case OP_CATIN:
            for (size_t i = 0; i < m; i++)
                b[i] = cat_test(p, in, rows ? rows[i0 + i] : i0 + i);
            sp++;
            break;
        case OP_IN:
            for (size_t i = 0; i < m; i++)
                a[i] = in_set(&e->sets[in->set], a[i]);
            break;
        case OP_NEG:
        case OP_NOT:
        case OP_LOG:
        case OP_EXP:
        case OP_SQRT:
        case OP_ABS:
            for (size_t i = 0; i < m; i++)
                a[i] = unary(in->op, a[i], &w[i]);
            break;
        default: /* binary: a is the slot below the top */
            a = st + (sp - 2) * B;
            b = st + (sp - 1) * B;
            for (size_t i = 0; i < m; i++)
                a[i] = binary(in->op, a[i], b[i], &w[i]);
            sp--;
            break;
        }
    }
    memcpy(out + i0, st, m * sizeof *out);
    if (why != NULL)
        memcpy(why + i0, w, m);
}

/* Rows per parallel task: GW_EXPR_BLOCK-row blocks, grouped so that a task's scratch
 * allocation is nothing against its work. */
#define EXPR_TASK ((size_t)16384)

gw_status gw_expr_eval(const gw_expr_prog *p, const size_t *rows, size_t n, double *out,
                       unsigned char *why)
{
    size_t nt = (n + EXPR_TASK - 1) / EXPR_TASK, depth = p->e->depth ? p->e->depth : 1;
    int fail = 0;
#pragma omp parallel for schedule(dynamic) if (nt > 1) reduction(| : fail)
    for (size_t tk = 0; tk < nt; tk++) {
        double *st = gw_alloc_array(depth * GW_EXPR_BLOCK, sizeof *st);
        if (st == NULL) {
            fail = 1;
            continue;
        }
        size_t t1 = (tk + 1) * EXPR_TASK < n ? (tk + 1) * EXPR_TASK : n;
        for (size_t i0 = tk * EXPR_TASK; i0 < t1; i0 += GW_EXPR_BLOCK)
            eval_block(p, rows, i0, i0 + GW_EXPR_BLOCK < t1 ? i0 + GW_EXPR_BLOCK : t1, st, out,
                       why);
        gw_free(st);
    }
    return fail ? gwi_fail(GW_ENOMEM, "cannot allocate the expression's scratch") : GW_OK;
}

gw_status gw_expr_subset(const gw_expr *e, const gw_table *t, unsigned char *keep, size_t *nkept)
{
    gw_expr_prog *p = NULL;
    gw_status rc;
    if (e == NULL || t == NULL || keep == NULL)
        return gwi_fail(GW_EINVAL, "gw_expr_subset: NULL argument");
    if (!e->cond)
        return bind_fail(e, GW_EINVAL, 0,
                         "the subset must be a condition (a comparison, %in%, !, & or |), not "
                         "a number");
    if ((rc = gw_expr_bind(e, t, &p)) != GW_OK)
        return rc;
    size_t n = gw_table_nrows(t), kept = 0;
    double *v = gw_alloc_array(n ? n : 1, sizeof *v);
    if (v == NULL) {
        gw_expr_prog_free(p);
        return gwi_fail(GW_ENOMEM, "cannot allocate the subset of %zu rows", n);
    }
    if ((rc = gw_expr_eval(p, NULL, n, v, NULL)) == GW_OK)
        for (size_t r = 0; r < n; r++) {
            keep[r] = !isnan(v[r]) && v[r] != 0.0;
            kept += keep[r];
        }
    gw_free(v);
    gw_expr_prog_free(p);
    if (nkept != NULL)
        *nkept = kept;
    return rc;
}
