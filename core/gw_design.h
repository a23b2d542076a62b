/* gw_design.h -- a model's numbers, ready for an estimator.
 *
 * The model frame builder (io/gw_frame.h) turns a data table and a formula into a gw_design;
 * estimators (models/) read it and never see files. Transparent so estimators can reach the
 * arrays directly; every pointer is owned by the design and released by gw_design_free.
 *
 * Rows with a missing value in any used column are already dropped (and counted). All n x p
 * matrices are column-major with leading dimension n, aligned to GW_ALIGN. */
#ifndef GW_DESIGN_H
#define GW_DESIGN_H

#include <stddef.h>
#include <stdint.h>

#include "gw_export.h"
#include "gw_status.h"

/* A grouping variable over the n rows: a cluster, an absorbed fixed effect or a panel id. */
typedef struct {
    char *name;      /* owned; the variable's name */
    int32_t *codes;  /* owned; length n, each in 0..nlevels-1 (levels that occur, renumbered) */
    size_t nlevels;
} gw_factor;

/* The recurrence constants of an orthogonal poly(x, d) term over the rows it was computed on
 * (R's attr(poly(x, d), "coefs")): with them the same polynomials are evaluated on other rows
 * (io/gw_frame.h, gw_frame_opts.poly; R's predict() with poly()). */
typedef struct {
    char *term;     /* owned; the term's name, "poly(x,2)"                                    */
    unsigned degree;
    double *alpha;  /* owned; degree values, in x's units                                      */
    double *norm2;  /* owned; degree + 2 values: 1, the row count, then the squared norms of
                       the unnormalised polynomials of degrees 1..degree                       */
} gw_poly_coefs;

typedef struct gw_design {
    size_t n, p;        /* observations used; columns of X                                     */
    double *X;          /* n x p regressors (exogenous first, then endogenous ones for IV)     */
    double *Xlo;        /* NULL, or n x p low parts: X + Xlo holds a column to double-double
                           precision where it was computed (powers x^k), for exact residuals  */
    double *y;          /* n: the response                                                     */
    double *w;          /* NULL, or n analytic weights, all > 0 (zero-weight rows removed)     */
    char **terms;       /* p term names as the contract prints them                             */
    char *response;     /* the response's name                                                  */
    int has_intercept;  /* 1 when column 0 is the constant "(Intercept)"                       */

    gw_factor *fe;      /* nfe absorbed fixed effects (formula's "| a + b" part)                */
    size_t nfe;
    gw_factor *cluster; /* ncluster cluster variables (--vcov cluster:A+B)                     */
    size_t ncluster;
    gw_factor *panel_id;  /* NULL or the panel identifier (--panel ID,TIME)                    */
    double *panel_time;   /* NULL or n times of the panel                                      */

    size_t n_endog;     /* IV: the last n_endog columns of X are endogenous                     */
    double *Z;          /* IV: n x q excluded instruments (NULL without an IV part)             */
    size_t q;
    char **inst_terms;  /* q instrument names                                                   */

    size_t nobs_dropped_missing; /* rows of the table dropped for missing values               */
    size_t nobs_dropped_zero_weight; /* rows dropped because their weight was zero             */
    size_t nobs_dropped_subset; /* rows left out by gw_frame_opts.keep (not counted above)      */
    size_t nobs_dropped_invalid; /* rows dropped for an undefined transform (drop_invalid)     */
    char **level_names; /* NULL, or n_level_names "NAME=LEVEL" texts: the levels of the
                           categorical factors of the regressors (io/gw_frame.h)               */
    size_t n_level_names;
    char ***fe_levels;  /* NULL, or nfe arrays of fe[g].nlevels level names (gw_frame_opts
                           .fe_levels: a categorical level, or a number's shortest text)      */
    size_t *row_index;  /* n: each observation's 0-based row in the source table; NULL when
                           row i is table row i (gw_frame_build_consume kept every row)        */
    double seconds_factorise; /* wall seconds the frame builder spent coding grouping columns
                                 (levels and codes; `goodwork fit --timings`); 0 otherwise     */
    void *block;        /* NULL, or the one allocation that y and X point into (the frame
                           took them from the table's columns without a copy); gw_design_free
                           frees it, not y and X                                              */
    gw_poly_coefs *poly; /* NULL, or npoly: the constants of each orthogonal poly() term of the
                            regressors computed over these rows (io/gw_frame.h)                */
    size_t npoly;
} gw_design;

/* gw_design_new -- a zeroed design with n x p X, y and terms allocated (names NULL).
 * out: owned, release with gw_design_free. GW_ENOMEM. */
GW_API gw_status gw_design_new(size_t n, size_t p, gw_design **out);

/* gw_design_free -- release d and everything it points to; NULL-safe. */
GW_API void gw_design_free(gw_design *d);

/* gw_poly_coefs_copy -- *out = an owned copy of src[0..n) (NULL when n is 0). GW_ENOMEM (*out
 * NULL). gw_poly_coefs_free releases n of them; NULL-safe. */
GW_API gw_status gw_poly_coefs_copy(const gw_poly_coefs *src, size_t n, gw_poly_coefs **out);
GW_API void gw_poly_coefs_free(gw_poly_coefs *p, size_t n);

/* gw_factor_free_fields -- release the fields of one factor (not the struct itself). */
GW_API void gw_factor_free_fields(gw_factor *f);

#endif
