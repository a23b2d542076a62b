/* gw_expr.h -- row expressions over a data table: `fit --subset "EXPR"` and the arithmetic
 * inside formula factors (`log(x + 1)`, `I(x / 10)`, gw_formula.h).
 *
 *   or      := and { ("|" | "||") and }
 *   and     := not { ("&" | "&&") not }
 *   not     := "!" not | cmp
 *   cmp     := add [ ("==" | "!=" | "<" | "<=" | ">" | ">=") add ]     (not chained)
 *   add     := mul { ("+" | "-") mul }
 *   mul     := in { ("*" | "/") in }
 *   in      := unary [ "%in%" "c(" literal { "," literal } ")" ]
 *   unary   := ("-" | "+") unary | pow
 *   pow     := primary [ "^" unary ]                                   (right-associative)
 *   primary := NUMBER | VAR | STRING | "(" or ")" | FUNC "(" or ")"
 *   FUNC    := log | exp | sqrt | abs
 *   literal := [ "-" ] NUMBER | STRING
 * The precedence is R's (^, unary minus, %in%, * /, + -, comparisons, !, &, |), so that an
 * expression means here what it means in R's subset() and lm(). NUMBER is a decimal number
 * (1, 2.5, .5, 1e-3); VAR a name as in formulas ([A-Za-z_.][A-Za-z0-9_.]* or `backquoted`);
 * STRING text in double or single quotes (no escapes; it cannot contain its own quote).
 *
 * Types. Values are doubles; a condition is 1 (true) or 0 (false). Arithmetic on a condition
 * uses 1/0 and a number as a condition is true when nonzero (as in R). A STRING may appear only
 * compared with a categorical VAR by level name: `region == "North"`, `"North" != region`,
 * `region %in% c("North", "East")` (a name that is not a level is simply never equal). A
 * categorical VAR anywhere else, a numeric VAR compared with a string, or a string set mixed
 * with numbers is an error (gw_expr_bind / gw_expr_parse) with a caret under the place.
 *
 * Missing values (NaN, a categorical code -1) propagate: arithmetic, functions and comparisons
 * with a missing operand are missing; `&` and `|` follow R's three-valued logic (FALSE & NA is
 * FALSE, TRUE | NA is TRUE); `%in%` is never missing (a missing value is in no set), as R's
 * match(). As a subset a missing condition is false: the row is left out, as R's subset() and
 * lm(subset =) do (Stata's `if` would keep `x > 5` for a missing x, missing being +infinity
 * there; goodwork follows R).
 *
 * Undefined values. An operation on defined operands whose result is not a finite number is
 * recorded per row as a reason (gw_expr_why): log of a non-positive number or sqrt of a
 * negative number or a non-integer power of a negative number (GW_EXPR_UNDEFINED), division by
 * zero (GW_EXPR_DIVZERO, also 0 / 0 and 0 ^ negative), overflow (GW_EXPR_OVERFLOW); the value is
 * NaN. A subset treats such a row as a missing condition (left out, as R's NaN); the model
 * frame reports it (exit 3) or, with --drop-invalid, drops the row.
 *
 * Errors are GW_ESYNTAX with the expression on one line and a caret under the offending token,
 * in the style of formula errors (gw_formula.h, GW_FORMULA_CARET_WIDTH). Thread safety: a
 * parsed expression and a bound program are read-only; gw_expr_eval may run on several threads
 * over the same program. */
#ifndef GW_EXPR_H
#define GW_EXPR_H

#include <stddef.h>

#include "gw_export.h"
#include "gw_status.h"
#include "gw_table.h"

typedef struct gw_expr gw_expr;           /* a parsed expression (no table)              */
typedef struct gw_expr_prog gw_expr_prog; /* an expression bound to a table's columns     */

/* Reasons an operation gave no value (per row, gw_expr_eval's why). */
enum { GW_EXPR_OK = 0, GW_EXPR_UNDEFINED = 1, GW_EXPR_DIVZERO = 2, GW_EXPR_OVERFLOW = 3 };

/* gw_expr_parse -- parse text as an expression.
 *   text  in, borrowed (copied): NUL-terminated.
 *   out   out, owned: gw_expr_free; NULL on failure.
 * Returns GW_OK; GW_ESYNTAX (message with a caret); GW_EINVAL (NULL argument); GW_ENOMEM.
 * Complexity: O(length). */
GW_API gw_status gw_expr_parse(const char *text, gw_expr **out);

/* gw_expr_parse_named -- gw_expr_parse whose messages name the expression `what` ("unexpected
 * end of subset", "unknown variable 'foo' in the subset"; gw_expr_parse says "expression").
 * what: a string that outlives the expression (a literal). */
GW_API gw_status gw_expr_parse_named(const char *text, const char *what, gw_expr **out);

/* gw_expr_free -- NULL-safe. */
GW_API void gw_expr_free(gw_expr *e);

/* The distinct variables the expression reads, in order of first use (borrowed, valid until
 * gw_expr_free); gw_expr_var_pos: byte offset of the first use in the text. */
GW_API size_t gw_expr_nvars(const gw_expr *e);
GW_API const char *gw_expr_var(const gw_expr *e, size_t k);
GW_API size_t gw_expr_var_pos(const gw_expr *e, size_t k);

/* 1 when the expression's value is a condition (a comparison, !, &, |, %in%). */
GW_API int gw_expr_is_condition(const gw_expr *e);

/* gw_expr_why_text -- "is undefined", "divides by zero", "overflows" for a reason; "" for 0. */
GW_API const char *gw_expr_why_text(unsigned char why);

/* gw_expr_bind -- resolve the expression's variables in table t and check their types.
 *   e, t  in, borrowed; the program keeps pointers to t's columns: t must outlive it and its
 *         columns must not be released (gw_frame_build_consume) while it is evaluated.
 *   out   out, owned: gw_expr_prog_free; NULL on failure.
 * Returns GW_OK; GW_ENOVAR ("unknown variable 'foo' in the expression" with a caret);
 * GW_EINVAL (a categorical variable in arithmetic or an order comparison, a numeric variable
 * compared with a string; with a caret); GW_ENOMEM. */
GW_API gw_status gw_expr_bind(const gw_expr *e, const gw_table *t, gw_expr_prog **out);

/* gw_expr_prog_free -- NULL-safe. */
GW_API void gw_expr_prog_free(gw_expr_prog *p);

/* The table columns a program reads (one per gw_expr_var, same order; borrowed). */
GW_API size_t gw_expr_prog_ncols(const gw_expr_prog *p);
GW_API const size_t *gw_expr_prog_cols(const gw_expr_prog *p);

/* gw_expr_eval -- evaluate the program on table rows rows[0..n) (NULL: rows 0..n-1).
 *   out  out: n values (NaN where missing or undefined).
 *   why  out, may be NULL: n reasons (GW_EXPR_*; the first undefined operation of the row).
 * Rows are evaluated in fixed blocks of GW_EXPR_BLOCK rows on the library's threads; a row's
 * value depends on that row alone, so the result does not depend on the thread count.
 * Returns GW_OK; GW_ENOMEM (scratch). Complexity: O(n x program length). */
#define GW_EXPR_BLOCK ((size_t)256)
GW_API gw_status gw_expr_eval(const gw_expr_prog *p, const size_t *rows, size_t n, double *out,
                              unsigned char *why);

/* gw_expr_subset -- the rows of t where the condition e is true (not false, not missing, not
 * undefined): keep[r] = 1 or 0 for each of t's rows (caller's, nrows bytes); *nkept (may be NULL)
 * the number kept. Returns gw_expr_bind's statuses; GW_EINVAL when e is not a condition
 * ("the subset must be a condition ..."). */
GW_API gw_status gw_expr_subset(const gw_expr *e, const gw_table *t, unsigned char *keep,
                                size_t *nkept);

#endif
