/* fit_ext.h -- the parsed `goodwork fit` command line and the fit path that cmd_fit.c hands
 * over to: distributed fits under mpirun (cli/fit_mpi.c). Every other fit, in core or streamed
 * out of core (--memory-limit), is the library's gw_fit_file (api/gw_fit.h). cmd_fit.c does the
 * usage checks common to all of them (data, model, format, threads, weights, panel, ssc, vcov
 * syntax) and the library's gw_fit_prepare; the distributed path checks what only it
 * understands.
 *
 * Every function prints its own error ("goodwork: error: ...", cli_error) and returns the
 * contract's exit code (GW_EXIT_*): 2 usage, 3 data, 4 numerical, 1 anything else. On
 * GW_EXIT_OK *out is the caller's (gw_result_free). */
#ifndef GW_FIT_EXT_H
#define GW_FIT_EXT_H

#include "cli.h"
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
    const char *subset;       /* --subset EXPR: fit the rows where EXPR is true             */
    int drop_invalid;         /* --drop-invalid: drop rows with an undefined transform      */
    const char *level;        /* --level L: confidence level of the intervals               */
    int ame;                  /* --ame: average marginal effects (logit, probit)            */
    int keep_singletons;      /* absorbed fixed effects: keep singleton groups              */
    int save_residuals;       /* with --out: store residuals and fitted values too          */
    int save_fe;              /* with --out: store the fixed-effect estimates too           */
    int hausman;              /* --hausman: the Hausman test with the fit                   */
    int timings;              /* --timings: seconds per stage to standard error             */
    int quiet;                /* --quiet: print nothing on success                          */
    int replace;              /* --replace: --out overwrites a model of the same --name     */
    int help;
    /* Several models (cli/fit_multi.c): every --model and --name in the order given (model
     * and name above are the first of each), --split VAR and --fsplit. */
    cli_list models, names;
    const char *split; /* --split VAR: one fit per value of VAR                             */
    int fsplit;        /* --fsplit: with --split, the full sample first                     */
} fit_args;

/* cli_fit_mpi -- called first, before the data are read, with the options o as the library
 * resolved them (p). When the program runs as one of several MPI ranks, fits the model
 * distributed (each rank reads its own row range) and sets *handled = 1; otherwise sets
 * *handled = 0 and returns GW_EXIT_OK without doing anything. */
int cli_fit_mpi(const fit_args *a, const gw_formula *f, const gw_fit_opts *o, const gw_fit_prep *p,
                int *handled, gw_result **out);

/* cli_fit_multi -- several models in one call: more than one --model or --name, a formula
 * that expands into several (sw(), csw(), sw0(), csw0(), y1 + y2 ~ ...: io/gw_stepwise.h), or
 * --split. Called after the options are checked (o, p resolved; fmt the --format). Reads the
 * data once, fits every model, stores them all in --out in one atomic write and prints them.
 * Sets *handled = 1 when it took the call (whatever the outcome); *handled = 0 and GW_EXIT_OK
 * for a single plain model, which cmd_fit fits as always. docs/reference/commands.md, "Several
 * models in one call", is the behaviour. */
int cli_fit_multi(const fit_args *a, const gw_fit_opts *o, const gw_fit_prep *p,
                  int fmt, int *handled);

/* cli_parse_memory_size -- --memory-limit SIZE: a positive number with an optional K, M, G or T
 * suffix (powers of 1024) and an optional B, into bytes in *out; 0 (and *out untouched) when
 * text is not one. (cli/cmd_fit.c; shared with cli/fit_mpi.c.) */
int cli_parse_memory_size(const char *text, double *out);

#endif
