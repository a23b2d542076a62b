/* gw_frame.h -- the model frame: a data table and a formula made into a gw_design.
 *
 * What the design holds (core/gw_design.h is the contract with the estimators):
 * - X, n x p column-major: "(Intercept)" first when the model has one, then each term's
 *   columns in formula order, then (IV) the endogenous terms' columns (d->n_endog of them).
 *   With absorbed fixed effects (formula "| a + b") the intercept is absorbed: no column.
 * - Column names (d->terms): the term's name for a numeric term (`x`, `x^2`, `log(x)`, `a:b`,
 *   `I(x^2)`); a categorical factor contributes "NAME=LEVEL" (`region=North`,
 *   `factor(region)=North`, `factor(year)=2011`), joined with ":" in an interaction
 *   (`region=North:x`). Interactions of two categorical factors vary the first one fastest.
 * - Levels of a categorical column are the levels that occur in the rows kept, in the table's
 *   level order; levels of factor(VAR) for a numeric VAR are its distinct kept values sorted
 *   numerically, named by the shortest decimal text that reads back to the same double.
 * - Reference levels follow R's model.matrix: a categorical factor in a term is coded by
 *   contrasts (first level dropped) when the term without it is spanned by a term before it
 *   (the constant counts as spanned when the model has an intercept or absorbed fixed
 *   effects); otherwise by one dummy per level. Without intercept or fixed effects the first
 *   categorical factor of the lowest-degree term that has one gets all its levels. "Before"
 *   means R's order (terms sorted stably by degree), although columns keep formula order.
 *   Endogenous terms are coded within the model "main terms + endogenous terms", instruments
 *   within "main terms + instruments".
 * - Powers x^k and I(x^k) are computed in double-double (core/gw_dd.h, binary powering): the
 *   rounded value goes to X and the low part to d->Xlo, so X + Xlo is x^k to about 32 digits
 *   (exactly for integers below 2^106). A product with a power (x^2:z) is carried in
 *   double-double as well. d->Xlo is NULL unless some low part is nonzero. Other columns
 *   (log, exp, sqrt, abs, plain products a:b) are ordinary double results.
 * - Arithmetic inside a factor (GW_FF_EXPR: log(x + 1), I(x / 10)) is evaluated in double by
 *   io/gw_expr.h over the kept rows; every variable it reads is a used column (missing values).
 * - The calls of issue 19 (docs/reference/formula.md): poly(x, d) gives d columns
 *   "poly(x,d)1".."poly(x,d)d", orthogonal as R's poly() over the kept rows (raw = TRUE: the
 *   powers, with low parts); factor(x, ref = v) drops v where R's rule drops a level;
 *   i(x, ref = v) gives one dummy "x::LEVEL" per level but the references (no contrast rule),
 *   times a numeric by ("x::LEVEL:by") or crossed with a categorical one ("x::L:by::M");
 *   l(x, k), f(x, k), d(x) need opts.panel_id/panel_time: the value at (id, time - k) among all
 *   table rows (before opts.keep), missing (row dropped and counted) when absent; GW_EINVAL
 *   without a panel (caret) or with two rows of one (id, time) (both named). O(n log n) once
 *   for the (id, time) order, then O(n) per lag. d->poly receives the recurrence constants of
 *   each orthogonal poly() term computed here (R's "coefs"), for opts.poly of a prediction.
 * - y: the response (transformed if written so, e.g. log(y); a power response is rounded).
 * - w: the weights (opts.weights), all > 0; rows with weight 0 are dropped and counted in
 *   d->nobs_dropped_zero_weight.
 * - fe, cluster, panel_id: gw_factor codes 0..L-1 over the kept rows (a categorical column's
 *   occurring levels in level order; a numeric column's distinct values in increasing order).
 *   panel_time: the time variable's values (numeric columns only).
 * - IV: Z is n x q, the excluded instruments' columns (inst_terms their names).
 * - row_index: the 0-based table row of each kept observation.
 * - level_names: "NAME=LEVEL" for every level (over the kept rows, in the order above) of every
 *   categorical factor of the main and endogenous terms, each factor once, NAME as in the
 *   column names: the levels a fit saw, stored with it so that a prediction can tell a level
 *   the fit never saw from its reference level (gw_predict.h).
 *
 * Missing values: a row with a missing value (NaN, or categorical code -1) in any column the
 * model uses (response, regressors, instruments, weights, fixed effects, clusters, panel id and
 * time) is dropped and counted in d->nobs_dropped_missing. Infinite values are errors.
 * Row numbers in error messages are 1-based data rows (the row's CSV line is R + 1 with a
 * header line). */
#ifndef GW_FRAME_H
#define GW_FRAME_H

#include <stddef.h>

#include "gw_design.h"
#include "gw_export.h"
#include "gw_formula.h"
#include "gw_status.h"
#include "gw_table.h"

#define GW_FRAME_MAX_CLUSTER 2

/* Options; all-zero means: no weights, no clusters, no panel. Strings are borrowed. */
typedef struct {
    const char *weights;                       /* analytic weights variable, or NULL        */
    const char *cluster[GW_FRAME_MAX_CLUSTER]; /* cluster variables; NULL entries: unused   */
    const char *panel_id;                      /* panel identifier, or NULL                 */
    const char *panel_time;                    /* panel time (numeric), or NULL             */
    /* Rows to consider (`fit --subset`, `--split`): keep[r] == 0 leaves table row r out before
     * anything else is looked at (its missing values are not counted and its values are never
     * checked); counted in d->nobs_dropped_subset. NULL: every row. Borrowed, nrows bytes. */
    const unsigned char *keep;
    /* 1: a row where a transform of the formula is undefined (log of a non-positive number,
     * sqrt of a negative one, division by zero, an overflow; see GW_EFORMAT below) is dropped and
     * counted in d->nobs_dropped_invalid instead of failing the build. */
    int drop_invalid;
    /* 1: every categorical factor is coded by one indicator per level (no reference level
     * dropped, whatever the intercept), so that a design over new data has a column for each
     * of its levels, matched by name to a fit's coefficients (gw_predict.h). 0: R's rule. */
    int all_levels;
    /* 1: also d->fe_levels, the names of the levels of each absorbed fixed effect (fit
     * --save-fe). 0: not made (they cost a string per level). */
    int fe_levels;
    /* NULL, or npoly stored constants of orthogonal poly() terms (a fit's gw_design.poly): a
     * poly() term of the same name and degree is evaluated with them at the kept rows, as R's
     * predict() does with poly()'s "coefs" (new data get the fit's basis), instead of being
     * made orthogonal over the kept rows; its degree is then not checked against the number of
     * distinct values. A degree that differs is GW_EINVAL. Borrowed. */
    const gw_poly_coefs *poly;
    size_t npoly;
} gw_frame_opts;

/* gw_frame_build -- build the design of formula f over table t.
 *   t     in, borrowed: the data.
 *   f     in, borrowed: a parsed formula (gw_formula_parse).
 *   opts  in, borrowed, may be NULL (= all defaults).
 *   out   out, owned: the design, release with gw_design_free; NULL on failure.
 * Returns GW_OK, or:
 *   GW_ENOVAR   a formula or option variable is not in the table ("unknown variable 'foo' in the
 *               formula" with the formula and a caret under the name; "unknown weights
 *               variable 'w'", "unknown cluster variable 'c'", "unknown panel variable 'id'").
 *   GW_EINVAL   a categorical variable where a number is needed (the response, inside log(),
 *               exp(), sqrt(), abs(), a power, arithmetic (with a caret), weights, panel time); a negative or infinite
 *               weight ("weight 'w' is negative at row R (w = V)"); a cluster variable listed
 *               twice; NULL t, f or out.
 *   GW_EFORMAT  a transform undefined for the data: "log(x) is undefined at row R (x = V)" (log
 *               of zero or a negative number, sqrt of a negative number) or a value that
 *               overflows ("exp(x) overflows at row R (x = V)", also powers and products); for
 *               arithmetic inside a factor (GW_FF_EXPR) also division by zero, with the value
 *               of every variable it reads ("I(x/z) divides by zero at row R (x = 1, z = 0)").
 *               With opts.drop_invalid such rows are dropped and counted instead.
 *   GW_ENONFINITE an infinite value in a used numeric column ("x is infinite at row R").
 *   GW_ENODATA  no row is left after the subset, missing values, zero weights and (with
 *               drop_invalid) undefined transforms.
 *   GW_ENOMEM   allocation failure (also when n x p overflows size_t).
 * Errors about variables and types come first; then errors about values, each naming the first
 * offending row of the first offending variable or term (response, then formula order).
 * Complexity: O(n (p + c)) time, with c the number of used columns, plus O(n + L log L) per
 * numeric grouping variable with L distinct values (factor(VAR), fixed effects, clusters, panel
 * id: gw_codes.h); memory: the design plus O(n) scratch (one n-byte mask, the row index and, for
 * numeric grouping variables, a table of at most 2n int32 or a hash of L values); one
 * allocation of n x p for X. The passes over rows run on gw_threads_get() threads; the design
 * and the error reported do not depend on their number. */
GW_API gw_status gw_frame_build(const gw_table *t, const gw_formula *f, const gw_frame_opts *opts,
                                gw_design **out);

/* gw_frame_build_consume -- gw_frame_build that may take the table's memory: it releases the
 * values of each column of t as soon as the design holds what it needs of them, so that peak
 * memory is about the larger of the table and the design rather than their sum (a 10^7-row,
 * 14-column fit: 2.28 -> 1.27 GB); it takes a categorical column's codes as group codes when
 * they already are (every row kept, every level present); and when the regressors are
 * consecutive columns of the table's block (core_int.h; the .h5 reader fills one in the order
 * the columns are asked for, with a free slot first for an intercept) and the response is in it
 * too, no row is dropped and no column has low parts, the design takes the block as its X and y
 * without a copy (d->block). With every row kept, d->row_index is NULL (the identity). The
 * design is the one gw_frame_build gives, number for number. On return (success or failure) the
 * used columns of t may hold no values (gw_table_numeric and gw_table_codes return NULL for
 * them; names and levels stay): the table serves for nothing but gw_table_free afterwards.
 * Errors as gw_frame_build. */
GW_API gw_status gw_frame_build_consume(gw_table *t, const gw_formula *f,
                                        const gw_frame_opts *opts, gw_design **out);

#endif
