/* gw_stepwise.h -- several models from one formula text: fixest's stepwise functions and several
 * responses, expanded into plain formulas (docs/reference/formula.md, "Several models in one
 * formula"). The expansion works on the text, before gw_formula_parse, so that every model it
 * produces is a formula of the ordinary grammar (gw_formula.h) that can be fitted, stored and
 * printed as if it had been written by hand.
 *
 *   sw(a, b)    one model per argument: ... a ..., then ... b ...
 *   csw(a, b)   cumulative: ... a ..., then ... a + b ...
 *   sw0(a, b)   as sw, with first a model without the term:  ..., ... a ..., ... b ...
 *   csw0(a, b)  as csw, with first a model without the term: ..., ... a ..., ... a + b ...
 *   y1 + y2 ~ rhs, c(y1, y2) ~ rhs   one model per response: y1 ~ rhs, then y2 ~ rhs
 *
 * Rules (fixest's, where fixest has one):
 * - At most one stepwise function per formula. It stands as a term of its own, joined to the
 *   others with "+", in the right-hand side (`y ~ x + csw(a, b)`) or in the fixed-effects part
 *   (`y ~ x | csw(firm, year)`); not inside another call, not in the instruments' part.
 *   Arguments are separated by top-level commas and may be any terms (`sw(a + b, c:d)`); every
 *   argument must be non-empty and a call needs at least one.
 * - A model without the term (sw0, csw0) drops it with its "+"; a right-hand side left empty
 *   becomes "1" (`y ~ sw0(x)` gives `y ~ 1` first), a fixed-effects part left empty is removed
 *   (or becomes "0" when an instruments' part follows, `y ~ x | 0 | d ~ z`).
 * - Several responses: the left-hand side split at its top-level "+" signs, or the arguments of
 *   `c(...)`. Responses vary slowest: y1's models, then y2's (fixest's order).
 * - Replaced pieces are inserted as written; the rest of the text is kept byte for byte, and
 *   a formula with nothing to expand comes back unchanged (one model, the same text).
 * - Names are function names exactly (sw, csw, sw0, csw0, c; case-sensitive), recognised only
 *   where a call can begin: not inside a longer name (`csw1(x)` is not csw) nor in backquotes. */
#ifndef GW_STEPWISE_H
#define GW_STEPWISE_H

#include <stddef.h>

#include "gw_export.h"
#include "gw_status.h"

/* gw_stepwise_expand -- the formulas that text stands for, in fixest's order (responses, then
 * the stepwise function's models).
 *   text  in, borrowed: a formula (NUL-terminated).
 *   out   out, owned: *n >= 1 NUL-terminated formulas; release with gw_stepwise_free. NULL on
 *         failure.
 * Returns GW_OK; GW_ESYNTAX with a message and a caret under the offending place, in the form of
 * gw_formula_parse's messages ("at most one stepwise function (sw, csw, sw0, csw0) per
 * formula", "sw() has no argument", "empty argument of csw()", "sw() must be a term of its own,
 * joined with +", "a stepwise function cannot stand in the instruments' part", "no closing
 * parenthesis for sw(", "empty response"); GW_EINVAL for NULL arguments; GW_ENOMEM.
 * Text that is not a formula at all (no "~", unbalanced parentheses outside a stepwise call)
 * comes back unchanged, for gw_formula_parse to report. Thread-safe (no shared state).
 * Complexity: O(models x length). */
GW_API gw_status gw_stepwise_expand(const char *text, char ***out, size_t *n);

/* gw_stepwise_free -- release the n formulas of gw_stepwise_expand; NULL-safe. */
GW_API void gw_stepwise_free(char **list, size_t n);

#endif
