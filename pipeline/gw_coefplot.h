/* gw_coefplot.h -- coefficient and event-study plots of saved models, as SVG files
 * (`goodwork plot coef`, `goodwork plot event`). Drawn with the report's cairo plots
 * (gw_plot.h); each file is written to a temporary name and renamed into place. */
#ifndef GW_COEFPLOT_H
#define GW_COEFPLOT_H

#include <stddef.h>

#include "gw_result.h"
#include "gw_status.h"

/* Options of gw_coefplot_write; all-zero means the defaults. */
typedef struct {
    const char *keep;  /* NULL: every term; else only terms equal to it or in which it finds a
                          match as a POSIX extended regular expression                         */
    double level;      /* interval level in (0, 1); 0: each model's stored interval (95%)       */
    int intercept;     /* 1: draw (Intercept) too (left out by default: its scale is another)  */
    const char *title; /* NULL: "Coefficients with 95% confidence intervals" (the level's)     */
} gw_coefplot_opts;

/* gw_coefplot_write -- n models side by side on one axis: a row per term (the union of the
 * kept terms in order of first appearance), each model's estimate and interval in its colour,
 * a legend with names. Returns GW_OK; GW_EINVAL (no model, a NULL argument, level outside
 * (0, 1), no term left: "--keep 'x' matches no term"); GW_EIO (the file cannot be written);
 * GW_ENOMEM. */
gw_status gw_coefplot_write(const gw_result *const *fits, const char *const *names, size_t n,
                            const gw_coefplot_opts *o, const char *path);

/* Options of gw_eventplot_write; all-zero means the defaults. */
typedef struct {
    const char *var;   /* the event variable VAR of terms "VAR::LEVEL" (fixest's i(VAR, ref =
                          v)); NULL: the first VAR of such a term in the model                 */
    const double *ref; /* nref reference levels, marked at 0; nref 0: the level missing from an
                          evenly spaced run of the levels (the omitted period), if exactly one */
    size_t nref;
    double level;      /* as gw_coefplot_opts.level                                            */
    const char *title; /* NULL: "NAME: coefficients of VAR (95% intervals)"                    */
    const char *const *stored_ref; /* the model's stored reference levels, nstored_ref strings
                                      "VAR::LEVEL" (the results file's i_ref); used when nref is
                                      0: those of VAR with a numeric LEVEL are the references
                                      (none of VAR: the guess above)                          */
    size_t nstored_ref;
} gw_eventplot_opts;

/* gw_eventplot_write -- the coefficients of the terms VAR::LEVEL of fit (LEVEL a number; other
 * terms ignored) against LEVEL, with their intervals, and the reference levels marked at 0.
 * Terms VAR::LEVEL:BY (i(VAR, BY, ref = v) with a numeric BY) are drawn too: the series drawn
 * is that of the first such term (its BY, or none).
 * Returns GW_OK; GW_EINVAL (no term VAR::LEVEL with a numeric LEVEL: the message names the
 * terms' form); GW_EIO; GW_ENOMEM. */
gw_status gw_eventplot_write(const gw_result *fit, const char *name, const gw_eventplot_opts *o,
                             const char *path);

#endif
