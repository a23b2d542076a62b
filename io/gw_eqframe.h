/* gw_eqframe.h -- the regressors of a stored model, rebuilt over a new table.
 *
 * goodwork scenario (analyses/gw_scenario.h) needs, for a fitted equation, the columns of its
 * regressors (log(w), a:b, x^2, factor dummies ...) computed from changed data, exactly as the
 * model frame computed them when the model was fitted. An eqframe keeps the parsed formula of
 * the model and builds those columns with gw_frame_build (io/gw_frame.h) from the formula
 *   "V ~ TERMS"   (plus "- 1" when the model was written without an intercept)
 * where TERMS are the model's regressor terms (endogenous terms of an IV model included) and V
 * is the first of the variables they read that is numeric in the table: the response and the
 * fixed effects are left out, so a row is dropped only when a regressor is missing (a missing
 * response, e.g. a suppressed survey cell, does not hide the row). Column names are the term
 * names the fit stored (`x`, `log(x)`, `a:b`, `region=London`). Absorbed fixed effects are not
 * built (they cancel in a difference of two designs over the same rows); an intercept column
 * "(Intercept)" is present when the model had an intercept or absorbed effects. */
#ifndef GW_EQFRAME_H
#define GW_EQFRAME_H

#include <stddef.h>

#include "gw_design.h"
#include "gw_export.h"
#include "gw_frame.h"
#include "gw_status.h"
#include "gw_table.h"

typedef struct gw_eqframe gw_eqframe;

/* gw_eqframe_new -- parse a stored model's formula.
 *   formula  in, borrowed: the formula as stored (gw_result.formula).
 *   out      out, owned: gw_eqframe_free; NULL on failure.
 * Returns GW_OK; GW_EINVAL (NULL argument); GW_ESYNTAX (the formula does not parse, with the
 * caret message of gw_formula_parse); GW_EUNSUPPORTED (a response transformed other than by
 * log: exp(y), sqrt(y), abs(y), y^k); GW_ENOMEM. Complexity: that of gw_formula_parse. */
GW_API gw_status gw_eqframe_new(const char *formula, gw_eqframe **out);

/* Flags of gw_eqframe_new_ex. */
#define GW_EQFRAME_POLY 1u /* rebuild poly() terms too (refused otherwise): raw ones as at the fit,
                              orthogonal ones with the fit's constants given as gw_frame_opts.poly
                              to gw_eqframe_build_ex (without them, over the new rows: wrong) */
#define GW_EQFRAME_ANY_RESPONSE 2u /* any response (log(wage + 1), sqrt(y), ...), for callers
                              that never read it, such as predictions of the linear index
                              (gw_predict.h); gw_eqframe_response then names the response's
                              first variable, gw_eqframe_response_log is 0 unless log(variable) */

/* gw_eqframe_new_ex -- gw_eqframe_new with flags GW_EQFRAME_*. */
GW_API gw_status gw_eqframe_new_ex(const char *formula, unsigned flags, gw_eqframe **out);

/* The response's variable (borrowed), and 1 when the response is log(variable). */
GW_API const char *gw_eqframe_response(const gw_eqframe *e);
GW_API int gw_eqframe_response_log(const gw_eqframe *e);

/* The distinct variables the regressor terms read, in order of first use (borrowed). */
GW_API size_t gw_eqframe_nvars(const gw_eqframe *e);
GW_API const char *gw_eqframe_var(const gw_eqframe *e, size_t i);

/* gw_eqframe_build -- the regressor design of the model over table t (see the file comment).
 *   out  out, owned: gw_design_free; NULL on failure. d->row_index maps rows to t's rows.
 * Returns gw_frame_build's statuses (GW_ENOVAR for a variable t lacks, GW_EFORMAT for log of a
 * non-positive value, GW_ENODATA when every row has a missing regressor, ...) and GW_EINVAL when
 * the model reads no numeric variable of t (nothing to build) or an argument is NULL.
 * Thread-safe (no shared state). Complexity: gw_frame_build's, O(n p). */
GW_API gw_status gw_eqframe_build(const gw_eqframe *e, const gw_table *t, gw_design **out);

/* gw_eqframe_build_ex -- gw_eqframe_build with frame options fo (borrowed, NULL: defaults), e.g.
 * all_levels for predictions (gw_predict.h). Statuses as gw_eqframe_build. */
GW_API gw_status gw_eqframe_build_ex(const gw_eqframe *e, const gw_table *t,
                                     const gw_frame_opts *fo, gw_design **out);

/* gw_eqframe_free -- release e; NULL-safe. */
GW_API void gw_eqframe_free(gw_eqframe *e);

#endif
