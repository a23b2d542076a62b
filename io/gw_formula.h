/* gw_formula.h -- the model formula of docs/reference/formula.md, parsed into terms.
 *
 *   formula := response "~" rhs [ "|" fixed_effects ] [ "|" endogenous "~" instruments ]
 *   rhs     := term { ("+" | "-") term }          ("0"/"1" may stand as terms, see below)
 *   term    := inter { "*" inter }                (a*b = a + b + a:b; a*b*c: all subsets)
 *   inter   := factor { ":" factor }
 *   factor  := VAR | VAR "^" INT | FUNC "(" VAR ")" | "I(" VAR "^" INT ")" | "factor(" VAR ")"
 *            | FUNC "(" EXPR ")" | "I(" EXPR ")"  (arithmetic: GW_FF_EXPR, io/gw_expr.h)
 *            | "factor(" VAR "," "ref" "=" VALUE ")"          (reference level v, GW_FF_FACTOR)
 *            | "poly(" VAR "," INT [ "," "raw" "=" BOOL ] ")"  (GW_FF_POLY, degree in exponent)
 *            | "i(" VAR [ "," VAR ] [ "," "ref" "=" VALUE | "c(" VALUE {"," VALUE} ")" ] ")"
 *            | ("l(" | "f(") VAR [ "," ["-"] INT [ ":" ["-"] INT ] ] ")"               (GW_FF_LAG)
 *            | "d(" VAR [ "," INT ] ")"
 *   VALUE   := ["-"] NUMBER | '"' TEXT '"';  BOOL := TRUE | FALSE | T | F
 *   FUNC    := log | exp | sqrt | abs             (case-sensitive)
 *   fixed_effects := VAR { "+" VAR } | "0"        ("0": no fixed effects, as in `y ~ x | 0 | d ~
 * z`) endogenous, instruments := term { "+" term }
 *
 * Decisions (where the grammar leaves room):
 * - White space (space, tab, newline) is free everywhere. Variable names match
 *   [A-Za-z_.][A-Za-z0-9_.]*; a name in backquotes (`my var`) may hold any character except a
 *   backquote and is used verbatim (term name `my var`, without the quotes).
 * - The part after the first "|" is the IV part when it contains a "~" (`y ~ x | d ~ z`),
 *   otherwise the fixed effects; a third part must be the IV part. "0" as the fixed-effects part
 *   means none. More parts, an IV part before the fixed effects, or a second "~" in the model
 *   part are syntax errors.
 * - Intercept: present unless removed. "+ 0" or "- 1" removes it, "+ 1" or "- 0" restores it;
 *   the last one written wins. The rhs may start with a sign (`y ~ -1 + x`). `y ~ 1` is the
 *   intercept-only model and `y ~ 0` the empty one. Other numbers cannot stand as terms.
 * - Removal ("- term") applies to the whole rhs whatever its position, as in R; removing a term
 *   that is not there is not an error. `- a*b` removes a, b and a:b.
 * - Terms keep the order in which they are written (unlike R, they are not re-sorted by
 *   degree); a*b*c expands in place to a, b, c, a:b, a:c, b:c, a:b:c. At most
 *   GW_FORMULA_MAX_STAR "*"-operands per term (2^10 - 1 terms).
 * - Duplicates are dropped: a term equal to an earlier one as a set of factors (`b:a` after
 *   `a:b`) keeps the first; a factor repeated inside a term (`x:x`) is kept once, as in R.
 * - Exponents are decimal integers 1..GW_FORMULA_MAX_EXPONENT; 0, negative, fractional or
 *   larger exponents are syntax errors, and so is "^" after a function call (write I(x^2)).
 * - The response is a single factor other than factor(), poly() or i() (log(y), d(y) are fine).
 * - poly() and i() stand alone in their term (an interaction with them is a syntax error);
 *   i(x, by) is the term of two factors, GW_FF_I then GW_FF_I_BY. The calls' names: poly(x,2),
 *   poly(x,2,raw=TRUE), factor(x) (with or without ref), i(x), i(x,ref=2015),
 *   i(x,by,ref=c(-1,-5)), l(x,1), f(x,1), d(x), d(x,2); numbers in their shortest form.
 * - Arithmetic: a FUNC or I() whose argument is more than a variable (I(): more than VAR^INT
 *   with a decimal integer exponent) holds an expression of io/gw_expr.h: `log(x + 1)`,
 *   `exp(-x/10)`, `sqrt(abs(x))`, `I(x / 10)`, `I(a*b)`, `I(x^0.5)`, `I(x > 0)` (a condition
 *   is 1/0); on the response too (`log(wage + 1) ~ ...`). Inside it, +, -, *, /, ^, comparisons,
 *   &, |, ! and %in% have their R meaning (not the formula's), strings compare a categorical
 *   variable with a level name, and the expression must read at least one variable. x^k and
 *   I(x^k) keep their exact double-double path (gw_frame.h). A categorical variable in the
 *   arithmetic is an error of the model frame (GW_EINVAL, with a caret).
 * - A range of lags l(x, k1:k2) (k1 <= k2, at most GW_FORMULA_MAX_LAGS) stands alone as a term
 *   and expands in place to the terms l(x,k1), ..., l(x,k2); f(x, k1:k2) likewise.
 * - Names: a factor's name is its text with white space removed (`x`, `x^2`, `log(x)`,
 *   `I(x^2)`, `factor(x)`, `log(x+1)` for `log(x + 1)`, `I(x/10)`), except white space inside
 *   quotes or backquotes; a term's name joins its factors' names with ":" in written order.
 *   Factors with the same name are the same factor (`I(x/10)` and `I( x/10 )`, not `I(x*0.1)`).
 *
 * Errors are GW_ESYNTAX with a detail message of the form
 *   "unexpected end of formula\n  y ~ x +\n         ^"
 * (what went wrong; the formula on one line indented two spaces, control characters shown as
 * blanks; a caret under the offending token, indented alike). A formula too long for the
 * 1 KiB error buffer is shown as a window of at most GW_FORMULA_CARET_WIDTH characters around
 * the caret, with "..." marking the cut ends. */
#ifndef GW_FORMULA_H
#define GW_FORMULA_H

#include <stddef.h>

#include "gw_export.h"
#include "gw_status.h"

#define GW_FORMULA_MAX_EXPONENT 255u /* x^255 already overflows for |x| > 16 */
#define GW_FORMULA_MAX_STAR 10       /* a*b*...: 2^10 - 1 = 1023 terms at most */
#define GW_FORMULA_CARET_WIDTH 160   /* characters of formula shown in an error message */
#define GW_FORMULA_MAX_LAGS 100      /* terms of one range of lags l(x, k1:k2)          */

typedef struct gw_formula gw_formula;

/* What a factor (one operand of ":") is. */
typedef enum {
    GW_FF_VAR = 0, /* x: the variable itself; a categorical x expands to dummies "x=LEVEL"  */
    GW_FF_POWER,   /* x^k                                                                   */
    GW_FF_FUNC,    /* log(x), exp(x), sqrt(x), abs(x)                                       */
    GW_FF_I_POWER, /* I(x^k): the same numbers as x^k, another name                          */
    GW_FF_FACTOR,  /* factor(x): dummies "factor(x)=LEVEL" for a numeric or categorical x    */
    GW_FF_EXPR,    /* log(x + 1), I(x / 10): arithmetic over variables (expr)               */
    GW_FF_POLY,    /* poly(x, d): d columns "poly(x,d)1".."poly(x,d)d" (raw: x, x^2, ...)   */
    GW_FF_I,       /* i(x, ref = v): dummies "x::LEVEL" of every level but the references  */
    GW_FF_I_BY,    /* the by of i(x, by): numeric, a product ("x::LEVEL:by"); categorical,
                      dummies of every level ("x::LEVEL:by::LEVEL2"); always after a GW_FF_I */
    GW_FF_LAG      /* l(x, k), f(x, k) (lag -k), d(x, k) (x - l(x, k)) over --panel id,time */
} gw_ffkind;

/* A reference level of factor(x, ref = v) or i(x, ref = v): a number (text: its shortest
 * round-trip decimal, "-1", "2015", "0.5") or a string ("North", without the quotes). */
typedef struct {
    char *text;
    int is_str; /* 1: written as "text" */
    size_t pos; /* byte offset in gw_formula_text (carets) */
} gw_formula_ref;

typedef enum { GW_FN_NONE = 0, GW_FN_LOG, GW_FN_EXP, GW_FN_SQRT, GW_FN_ABS } gw_ffunc;

/* One factor. Every pointer is owned by the formula and valid until gw_formula_free; do not
 * modify. */
typedef struct {
    gw_ffkind kind;
    gw_ffunc func;     /* GW_FF_FUNC; GW_FF_EXPR: the outer function (GW_FN_NONE for I())  */
    unsigned exponent; /* GW_FF_POWER and GW_FF_I_POWER: 1..GW_FORMULA_MAX_EXPONENT, else 1 */
    char *var;         /* the variable's name (GW_FF_EXPR: the first one it reads)        */
    char *name;        /* the factor's name as printed: "x^2", "log(x)", "factor(x)", ...  */
    size_t pos;        /* byte offset of the variable's name in gw_formula_text (carets) */
    /* GW_FF_EXPR: the expression (for FUNC(...) the whole call, for I(...) its argument),
     * whose variables are gw_expr_nvars/gw_expr_var and whose positions are offsets in
     * gw_formula_text; NULL for other kinds. */
    const struct gw_expr *expr;
    /* The calls of issue 19 (zero otherwise): */
    int raw;              /* GW_FF_POLY: raw = TRUE (plain powers); the degree is exponent */
    long lag;             /* GW_FF_LAG: k of l(x, k) (f(x, k) is lag -k), 1 for d(x)       */
    int diff;             /* GW_FF_LAG: 1 for d(x, k) = x - l(x, k)                        */
    size_t nref;          /* GW_FF_FACTOR, GW_FF_I: reference levels (0: the default)      */
    gw_formula_ref *refs; /* nref                                                          */
} gw_formula_factor;

/* One term: the product (interaction) of nfactors >= 1 distinct factors. Owned by the formula. */
typedef struct {
    char *name; /* "a:b", "log(x)", ...                                  */
    size_t nfactors;
    gw_formula_factor *factors; /* nfactors, in written order                            */
    size_t pos;                 /* byte offset of the term's first factor                */
} gw_formula_term;

/* gw_formula_parse -- parse text into a formula.
 *   text  in, borrowed: the formula (NUL-terminated; copied, not retained).
 *   out   out, owned: the formula, release with gw_formula_free; NULL on failure.
 * Returns GW_OK; GW_ESYNTAX when text does not parse (the message names the problem and puts a
 * caret under it, see above); GW_EINVAL when text or out is NULL; GW_ENOMEM.
 * Complexity: O(length + number of terms^2) (duplicate detection). */
GW_API gw_status gw_formula_parse(const char *text, gw_formula **out);

/* gw_formula_free -- release f; NULL-safe. */
GW_API void gw_formula_free(gw_formula *f);

/* Accessors. Never fail; returned pointers are borrowed, valid until gw_formula_free. Indexes
 * must be in range. */
GW_API const char *gw_formula_text(const gw_formula *f); /* the text as given */
GW_API const gw_formula_factor *gw_formula_response(const gw_formula *f);
GW_API int gw_formula_has_intercept(const gw_formula *f); /* as written (before absorbing) */
GW_API size_t gw_formula_nterms(const gw_formula *f);     /* regressor terms, no intercept */
GW_API const gw_formula_term *gw_formula_term_at(const gw_formula *f, size_t k);
GW_API size_t gw_formula_nfe(const gw_formula *f); /* absorbed fixed effects */
GW_API const char *gw_formula_fe(const gw_formula *f, size_t k);
GW_API size_t gw_formula_fe_pos(const gw_formula *f, size_t k); /* byte offset of its name */
GW_API int gw_formula_has_iv(const gw_formula *f);              /* 1 when an IV part is present */
GW_API size_t gw_formula_nendog(const gw_formula *f);
GW_API const gw_formula_term *gw_formula_endog(const gw_formula *f, size_t k);
GW_API size_t gw_formula_ninst(const gw_formula *f);
GW_API const gw_formula_term *gw_formula_inst(const gw_formula *f, size_t k);

/* gw_formula_caret -- write the two caret lines of an error message about byte offset pos of
 * the formula's text ("  y ~ foo\n      ^", no trailing newline) into buf (size bytes,
 * always NUL-terminated when size > 0; truncated to fit). For callers reporting errors found
 * after parsing, such as an unknown variable. Returns the length written (excluding the NUL). */
GW_API size_t gw_formula_caret(const gw_formula *f, size_t pos, char *buf, size_t size);

/* gw_text_caret -- gw_formula_caret for any text (restrictions of `goodwork test`, ...): the
 * same two lines, window and UTF-8 columns, about byte offset pos of text (trailing white space
 * ignored). */
GW_API size_t gw_text_caret(const char *text, size_t pos, char *buf, size_t size);

#endif
