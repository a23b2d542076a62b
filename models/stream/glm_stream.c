/* glm_stream.c -- out-of-core and distributed GLMs with absorbed fixed effects
 * (gw_glm_stream.h): the algorithm of models/glm/glm_fe.c, pass by pass over a row-block source.
 *
 * The rows are never held. What the in-core fit keeps per row is recomputed per block:
 *  - which rows are kept: a row is dropped when a level of one of its sets is flagged (a
 *    singleton or a separated level: dropping a level's rows is the same as flagging it),
 *    when it has x_j != 0 for a regressor j dropped as separating, or when it is marked in the
 *    "pre" bitmap (rows separated at convergence, one bit per row slot of the source's blocks,
 *    made only when that happens);
 *  - the linear predictor: eta = x'b + sum_g d_g[code_g] from the coefficients b and the
 *    fixed-effect coefficients d of the last weighted within regression (gw_stream_opts.fe_coef),
 *    or R's mustart on the first iteration, as in core.
 * Separation and singletons (glm_fe.c, 1a-1c) are replicated exactly, counts included: one
 * pass computes every set's level counts (rows, rows with y > 0, rows with y >= 1) and every
 * regressor's certificate counts over the kept rows; when it finds nothing to drop the rules are
 * met (one pass, the common case); otherwise one round of glm_fe.c's sequential steps runs
 * (each step on the counts its predecessors left: a pass per step) and the check is repeated.
 * IRLS: each step is gw_stream_fit over a wrapper source whose blocks carry the working response
 * z = eta + (y - mu) / mu' and the working weights W = a mu'^2 / V(mu); the demeaning is warm
 * started from the previous step's coefficients alpha (as glm_fe.c starts from the previous
 * demeaned columns: the same start). The deviance after a step is one pass; step-halving
 * halves (b, d) (eta is linear in them), as glm_fe.c halves eta and b.
 * Variance: one more within regression at the converged eta, of the working residual
 * r = (y - mu) / mu' on X with the weights W: its bread is (X~'WX~)^-1 and its sandwich is the
 * GLM's score sandwich with the demeaned working residuals. The engine's iid variance is
 * s^2 (X~'WX~)^-1 with s^2 = rss / df_resid (gwi_fe_rescale), divided out here; its HC0, HC1
 * and cluster variances carry the linear profile's factors, which are the fixed-effects GLM's
 * (glm_fe.c, 3) for the goodwork, stata and statsmodels profiles; the fixest profile (whose
 * GLM iid factor differs) is refused.
 * Sums over rows are per-block partials added in block order and then over processes by the
 * reducer: every process takes the same decisions on the same numbers. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "core_int.h"
#include "glm_int.h"
#include "gw_alloc.h"
#include "gw_glm_stream.h"
#include "gw_hdfe.h"
#include "gw_par.h"
#include "models_int.h"
#include "stream_int.h"

#define BR GW_BLOCK_ROWS
#define GLM_STREAM_ROUNDS 4 /* fits with separation found at convergence (glm_fe.c: 4) */
#define GLM_STREAM_MU_TOL 1e-6
#define GLM_STREAM_MAX_SETS 16 /* fixed-effect sets */

typedef struct {
    const gw_stream_source *in;
    const gw_glm_opts *o;
    gwi_glm_link link;
    int binom, keep_sing;
    size_t p, S, C;
    size_t b0, b1;
    const gw_stream_reducer *red;
    gw_stream_stats *st; /* totals for the caller, or NULL */
    /* Row filters. */
    size_t *loff, Ltot;    /* set g's levels start at loff[g] in the level arrays */
    unsigned char *flag;   /* Ltot: level dropped (singleton or separated) */
    unsigned char *sepcol; /* p: regressor dropped as separating */
    unsigned char *pre;    /* bits over (b - b0) BR + i, or NULL */
    /* The linear predictor. */
    int start;    /* 1: R's mustart */
    double *beta; /* p, 0 for aliased columns */
    double *d;    /* Ltot fixed-effect coefficients */
    int resid;    /* the wrapper delivers r instead of z */
    /* Own passes. */
    gw_stream_block blk;
    double *dmem;
    int32_t *imem;
    double *eta;    /* BR */
    uint32_t *orig; /* BR: a kept row's index in the block as the source delivered it */
    /* The regressors given to the engine: the K0 columns not dropped as separating. */
    size_t K0;
    size_t *cols;        /* K0 column indices */
    const char **kterms; /* K0 names */
    int yexp; /* the source's y is the response times 2^-yexp (scale.c): loglik of 2^yexp y */
} gs;

/* ------------------------------------------------------------------------------------------ */
/* Blocks.                                                                                    */

static void add_entry(gw_stream_stats *t, const char *name, double wall, double cpu)
{
    size_t slot = t->npasses < GW_STREAM_MAX_PASSES ? t->npasses : GW_STREAM_MAX_PASSES - 1;
    if (t->npasses < GW_STREAM_MAX_PASSES)
        t->pass_name[slot] = name;
    t->pass_seconds[slot] += wall;
    t->pass_cpu[slot] += cpu;
    t->npasses++;
}

/* Totals for the caller: one entry per pass (the engine's own entries for its runs; passes
 * beyond GW_STREAM_MAX_PASSES are added to the last entry, as gw_stream_stats says). */
static void add_stats(gs *s, const gw_stream_stats *one, const char *name, double wall, double cpu)
{
    gw_stream_stats *t = s->st;
    if (t == NULL)
        return;
    if (one == NULL) {
        add_entry(t, name, wall, cpu);
        return;
    }
    for (size_t i = 0; i < one->npasses; i++) {
        const size_t q = i < GW_STREAM_MAX_PASSES ? i : GW_STREAM_MAX_PASSES - 1;
        if (i >= GW_STREAM_MAX_PASSES) {
            t->npasses++; /* its time is in the engine's last entry */
            continue;
        }
        add_entry(t, one->pass_name[q], one->pass_seconds[q], one->pass_cpu[q]);
    }
    t->read_seconds += one->read_seconds;
    t->rows_read += one->rows_read;
    t->sweeps += one->sweeps;
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Block b of the caller's source, checked, with the dropped rows filtered out in place; blk->w
 * holds the prior weights (1 when unweighted). */
static gw_status fetch(gs *s, size_t b, gw_stream_block *blk)
{
    const gw_stream_source *in = s->in;
    const size_t p = s->p, S = s->S, C = s->C;
    double *w = blk->w;
    blk->n = 0;
    blk->ndropped = 0;
    if (!in->weighted)
        blk->w = NULL;
    gw_status rc = in->read(in->ctx, b, GW_STREAM_NEED_ALL, blk);
    blk->w = w;
    if (rc != GW_OK)
        return rc;
    const size_t n = blk->n;
    if (n > BR)
        return gwi_fail(GW_EINTERNAL, "block %zu: the source delivered %zu rows (at most %zu)", b,
                        n, (size_t)BR);
    const size_t r0 = b * BR + 1, r1 = b * BR + BR;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const double y = blk->y[i], a = in->weighted ? blk->w[i] : 1.0;
        if (!isfinite(y))
            return gwi_fail(GW_ENONFINITE, "the response is not finite in source rows %zu..%zu", r0,
                            r1);
        if (!gwi_glm_valid_y(s->link, y))
            return gwi_fail(GW_EFORMAT, "source rows %zu..%zu: response %g is outside the %s range",
                            r0, r1, y,
                            s->link == GWI_GLM_POISSON ? "Poisson [0, inf)" : "binomial [0, 1]");
        if (!(a > 0.0) || !isfinite(a))
            return gwi_fail(GW_EINVAL,
                            "weight %g in source rows %zu..%zu is not positive and finite", a, r0,
                            r1);
        int keep = !(s->pre != NULL && (s->pre[((b - s->b0) * BR + i) >> 3] >> (i & 7) & 1));
        for (size_t j = 0; j < p; j++) {
            const double x = blk->X[j * BR + i];
            if (!isfinite(x))
                return gwi_fail(GW_ENONFINITE, "regressor %s is not finite in source rows %zu..%zu",
                                in->terms[j], r0, r1);
            if (s->sepcol[j] && x != 0.0)
                keep = 0;
        }
        for (size_t g = 0; g < S; g++) {
            const int32_t c = blk->fe[g * BR + i];
            if (c < 0 || (size_t)c >= in->fe_levels[g])
                return gwi_fail(GW_EINVAL,
                                "fixed effect %s: code %ld outside 0..%zu in source "
                                "rows %zu..%zu",
                                in->fe_names[g], (long)c, in->fe_levels[g] - 1, r0, r1);
            if (s->flag[s->loff[g] + (size_t)c])
                keep = 0;
        }
        if (!keep)
            continue;
        if (m != i) {
            blk->y[m] = y;
            for (size_t j = 0; j < p; j++)
                blk->X[j * BR + m] = blk->X[j * BR + i];
            for (size_t g = 0; g < S; g++)
                blk->fe[g * BR + m] = blk->fe[g * BR + i];
            for (size_t v = 0; v < C; v++)
                blk->cluster[v * BR + m] = blk->cluster[v * BR + i];
        }
        blk->w[m] = a;
        s->orig[m] = (uint32_t)i;
        m++;
    }
    blk->n = m;
    return GW_OK;
}

/* The linear predictor of the kept rows of blk into s->eta. */
static void eval_eta(const gs *s, const gw_stream_block *blk)
{
    const size_t n = blk->n;
    if (s->start) {
        for (size_t i = 0; i < n; i++)
            s->eta[i] = gwi_glm_link_eta(s->link, gwi_glm_mustart(s->link, blk->y[i]));
        return;
    }
    for (size_t i = 0; i < n; i++)
        s->eta[i] = 0.0;
    for (size_t j = 0; j < s->p; j++) {
        const double bj = s->beta[j], *x = blk->X + j * BR;
        if (bj != 0.0)
            for (size_t i = 0; i < n; i++)
                s->eta[i] += x[i] * bj;
    }
    for (size_t g = 0; g < s->S; g++) {
        const double *dg = s->d + s->loff[g];
        const int32_t *c = blk->fe + g * BR;
        for (size_t i = 0; i < n; i++)
            s->eta[i] += dg[c[i]];
    }
}

/* The engine's source: the kept rows with (z or r, W). */
static gw_status wrap_read(void *ctx, size_t b, unsigned need, gw_stream_block *blk)
{
    gs *s = ctx;
    (void)need;
    gw_status rc = fetch(s, b, blk);
    if (rc != GW_OK)
        return rc;
    eval_eta(s, blk);
    for (size_t i = 0; i < blk->n; i++) {
        if (!isfinite(s->eta[i]))
            return gwi_fail(GW_ENOCONV, "the linear predictor is not finite in block %zu", b);
        gwi_glm_point pt = gwi_glm_eval(s->link, s->eta[i]);
        const double e = (blk->y[i] - pt.mu) / pt.dmu;
        blk->w[i] *= pt.dmu * pt.dmu / pt.var;
        blk->y[i] = s->resid ? e : s->eta[i] + e;
    }
    for (size_t t = 0; t < s->K0; t++) /* cols[t] >= t: forward moves are safe */
        if (s->cols[t] != t)
            memmove(blk->X + t * BR, blk->X + s->cols[t] * BR, blk->n * sizeof *blk->X);
    return GW_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Own passes: each fills buf[0..m) with sums over this process's kept rows and reduces them.  */

typedef void (*row_fn)(gs *s, const gw_stream_block *blk, size_t b, double *buf, void *ctx);

static gw_status own_pass(gs *s, const char *name, row_fn fn, void *ctx, double *buf, size_t m)
{
    gw_status rc = GW_OK;
    const double w0 = wall_now(), c0 = cpu_now();
    memset(buf, 0, (m + 1) * sizeof *buf);
    size_t rows = 0;
    for (size_t b = s->b0; b < s->b1 && rc == GW_OK; b++)
        if ((rc = fetch(s, b, &s->blk)) == GW_OK) {
            fn(s, &s->blk, b, buf, ctx);
            rows += s->blk.n;
        }
    if (s->st != NULL)
        s->st->rows_read += rows;
    rc = gwi_stream_reduce(s->red, buf, m, rc);
    add_stats(s, NULL, name, wall_now() - w0, cpu_now() - c0);
    return rc;
}

/* Separation counts: per level (cnt, y > 0, y >= 1) at 3 l, then per regressor (x > 0, x < 0,
 * rows against certificate a, against b, x != 0 with y != 0) at 3 Ltot + 5 j. */
static void sep_rows(gs *s, const gw_stream_block *blk, size_t b, double *buf, void *ctx)
{
    (void)b;
    (void)ctx;
    const size_t n = blk->n;
    for (size_t g = 0; g < s->S; g++) {
        double *L = buf + 3 * s->loff[g];
        const int32_t *c = blk->fe + g * BR;
        for (size_t i = 0; i < n; i++) {
            double *q = L + 3 * (size_t)c[i];
            q[0] += 1.0;
            q[1] += blk->y[i] > 0.0;
            q[2] += blk->y[i] >= 1.0;
        }
    }
    double *R = buf + 3 * s->Ltot;
    for (size_t j = 0; j < s->p; j++) {
        const double *x = blk->X + j * BR;
        double *q = R + 5 * j;
        for (size_t i = 0; i < n; i++) {
            const double xi = x[i], y = blk->y[i];
            if (xi == 0.0)
                continue;
            q[0] += xi > 0.0;
            q[1] += xi < 0.0;
            q[2] += !((xi > 0.0 && y == 1.0) || (xi < 0.0 && y == 0.0));
            q[3] += !((xi > 0.0 && y == 0.0) || (xi < 0.0 && y == 1.0));
            q[4] += y != 0.0;
        }
    }
}

static int level_separated(const gs *s, const double *q)
{
    return q[0] > 0.0 && (q[1] == 0.0 || (s->binom && q[2] == q[0]));
}

static int reg_separates(const gs *s, const double *q)
{
    if (q[0] + q[1] == 0.0)
        return 0;
    return s->binom ? (q[2] == 0.0 || q[3] == 0.0) : (q[4] == 0.0 && !(q[0] > 0.0 && q[1] > 0.0));
}

/* glm_fe.c's separate(), counts included: *sing and *sep accumulate the rows dropped. */
static gw_status separation(gs *s, size_t *sing, size_t *sep)
{
    const size_t m = 3 * s->Ltot + 5 * s->p;
    double *buf = gw_alloc_array(m + 1, sizeof *buf);
    gw_status rc = GW_OK;
    if (buf == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu separation counts", m);
    for (;;) {
        /* The check: would any step of a round drop something? */
        if ((rc = own_pass(s, "separation", sep_rows, NULL, buf, m)) != GW_OK)
            goto done;
        int any = 0;
        for (size_t l = 0; l < s->Ltot && !any; l++)
            any = (!s->keep_sing && buf[3 * l] == 1.0) || level_separated(s, buf + 3 * l);
        for (size_t j = 0; j < s->p && !any; j++)
            any = !s->sepcol[j] && reg_separates(s, buf + 3 * s->Ltot + 5 * j);
        if (!any)
            break;
        /* One round of glm_fe.c's steps, each on the counts left by the previous ones. The
         * check's counts serve the first step. */
        int fresh = 1;
        for (size_t g = 0; g < s->S && !s->keep_sing; g++) {
            if (!fresh && (rc = own_pass(s, "separation", sep_rows, NULL, buf, m)) != GW_OK)
                goto done;
            size_t k = 0;
            for (size_t l = s->loff[g]; l < s->loff[g] + s->in->fe_levels[g]; l++)
                if (buf[3 * l] == 1.0) {
                    s->flag[l] = 1;
                    k++;
                }
            *sing += k;
            fresh = k == 0;
        }
        for (size_t g = 0; g < s->S; g++) {
            if (!fresh && (rc = own_pass(s, "separation", sep_rows, NULL, buf, m)) != GW_OK)
                goto done;
            size_t k = 0;
            for (size_t l = s->loff[g]; l < s->loff[g] + s->in->fe_levels[g]; l++)
                if (level_separated(s, buf + 3 * l)) {
                    s->flag[l] = 1;
                    k += (size_t)buf[3 * l];
                }
            *sep += k;
            fresh = k == 0;
        }
        for (size_t j0 = 0; j0 < s->p;) {
            if (!fresh && (rc = own_pass(s, "separation", sep_rows, NULL, buf, m)) != GW_OK)
                goto done;
            size_t j = j0;
            while (j < s->p && (s->sepcol[j] || !reg_separates(s, buf + 3 * s->Ltot + 5 * j)))
                j++;
            if (j == s->p)
                break;
            const double *q = buf + 3 * s->Ltot + 5 * j;
            s->sepcol[j] = 1;
            *sep += (size_t)(q[0] + q[1]);
            fresh = 0;
            j0 = j + 1;
        }
    }
done:
    gw_free(buf);
    return rc;
}

/* Sums at the start (R's mustart): deviance, sum a, sum a y, rows. */
static void start_rows(gs *s, const gw_stream_block *blk, size_t b, double *buf, void *ctx)
{
    (void)b;
    (void)ctx;
    double dv = 0.0, sa = 0.0, say = 0.0;
    for (size_t i = 0; i < blk->n; i++) {
        const double y = blk->y[i], a = blk->w[i];
        dv += a * gwi_glm_dev(s->link, y, gwi_glm_mustart(s->link, y));
        sa += a;
        say += a * y;
    }
    buf[0] += dv;
    buf[1] += sa;
    buf[2] += say;
    buf[3] += (double)blk->n;
}

/* The deviance at the current (beta, d); NaN when some eta is not finite. */
static void dev_rows(gs *s, const gw_stream_block *blk, size_t b, double *buf, void *ctx)
{
    (void)b;
    (void)ctx;
    eval_eta(s, blk);
    double dv = 0.0;
    for (size_t i = 0; i < blk->n; i++) {
        if (!isfinite(s->eta[i])) {
            dv = (double)NAN;
            continue;
        }
        dv += blk->w[i] * gwi_glm_dev(s->link, blk->y[i], gwi_glm_eval(s->link, s->eta[i]).mu);
    }
    buf[0] += dv;
}

/* Statistics at convergence: loglik, null deviance and null loglik (at ybar), rows whose mean
 * vanished (glm_fe.c's vanishing_rows), marked in s->pre when ctx (the threshold array) says. */
typedef struct {
    double ybar;
    int mark;
} fin_ctx;

static void fin_rows(gs *s, const gw_stream_block *blk, size_t b, double *buf, void *ctx)
{
    const fin_ctx *f = ctx;
    eval_eta(s, blk);
    double ll = 0.0, d0 = 0.0, l0 = 0.0, nv = 0.0;
    for (size_t i = 0; i < blk->n; i++) {
        const double y = blk->y[i], a = blk->w[i];
        const double mu = gwi_glm_eval(s->link, s->eta[i]).mu;
        ll += a * gwi_glm_loglik_at(s->link, y, mu, s->yexp);
        d0 += a * gwi_glm_dev(s->link, y, f->ybar);
        l0 += a * gwi_glm_loglik_at(s->link, y, f->ybar, s->yexp);
        int v = s->link == GWI_GLM_POISSON ? y == 0.0 && mu < GLM_STREAM_MU_TOL * f->ybar
                                           : (y == 0.0 && mu < GLM_STREAM_MU_TOL) ||
                                                 (y == 1.0 && 1.0 - mu < GLM_STREAM_MU_TOL);
        if (v && f->mark) {
            size_t bit = (b - s->b0) * BR + s->orig[i];
            s->pre[bit >> 3] = (unsigned char)(s->pre[bit >> 3] | (1u << (bit & 7)));
        }
        nv += v;
    }
    buf[0] += ll;
    buf[1] += d0;
    buf[2] += l0;
    buf[3] += nv;
}

/* ------------------------------------------------------------------------------------------ */
/* The weighted within regressions.                                                           */

/* One run of the engine over the wrapper (z, or r when s->resid) with variance kind; beta
 * (p, 0 for aliased) and d (Ltot) receive the solution, *res the engine's result when res is
 * not NULL. alpha: the warm start in and out. */
static gw_status within(gs *s, const gw_stream_opts *so, gw_vcov_kind kind, double *alpha, int warm,
                        double *beta, double *d, const char *name, gw_result **res)
{
    const gw_stream_source *in = s->in;
    gw_stream_source w = *in;
    w.p = s->K0;
    w.terms = s->kterms;
    w.weighted = 1;
    w.has_intercept = 0;
    w.read = wrap_read;
    w.ctx = s;
    gw_ols_opts oo;
    memset(&oo, 0, sizeof oo);
    oo.vcov = kind;
    oo.conf_level = s->o->conf_level;
    oo.ssc = s->o->ssc;
    oo.fe_tol = s->o->fe_tol;
    oo.fe_maxiter = s->o->fe_maxiter;
    oo.flags = GW_OLS_KEEP_SINGLETONS; /* singletons were dropped here (or are kept) */
    double *dp[GLM_STREAM_MAX_SETS];
    for (size_t g = 0; g < s->S; g++)
        dp[g] = d + s->loff[g];
    gw_stream_stats one;
    gw_stream_opts o2;
    memset(&o2, 0, sizeof o2);
    if (so != NULL) {
        o2.row_begin = so->row_begin;
        o2.row_end = so->row_end;
        o2.reducer = so->reducer;
    }
    o2.stats = s->st ? &one : NULL;
    o2.fe_coef = dp;
    o2.fe_alpha = alpha;
    o2.fe_warm = warm;
    gw_result *r = NULL;
    const double w0 = wall_now(), c0 = cpu_now();
    gw_status rc = gw_stream_fit(&w, &oo, &o2, &r);
    add_stats(s, s->st ? &one : NULL, name, wall_now() - w0, cpu_now() - c0);
    if (rc != GW_OK)
        return rc;
    /* The kept coefficients in column order (the result's terms are the kept columns'). */
    for (size_t j = 0, q = 0; j < s->p; j++) {
        if (!s->sepcol[j] && q < r->k && strcmp(r->terms[q], in->terms[j]) == 0)
            beta[j] = r->estimate[q++];
        else
            beta[j] = 0.0;
    }
    if (res != NULL)
        *res = r;
    else
        gw_result_free(r);
    return GW_OK;
}

/* ------------------------------------------------------------------------------------------ */

static gw_status check(const gw_stream_source *src, const gw_glm_opts *o)
{
    gw_status rc;
    if (src == NULL || src->read == NULL)
        return gwi_fail(GW_EINVAL, "no source");
    if (src->nfe == 0 || src->fe_levels == NULL || src->fe_names == NULL)
        return gwi_fail(GW_EINVAL, "an out-of-core GLM needs absorbed fixed effects");
    if (src->nfe > GLM_STREAM_MAX_SETS)
        return gwi_fail(GW_EUNSUPPORTED, "%zu fixed-effect sets (at most %d out of core)", src->nfe,
                        GLM_STREAM_MAX_SETS);
    if (src->has_intercept)
        return gwi_fail(GW_EINVAL, "a fixed-effects GLM has no intercept column");
    if (src->p == 0 || src->terms == NULL)
        return gwi_fail(GW_EINVAL, "the model has no regressors");
    for (size_t j = 0; j < src->p; j++)
        if (src->terms[j] == NULL)
            return gwi_fail(GW_EINVAL, "column %zu of the design has no name", j);
    for (size_t g = 0; g < src->nfe; g++)
        if (src->fe_levels[g] == 0 || src->fe_levels[g] > (size_t)INT32_MAX / 2)
            return gwi_fail(GW_EINVAL, "fixed effect %s has %zu levels",
                            src->fe_names[g] ? src->fe_names[g] : "?", src->fe_levels[g]);
    if ((rc = gwi_glm_fe_check_opts(o, src->ncluster)) != GW_OK)
        return rc;
    if (o->ssc == GW_SSC_FIXEST)
        return gwi_fail(GW_EUNSUPPORTED,
                        "the fixest small-sample profile is not available out of core");
    if (o->flags & (GW_GLM_AME | GW_GLM_KEEP_FITTED | GW_GLM_KEEP_RESIDUALS))
        return gwi_fail(GW_EUNSUPPORTED, "%s cannot be computed out of core",
                        (o->flags & GW_GLM_AME) ? "average marginal effects"
                                                : "fitted values and residuals");
    return GW_OK;
}

/* The result from the variance run er (k, terms, vcov with the linear profile's factors) and
 * the IRLS state. */
static gw_status build(gs *s, const gw_result *er, const double *beta, size_t iter, double dev,
                       const double *fin, size_t nsing, size_t nsep, gw_result **out)
{
    static const char *const est[] = {"logit", "probit", "poisson"};
    static const char *const lnk[] = {"logit", "probit", "log"};
    const gw_glm_opts *o = s->o;
    const size_t k = er->k;
    gw_result *r = NULL;
    gw_status rc = gw_result_new(k, &r);
    if (rc != GW_OK)
        return rc;
    const double nn = (double)er->nobs, kk = (double)k;
    /* iid: the engine's s^2 B, s^2 = rss / df_resid. */
    double c = 1.0;
    if (o->vcov == GW_VCOV_IID) {
        if (!(er->rss > 0.0) || !(er->df_resid > 0.0)) {
            rc = gwi_fail(GW_EILLCOND, "the working residuals are all zero: the information "
                                       "matrix cannot be recovered");
            goto done;
        }
        c = er->df_resid / er->rss;
    }
    for (size_t q = 0, j = 0; q < k; q++) {
        while (strcmp(er->terms[q], s->in->terms[j]) != 0)
            j++;
        r->estimate[q] = beta[j];
        if ((rc = gw_result_set_str(&r->terms[q], er->terms[q])) != GW_OK)
            goto done;
    }
    for (size_t j = 0; j < k * k; j++)
        r->vcov[j] = er->vcov[j] * c;
    if ((rc = gw_result_set_str(&r->estimator, est[o->kind])) != GW_OK ||
        (rc = gw_result_set_str(&r->family, s->binom ? "binomial" : "poisson")) != GW_OK ||
        (rc = gw_result_set_str(&r->link, lnk[o->kind])) != GW_OK ||
        (rc = gw_result_set_str(&r->vcov_type, er->vcov_type)) != GW_OK ||
        (rc = gw_result_set_str(&r->response, s->in->response)) != GW_OK ||
        (rc = gw_result_set_str(&r->solver, er->solver)) != GW_OK)
        goto done;
    r->conf_level = o->conf_level != 0.0 ? o->conf_level : 0.95;
    r->stat_is_z = 1;
    r->df_inference = (double)NAN;
    gwi_fill_inference(r);
    r->nobs = er->nobs;
    r->nobs_dropped_missing = er->nobs_dropped_missing;
    r->singletons_dropped = nsing;
    r->nobs_separated = nsep;
    r->df_resid = er->df_resid; /* N - K - D (the goodwork, stata, statsmodels profiles) */
    r->n_cluster_vars = er->n_cluster_vars;
    for (size_t v = 0; v < er->n_cluster_vars; v++)
        r->n_clusters[v] = er->n_clusters[v];
    r->iterations = iter;
    r->converged = 1;
    r->rank = er->rank;
    r->rcond = er->rcond;
    r->near_singular = er->near_singular;
    r->dispersion = 1.0;
    if (er->ndropped > 0) {
        if ((r->dropped_collinear = gw_calloc(er->ndropped, sizeof(char *))) == NULL)
            goto nomem;
        r->ndropped = er->ndropped;
        for (size_t j = 0; j < er->ndropped; j++)
            if ((rc = gw_result_set_str(&r->dropped_collinear[j], er->dropped_collinear[j])) !=
                GW_OK)
                goto done;
    }
    if ((rc = gwi_glm_set_str_list(&r->dropped_separated, &r->ndropped_separated, s->in->terms,
                                   s->sepcol, s->p)) != GW_OK)
        goto done;
    if ((r->fixed_effects = gw_calloc(er->nfe, sizeof *r->fixed_effects)) == NULL)
        goto nomem;
    r->nfe = er->nfe;
    for (size_t g = 0; g < er->nfe; g++) {
        r->fixed_effects[g].levels = er->fixed_effects[g].levels;
        if ((rc = gw_result_set_str(&r->fixed_effects[g].name, er->fixed_effects[g].name)) != GW_OK)
            goto done;
    }
    const double D = nn - kk - er->df_resid, npar = kk + D;
    r->deviance = dev;
    r->loglik = fin[0];
    r->null_deviance = fin[1];
    r->pseudo_r2 = fin[2] != 0.0 ? 1.0 - r->loglik / fin[2] : (double)NAN;
    r->aic = -2.0 * r->loglik + 2.0 * npar;
    r->bic = -2.0 * r->loglik + npar * log(nn);
    *out = r;
    return GW_OK;
nomem:
    rc = gwi_fail(GW_ENOMEM, "cannot allocate the result");
done:
    gw_result_free(r);
    return rc;
}

/* One fit with the rows in s->pre dropped beforehand; *nvanish > 0 (and GW_ENOCONV) when rows
 * separated at convergence remain (then marked in s->pre when mark). */
static gw_status fit_round(gs *s, const gw_stream_opts *so, size_t npre, int mark, size_t *nvanish,
                           gw_result **out)
{
    const gw_glm_opts *o = s->o;
    const double tol = o->tol != 0.0 ? o->tol : GW_GLM_TOL;
    const size_t maxiter = o->maxiter != 0 ? o->maxiter : GW_GLM_MAXITER;
    const size_t p = s->p, Lt = s->Ltot, r = p + 1;
    gw_status rc = GW_OK;
    gw_result *er = NULL;
    double sums[8];
    size_t nsing = 0, nsep = npre;
    *nvanish = 0;
    memset(s->flag, 0, Lt);
    memset(s->sepcol, 0, p);
    double *mem = gw_alloc_array(2 * p + 2 * Lt + Lt * r + 1, sizeof *mem);
    if (mem == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate the IRLS state (%zu levels)", Lt);
    double *b1 = mem, *d1 = mem + p, *bo = mem + p + Lt, *dold = mem + 2 * p + Lt,
           *alpha = mem + 2 * p + 2 * Lt;
    /* 1. Separation and singletons. */
    if ((rc = separation(s, &nsing, &nsep)) != GW_OK)
        goto done;
    size_t K0 = 0;
    for (size_t j = 0; j < p; j++)
        if (!s->sepcol[j]) {
            s->cols[K0] = j;
            s->kterms[K0++] = s->in->terms[j];
        }
    s->K0 = K0;
    if (K0 == 0) {
        rc = gwi_fail(GW_ERANK, "every regressor separates the outcome; nothing to estimate");
        goto done;
    }
    /* 2. IRLS from R's mustart. */
    s->start = 1;
    if ((rc = own_pass(s, "start", start_rows, NULL, sums, 4)) != GW_OK)
        goto done;
    if (sums[3] == 0.0) {
        rc = gwi_fail(GW_ENODATA,
                      "no observations left after dropping %zu singletons and %zu separated "
                      "observations",
                      nsing, nsep);
        goto done;
    }
    double dev = sums[0];
    const double ybar = sums[2] / sums[1];
    size_t iter;
    int converged = 0;
    for (iter = 1; iter <= maxiter && !converged; iter++) {
        s->resid = 0;
        if ((rc = within(s, so, GW_VCOV_IID, alpha, iter > 1, b1, d1, "irls", NULL)) != GW_OK)
            goto done;
        if (iter > 1) {
            memcpy(bo, s->beta, p * sizeof *bo);
            memcpy(dold, s->d, Lt * sizeof *dold);
        }
        memcpy(s->beta, b1, p * sizeof *b1);
        memcpy(s->d, d1, Lt * sizeof *d1);
        s->start = 0;
        if ((rc = own_pass(s, "deviance", dev_rows, NULL, sums, 1)) != GW_OK)
            goto done;
        double dev1 = sums[0];
        int halvings = 0;
        while (iter > 1 && !(isfinite(dev1) && (dev1 - dev) / (0.1 + fabs(dev1)) < tol)) {
            if (++halvings > GW_GLM_MAXHALF) {
                rc = gwi_fail(GW_ENOCONV,
                              "iteration %zu: the deviance (%g) did not decrease after %d "
                              "step-halvings",
                              iter, dev1, GW_GLM_MAXHALF);
                goto done;
            }
            for (size_t j = 0; j < p; j++)
                s->beta[j] = 0.5 * (s->beta[j] + bo[j]);
            for (size_t l = 0; l < Lt; l++)
                s->d[l] = 0.5 * (s->d[l] + dold[l]);
            if ((rc = own_pass(s, "deviance", dev_rows, NULL, sums, 1)) != GW_OK)
                goto done;
            dev1 = sums[0];
        }
        if (!isfinite(dev1)) {
            rc = gwi_fail(GW_ENOCONV, "the deviance is not finite after the first iteration");
            goto done;
        }
        converged = fabs(dev1 - dev) / (0.1 + fabs(dev1)) < tol;
        dev = dev1;
    }
    iter--;
    if (!converged) {
        rc =
            gwi_fail(GW_ENOCONV, "no convergence after %zu iterations (deviance %.17g)", iter, dev);
        goto done;
    }
    /* Statistics and separation at convergence. */
    fin_ctx fc = {ybar, 0};
    if ((rc = own_pass(s, "statistics", fin_rows, &fc, sums, 4)) != GW_OK)
        goto done;
    if (sums[3] > 0.0) {
        *nvanish = (size_t)sums[3];
        if (mark) { /* mark them for the next round: the one n-bit map of the fit */
            const size_t bits = (s->b1 - s->b0) * BR;
            if (s->pre == NULL && (s->pre = gw_calloc(bits / 8 + 1, 1)) == NULL) {
                rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu row flags", bits);
                goto done;
            }
            fc.mark = 1;
            if ((rc = own_pass(s, "statistics", fin_rows, &fc, sums, 4)) != GW_OK)
                goto done;
        }
        rc = gwi_fail(GW_ENOCONV,
                      "separation: %zu observations are fitted exactly (means below %g); the "
                      "maximum likelihood estimate does not exist with them",
                      *nvanish, GLM_STREAM_MU_TOL);
        goto done;
    }
    double fin[3] = {sums[0], sums[1], sums[2]};
    /* 3. The variance at the converged eta. */
    s->resid = 1;
    if ((rc = within(s, so, o->vcov, alpha, 1, b1, d1, "variance", &er)) != GW_OK)
        goto done;
    if (er->k == 0) {
        rc = gwi_fail(GW_ERANK, "every regressor is absorbed by the fixed effects");
        goto done;
    }
    rc = build(s, er, s->beta, iter, dev, fin, nsing, nsep, out);
done:
    gw_result_free(er);
    gw_free(mem);
    return rc;
}

/* One fit of checked arguments; the source's y is the response times 2^-yexp. */
static gw_status glm_stream_once(const gw_stream_source *src, const gw_glm_opts *opts,
                                 const gw_stream_opts *so, int yexp, gw_result **out)
{
    gw_status rc;
    gs s;
    memset(&s, 0, sizeof s);
    s.yexp = yexp;
    s.in = src;
    s.o = opts;
    s.link = gwi_glm_link_of(opts->kind);
    s.binom = s.link != GWI_GLM_POISSON;
    s.keep_sing = (opts->flags & GW_GLM_KEEP_SINGLETONS) != 0;
    s.p = src->p;
    s.S = src->nfe;
    s.C = src->ncluster;
    const size_t nball = (src->nrows + BR - 1) / BR;
    size_t r0 = 0, r1 = src->nrows;
    if (so != NULL && !(so->row_begin == 0 && so->row_end == 0)) {
        r0 = so->row_begin;
        r1 = so->row_end;
    }
    if (r0 > r1 || r1 > src->nrows || r0 % BR != 0 || (r1 % BR != 0 && r1 != src->nrows))
        return gwi_fail(GW_EINVAL, "bad row range %zu..%zu of %zu rows", r0, r1, src->nrows);
    s.b0 = r0 / BR;
    s.b1 = (r1 + BR - 1) / BR;
    if (s.b1 > nball)
        s.b1 = nball;
    s.red =
        (so != NULL && so->reducer != NULL && so->reducer->sum != NULL && so->reducer->nranks > 1)
            ? so->reducer
            : NULL;
    s.st = so != NULL ? so->stats : NULL;
    if (s.st != NULL)
        memset(s.st, 0, sizeof *s.st);
    s.loff = gw_calloc(s.S + 1, sizeof *s.loff);
    if (s.loff == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t g = 0; g < s.S; g++)
        s.loff[g + 1] = s.loff[g] + src->fe_levels[g];
    s.Ltot = s.loff[s.S];
    const size_t p = s.p, S = s.S, C = s.C;
    s.flag = gw_calloc(s.Ltot + 1, 1);
    s.sepcol = gw_calloc(p, 1);
    s.beta = gw_calloc(p, sizeof *s.beta);
    s.d = gw_calloc(s.Ltot + 1, sizeof *s.d);
    s.dmem = gw_alloc_array(BR * (p + 3), sizeof *s.dmem);
    s.imem = gw_alloc_array(BR * (S + C) + 1, sizeof *s.imem);
    s.orig = gw_alloc_array(BR, sizeof *s.orig);
    s.cols = gw_alloc_array(p, sizeof *s.cols);
    s.kterms = gw_calloc(p, sizeof *s.kterms);
    if (s.cols == NULL || s.kterms == NULL || s.flag == NULL || s.sepcol == NULL ||
        s.beta == NULL || s.d == NULL || s.dmem == NULL || s.imem == NULL || s.orig == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the block buffers");
        goto done;
    }
    s.blk.y = s.dmem;
    s.blk.X = s.dmem + BR;
    s.blk.w = s.dmem + BR * (p + 1);
    s.eta = s.dmem + BR * (p + 2);
    s.blk.fe = s.imem;
    s.blk.cluster = s.imem + BR * S;
    size_t npre = 0;
    for (int round = 0;; round++) {
        size_t nv = 0;
        const int mark = round + 1 < GLM_STREAM_ROUNDS;
        rc = fit_round(&s, so, npre, mark, &nv, out);
        if (nv == 0 || !mark)
            break;
        npre += nv;
    }
done:
    gw_free(s.pre);
    gw_free(s.kterms);
    gw_free(s.cols);
    gw_free(s.orig);
    gw_free(s.imem);
    gw_free(s.dmem);
    gw_free(s.d);
    gw_free(s.beta);
    gw_free(s.sepcol);
    gw_free(s.flag);
    gw_free(s.loff);
    return rc;
}

/* gwi_stream_refit's callback: ctx is the fit's arguments. */
typedef struct {
    const gw_glm_opts *opts;
    const gw_stream_opts *so;
} refit_ctx;

static gw_status refit_once(void *ctx, const gw_stream_source *src, int yexp, gw_result **out)
{
    const refit_ctx *c = ctx;
    return glm_stream_once(src, c->opts, c->so, yexp, out);
}

/* Extreme scales (gw_glm_stream.h; models/scale.c), as gw_stream_fit: the rows as they come
 * first, and only when the result looks damaged or the fit failed on a numerical status one
 * scanning pass and, when a column (or, for Poisson, the counts: the absorbed effects take up
 * their scale) is outside the safe window, the fit again through a scaling source. */
gw_status gw_stream_glm_fit(const gw_stream_source *src, const gw_glm_opts *opts,
                            const gw_stream_opts *so, gw_result **out)
{
    const gw_glm_opts defaults = {0};
    gwi_scale sc;
    int scaled = 0;
    gw_status rc;
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "no output pointer");
    *out = NULL;
    if (opts == NULL)
        opts = &defaults;
    if ((rc = check(src, opts)) != GW_OK)
        return rc;
    rc = glm_stream_once(src, opts, so, 0, out);
    /* GW_EINVAL too: the arguments are checked, so it comes from the engine refusing a working
     * weight (a mean) that overflowed to infinity. */
    if (!(gwi_scale_retry_status(rc) || rc == GW_EINVAL) ||
        (rc == GW_OK && !gwi_result_suspect(*out)))
        return rc;
    const int poisson = opts->kind == GW_GLM_POISSON;
    refit_ctx c = {opts, so};
    rc = gwi_stream_refit(src, so, poisson, poisson ? GWI_UNSCALE_LOGLINK : GWI_UNSCALE_LINEAR,
                          refit_once, &c, rc, out, &sc, &scaled);
    gwi_scale_free(&sc);
    return rc;
}
