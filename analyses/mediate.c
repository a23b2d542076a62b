/* mediate.c -- product-of-coefficients mediation with cluster-bootstrap and delta-method
 * intervals (gw_mediate.h).
 *
 * Every fit (the point estimate, each bootstrap replication, each jackknife refit) goes through
 * one function, fit_sample: build the sample's columns (X then y) and fixed-effect codes,
 * demean all columns once with gw_hdfe (singletons dropped as gw_ols_fit drops them), then run
 * the k + 1 small least-squares problems with gw_ls_fit on the demeaned columns. Demeaning a
 * column does not depend on the other columns (gw_hdfe.h), so the demeaned columns, and hence
 * the coefficients, are those gw_ols_fit computes for each equation on its own (pinned by
 * tests/models/test_mediate.c). Demeaning once instead of once per equation is what makes a
 * bootstrap of a few hundred replications of a two-way fixed-effects model cheap.
 *
 * Parallelism: replications run in an OpenMP loop, each writing only its own slot; batches of
 * replications are separated by progress callbacks on the calling thread. Inner OpenMP regions
 * (gw_ls_fit, gw_hdfe_demean) then run with one thread, and their results do not depend on the
 * thread count anyway, so neither do the replicates. A failing replication records its status
 * in its slot; the first failure in index order is re-run on the calling thread so that its
 * detail message reaches gw_last_error (which is thread-local). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>
#include <omp.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_hdfe.h"
#include "gw_linalg.h"
#include "gw_mediate.h"
#include "gw_par.h"

/* A status that marks a degenerate replication (aliased T or mediator, nothing left after
 * singletons): recorded as NaN, not an error. Outside the gw_status range on purpose. */
#define DEGENERATE ((gw_status)(GW_NSTATUS + 1))

/* Replications per batch between progress callbacks (a multiple of any sensible thread count;
 * it does not affect the results). */
#define BATCH 32

/* Everything fixed across fits. */
typedef struct {
    const gw_design *d;
    size_t n, p, k, nfe, neff;
    size_t *out_cols, nout, out_t, *out_m; /* outcome equation: columns, positions of T, M_j */
    size_t *med_cols, nmed, med_t;         /* mediator equations                           */
    size_t *tot_cols, ntot, tot_t;         /* Y ~ T + outcome controls                       */
    const size_t *mcol;                    /* the mediators' columns                          */
    int intercept;                         /* 1: column 0 is the intercept, in every equation */
    size_t G;                              /* clusters (rows when unclustered)               */
    size_t *cl_start, *cl_rows;            /* rows of cluster g: cl_rows[cl_start[g]..+1)     */
    const int32_t *cl;                     /* cluster code of each row, NULL: rows            */
    int *nested;                           /* nfe flags: set nested in the cluster variable  */
    gw_hdfe_opts hopts;
} med_ctx;

/* One data set to fit: n rows of p + 1 columns (X, then y) and fixed-effect codes. */
typedef struct {
    size_t n;
    double *cols;   /* (p + 1) x n, column-major                                           */
    int32_t *codes; /* nfe x n                                                              */
    gw_factor *fe;  /* nfe factors pointing into codes                                      */
    int32_t *cl;    /* n cluster codes (point fit only), else NULL                          */
} sample;

/* Extra output of the point fit: influence functions and degrees of freedom. */
typedef struct {
    size_t nobs, singletons, G;
    double *psi;   /* (2k + 2) x G: a_1..a_k, b_1..b_k, c', total regression; per cluster */
    double *cfac;  /* 2k + 2: CR1 factor of the parameter's equation                       */
    double *coef;  /* 2k + 2 estimates                                                      */
    int have_vcov; /* 0 when some equation has no residual degrees of freedom               */
} point_extra;

static void sample_free(sample *s)
{
    gw_free(s->cols);
    gw_free(s->codes);
    gw_free(s->fe);
    gw_free(s->cl);
    memset(s, 0, sizeof *s);
}

static gw_status sample_alloc(const med_ctx *c, size_t n, int with_cl, sample *s)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    s->cols = gw_alloc_array(n * (c->p + 1) + 1, sizeof(double));
    s->codes = gw_alloc_array(n * c->nfe + 1, sizeof(int32_t));
    s->fe = gw_calloc(c->nfe + 1, sizeof(gw_factor));
    if (with_cl)
        s->cl = gw_alloc_array(n + 1, sizeof(int32_t));
    if (s->cols == NULL || s->codes == NULL || s->fe == NULL || (with_cl && s->cl == NULL)) {
        sample_free(s);
        return gwi_fail(GW_ENOMEM, "mediation: cannot allocate a sample of %zu rows", n);
    }
    for (size_t g = 0; g < c->nfe; g++) {
        s->fe[g].name = c->d->fe[g].name;
        s->fe[g].codes = s->codes + g * n;
        s->fe[g].nlevels = c->d->fe[g].nlevels;
    }
    return GW_OK;
}

/* Copies row `row` of the design into row i of s (X columns and y). */
static void copy_row(const med_ctx *c, sample *s, size_t i, size_t row)
{
    const size_t n = c->n;
    for (size_t j = 0; j < c->p; j++)
        s->cols[j * s->n + i] = c->d->X[j * n + row];
    s->cols[c->p * s->n + i] = c->d->y[row];
}

/* The whole design as a sample (the point fit). */
static gw_status build_full(const med_ctx *c, sample *s)
{
    gw_status rc = sample_alloc(c, c->n, 1, s);
    if (rc != GW_OK)
        return rc;
    for (size_t i = 0; i < c->n; i++) {
        copy_row(c, s, i, i);
        for (size_t g = 0; g < c->nfe; g++)
            s->fe[g].codes[i] = c->d->fe[g].codes[i];
        s->cl[i] = c->cl ? c->cl[i] : (int32_t)i;
    }
    return GW_OK;
}

/* Per-thread scratch, reused by every replication (or jackknife refit) a thread runs: the
 * sample, the least-squares scratch of fit_sample, the stacked row indices, the draw, the
 * relabelling tables and the generator. It only grows. Allocating these afresh per
 * replication made the bootstrap superlinear in n: blocks above malloc's mmap threshold (32 MB
 * at most, reached near 3 x 10^5 rows of 12 columns) were mapped and unmapped every time, so
 * every replication paid a page fault per 4 KB of its sample and scratch. */
typedef struct {
    sample s;
    size_t cap;    /* rows s.cols, s.codes, X and idx can hold                             */
    double *X;     /* cap x maxc: the least-squares scratch of fit_sample                  */
    size_t *idx;   /* cap: the design row of each sample row                               */
    size_t *draw;  /* G: the drawn clusters                                                */
    size_t *stamp; /* maxl: relabelling of nested fixed effects (build_boot)               */
    int32_t *map;  /* maxl                                                                 */
    gsl_rng *rng;
} workspace;

static void ws_free(workspace *w)
{
    sample_free(&w->s);
    gw_free(w->X);
    gw_free(w->idx);
    gw_free(w->draw);
    gw_free(w->stamp);
    gw_free(w->map);
    if (w->rng != NULL)
        gsl_rng_free(w->rng);
    memset(w, 0, sizeof *w);
}

/* The widest equation: the scratch of ls_eq holds any of them. The mediator equations are the
 * widest when mediator controls of their own outnumber the mediators (they were once left out
 * here, and such a fit wrote past the scratch). */
static size_t max_cols(const med_ctx *c)
{
    size_t m = c->nout > c->ntot ? c->nout : c->ntot;
    return c->nmed > m ? c->nmed : m;
}

/* Makes w hold a sample of m rows (s.n = m; columns and codes laid out with stride m). */
static gw_status ws_reserve(const med_ctx *c, workspace *w, size_t m)
{
    if (w->s.fe == NULL) {
        size_t maxl = 1;
        for (size_t f = 0; f < c->nfe; f++)
            if (c->d->fe[f].nlevels > maxl)
                maxl = c->d->fe[f].nlevels;
        w->s.fe = gw_calloc(c->nfe + 1, sizeof(gw_factor));
        w->draw = gw_alloc_array(c->G + 1, sizeof *w->draw);
        w->stamp = gw_alloc_array(maxl, sizeof *w->stamp);
        w->map = gw_alloc_array(maxl, sizeof *w->map);
        w->rng = gsl_rng_alloc(gsl_rng_mt19937);
        if (!w->s.fe || !w->draw || !w->stamp || !w->map || !w->rng)
            return gwi_fail(GW_ENOMEM, "mediation: cannot allocate a bootstrap workspace");
    }
    if (m > w->cap) {
        size_t cap = m + m / 8; /* bootstrap samples vary in size around n */
        gw_free(w->s.cols);
        gw_free(w->s.codes);
        gw_free(w->X);
        gw_free(w->idx);
        w->cap = 0;
        w->s.cols = gw_alloc_array(cap * (c->p + 1) + 1, sizeof(double));
        w->s.codes = gw_alloc_array(cap * c->nfe + 1, sizeof(int32_t));
        w->X = gw_alloc_array(cap * max_cols(c) + 1, sizeof(double));
        w->idx = gw_alloc_array(cap + 1, sizeof(size_t));
        if (!w->s.cols || !w->s.codes || !w->X || !w->idx)
            return gwi_fail(GW_ENOMEM, "mediation: cannot allocate a sample of %zu rows", m);
        w->cap = cap;
    }
    w->s.n = m;
    for (size_t g = 0; g < c->nfe; g++) {
        w->s.fe[g].name = c->d->fe[g].name;
        w->s.fe[g].codes = w->s.codes + g * m;
        w->s.fe[g].nlevels = c->d->fe[g].nlevels;
    }
    return GW_OK;
}

/* Gathers the design's X columns, y and the codes of the fixed effects not relabelled (all
 * of them when nested is NULL) at the rows w->idx[0..m-1], column by column. */
static void gather(const med_ctx *c, workspace *w, const int *nested)
{
    const size_t n = c->n, m = w->s.n, *idx = w->idx;
    for (size_t j = 0; j <= c->p; j++) {
        const double *src = j < c->p ? c->d->X + j * n : c->d->y;
        double *dst = w->s.cols + j * m;
        for (size_t i = 0; i < m; i++)
            dst[i] = src[idx[i]];
    }
    for (size_t f = 0; f < c->nfe; f++) {
        if (nested != NULL && nested[f])
            continue;
        const int32_t *src = c->d->fe[f].codes;
        int32_t *dst = w->s.fe[f].codes;
        for (size_t i = 0; i < m; i++)
            dst[i] = src[idx[i]];
    }
}

/* The design without the rows of cluster `drop` (a jackknife refit), in w->s. */
static gw_status build_jack(const med_ctx *c, size_t drop, workspace *w)
{
    size_t m = c->n - (c->cl_start[drop + 1] - c->cl_start[drop]);
    gw_status rc = ws_reserve(c, w, m);
    if (rc != GW_OK)
        return rc;
    size_t i = 0;
    for (size_t g = 0; g < c->G; g++) {
        if (g == drop)
            continue;
        for (size_t t = c->cl_start[g]; t < c->cl_start[g + 1]; t++)
            w->idx[i++] = c->cl_rows[t];
    }
    gather(c, w, NULL);
    return GW_OK;
}

/* A bootstrap sample in w->s: the clusters w->draw[0..G-1] stacked in draw order. Fixed
 * effects nested in the cluster variable get a fresh level per drawn copy (levels numbered by
 * first appearance); the others keep their codes. */
static gw_status build_boot(const med_ctx *c, workspace *w)
{
    const size_t *draw = w->draw;
    size_t m = 0;
    for (size_t j = 0; j < c->G; j++)
        m += c->cl_start[draw[j] + 1] - c->cl_start[draw[j]];
    gw_status rc = ws_reserve(c, w, m);
    if (rc != GW_OK)
        return rc;
    size_t i = 0;
    for (size_t j = 0; j < c->G; j++)
        for (size_t t = c->cl_start[draw[j]]; t < c->cl_start[draw[j] + 1]; t++)
            w->idx[i++] = c->cl_rows[t];
    gather(c, w, c->nested);
    for (size_t f = 0; f < c->nfe; f++) {
        if (!c->nested[f])
            continue;
        const int32_t *src = c->d->fe[f].codes;
        int32_t *dst = w->s.fe[f].codes;
        const size_t L = c->d->fe[f].nlevels;
        size_t *stamp = w->stamp;
        int32_t *map = w->map;
        for (size_t l = 0; l < L; l++)
            stamp[l] = (size_t)-1;
        int32_t next = 0;
        i = 0;
        for (size_t j = 0; j < c->G; j++)
            for (size_t t = c->cl_start[draw[j]]; t < c->cl_start[draw[j] + 1]; t++, i++) {
                int32_t old = src[c->cl_rows[t]];
                if (stamp[old] != j) {
                    stamp[old] = j;
                    map[old] = next++;
                }
                dst[i] = map[old];
            }
        w->s.fe[f].nlevels = (size_t)next;
    }
    return GW_OK;
}

/* Least squares of column ycol on the columns cols[0..ncols-1] of the (demeaned) n-row block
 * data; X is scratch of n x ncols. ls: out, owned. */
static gw_status ls_eq(const med_ctx *c, const double *data, size_t n, const size_t *cols,
                       size_t ncols, size_t ycol, double *X, int keep_resid, gw_ls **ls)
{
    for (size_t j = 0; j < ncols; j++)
        memcpy(X + j * n, data + cols[j] * n, n * sizeof(double));
    gw_design dd;
    memset(&dd, 0, sizeof dd);
    dd.n = n;
    dd.p = ncols;
    dd.X = X;
    dd.y = (double *)(uintptr_t)(data + ycol * n); /* read only */
    dd.has_intercept = c->intercept && c->nfe == 0;
    gw_ls_opts lo = {0};
    lo.flags = GW_LS_NO_FITTED | (keep_resid ? 0u : GW_LS_NO_RESID);
    return gw_ls_fit(&dd, lo, ls);
}

/* Cluster influence of coefficient `pos` of a fitted equation: psi[g] = sum_{i in g} (row pos
 * of the bread . x_i) e_i, added in row order. */
static void influence(const gw_ls *ls, const double *X, size_t n, size_t ncols, size_t pos,
                      const int32_t *cl, size_t G, double *psi)
{
    const double *B = gw_ls_bread(ls), *e = gw_ls_resid(ls);
    for (size_t g = 0; g < G; g++)
        psi[g] = 0.0;
    for (size_t i = 0; i < n; i++) {
        double w = 0.0;
        for (size_t l = 0; l < ncols; l++)
            if (!isnan(B[l * ncols + pos]))
                w += B[l * ncols + pos] * X[l * n + i];
        psi[cl[i]] += w * e[i];
    }
}

/* The effects theta[0..neff-1] from a, b (k each) and c'. */
static void effects(size_t k, const double *a, const double *b, double cp, double *theta)
{
    double ind = 0.0;
    for (size_t j = 0; j < k; j++) {
        theta[GW_MED_NFIXED + j] = a[j] * b[j];
        ind += a[j] * b[j];
    }
    theta[GW_MED_INDIRECT] = ind;
    theta[GW_MED_DIRECT] = cp;
    theta[GW_MED_TOTAL] = cp + ind;
    theta[GW_MED_PROPORTION] = ind / (cp + ind);
}

/* Demeans the columns of s in place by its fixed effects, dropping singleton groups as
 * gw_ols_fit drops them: the kept rows move to the front of each column (stride *n, the rows
 * kept) and, in the point fit (s->cl set), so do their cluster codes. *h: owned by the caller,
 * also on failure. A bootstrap or jackknife sample left without rows is DEGENERATE. */
static gw_status demean_sample(const med_ctx *c, sample *s, int point, gw_hdfe **h, size_t *n)
{
    const size_t n0 = s->n;
    gw_status rc = gw_hdfe_new(s->fe, c->nfe, n0, NULL, &c->hopts, h);
    if (rc == GW_ENODATA && !point)
        return DEGENERATE;
    if (rc != GW_OK)
        return rc;
    const size_t m = gw_hdfe_nobs(*h);
    double **ptr = gw_alloc_array(c->p + 1, sizeof *ptr);
    if (ptr == NULL)
        return gwi_fail(GW_ENOMEM, "mediation: out of memory");
    for (size_t j = 0; j <= c->p; j++) {
        double *col = s->cols + j * n0;
        if (m < n0)
            gw_hdfe_compact(*h, col, s->cols + j * m); /* moves down: stable in place */
        ptr[j] = s->cols + j * m;
    }
    if (s->cl != NULL && m < n0) {
        const size_t *rows = gw_hdfe_rows(*h);
        for (size_t i = 0; i < m; i++)
            s->cl[i] = s->cl[rows[i]];
    }
    *n = m;
    rc = gw_hdfe_demean(*h, ptr, c->p + 1, NULL);
    gw_free(ptr);
    return rc;
}

/* The point fit's bookkeeping: the cluster codes of the n kept rows renumbered 0..G-1 in order
 * of appearance, and px's counts and (zeroed) influence arrays. */
static gw_status point_setup(const med_ctx *c, sample *s, size_t n, point_extra *px)
{
    const size_t np = 2 * c->k + 2;
    size_t maxcode = 0, G = 0;
    for (size_t i = 0; i < n; i++)
        if ((size_t)s->cl[i] + 1 > maxcode)
            maxcode = (size_t)s->cl[i] + 1;
    int32_t *map = gw_alloc_array(maxcode + 1, sizeof *map);
    if (map == NULL)
        return gwi_fail(GW_ENOMEM, "mediation: out of memory");
    for (size_t g = 0; g < maxcode; g++)
        map[g] = -1;
    for (size_t i = 0; i < n; i++) {
        if (map[s->cl[i]] < 0)
            map[s->cl[i]] = (int32_t)G++;
        s->cl[i] = map[s->cl[i]];
    }
    gw_free(map);
    px->G = G;
    px->nobs = n;
    px->singletons = s->n - n;
    if ((px->psi = gw_calloc(np * G + 1, sizeof(double))) == NULL ||
        (px->cfac = gw_alloc_array(np, sizeof(double))) == NULL ||
        (px->coef = gw_alloc_array(np, sizeof(double))) == NULL)
        return gwi_fail(GW_ENOMEM, "mediation: out of memory");
    px->have_vcov = 1;
    return GW_OK;
}

/* D' of the contract's CR1 factor: the fixed effects' degrees of freedom, less those of sets
 * nested in the cluster variable (gw_hdfe.h, goodwork profile); cl: the G cluster codes. */
static gw_status absorbed_df(const med_ctx *c, const gw_hdfe *h, const int32_t *cl, size_t G,
                             double *Dn)
{
    for (size_t g = 0; g < c->nfe; g++) {
        int nest = c->cl ? gw_hdfe_nested(h, g, cl, G) : 0;
        if (nest < 0)
            return gwi_fail(GW_ENOMEM, "mediation: out of memory");
        if (!nest)
            *Dn += (double)gw_hdfe_df_set(h, g);
    }
    return GW_OK;
}

/* What the equations of one sample share: the demeaned block (p + 1 columns of n rows), the
 * least-squares scratch and, in the point fit, the clusters and the pieces of the CR1 factor. */
typedef struct {
    const med_ctx *c;
    const double *data;
    size_t n;
    double *X;         /* n x max_cols(c) scratch                              */
    point_extra *px;   /* NULL except in the point fit                         */
    const int32_t *cl; /* point fit: cluster 0..G-1 of each row                */
    size_t G;
    double nn, GG, Dn; /* n, G and D' as doubles (the CR1 factor)              */
} eq_env;

/* The CR1 factor G/(G-1) (N-1)/(N-K-D') of an equation fitted with ls (K its rank); an
 * equation without residual degrees of freedom leaves the point fit without a vcov. */
static double cr1_factor(const eq_env *e, const gw_ls *ls)
{
    double dfr = e->nn - (double)gw_ls_rank(ls) - e->Dn;
    e->px->have_vcov &= dfr > 0.0;
    return e->GG / (e->GG - 1.0) * (e->nn - 1.0) / dfr;
}

/* The outcome equation: c' into *cp and b_1..b_k into b (and their influences). */
static gw_status eq_outcome(const eq_env *e, double *cp, double *b)
{
    const med_ctx *c = e->c;
    const size_t k = c->k, G = e->G;
    gw_ls *ls = NULL;
    gw_status rc = ls_eq(c, e->data, e->n, c->out_cols, c->nout, c->p, e->X, e->px != NULL, &ls);
    if (rc != GW_OK) {
        gw_ls_free(ls);
        return rc;
    }
    const double *co = gw_ls_coef(ls);
    *cp = co[c->out_t];
    for (size_t j = 0; j < k; j++)
        b[j] = co[c->out_m[j]];
    if (e->px != NULL) {
        point_extra *px = e->px;
        double cf = cr1_factor(e, ls);
        for (size_t j = 0; j < k; j++) {
            influence(ls, e->X, e->n, c->nout, c->out_m[j], e->cl, G, px->psi + (k + j) * G);
            px->cfac[k + j] = cf;
            px->coef[k + j] = b[j];
        }
        influence(ls, e->X, e->n, c->nout, c->out_t, e->cl, G, px->psi + 2 * k * G);
        px->cfac[2 * k] = cf;
        px->coef[2 * k] = *cp;
    }
    gw_ls_free(ls);
    return GW_OK;
}

/* The mediator equations: a_j into a, until one is NaN (*bad set: T aliased). */
static gw_status eq_mediators(const eq_env *e, double *a, int *bad)
{
    const med_ctx *c = e->c;
    const size_t G = e->G;
    for (size_t j = 0; j < c->k && !*bad; j++) {
        gw_ls *ls = NULL;
        gw_status rc =
            ls_eq(c, e->data, e->n, c->med_cols, c->nmed, c->mcol[j], e->X, e->px != NULL, &ls);
        if (rc != GW_OK) {
            gw_ls_free(ls);
            return rc;
        }
        a[j] = gw_ls_coef(ls)[c->med_t];
        *bad |= isnan(a[j]);
        if (e->px != NULL) {
            e->px->cfac[j] = cr1_factor(e, ls);
            influence(ls, e->X, e->n, c->nmed, c->med_t, e->cl, G, e->px->psi + j * G);
            e->px->coef[j] = a[j];
        }
        gw_ls_free(ls);
    }
    return GW_OK;
}

/* The total effect's own regression, Y ~ T + outcome controls (point fit only). */
static gw_status eq_total(const eq_env *e)
{
    const med_ctx *c = e->c;
    const size_t k = c->k, G = e->G;
    gw_ls *ls = NULL;
    gw_status rc = ls_eq(c, e->data, e->n, c->tot_cols, c->ntot, c->p, e->X, 1, &ls);
    if (rc == GW_OK) {
        e->px->cfac[2 * k + 1] = cr1_factor(e, ls);
        influence(ls, e->X, e->n, c->ntot, c->tot_t, e->cl, G, e->px->psi + (2 * k + 1) * G);
        e->px->coef[2 * k + 1] = gw_ls_coef(ls)[c->tot_t];
    }
    gw_ls_free(ls);
    return rc;
}

/* Fits every equation on s (whose columns it demeans in place). theta: out, neff effects.
 * px: NULL, or the point fit's extra output. Xs: NULL, or scratch of s->n x max_cols(c)
 * doubles (borrowed). Returns GW_OK, DEGENERATE, or an error. */
static gw_status fit_sample(const med_ctx *c, sample *s, double *Xs, double *theta, point_extra *px)
{
    const size_t k = c->k;
    gw_hdfe *h = NULL;
    double *X = NULL, *ab = NULL, cp = 0.0;
    eq_env e = {.c = c, .data = s->cols, .n = s->n, .X = Xs, .px = px};
    gw_status rc = GW_OK;
    int bad = 0;
    if (c->nfe > 0 && (rc = demean_sample(c, s, px != NULL, &h, &e.n)) != GW_OK)
        goto done;
    if (e.X == NULL && (e.X = X = gw_alloc_array(e.n * max_cols(c) + 1, sizeof *X)) == NULL)
        goto nomem;
    if ((ab = gw_alloc_array(2 * k + 1, sizeof *ab)) == NULL)
        goto nomem;
    if (px != NULL) {
        if ((rc = point_setup(c, s, e.n, px)) != GW_OK ||
            (h != NULL && (rc = absorbed_df(c, h, s->cl, px->G, &e.Dn)) != GW_OK))
            goto done;
        e.cl = s->cl;
        e.G = px->G;
    }
    e.nn = (double)e.n;
    e.GG = (double)e.G;
    double *a = ab, *b = ab + k;
    if ((rc = eq_outcome(&e, &cp, b)) != GW_OK)
        goto done;
    bad = isnan(cp);
    for (size_t j = 0; j < k; j++)
        bad |= isnan(b[j]);
    if ((rc = eq_mediators(&e, a, &bad)) != GW_OK)
        goto done;
    if (px != NULL && !bad && (rc = eq_total(&e)) != GW_OK)
        goto done;
    if (bad) {
        rc = px != NULL ? gwi_fail(GW_ERANK, "the treatment or a mediator is collinear with the "
                                             "other regressors or absorbed by the fixed effects")
                        : DEGENERATE;
        goto done;
    }
    effects(k, a, b, cp, theta);
    goto done;
nomem:
    rc = gwi_fail(GW_ENOMEM, "mediation: out of memory");
done:
    gw_hdfe_free(h);
    gw_free(X);
    gw_free(ab);
    return rc;
}

static uint64_t splitmix64(uint64_t x)
{
    uint64_t z = x + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint32_t gw_mediate_stream_seed(uint64_t seed, uint64_t r)
{
    return (uint32_t)(splitmix64(splitmix64(seed) + r) & 0xffffffffu);
}

/* One replication: draw, build, fit, in the thread's workspace w. theta: neff slots (NaN when
 * degenerate). */
static gw_status one_replication(const med_ctx *c, workspace *w, uint64_t seed, size_t r,
                                 double *theta)
{
    gw_status rc = ws_reserve(c, w, 0);
    if (rc == GW_OK) {
        gsl_rng_set(w->rng, gw_mediate_stream_seed(seed, r));
        for (size_t j = 0; j < c->G; j++)
            w->draw[j] = (size_t)gsl_rng_uniform_int(w->rng, (unsigned long)c->G);
        if ((rc = build_boot(c, w)) == GW_OK)
            rc = fit_sample(c, &w->s, w->X, theta, NULL);
    }
    if (rc != GW_OK)
        for (size_t e = 0; e < c->neff; e++)
            theta[e] = NAN;
    return rc;
}

static gw_status one_jackknife(const med_ctx *c, workspace *w, size_t g, double *theta)
{
    gw_status rc = build_jack(c, g, w);
    if (rc == GW_OK)
        rc = fit_sample(c, &w->s, w->X, theta, NULL);
    if (rc != GW_OK)
        for (size_t e = 0; e < c->neff; e++)
            theta[e] = NAN;
    return rc;
}

static int cmp_double(const void *x, const void *y)
{
    double u = *(const double *)x, v = *(const double *)y;
    return (u > v) - (u < v);
}

double gw_mediate_quantile(const double *sorted, size_t n, double q)
{
    if (n == 0 || !(q >= 0.0 && q <= 1.0))
        return NAN;
    double h = (double)(n - 1) * q;
    size_t lo = (size_t)floor(h);
    if (lo + 1 >= n)
        return sorted[n - 1];
    return sorted[lo] + (h - (double)lo) * (sorted[lo + 1] - sorted[lo]);
}

/* Sorted copy of the non-NaN values of x[0], x[stride], ... (B of them); *nv: count. */
static double *sorted_valid(const double *x, size_t B, size_t stride, size_t *nv)
{
    double *v = gw_alloc_array(B + 1, sizeof *v);
    size_t m = 0;
    if (v == NULL)
        return NULL;
    for (size_t r = 0; r < B; r++)
        if (!isnan(x[r * stride]))
            v[m++] = x[r * stride];
    qsort(v, m, sizeof *v, cmp_double);
    *nv = m;
    return v;
}

static gw_status bca_strided(double theta, const double *reps, size_t B, size_t rs,
                             const double *jack, size_t G, size_t js, double level, double *lo,
                             double *hi, double *z0out, double *aout)
{
    size_t nv = 0;
    *lo = *hi = *z0out = *aout = NAN;
    double *v = sorted_valid(reps, B, rs, &nv);
    if (v == NULL)
        return gwi_fail(GW_ENOMEM, "mediation: out of memory (BCa)");
    /* Replicates within sqrt(eps) |theta| of the estimate are ties and count as half: a
     * replication that redraws every cluster once reproduces the estimate up to rounding, and
     * whether rounding puts it below or above must not move z0. */
    double below = 0.0, tie = sqrt(DBL_EPSILON) * fabs(theta);
    for (size_t r = 0; r < nv; r++)
        below += fabs(v[r] - theta) <= tie ? 0.5 : (v[r] < theta ? 1.0 : 0.0);
    /* Acceleration from the jackknife (NaN refits skipped). */
    double mean = 0.0, s2 = 0.0, s3 = 0.0;
    size_t nj = 0;
    for (size_t g = 0; g < G; g++)
        if (!isnan(jack[g * js])) {
            mean += jack[g * js];
            nj++;
        }
    if (nj > 0) {
        mean /= (double)nj;
        for (size_t g = 0; g < G; g++)
            if (!isnan(jack[g * js])) {
                double dg = mean - jack[g * js];
                s2 += dg * dg;
                s3 += dg * dg * dg;
            }
    }
    double acc = s2 > 0.0 ? s3 / (6.0 * pow(s2, 1.5)) : 0.0;
    *aout = nj > 0 ? acc : (double)NAN;
    if (nv > 0 && below > 0.0 && below < (double)nv && nj > 0) {
        double z0 = gsl_cdf_ugaussian_Pinv(below / (double)nv);
        double alpha = 1.0 - level;
        double zq[2] = {gsl_cdf_ugaussian_Pinv(alpha / 2.0),
                        gsl_cdf_ugaussian_Pinv(1.0 - alpha / 2.0)};
        double out[2];
        int ok = 1;
        for (int t = 0; t < 2; t++) {
            double num = z0 + zq[t], den = 1.0 - acc * num;
            if (!(den > 0.0)) {
                ok = 0;
                break;
            }
            out[t] = gw_mediate_quantile(v, nv, gsl_cdf_ugaussian_P(z0 + num / den));
        }
        *z0out = z0;
        if (ok) {
            *lo = out[0];
            *hi = out[1];
        }
    }
    gw_free(v);
    return GW_OK;
}

gw_status gw_mediate_bca(double theta, const double *reps, size_t B, const double *jack, size_t G,
                         double conf_level, double *lo, double *hi, double *z0, double *accel)
{
    if (reps == NULL || jack == NULL || lo == NULL || hi == NULL || z0 == NULL || accel == NULL)
        return gwi_fail(GW_EINVAL, "gw_mediate_bca: NULL argument");
    if (!(conf_level > 0.0 && conf_level < 1.0))
        return gwi_fail(GW_EINVAL, "gw_mediate_bca: conf_level %g outside (0, 1)", conf_level);
    return bca_strided(theta, reps, B, 1, jack, G, 1, conf_level, lo, hi, z0, accel);
}

void gw_mediate_free(gw_mediate_result *r)
{
    if (r == NULL)
        return;
    gw_free(r->indirect_by);
    gw_free(r->a);
    gw_free(r->a_se);
    gw_free(r->b);
    gw_free(r->b_se);
    gw_free(r->replicates);
    gw_free(r->jackknife);
    gw_free(r);
}

static void effect_init(gw_mediate_effect *e)
{
    e->estimate = e->se_delta = e->delta_low = e->delta_high = e->boot_se = NAN;
    e->pct_low = e->pct_high = e->bca_low = e->bca_high = e->z0 = e->accel = NAN;
    e->ci_low = e->ci_high = NAN;
}

const gw_mediate_effect *gw_mediate_effect_at(const gw_mediate_result *r, size_t e)
{
    switch (e) {
    case GW_MED_INDIRECT:
        return &r->indirect;
    case GW_MED_DIRECT:
        return &r->direct;
    case GW_MED_TOTAL:
        return &r->total;
    case GW_MED_PROPORTION:
        return &r->proportion;
    default:
        return &r->indirect_by[e - GW_MED_NFIXED];
    }
}

/* The writable effect e of a result being filled in. */
static gw_mediate_effect *effect_at(gw_mediate_result *r, size_t e)
{
    return (gw_mediate_effect *)(uintptr_t)gw_mediate_effect_at(r, e);
}

/* Validates the spec and fills the column lists of c. */
static gw_status setup(const gw_design *d, const gw_mediate_spec *sp, med_ctx *c)
{
    const size_t p = d->p, k = sp->nmediators;
    if (k == 0)
        return gwi_fail(GW_EINVAL, "mediation needs at least one mediator");
    if (sp->mediators == NULL)
        return gwi_fail(GW_EINVAL, "mediation: NULL mediator list");
    if (sp->treatment >= p)
        return gwi_fail(GW_EINVAL, "mediation: treatment column %zu >= p = %zu", sp->treatment, p);
    for (size_t j = 0; j < k; j++) {
        if (sp->mediators[j] >= p)
            return gwi_fail(GW_EINVAL, "mediation: mediator column %zu >= p = %zu",
                            sp->mediators[j], p);
        if (sp->mediators[j] == sp->treatment)
            return gwi_fail(GW_EINVAL, "mediation: the treatment '%s' is also a mediator",
                            d->terms && d->terms[sp->treatment] ? d->terms[sp->treatment] : "");
        for (size_t l = 0; l < j; l++)
            if (sp->mediators[l] == sp->mediators[j])
                return gwi_fail(GW_EINVAL, "mediation: mediator column %zu given twice",
                                sp->mediators[j]);
    }
    c->intercept = d->has_intercept && d->nfe == 0;
    for (int t = 0; t < 2; t++) {
        const unsigned char *skip = t == 0 ? sp->skip_mediator : sp->skip_outcome;
        if (skip == NULL)
            continue;
        int badskip = skip[sp->treatment] || (c->intercept && skip[0]);
        for (size_t j = 0; j < k; j++)
            badskip |= skip[sp->mediators[j]];
        if (badskip)
            return gwi_fail(GW_EINVAL, "mediation: only controls can be left out of an equation "
                                       "(not the treatment, a mediator or the intercept)");
    }
    c->out_cols = gw_alloc_array(p, sizeof(size_t));
    c->med_cols = gw_alloc_array(p, sizeof(size_t));
    c->tot_cols = gw_alloc_array(p, sizeof(size_t));
    c->out_m = gw_alloc_array(k, sizeof(size_t));
    if (!c->out_cols || !c->med_cols || !c->tot_cols || !c->out_m)
        return gwi_fail(GW_ENOMEM, "mediation: out of memory");
    for (size_t j = 0; j < p; j++) {
        int is_med = 0;
        for (size_t l = 0; l < k; l++)
            if (sp->mediators[l] == j) {
                is_med = 1;
                c->out_m[l] = c->nout;
            }
        if (j == sp->treatment) {
            c->out_t = c->nout;
            c->med_t = c->nmed;
            c->tot_t = c->ntot;
        }
        int ctrl = !is_med && j != sp->treatment;
        if (!ctrl || !sp->skip_outcome || !sp->skip_outcome[j])
            c->out_cols[c->nout++] = j;
        if (!is_med && (!ctrl || !sp->skip_mediator || !sp->skip_mediator[j]))
            c->med_cols[c->nmed++] = j;
        if (!is_med && (!ctrl || !sp->skip_outcome || !sp->skip_outcome[j]))
            c->tot_cols[c->ntot++] = j;
    }
    c->mcol = sp->mediators;
    return GW_OK;
}

/* Rows grouped by cluster (counting sort, rows in order within a cluster). */
static gw_status group_rows(med_ctx *c)
{
    const size_t n = c->n;
    if (c->cl == NULL) {
        c->G = n;
        c->cl_start = gw_alloc_array(n + 1, sizeof(size_t));
        c->cl_rows = gw_alloc_array(n + 1, sizeof(size_t));
        if (!c->cl_start || !c->cl_rows)
            return gwi_fail(GW_ENOMEM, "mediation: out of memory");
        for (size_t i = 0; i <= n; i++)
            c->cl_start[i] = i;
        for (size_t i = 0; i < n; i++)
            c->cl_rows[i] = i;
        return GW_OK;
    }
    const size_t L = c->d->cluster[0].nlevels;
    for (size_t i = 0; i < n; i++)
        if (c->cl[i] < 0 || (size_t)c->cl[i] >= L)
            return gwi_fail(GW_EINVAL, "mediation: cluster code %d at row %zu outside 0..%zu",
                            (int)c->cl[i], i, L - 1);
    /* Levels that do not occur are squeezed out: G counts the clusters present. */
    size_t *cnt = gw_calloc(L + 1, sizeof *cnt);
    c->cl_start = gw_alloc_array(L + 1, sizeof(size_t));
    c->cl_rows = gw_alloc_array(n + 1, sizeof(size_t));
    if (!cnt || !c->cl_start || !c->cl_rows) {
        gw_free(cnt);
        return gwi_fail(GW_ENOMEM, "mediation: out of memory");
    }
    for (size_t i = 0; i < n; i++)
        cnt[c->cl[i]]++;
    size_t G = 0, pos = 0;
    size_t *at = gw_alloc_array(L + 1, sizeof *at);
    if (at == NULL) {
        gw_free(cnt);
        return gwi_fail(GW_ENOMEM, "mediation: out of memory");
    }
    for (size_t l = 0; l < L; l++) {
        at[l] = pos;
        if (cnt[l] > 0) {
            c->cl_start[G++] = pos;
            pos += cnt[l];
        }
    }
    c->cl_start[G] = pos;
    for (size_t i = 0; i < n; i++)
        c->cl_rows[at[c->cl[i]]++] = i;
    c->G = G;
    gw_free(cnt);
    gw_free(at);
    return GW_OK;
}

/* The delta-method SEs and intervals of every effect from the point fit's influences. */
static void delta_method(const med_ctx *c, const point_extra *px, gw_mediate_result *r)
{
    const size_t k = c->k, np = 2 * k + 2, G = px->G;
    double V[64 * 64];
    double *Vh = np <= 64 ? V : gw_alloc_array(np * np, sizeof(double));
    double *grad = gw_alloc_array(np, sizeof(double));
    if (Vh == NULL || grad == NULL || !px->have_vcov || G < 2)
        goto done;
    for (size_t u = 0; u < np; u++)
        for (size_t v = 0; v <= u; v++) {
            double s = 0.0;
            for (size_t g = 0; g < G; g++)
                s += px->psi[u * G + g] * px->psi[v * G + g];
            Vh[u * np + v] = Vh[v * np + u] = sqrt(px->cfac[u] * px->cfac[v]) * s;
        }
    for (size_t j = 0; j < k; j++) {
        r->a_se[j] = sqrt(Vh[j * np + j]);
        r->b_se[j] = sqrt(Vh[(k + j) * np + k + j]);
    }
    r->c_prime_se = sqrt(Vh[2 * k * np + 2 * k]);
    r->total_regression_se = sqrt(Vh[(2 * k + 1) * np + 2 * k + 1]);
    const double *a = px->coef, *b = px->coef + k;
    double ind = r->indirect.estimate, tot = r->total.estimate;
    double crit = gsl_cdf_tdist_Qinv((1.0 - r->conf_level) / 2.0, (double)(G - 1));
    for (size_t e = 0; e < c->neff; e++) {
        memset(grad, 0, np * sizeof *grad);
        for (size_t j = 0; j < k; j++) {
            if (e == GW_MED_INDIRECT || e == GW_MED_TOTAL || e == GW_MED_NFIXED + j) {
                grad[j] = b[j];
                grad[k + j] = a[j];
            }
        }
        if (e == GW_MED_DIRECT || e == GW_MED_TOTAL)
            grad[2 * k] = 1.0;
        if (e == GW_MED_PROPORTION) {
            /* p = I / (c' + I): dp/dI = c' / T^2, dp/dc' = -I / T^2. */
            for (size_t j = 0; j < k; j++) {
                grad[j] = b[j] * px->coef[2 * k] / (tot * tot);
                grad[k + j] = a[j] * px->coef[2 * k] / (tot * tot);
            }
            grad[2 * k] = -ind / (tot * tot);
        }
        double s = 0.0;
        for (size_t u = 0; u < np; u++)
            for (size_t v = 0; v < np; v++)
                s += grad[u] * Vh[u * np + v] * grad[v];
        gw_mediate_effect *ef = effect_at(r, e);
        ef->se_delta = s >= 0.0 ? sqrt(s) : (double)NAN;
        ef->delta_low = ef->estimate - crit * ef->se_delta;
        ef->delta_high = ef->estimate + crit * ef->se_delta;
    }
done:
    if (Vh != V)
        gw_free(Vh);
    gw_free(grad);
}

/* Runs nrun fits (replications or jackknife refits) in parallel, in batches; slot i of out
 * (neff each) receives fit i. The first failing fit in index order is re-run on this thread
 * for its message. */
static gw_status run_many(const med_ctx *c, int jack, uint64_t seed, size_t nrun, double *out,
                          const gw_mediate_opts *o, size_t done0, size_t total, size_t *nfailed)
{
    const size_t nws = (size_t)omp_get_max_threads();
    gw_status *st = gw_alloc_array(nrun + 1, sizeof *st);
    workspace *ws = gw_calloc(nws, sizeof *ws); /* one per thread, sized on first use */
    if (st == NULL || ws == NULL) {
        gw_free(st);
        gw_free(ws);
        return gwi_fail(GW_ENOMEM, "mediation: out of memory");
    }
    const size_t batch = BATCH * (size_t)(gw_threads_get() > 0 ? gw_threads_get() : 1);
    for (size_t b0 = 0; b0 < nrun; b0 += batch) {
        const size_t b1 = b0 + batch < nrun ? b0 + batch : nrun;
        const long lo = (long)b0, hi = (long)b1;
#pragma omp parallel for schedule(dynamic, 1)
        for (long i = lo; i < hi; i++) {
            size_t r = (size_t)i;
            workspace *w = &ws[(size_t)omp_get_thread_num() % nws];
            st[r] = jack ? one_jackknife(c, w, r, out + r * c->neff)
                         : one_replication(c, w, seed, r, out + r * c->neff);
        }
        if (o->progress != NULL)
            o->progress(o->progress_ctx, done0 + b1, total);
    }
    gw_status rc = GW_OK;
    *nfailed = 0;
    for (size_t r = 0; r < nrun; r++) {
        if (st[r] == DEGENERATE) {
            (*nfailed)++;
        } else if (st[r] != GW_OK && rc == GW_OK) {
            /* Re-run on this thread: the message of the failure is thread-local. */
            double *tmp = gw_alloc_array(c->neff, sizeof *tmp);
            workspace w1;
            memset(&w1, 0, sizeof w1);
            rc = tmp == NULL ? GW_ENOMEM
                 : jack      ? one_jackknife(c, &w1, r, tmp)
                             : one_replication(c, &w1, seed, r, tmp);
            ws_free(&w1);
            if (rc == GW_OK || rc == DEGENERATE)
                rc = gwi_fail(st[r], "mediation: %s %zu failed",
                              jack ? "jackknife refit" : "replication", r);
            else
                gwi_prefix_error("%s %zu", jack ? "jackknife refit" : "bootstrap replication", r);
            gw_free(tmp);
        }
    }
    for (size_t t = 0; t < nws; t++)
        ws_free(&ws[t]);
    gw_free(ws);
    gw_free(st);
    return rc;
}

/* The checks of the arguments and the options resolved into *o (defaults filled in). */
static gw_status check_args(const gw_design *d, const gw_mediate_spec *spec,
                            const gw_mediate_opts *opts, gw_mediate_opts *o)
{
    if (d == NULL || spec == NULL || d->X == NULL || d->y == NULL)
        return gwi_fail(GW_EINVAL, "gw_mediate_fit: NULL design or spec");
    if (opts != NULL)
        *o = *opts;
    if (d->n == 0)
        return gwi_fail(GW_ENODATA, "mediation: no observations");
    if (d->w != NULL)
        return gwi_fail(GW_EUNSUPPORTED, "mediation with weights is not supported");
    if (d->n_endog > 0 || d->Z != NULL)
        return gwi_fail(GW_EUNSUPPORTED, "mediation with instruments is not supported");
    if (d->ncluster > 1)
        return gwi_fail(GW_EUNSUPPORTED, "mediation: the bootstrap takes one cluster variable");
    if (o->conf_level == 0.0)
        o->conf_level = 0.95;
    if (!(o->conf_level > 0.0 && o->conf_level < 1.0))
        return gwi_fail(GW_EINVAL, "mediation: conf_level %g outside (0, 1)", o->conf_level);
    if ((unsigned)o->ci > (unsigned)GW_MED_CI_DELTA)
        return gwi_fail(GW_EINVAL, "mediation: unknown interval method %d", (int)o->ci);
    if (o->boot == 0)
        o->boot = GW_MEDIATE_DEFAULT_BOOT;
    if (o->flags & GW_MED_NO_BOOT) {
        o->boot = 0;
        o->ci = GW_MED_CI_DELTA;
    }
    return GW_OK;
}

/* Which fixed effects are nested in the cluster variable (re-labelled per drawn copy) into
 * c->nested. GW_EINVAL for a code out of range, GW_ENOMEM. */
static gw_status find_nested(med_ctx *c)
{
    const gw_design *d = c->d;
    if ((c->nested = gw_calloc(c->nfe + 1, sizeof *c->nested)) == NULL)
        return gwi_fail(GW_ENOMEM, "mediation: out of memory");
    for (size_t f = 0; f < c->nfe && c->cl != NULL; f++) {
        const size_t L = d->fe[f].nlevels;
        int32_t *owner = gw_alloc_array(L + 1, sizeof *owner);
        if (owner == NULL)
            return gwi_fail(GW_ENOMEM, "mediation: out of memory");
        for (size_t l = 0; l < L; l++)
            owner[l] = -1;
        int nest = 1;
        for (size_t i = 0; i < c->n && nest; i++) {
            int32_t l = d->fe[f].codes[i];
            if (l < 0 || (size_t)l >= L) {
                gw_free(owner);
                return gwi_fail(GW_EINVAL, "mediation: fixed-effect code out of range");
            }
            if (owner[l] < 0)
                owner[l] = c->cl[i];
            else if (owner[l] != c->cl[i])
                nest = 0;
        }
        c->nested[f] = nest;
        gw_free(owner);
    }
    return GW_OK;
}

/* Everything fixed across fits, into c (released by ctx_free, also after a failure). */
static gw_status ctx_init(const gw_design *d, const gw_mediate_spec *spec, const gw_mediate_opts *o,
                          med_ctx *c)
{
    gw_status rc;
    c->d = d;
    c->n = d->n;
    c->p = d->p;
    c->k = spec->nmediators;
    c->nfe = d->nfe;
    c->neff = GW_MED_NFIXED + c->k;
    c->cl = d->ncluster == 1 ? d->cluster[0].codes : NULL;
    c->hopts.tol = o->fe_tol;
    c->hopts.maxiter = o->fe_maxiter;
    c->hopts.flags = (o->flags & GW_MED_KEEP_SINGLETONS) ? GW_HDFE_KEEP_SINGLETONS : 0u;
    if ((rc = setup(d, spec, c)) != GW_OK || (rc = group_rows(c)) != GW_OK)
        return rc;
    if (c->G < 2)
        return gwi_fail(GW_EINVAL, "mediation: %zu cluster(s); the bootstrap needs at least 2",
                        c->G);
    return find_nested(c);
}

static void ctx_free(med_ctx *c)
{
    gw_free(c->out_cols);
    gw_free(c->med_cols);
    gw_free(c->tot_cols);
    gw_free(c->out_m);
    gw_free(c->cl_start);
    gw_free(c->cl_rows);
    gw_free(c->nested);
}

/* A result with every effect NaN, for c and o. NULL: out of memory. */
static gw_mediate_result *result_new(const med_ctx *c, const gw_mediate_opts *o)
{
    gw_mediate_result *r = gw_calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->nmediators = c->k;
    r->neffects = c->neff;
    r->indirect_by = gw_calloc(c->k, sizeof *r->indirect_by);
    r->a = gw_alloc_array(c->k, sizeof(double));
    r->a_se = gw_alloc_array(c->k, sizeof(double));
    r->b = gw_alloc_array(c->k, sizeof(double));
    r->b_se = gw_alloc_array(c->k, sizeof(double));
    if (!r->indirect_by || !r->a || !r->a_se || !r->b || !r->b_se) {
        gw_mediate_free(r);
        return NULL;
    }
    for (size_t e = 0; e < c->neff; e++)
        effect_init(effect_at(r, e));
    for (size_t j = 0; j < c->k; j++)
        r->a_se[j] = r->b_se[j] = NAN;
    r->c_prime_se = r->total_regression_se = NAN;
    r->seed = o->seed;
    r->conf_level = o->conf_level;
    r->ci = o->ci;
    return r;
}

/* The point estimate on the whole design, its paths and the delta method, into r. */
static gw_status point_estimate(const med_ctx *c, gw_mediate_result *r)
{
    sample full = {0};
    point_extra px;
    memset(&px, 0, sizeof px);
    double *theta = gw_alloc_array(c->neff, sizeof *theta);
    gw_status rc = theta == NULL ? gwi_fail(GW_ENOMEM, "mediation: out of memory") : GW_OK;
    if (rc == GW_OK && (rc = build_full(c, &full)) == GW_OK &&
        (rc = fit_sample(c, &full, NULL, theta, &px)) == GW_OK) {
        for (size_t e = 0; e < c->neff; e++)
            effect_at(r, e)->estimate = theta[e];
        for (size_t j = 0; j < c->k; j++) {
            r->a[j] = px.coef[j];
            r->b[j] = px.coef[c->k + j];
        }
        r->c_prime = px.coef[2 * c->k];
        r->total_regression = px.coef[2 * c->k + 1];
        r->nobs = px.nobs;
        r->singletons_dropped = px.singletons;
        r->nclusters = c->G;
        r->df_inference = (double)(c->G - 1);
        delta_method(c, &px, r);
    }
    sample_free(&full);
    gw_free(px.psi);
    gw_free(px.cfac);
    gw_free(px.coef);
    gw_free(theta);
    return rc;
}

/* The bootstrap replicates (*reps, o->boot x neff) and, for BCa, the delete-one-cluster
 * jackknife (*jack, G x neff); both owned by the caller, also after a failure. */
static gw_status resample(const med_ctx *c, const gw_mediate_opts *o, gw_mediate_result *r,
                          double **reps, double **jack)
{
    const int want_bca = o->boot > 0 && o->ci == GW_MED_CI_BCA;
    const size_t total = o->boot + (want_bca ? c->G : 0);
    gw_status rc;
    if (o->boot > 0) {
        if ((*reps = gw_alloc_array(o->boot * c->neff, sizeof **reps)) == NULL)
            return gwi_fail(GW_ENOMEM, "mediation: out of memory");
        if ((rc = run_many(c, 0, o->seed, o->boot, *reps, o, 0, total, &r->boot_failed)) != GW_OK)
            return rc;
        r->boot = o->boot;
    }
    if (want_bca) {
        size_t jf = 0;
        if ((*jack = gw_alloc_array(c->G * c->neff, sizeof **jack)) == NULL)
            return gwi_fail(GW_ENOMEM, "mediation: out of memory");
        if ((rc = run_many(c, 1, 0, c->G, *jack, o, o->boot, total, &jf)) != GW_OK)
            return rc;
    }
    return GW_OK;
}

/* The bootstrap intervals and SEs of every effect from the replicates (and BCa from the
 * jackknife when jack is set), then the interval of o->ci as ci_low/ci_high. */
static gw_status intervals(const med_ctx *c, const gw_mediate_opts *o, const double *reps,
                           const double *jack, gw_mediate_result *r)
{
    const double alpha = 1.0 - o->conf_level;
    gw_status rc;
    for (size_t e = 0; e < c->neff && o->boot > 0; e++) {
        gw_mediate_effect *ef = effect_at(r, e);
        size_t nv = 0;
        double *v = sorted_valid(reps + e, o->boot, c->neff, &nv);
        if (v == NULL)
            return gwi_fail(GW_ENOMEM, "mediation: out of memory");
        ef->pct_low = gw_mediate_quantile(v, nv, alpha / 2.0);
        ef->pct_high = gw_mediate_quantile(v, nv, 1.0 - alpha / 2.0);
        if (nv > 1) {
            double m = 0.0, s = 0.0;
            for (size_t t = 0; t < nv; t++)
                m += v[t];
            m /= (double)nv;
            for (size_t t = 0; t < nv; t++)
                s += (v[t] - m) * (v[t] - m);
            ef->boot_se = sqrt(s / (double)(nv - 1));
        }
        gw_free(v);
        if (jack != NULL && (rc = bca_strided(ef->estimate, reps + e, o->boot, c->neff, jack + e,
                                              c->G, c->neff, o->conf_level, &ef->bca_low,
                                              &ef->bca_high, &ef->z0, &ef->accel)) != GW_OK)
            return rc;
    }
    for (size_t e = 0; e < c->neff; e++) {
        gw_mediate_effect *ef = effect_at(r, e);
        ef->ci_low = o->ci == GW_MED_CI_BCA     ? ef->bca_low
                     : o->ci == GW_MED_CI_DELTA ? ef->delta_low
                                                : ef->pct_low;
        ef->ci_high = o->ci == GW_MED_CI_BCA     ? ef->bca_high
                      : o->ci == GW_MED_CI_DELTA ? ef->delta_high
                                                 : ef->pct_high;
    }
    return GW_OK;
}

gw_status gw_mediate_fit(const gw_design *d, const gw_mediate_spec *spec,
                         const gw_mediate_opts *opts, gw_mediate_result **out)
{
    gw_mediate_opts o = {0};
    med_ctx c;
    gw_mediate_result *r = NULL;
    double *jack = NULL, *reps = NULL;
    memset(&c, 0, sizeof c);
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_mediate_fit: NULL out");
    *out = NULL;
    gw_status rc = check_args(d, spec, opts, &o);
    if (rc != GW_OK)
        return rc;
    if ((rc = ctx_init(d, spec, &o, &c)) != GW_OK)
        goto done;
    if ((r = result_new(&c, &o)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "mediation: out of memory");
        goto done;
    }
    if ((rc = point_estimate(&c, r)) != GW_OK ||
        (rc = resample(&c, &o, r, &reps, &jack)) != GW_OK ||
        (rc = intervals(&c, &o, reps, jack, r)) != GW_OK)
        goto done;
    if (o.flags & GW_MED_KEEP_REPLICATES) {
        r->replicates = reps;
        r->jackknife = jack;
        reps = jack = NULL;
    }
    *out = r;
    r = NULL;
done:
    gw_mediate_free(r);
    gw_free(reps);
    gw_free(jack);
    ctx_free(&c);
    return rc;
}
