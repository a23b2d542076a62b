/* fit_ext.h -- the parsed `goodwork fit` command line and the fit paths that cmd_fit.c hands
 * over to: instrumental variables (cli/fit_iv.c), generalised linear models (cli/fit_glm.c),
 * out-of-core fits of HDF5 tables (cli/fit_stream.c) and distributed fits under mpirun
 * (cli/fit_mpi.c). cmd_fit.c does the usage checks common to all of them (data, model, format,
 * threads, weights, panel, ssc, vcov syntax) and builds the gw_ols_opts; each path checks the
 * options only it understands.
 *
 * Every function prints its own error ("goodwork: error: ...", cli_error) and returns the
 * contract's exit code (GW_EXIT_*): 2 usage, 3 data, 4 numerical, 1 anything else. On
 * GW_EXIT_OK *out is the caller's (gw_result_free). */
#ifndef GW_FIT_EXT_H
#define GW_FIT_EXT_H

#include "gw_design.h"
#include "gw_fit.h"
#include "gw_formula.h"
#include "gw_frame.h"
#include "gw_glm.h"
#include "gw_ols.h"
#include "gw_result.h"

/* The parsed command line. Strings are borrowed from argv; NULL when not given. */
typedef struct {
    const char *data, *model, *estimator, *vcov, *weights, *panel, *format, *threads, *out, *name,
        *table, *ssc;
    const char *maxiter;      /* --maxiter N: IRLS iteration limit                          */
    const char *tol;          /* --tol X: IRLS convergence tolerance                        */
    const char *fe_tol;       /* --fe-tol X: demeaning tolerance (absorbed fixed effects)   */
    const char *fe_maxiter;   /* --fe-maxiter N: demeaning iteration limit (same)           */
    const char *memory_limit; /* --memory-limit SIZE: stream .h5 tables beyond it           */
    const char *scratch;      /* --scratch DIR: out-of-core scratch files                   */
    int ame;                  /* --ame: average marginal effects (logit, probit)            */
    int keep_singletons;      /* absorbed fixed effects: keep singleton groups              */
    int save_residuals;       /* with --out: store residuals and fitted values too          */
    int hausman;              /* --hausman: the Hausman test with the fit                   */
    int timings;              /* --timings: seconds per stage to standard error             */
    int help;
    const gw_fit_prep *prep; /* the options as the library resolved them (set by cmd_fit) */
} fit_args;

/* cli_glm_requested -- 1 when estimator is "logit", "probit" or "poisson" (NULL: 0). */
int cli_glm_requested(const char *estimator);

/* cli_glm_opts -- the gw_glm_opts of a->estimator (logit, probit, poisson) as the library
 * resolved them (a->prep), for the out-of-core and distributed GLM fits; oo is unused. Returns
 * GW_EXIT_OK. */
int cli_glm_opts(const fit_args *a, const gw_ols_opts *oo, gw_glm_opts *go);
/* cli_fit_mpi -- called first, before the data are read. When the program runs as one of
 * several MPI ranks, fits the model distributed (each rank reads its own row range) and sets
 * *handled = 1; otherwise sets *handled = 0 and returns GW_EXIT_OK without doing anything. */
int cli_fit_mpi(const fit_args *a, const gw_formula *f, const gw_frame_opts *fo,
                const gw_ols_opts *oo, int *handled, gw_result **out);

/* cli_fit_stream -- called before the data are read (after cli_fit_mpi). When --memory-limit
 * is given and the in-core fit of the .h5 table would exceed it, fits out of core and sets
 * *handled = 1; otherwise *handled = 0 and GW_EXIT_OK (the in-core path follows). */
int cli_fit_stream(const fit_args *a, const gw_formula *f, const gw_frame_opts *fo,
                   const gw_ols_opts *oo, int *handled, gw_result **out);

#endif
