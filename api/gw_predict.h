/* gw_predict.h -- fitted values of a stored model on new data (`goodwork predict`).
 *
 * The regressors are rebuilt over the new table from the model's formula with the model frame
 * (io/gw_eqframe.h, io/gw_frame.h): the same transforms (log, powers, products, factor dummies)
 * computed as when the model was fitted, the response and the weights not needed. Columns are
 * matched to the fit's coefficients by name; categorical levels are coded with one indicator per
 * level (gw_frame_opts.all_levels), so each level of the new data meets the coefficient of the
 * same name whatever levels the new data has or lacks:
 * - a level with a coefficient contributes it;
 * - a level among those the fit saw (gw_result.factor_levels) without a coefficient is the
 *   fit's reference level and contributes 0;
 * - a level the fit never saw gives a missing prediction for the rows that have it, counted in
 *   n_unseen (R's predict.lm stops with an error instead; fixest gives NA, as here). A fit
 *   without factor_levels (a file written before they existed; out-of-core and distributed
 *   fits, which do not record them yet) cannot tell the two apart: every level without a
 *   coefficient is then taken as the reference.
 * A row with a missing value in a variable the regressors read gets a missing prediction,
 * counted in n_missing. The linear prediction is x' b; its standard error sqrt(x' V x) with the
 * fit's variance (whatever it was: iid, robust, clustered), and the interval
 * x' b -/+ c sqrt(x' V x) with c from t(df_inference) when the fit used t, the normal otherwise
 * (R's predict(lm, newdata, se.fit = TRUE, interval = "confidence") for an iid fit).
 *
 * GLMs (logit, probit, poisson): GW_PREDICT_RESPONSE gives the mean g^-1(x' b) with the delta
 * method standard error |dmu/deta| sqrt(x' V x) (R's predict.glm(type = "response",
 * se.fit = TRUE)) and the interval g^-1 of the link-scale interval (inside the mean's range);
 * without it the link scale x' b (R's type = "link").
 *
 * Absorbed fixed effects: the stored estimates (fit --save-fe, gw_fixef.h) are added by level
 * name (the new table needs the fixed-effect variables); a level without an estimate gives a
 * missing prediction (counted in n_unseen and n_unseen_fe), a missing value in n_missing.
 *
 * Orthogonal poly(x, d): evaluated on the new rows with the fit's recurrence constants
 * (gw_result.poly), as R's predict() with poly()'s "coefs"; raw poly() as at the fit.
 *
 * Not supported (GW_EUNSUPPORTED with the reason): an orthogonal poly() term without stored
 * constants (results written before they were), absorbed fixed effects without stored
 * estimates, standard errors with absorbed fixed effects, a model whose regressors read no
 * numeric variable of the new table. The response, whatever its transform, is not read.
 *
 * Thread-safety: safe from several threads at once on different predictions. */
#ifndef GW_PREDICT_H
#define GW_PREDICT_H

#include <stddef.h>

#include "gw_export.h"
#include "gw_result.h"
#include "gw_status.h"
#include "gw_table.h"

enum {
    GW_PREDICT_SE = 1u << 0,      /* standard errors and intervals                        */
    GW_PREDICT_RESPONSE = 1u << 1 /* GLMs: the mean (response scale) instead of the link   */
};

/* Options; all-zero means: link scale (identical to the response for linear models), no
 * standard errors, level 0.95. */
typedef struct {
    double level;   /* interval level in (0, 1); 0: 0.95                                      */
    unsigned flags; /* GW_PREDICT_*                                                         */
} gw_predict_opts;

/* One prediction per row of the new table, in its order. Arrays owned (gw_prediction_free). */
typedef struct {
    size_t n;             /* rows of the new table                                       */
    double *fit;          /* n; NaN where not predicted                                  */
    double *se, *lo, *hi; /* n each with GW_PREDICT_SE, else NULL                         */
    size_t n_missing;     /* rows with a missing value in a regressor's variable         */
    size_t n_unseen;      /* rows with a level the fit never saw                         */
    size_t n_unseen_fe;   /* of those, rows whose unseen level is a fixed effect's       */
    char **unseen;        /* n_unseen_names "NAME=LEVEL" texts of those levels           */
    size_t n_unseen_names;
    double level, df; /* of the intervals; df NaN for the normal                     */
    int response;     /* 1: response scale (GLM with GW_PREDICT_RESPONSE)            */
} gw_prediction;

/* gw_predict_table -- predict model r (borrowed; formula, terms, estimate, vcov, link) on
 * table t (borrowed). out: owned (gw_prediction_free), NULL on failure.
 * Returns GW_OK; GW_EINVAL (NULL arguments, level outside (0, 1), GW_PREDICT_RESPONSE for a
 * linear model; a coefficient the new data gives no column for that is not a level dummy, e.g.
 * a variable numeric in the fit and categorical in the new data); GW_EUNSUPPORTED (above);
 * GW_ENOVAR (a variable the new table lacks, with the formula); GW_EFORMAT (a transform
 * undefined for a new value: log of x <= 0, with its row); GW_ENODATA (no row has every
 * regressor); GW_ESYNTAX (a stored formula that does not parse); GW_ENOMEM.
 * Complexity: O(n p) for the design and the fit, O(n k^2) more for standard errors. */
GW_API gw_status gw_predict_table(const gw_result *r, const gw_table *t,
                                  const gw_predict_opts *opts, gw_prediction **out);

/* gw_predict_render_csv -- the CSV `goodwork predict` writes: a header "row,fit" (with
 * standard errors also "se,ci_low,ci_high"), then one line per row of the new table: its
 * 1-based row number and the values, 17 significant digits, a missing value as an empty field.
 * out: owned (gw_free). GW_EINVAL, GW_ENOMEM. */
GW_API gw_status gw_predict_render_csv(const gw_prediction *p, char **out);

/* gw_prediction_free -- release p; NULL-safe. */
GW_API void gw_prediction_free(gw_prediction *p);

#endif
