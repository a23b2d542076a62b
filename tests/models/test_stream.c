/* test_stream.c -- out-of-core fits (gw_stream_fit) against the in-core gw_ols_fit.
 *
 * Generated data (xorshift64*, fixed seeds): a few GW_BLOCK_ROWS blocks plus a partial one,
 * rows with a missing response (dropped by the source and counted), optional weights, two
 * fixed-effect factors (with singletons) and two cluster factors. An in-memory source serves
 * the blocks; the in-core design holds the same rows. Every reported number must agree to
 * 1e-12 relative (RTOL); with two fixed-effect sets both fits demean to a tight tolerance
 * (1e-14), the streaming fit by alternating projections, the in-core one by CG. The largest
 * relative difference seen is printed at the end (docs/scale.md quotes it).
 *
 * The distributed case is simulated with threads: P "ranks" run gw_stream_fit concurrently on
 * block-aligned row ranges with a reducer that adds the ranks' buffers in rank order behind a
 * barrier; the result must be bit-identical to the single-process fit when the ranges are
 * aligned to GW_STREAM_GROUP_ROWS, and equal to 1e-13 otherwise. */
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "gw_alloc.h"
#include "gw_design.h"
#include "gw_ols.h"
#include "gw_par.h"
#include "gw_result.h"
#include "gw_stream.h"
#include "gw_test.h"
#include "gw_test_stream.h"

#define RTOL 1e-12

static double max_rel = 0.0, max_rel_p = 0.0; /* estimates and tests; p-values */

static gwt_rng rng;

/* ------------------------------------------------------------------------------------------ */
/* The data: all source rows (y NaN = missing), and the in-memory source over them.           */

typedef gwt_stream_data data;

/* nrows rows; p regressors (with an intercept unless nfe > 0); collinear: the last column is
 * x1 + x2; nfe sets (levels 60 and 25, first set with a few singleton levels); two cluster
 * factors (40 and 7 levels; the first nests the first fixed effect when nested != 0). */
static void make_data(data *d, uint64_t seed, size_t nrows, size_t p, int weighted, size_t nfe,
                      int collinear, int nested)
{
    static const char *names[] = {"(Intercept)", "x1", "x2", "x3", "x4", "x5", "x6", "x7"};
    memset(d, 0, sizeof *d);
    gwt_rng_seed(&rng, seed);
    d->nrows = nrows;
    d->p = p;
    d->nfe = nfe;
    d->ncl = 2;
    d->weighted = weighted;
    d->has_intercept = nfe == 0;
    for (size_t j = 0; j < p; j++)
        d->terms[j] = names[d->has_intercept ? j : j + 1];
    d->fe_names[0] = "firm";
    d->fe_names[1] = "year";
    d->fe_levels[0] = 60;
    d->fe_levels[1] = 25;
    d->cl_names[0] = "region";
    d->cl_names[1] = "sector";
    d->cl_levels[0] = 40;
    d->cl_levels[1] = 7;
    assert_non_null(d->y = gw_alloc_array(nrows, sizeof(double)));
    assert_non_null(d->X = gw_alloc_array(nrows * p, sizeof(double)));
    assert_non_null(d->w = gw_alloc_array(nrows, sizeof(double)));
    for (size_t g = 0; g < 2; g++) {
        assert_non_null(d->fe[g] = gw_alloc_array(nrows, sizeof(int32_t)));
        assert_non_null(d->cl[g] = gw_alloc_array(nrows, sizeof(int32_t)));
    }
    double fe0[60], fe1[25];
    for (size_t l = 0; l < 60; l++)
        fe0[l] = 2.0 * gwt_rng_norm(&rng);
    for (size_t l = 0; l < 25; l++)
        fe1[l] = gwt_rng_norm(&rng);
    for (size_t i = 0; i < nrows; i++) {
        /* levels 57..59 of the first set are singletons: one row each */
        int32_t f0 = (i < 3) ? (int32_t)(57 + i) : (int32_t)(gwt_rng_next(&rng) % 57);
        int32_t f1 = (int32_t)(gwt_rng_next(&rng) % 25);
        d->fe[0][i] = f0;
        d->fe[1][i] = f1;
        d->cl[0][i] = nested ? f0 % 40 : (int32_t)(gwt_rng_next(&rng) % 40);
        d->cl[1][i] = (int32_t)(gwt_rng_next(&rng) % 7);
        double yv = 0.5 + (nfe > 0 ? fe0[f0] : 0.0) + (nfe > 1 ? fe1[f1] : 0.0);
        for (size_t j = 0; j < p; j++) {
            double x;
            if (d->has_intercept && j == 0)
                x = 1.0;
            else if (collinear && j == p - 1)
                x = d->X[(p - 3) * nrows + i] + d->X[(p - 2) * nrows + i];
            else
                x = gwt_rng_norm(&rng) + 0.3 * (double)(f0 % 5) + 10.0;
            d->X[j * nrows + i] = x;
            yv += (0.2 + 0.1 * (double)j) * x;
        }
        d->y[i] = yv + gwt_rng_norm(&rng) * (1.0 + 0.5 * (double)(i % 3));
        d->w[i] = 0.5 + gwt_rng_unif(&rng);
        if (i > 5 && gwt_rng_next(&rng) % 97 == 0)
            d->y[i] = NAN; /* missing: dropped by the source */
    }
}

/* ------------------------------------------------------------------------------------------ */

static void close_rel(double a, double b, double rtol, const char *what)
{
    if (isnan(a) && isnan(b))
        return;
    double den = fabs(b) > 0.0 ? fabs(b) : 1.0, rel = fabs(a - b) / den;
    if (getenv("GW_TEST_VERBOSE") != NULL && rel > 1e-13)
        print_message("%s: rel %.3g\n", what, rel);
    if (strstr(what, "p_value") != NULL) {
        if (rel > max_rel_p)
            max_rel_p = rel;
    } else if (rel > max_rel) {
        max_rel = rel;
    }
    if (!(rel <= rtol))
        print_message("%s: stream %.17g, in-core %.17g\n", what, a, b);
    gw_assert_close(a, b, rtol, 0.0);
}

/* Every number of the contract's JSON output. */
static void compare(const gw_result *s, const gw_result *c, double rtol)
{
    assert_int_equal(s->k, c->k);
    assert_int_equal(s->nobs, c->nobs);
    assert_int_equal(s->nobs_dropped_missing, c->nobs_dropped_missing);
    assert_int_equal(s->ndropped, c->ndropped);
    for (size_t j = 0; j < s->ndropped; j++)
        assert_string_equal(s->dropped_collinear[j], c->dropped_collinear[j]);
    assert_string_equal(s->vcov_type, c->vcov_type);
    assert_int_equal(s->n_cluster_vars, c->n_cluster_vars);
    for (size_t v = 0; v < s->n_cluster_vars; v++)
        assert_int_equal(s->n_clusters[v], c->n_clusters[v]);
    assert_int_equal(s->singletons_dropped, c->singletons_dropped);
    assert_int_equal(s->nfe, c->nfe);
    for (size_t g = 0; g < s->nfe; g++) {
        assert_string_equal(s->fixed_effects[g].name, c->fixed_effects[g].name);
        assert_int_equal(s->fixed_effects[g].levels, c->fixed_effects[g].levels);
    }
    close_rel(s->df_resid, c->df_resid, 0.0, "df_resid");
    for (size_t j = 0; j < s->k; j++) {
        assert_string_equal(s->terms[j], c->terms[j]);
        close_rel(s->estimate[j], c->estimate[j], rtol, "estimate");
        close_rel(s->std_error[j], c->std_error[j], rtol, "std_error");
        close_rel(s->statistic[j], c->statistic[j], rtol, "statistic");
        close_rel(s->p_value[j], c->p_value[j], 1e3 * rtol, "p_value");
        close_rel(s->ci_low[j], c->ci_low[j], rtol, "ci_low");
        close_rel(s->ci_high[j], c->ci_high[j], rtol, "ci_high");
    }
    /* A covariance is compared relative to the scale of its row and column,
     * sqrt(V_ii V_jj): off-diagonal entries can be small by cancellation. */
    for (size_t j = 0; j < s->k; j++)
        for (size_t i = 0; i < s->k; i++) {
            double scale = sqrt(c->vcov[i + i * s->k] * c->vcov[j + j * s->k]);
            double a = s->vcov[i + j * s->k], b = c->vcov[i + j * s->k];
            double dv = fabs(a - b) / scale;
            if (dv > max_rel)
                max_rel = dv;
            if (!(dv <= rtol))
                print_message("vcov[%zu, %zu]: stream %.17g, in-core %.17g\n", i, j, a, b);
            gw_assert_close(a / scale, b / scale, 0.0, rtol);
        }
    close_rel(s->r2, c->r2, rtol, "r2");
    close_rel(s->adj_r2, c->adj_r2, rtol, "adj_r2");
    close_rel(s->r2_within, c->r2_within, rtol, "r2_within");
    close_rel(s->rmse, c->rmse, rtol, "rmse");
    close_rel(s->rss, c->rss, rtol, "rss");
    close_rel(s->tss, c->tss, rtol, "tss");
    close_rel(s->loglik, c->loglik, rtol, "loglik");
    /* The Wald F is b'V^-1 b / q: its relative error is about cond(V) times V's, and the in-core
     * reference itself moves 5.6e-13 between the Release and Debug builds (the Cholesky's
     * vectorised sums): 3 rtol (measured up to 1.1e-12 with the LAPACK block QR). */
    close_rel(s->f_stat, c->f_stat, 3.0 * rtol, "f_stat");
    close_rel(s->f_p_value, c->f_p_value, 1e3 * rtol, "f_p_value");
    close_rel(s->df_inference, c->df_inference, 0.0, "df_inference");
}

static void check_fit(data *d, const gw_ols_opts *o)
{
    gw_stream_source src = gwt_stream_source(d);
    gw_design *g = gwt_stream_design(d);
    gw_result *rs = NULL, *rc = NULL;
    gw_status st = gw_stream_fit(&src, o, NULL, &rs);
    if (st != GW_OK)
        print_message("gw_stream_fit: %s\n", gw_last_error());
    assert_int_equal(st, GW_OK);
    st = gw_ols_fit(g, o, &rc);
    if (st != GW_OK)
        print_message("gw_ols_fit: %s\n", gw_last_error());
    assert_int_equal(st, GW_OK);
    compare(rs, rc, RTOL);
    gw_result_free(rs);
    gw_result_free(rc);
    gw_design_free(g);
}

static const gw_vcov_kind kinds[] = {GW_VCOV_IID, GW_VCOV_HC0, GW_VCOV_HC1,
                                     GW_VCOV_HC2, GW_VCOV_HC3, GW_VCOV_CLUSTER};

static void run_kinds(data *d, size_t S, double fe_tol)
{
    for (size_t q = 0; q < sizeof kinds / sizeof kinds[0]; q++) {
        if (S > 1 && (kinds[q] == GW_VCOV_HC2 || kinds[q] == GW_VCOV_HC3))
            continue;
        for (size_t ncl = 1; ncl <= (kinds[q] == GW_VCOV_CLUSTER ? 2u : 1u); ncl++) {
            gw_ols_opts o = {0};
            o.vcov = kinds[q];
            o.fe_tol = fe_tol;
            d->ncl = ncl;
            check_fit(d, &o);
        }
    }
    d->ncl = 2;
}

static void test_stream_ols_every_vcov(void **state)
{
    (void)state;
    data d;
    make_data(&d, 11, 3 * GW_BLOCK_ROWS + 777, 4, 0, 0, 0, 0);
    run_kinds(&d, 0, 0.0);
    gwt_stream_data_free(&d);
}

static void test_stream_wls_every_vcov(void **state)
{
    (void)state;
    data d;
    make_data(&d, 12, 2 * GW_BLOCK_ROWS + 101, 3, 1, 0, 0, 0);
    run_kinds(&d, 0, 0.0);
    gwt_stream_data_free(&d);
}

static void test_stream_ols_collinear(void **state)
{
    (void)state;
    data d;
    make_data(&d, 13, 2 * GW_BLOCK_ROWS + 5, 5, 0, 0, 1, 0);
    gw_ols_opts o = {0};
    o.vcov = GW_VCOV_HC1;
    check_fit(&d, &o);
    o.vcov = GW_VCOV_CLUSTER;
    check_fit(&d, &o);
    gwt_stream_data_free(&d);
}

static void test_stream_fe_one_set(void **state)
{
    (void)state;
    data d;
    make_data(&d, 14, 3 * GW_BLOCK_ROWS + 9, 3, 0, 1, 0, 0);
    run_kinds(&d, 1, 0.0);
    d.weighted = 1;
    run_kinds(&d, 1, 0.0);
    gwt_stream_data_free(&d);
}

static void test_stream_fe_one_set_nested_cluster(void **state)
{
    (void)state;
    data d;
    make_data(&d, 15, 2 * GW_BLOCK_ROWS + 99, 3, 1, 1, 0, 1);
    for (int ssc = 0; ssc < GW_SSC_NPROFILES; ssc++) {
        gw_ols_opts o = {0};
        o.vcov = GW_VCOV_CLUSTER;
        o.ssc = (gw_ssc)ssc;
        d.ncl = 1;
        check_fit(&d, &o);
    }
    gwt_stream_data_free(&d);
}

static void test_stream_fe_two_sets(void **state)
{
    (void)state;
    data d;
    make_data(&d, 16, 3 * GW_BLOCK_ROWS + 300, 3, 0, 2, 0, 0);
    run_kinds(&d, 2, 1e-14);
    d.weighted = 1;
    gw_ols_opts o = {0};
    o.vcov = GW_VCOV_HC1;
    o.fe_tol = 1e-14;
    check_fit(&d, &o);
    gwt_stream_data_free(&d);
}

static void test_stream_fe_collinear(void **state)
{
    (void)state;
    data d;
    make_data(&d, 17, 2 * GW_BLOCK_ROWS + 31, 4, 0, 2, 1, 0);
    gw_ols_opts o = {0};
    o.fe_tol = 1e-14;
    check_fit(&d, &o);
    gwt_stream_data_free(&d);
}

/* Statuses. */
static void test_stream_fit_errors(void **state)
{
    (void)state;
    data d;
    make_data(&d, 18, 1000, 3, 0, 2, 0, 0);
    gw_stream_source src = gwt_stream_source(&d);
    gw_result *r = (gw_result *)&d; /* must be reset to NULL */
    gw_ols_opts o = {0};
    o.flags = GW_OLS_KEEP_RESIDUALS;
    assert_int_equal(gw_stream_fit(&src, &o, NULL, &r), GW_EUNSUPPORTED);
    assert_null(r);
    assert_true(gw_last_error()[0] != '\0');
    o.flags = 0;
    o.vcov = GW_VCOV_HC2;
    assert_int_equal(gw_stream_fit(&src, &o, NULL, &r), GW_EUNSUPPORTED);
    o.vcov = GW_VCOV_IID;
    gw_stream_opts so = {0};
    so.row_begin = 5;
    so.row_end = 900;
    assert_int_equal(gw_stream_fit(&src, &o, &so, &r), GW_EINVAL);
    src.read = NULL;
    assert_int_equal(gw_stream_fit(&src, &o, NULL, &r), GW_EINVAL);
    src = gwt_stream_source(&d);
    d.fe[0][10] = 99; /* code out of range */
    assert_int_equal(gw_stream_fit(&src, &o, NULL, &r), GW_EINVAL);
    assert_null(r);
    gwt_stream_data_free(&d);
}

/* ------------------------------------------------------------------------------------------ */
/* Simulated processes: threads with a rank-ordered sum reducer.                              */

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int P, arrived, gen;
    double *bufs[8];
    size_t n;
    const void *sbufs[8]; /* gather: what each rank sends */
    size_t sn[8];
} team;

/* A source that fails at one block of the passes that need cluster codes (the residual pass
 * of an OLS fit), for one rank. */
typedef struct {
    data *d;
    size_t fail_block; /* SIZE_MAX: never */
} fail_ctx;

typedef struct {
    team *t;
    int rank;
    gw_stream_reducer red;
    gw_stream_source src;
    fail_ctx fc;
    gw_ols_opts o;
    gw_stream_opts so;
    double *fe_coef[2];
    gw_result *res;
    gw_status st;
} member;

static gw_status fail_read(void *ctx, size_t b, unsigned need, gw_stream_block *blk)
{
    const fail_ctx *f = ctx;
    if (b == f->fail_block && (need & GW_STREAM_NEED_CLUSTER))
        return GW_EIO;
    return gwt_stream_read(f->d, b, need, blk);
}

static void team_barrier(team *t)
{
    pthread_mutex_lock(&t->mu);
    int gen = t->gen;
    if (++t->arrived == t->P) {
        t->arrived = 0;
        t->gen++;
        pthread_cond_broadcast(&t->cv);
    } else {
        while (gen == t->gen)
            pthread_cond_wait(&t->cv, &t->mu);
    }
    pthread_mutex_unlock(&t->mu);
}

/* All-gather: every rank posts its buffer; after a barrier each copies all of them in rank
 * order; a second barrier keeps the send buffers alive until everyone has copied. */
static gw_status team_gather(void *ctx, const void *send, size_t nbytes, void **recv,
                             size_t *counts)
{
    member *m = ctx;
    team *t = m->t;
    pthread_mutex_lock(&t->mu);
    t->sbufs[m->rank] = send;
    t->sn[m->rank] = nbytes;
    pthread_mutex_unlock(&t->mu);
    team_barrier(t);
    size_t total = 0;
    for (int q = 0; q < t->P; q++)
        total += t->sn[q];
    unsigned char *out = gw_malloc(total ? total : 1);
    size_t off = 0;
    for (int q = 0; q < t->P; q++) {
        counts[q] = t->sn[q];
        if (out != NULL && t->sn[q] > 0)
            memcpy(out + off, t->sbufs[q], t->sn[q]);
        off += t->sn[q];
    }
    team_barrier(t);
    *recv = out;
    return out != NULL ? GW_OK : GW_ENOMEM;
}

/* Barrier-based sum: every rank posts its buffer; the last to arrive adds them in rank order
 * into a total that every rank copies back before the next barrier. */
static gw_status team_sum(void *ctx, double *buf, size_t n)
{
    member *m = ctx;
    team *t = m->t;
    pthread_mutex_lock(&t->mu);
    int gen = t->gen;
    t->bufs[m->rank] = buf;
    t->n = n;
    if (++t->arrived == t->P) {
        double *tot = calloc(n ? n : 1, sizeof *tot);
        for (int q = 0; q < t->P; q++)
            for (size_t i = 0; i < n; i++)
                tot[i] += t->bufs[q][i];
        for (int q = 0; q < t->P; q++)
            memcpy(t->bufs[q], tot, n * sizeof *tot);
        free(tot);
        t->arrived = 0;
        t->gen++;
        pthread_cond_broadcast(&t->cv);
    } else {
        while (gen == t->gen)
            pthread_cond_wait(&t->cv, &t->mu);
    }
    pthread_mutex_unlock(&t->mu);
    return GW_OK;
}

static void *member_run(void *arg)
{
    member *m = arg;
    m->st = gw_stream_fit(&m->src, &m->o, &m->so, &m->res);
    return NULL;
}

/* How a team runs. */
typedef struct {
    int no_gather;          /* the reducer has no gather                                  */
    int fail_rank;          /* >= 0: that rank's source fails at block fail_block           */
    size_t fail_block;      /* (in the passes that read cluster codes)                      */
    double *const *fe_coef; /* NULL, or d->nfe arrays: rank 0's fe_coef (all ranks equal) */
    gw_status *status;      /* NULL: every rank must succeed; else P statuses out          */
} team_cfg;

/* Fit with P simulated processes whose ranges start at the given block boundaries. */
static void fit_team_cfg(data *d, const gw_ols_opts *o, int P, const size_t *starts,
                         const team_cfg *cfg, gw_result **out)
{
    team t;
    member m[8];
    pthread_t th[8];
    memset(&t, 0, sizeof t);
    pthread_mutex_init(&t.mu, NULL);
    pthread_cond_init(&t.cv, NULL);
    t.P = P;
    for (int q = 0; q < P; q++) {
        memset(&m[q], 0, sizeof m[q]);
        m[q].t = &t;
        m[q].rank = q;
        m[q].red = (gw_stream_reducer){team_sum, &m[q], q, P, cfg->no_gather ? NULL : team_gather};
        m[q].src = gwt_stream_source(d);
        m[q].fc.d = d;
        m[q].fc.fail_block = q == cfg->fail_rank ? cfg->fail_block : SIZE_MAX;
        m[q].src.read = fail_read;
        m[q].src.ctx = &m[q].fc;
        m[q].o = *o;
        m[q].so.row_begin = starts[q] * GW_BLOCK_ROWS;
        m[q].so.row_end = q + 1 < P ? starts[q + 1] * GW_BLOCK_ROWS : d->nrows;
        m[q].so.reducer = &m[q].red;
        if (cfg->fe_coef != NULL) {
            for (size_t g = 0; g < d->nfe; g++)
                assert_non_null(m[q].fe_coef[g] = gw_alloc_array(d->fe_levels[g], sizeof(double)));
            m[q].so.fe_coef = m[q].fe_coef;
        }
        pthread_create(&th[q], NULL, member_run, &m[q]);
    }
    for (int q = 0; q < P; q++)
        pthread_join(th[q], NULL);
    pthread_mutex_destroy(&t.mu);
    pthread_cond_destroy(&t.cv);
    if (cfg->status != NULL) {
        for (int q = 0; q < P; q++) {
            cfg->status[q] = m[q].st;
            gw_result_free(m[q].res);
            for (size_t g = 0; g < 2; g++)
                gw_free(m[q].fe_coef[g]);
        }
        *out = NULL;
        return;
    }
    for (int q = 0; q < P; q++) {
        if (m[q].st != GW_OK)
            print_message("rank %d: %s\n", q, gw_status_str(m[q].st));
        assert_int_equal(m[q].st, GW_OK);
    }
    for (int q = 1; q < P; q++) { /* every rank has the same result */
        const gw_result *a = m[q].res, *z = m[0].res;
        const size_t k = z->k;
        assert_memory_equal(a->estimate, z->estimate, k * sizeof(double));
        assert_memory_equal(a->std_error, z->std_error, k * sizeof(double));
        assert_memory_equal(a->vcov, z->vcov, k * k * sizeof(double));
        if (cfg->fe_coef != NULL)
            for (size_t g = 0; g < d->nfe; g++)
                assert_memory_equal(m[q].fe_coef[g], m[0].fe_coef[g],
                                    d->fe_levels[g] * sizeof(double));
        gw_result_free(m[q].res);
    }
    for (int q = 0; q < P; q++)
        for (size_t g = 0; g < 2; g++) {
            if (q == 0 && cfg->fe_coef != NULL && g < d->nfe)
                memcpy(cfg->fe_coef[g], m[0].fe_coef[g], d->fe_levels[g] * sizeof(double));
            gw_free(m[q].fe_coef[g]);
        }
    *out = m[0].res;
}

static void fit_team(data *d, const gw_ols_opts *o, int P, const size_t *starts, gw_result **out)
{
    team_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.fail_rank = -1;
    fit_team_cfg(d, o, P, starts, &cfg, out);
}

static void test_stream_ranks_bit_identical(void **state)
{
    (void)state;
    data d;
    /* 300 blocks: two fold groups (256 blocks and a partial one). */
    make_data(&d, 19, 300 * GW_BLOCK_ROWS - 17, 3, 1, 0, 0, 0);
    d.ncl = 1;
    gw_stream_source src = gwt_stream_source(&d);
    for (int q = 0; q < 2; q++) {
        gw_ols_opts o = {0};
        o.vcov = q == 0 ? GW_VCOV_HC1 : GW_VCOV_IID;
        gw_result *one = NULL, *two = NULL, *three = NULL;
        assert_int_equal(gw_stream_fit(&src, &o, NULL, &one), GW_OK);
        const size_t aligned[] = {0, 256};
        fit_team(&d, &o, 2, aligned, &two);
        assert_memory_equal(two->estimate, one->estimate, one->k * sizeof(double));
        assert_memory_equal(two->std_error, one->std_error, one->k * sizeof(double));
        const size_t ragged[] = {0, 100, 201};
        fit_team(&d, &o, 3, ragged, &three);
        compare(three, one, 1e-12);
        gw_result_free(one);
        gw_result_free(two);
        gw_result_free(three);
    }
    gwt_stream_data_free(&d);
}

static void test_stream_ranks_fe_cluster(void **state)
{
    (void)state;
    data d;
    make_data(&d, 20, 7 * GW_BLOCK_ROWS + 3, 3, 0, 2, 0, 0);
    d.ncl = 1;
    gw_ols_opts o = {0};
    o.vcov = GW_VCOV_CLUSTER;
    o.fe_tol = 1e-14;
    gw_stream_source src = gwt_stream_source(&d);
    gw_result *one = NULL, *two = NULL;
    assert_int_equal(gw_stream_fit(&src, &o, NULL, &one), GW_OK);
    const size_t starts[] = {0, 3};
    fit_team(&d, &o, 2, starts, &two);
    compare(two, one, 1e-12);
    gw_result_free(one);
    gw_result_free(two);
    gwt_stream_data_free(&d);
}

/* Extreme scales across processes (gw_stream.h, "Scale"): y and the slopes' columns at 1e300,
 * so the first fit is damaged on every rank, the scan's maxima are combined through the
 * reducer (each rank sees only its own rows), and every rank refits the same scaled data. The
 * team's result equals the single process's, and the slopes, their standard errors and R^2
 * equal the unscaled fit's. */
static void test_stream_ranks_extreme_scale(void **state)
{
    (void)state;
    data d;
    make_data(&d, 21, 7 * GW_BLOCK_ROWS + 3, 3, 0, 0, 0, 0);
    d.ncl = 1;
    gw_ols_opts o = {0};
    o.vcov = GW_VCOV_CLUSTER;
    gw_stream_source src = gwt_stream_source(&d);
    gw_result *ref = NULL, *one = NULL, *two = NULL;
    assert_int_equal(gw_stream_fit(&src, &o, NULL, &ref), GW_OK);
    for (size_t i = 0; i < d.nrows; i++) {
        d.y[i] *= 1e300;
        for (size_t j = 1; j < d.p; j++)
            d.X[j * d.nrows + i] *= 1e300;
    }
    assert_int_equal(gw_stream_fit(&src, &o, NULL, &one), GW_OK);
    const size_t starts[] = {0, 3};
    fit_team(&d, &o, 2, starts, &two);
    /* (compare() would also compare RSS and TSS, which are infinite here as they should be.) */
    for (size_t j = 0; j < one->k; j++) {
        gw_assert_close(two->estimate[j], one->estimate[j], 1e-12, 0.0);
        gw_assert_close(two->std_error[j], one->std_error[j], 1e-12, 0.0);
    }
    for (size_t j = 1; j < ref->k; j++) {
        gw_assert_close(one->estimate[j], ref->estimate[j], 1e-12, 0.0);
        gw_assert_close(one->std_error[j], ref->std_error[j], 1e-12, 0.0);
    }
    gw_assert_close(one->estimate[0] / 1e300, ref->estimate[0], 1e-12, 0.0);
    gw_assert_close(one->r2, ref->r2, 1e-12, 0.0);
    gw_result_free(ref);
    gw_result_free(one);
    gw_result_free(two);
    gwt_stream_data_free(&d);
}

/* ------------------------------------------------------------------------------------------ */
/* Fixed-effect coefficients out, warm start.                                                 */

static double max_rel_fitted = 0.0, max_rel_warm = 0.0, max_rel_ranks = 0.0;
static size_t sweeps_cold = 0, sweeps_warm = 0;

static double rel_diff(double a, double b)
{
    double den = fabs(b) > 0.0 ? fabs(b) : 1.0;
    return fabs(a - b) / den;
}

/* Fitted values of the streamed fit, x_i'b + sum_g fe_coef[g][code_g], against the in-core
 * fit's y_i - e_i (GW_OLS_KEEP_RESIDUALS) on the kept rows: the rows whose fitted value is
 * not NaN (a singleton row has a level with no kept row). No aliased columns (k == p). */
static void check_fitted(data *d, const gw_ols_opts *o, const gw_result *rs, double *const *fe_coef,
                         double rtol)
{
    gw_design *g = gwt_stream_design(d);
    gw_result *rc = NULL;
    gw_ols_opts oc = *o;
    oc.flags |= GW_OLS_KEEP_RESIDUALS;
    gw_status st = gw_ols_fit(g, &oc, &rc);
    if (st != GW_OK)
        print_message("gw_ols_fit: %s\n", gw_last_error());
    assert_int_equal(st, GW_OK);
    assert_non_null(rc->residuals);
    assert_int_equal(rs->k, d->p);
    size_t m = 0;
    for (size_t i = 0; i < d->nrows; i++) {
        if (isnan(d->y[i]))
            continue;
        double fv = 0.0;
        for (size_t j = 0; j < d->p; j++)
            fv += d->X[j * d->nrows + i] * rs->estimate[j];
        for (size_t f = 0; f < d->nfe; f++)
            fv += fe_coef[f][d->fe[f][i]];
        if (isnan(fv))
            continue;
        assert_true(m < rc->nobs);
        double ref = d->y[i] - rc->residuals[m++];
        double rel = rel_diff(fv, ref);
        if (rel > max_rel_fitted)
            max_rel_fitted = rel;
        gw_assert_close(fv, ref, rtol, 0.0);
    }
    assert_int_equal(m, rc->nobs);
    assert_int_equal(m, rs->nobs);
    gw_result_free(rc);
    gw_design_free(g);
}

/* fe_coef of the streamed fit: fitted values as in core, NaN for the codes with no kept row
 * (levels 57..59 of the first set are singletons; the last level of each set never occurs). */
static void fe_coef_case(size_t nfe, int weighted, double fe_tol)
{
    data d;
    make_data(&d, 21 + nfe, 3 * GW_BLOCK_ROWS + 123, 3, weighted, nfe, 0, 0);
    d.fe_levels[0] = 61; /* code 60 never occurs */
    d.fe_levels[1] = 26; /* code 25 never occurs */
    d.ncl = 1;
    double *fc[2] = {NULL, NULL};
    for (size_t g = 0; g < nfe; g++)
        assert_non_null(fc[g] = gw_alloc_array(d.fe_levels[g], sizeof(double)));
    gw_stream_source src = gwt_stream_source(&d);
    gw_stream_opts so = {0};
    so.fe_coef = fc;
    gw_ols_opts o = {0};
    o.vcov = GW_VCOV_HC1;
    o.fe_tol = fe_tol;
    gw_result *rs = NULL;
    assert_int_equal(gw_stream_fit(&src, &o, &so, &rs), GW_OK);
    check_fitted(&d, &o, rs, fc, 1e-10);
    assert_true(isnan(fc[0][60]));
    for (int32_t l = 57; l < 60; l++)
        assert_true(isnan(fc[0][l]));
    for (int32_t l = 0; l < 57; l++)
        assert_true(isfinite(fc[0][l]));
    if (nfe > 1) {
        assert_true(isnan(fc[1][25]));
        for (int32_t l = 0; l < 25; l++)
            assert_true(isfinite(fc[1][l]));
    }
    gw_result_free(rs);
    for (size_t g = 0; g < nfe; g++)
        gw_free(fc[g]);
    gwt_stream_data_free(&d);
}

static void test_stream_fe_coef_one_set(void **state)
{
    (void)state;
    fe_coef_case(1, 0, 0.0);
    fe_coef_case(1, 1, 0.0);
}

static void test_stream_fe_coef_two_sets(void **state)
{
    (void)state;
    fe_coef_case(2, 0, 1e-14);
    fe_coef_case(2, 1, 1e-14);
}

/* Warm start: the alpha of a fit with other weights (the previous IRLS iterate) as the start
 * of this fit's demeaning: fewer sweeps, the same results as a cold start. Also: fe_alpha out
 * is by global code in the order [y, x_1..x_p], NaN for absent codes, and a warm start from
 * the converged alpha of the same fit takes one sweep. */
static void test_stream_fe_warm_start(void **state)
{
    (void)state;
    data d;
    make_data(&d, 23, 3 * GW_BLOCK_ROWS + 77, 3, 1, 2, 0, 0);
    d.fe_levels[1] = 26; /* code 25 never occurs */
    /* the second set mostly follows the first: slow alternating projections */
    for (size_t i = 0; i < d.nrows; i++)
        if (i % 10 < 7)
            d.fe[1][i] = d.fe[0][i] % 25;
    d.ncl = 1;
    const size_t r = d.p + 1, na = (d.fe_levels[0] + d.fe_levels[1]) * r;
    double *alpha = gw_alloc_array(na, sizeof(double)), *fc[2], *fw[2];
    assert_non_null(alpha);
    for (size_t g = 0; g < 2; g++) {
        assert_non_null(fc[g] = gw_alloc_array(d.fe_levels[g], sizeof(double)));
        assert_non_null(fw[g] = gw_alloc_array(d.fe_levels[g], sizeof(double)));
    }
    gw_stream_source src = gwt_stream_source(&d);
    gw_ols_opts o = {0};
    o.vcov = GW_VCOV_CLUSTER;
    o.fe_tol = 1e-14;
    gw_stream_stats st;
    /* The previous iterate: other weights. */
    double *w0 = gw_alloc_array(d.nrows, sizeof(double));
    assert_non_null(w0);
    memcpy(w0, d.w, d.nrows * sizeof(double));
    for (size_t i = 0; i < d.nrows; i++)
        d.w[i] = w0[i] * (1.0 + 0.05 * sin(0.001 * (double)i));
    gw_stream_opts so = {0};
    so.fe_alpha = alpha;
    so.stats = &st;
    gw_result *prev = NULL, *cold = NULL, *warm = NULL, *again = NULL;
    assert_int_equal(gw_stream_fit(&src, &o, &so, &prev), GW_OK);
    /* the layout: NaN for the absent code, singleton codes; the y column first */
    const size_t o1 = d.fe_levels[0] * r;
    for (size_t j = 0; j < r; j++) {
        assert_true(isnan(alpha[o1 + 25 * r + j]));
        assert_true(isnan(alpha[57 * r + j]));
        assert_true(isfinite(alpha[0 * r + j]));
    }
    /* This iterate's weights: cold, then warm from the previous alpha. */
    memcpy(d.w, w0, d.nrows * sizeof(double));
    gw_stream_opts sc = {0};
    sc.stats = &st;
    sc.fe_coef = fc;
    assert_int_equal(gw_stream_fit(&src, &o, &sc, &cold), GW_OK);
    const size_t ncold = st.sweeps;
    gw_stream_opts sw = {0};
    sw.stats = &st;
    sw.fe_coef = fw;
    sw.fe_alpha = alpha;
    sw.fe_warm = 1;
    assert_int_equal(gw_stream_fit(&src, &o, &sw, &warm), GW_OK);
    const size_t nwarm = st.sweeps;
    print_message("warm start: %zu sweeps cold, %zu warm\n", ncold, nwarm);
    sweeps_cold = ncold;
    sweeps_warm = nwarm;
    assert_true(nwarm < ncold);
    assert_int_equal(warm->iterations, nwarm);
    double mr = max_rel;
    max_rel = 0.0;
    compare(warm, cold, 1e-12);
    if (max_rel > max_rel_warm)
        max_rel_warm = max_rel;
    max_rel = mr;
    check_fitted(&d, &o, warm, fw, 1e-10);
    /* fitted values cold vs warm (only the sum over sets is identified) */
    for (size_t i = 0; i < d.nrows; i++) {
        double a = fc[0][d.fe[0][i]] + fc[1][d.fe[1][i]];
        double b = fw[0][d.fe[0][i]] + fw[1][d.fe[1][i]];
        if (isnan(a) || isnan(b)) {
            assert_true(isnan(a) && isnan(b));
            continue;
        }
        for (size_t j = 0; j < d.p; j++) {
            a += d.X[j * d.nrows + i] * cold->estimate[j];
            b += d.X[j * d.nrows + i] * warm->estimate[j];
        }
        if (rel_diff(b, a) > max_rel_warm)
            max_rel_warm = rel_diff(b, a);
        gw_assert_close(b, a, 1e-12, 0.0);
    }
    /* warm from the converged alpha of this very fit: one sweep */
    assert_int_equal(gw_stream_fit(&src, &o, &sw, &again), GW_OK);
    assert_int_equal(st.sweeps, 1);
    mr = max_rel;
    max_rel = 0.0;
    compare(again, cold, 1e-12);
    if (max_rel > max_rel_warm)
        max_rel_warm = max_rel;
    max_rel = mr;
    /* a warm start without fe_alpha */
    gw_result *bad = NULL;
    sw.fe_alpha = NULL;
    assert_int_equal(gw_stream_fit(&src, &o, &sw, &bad), GW_EINVAL);
    assert_null(bad);
    gw_result_free(prev);
    gw_result_free(cold);
    gw_result_free(warm);
    gw_result_free(again);
    gw_free(w0);
    gw_free(alpha);
    for (size_t g = 0; g < 2; g++) {
        gw_free(fc[g]);
        gw_free(fw[g]);
    }
    gwt_stream_data_free(&d);
}

/* fe_coef across processes: identical on every rank (fit_team_cfg checks), equal to P = 1. */
static void test_stream_ranks_fe_coef(void **state)
{
    (void)state;
    data d;
    make_data(&d, 24, 9 * GW_BLOCK_ROWS + 41, 3, 1, 2, 0, 0);
    d.ncl = 1;
    gw_ols_opts o = {0};
    o.vcov = GW_VCOV_HC1;
    o.fe_tol = 1e-14;
    double *one[2], *many[2];
    for (size_t g = 0; g < 2; g++) {
        assert_non_null(one[g] = gw_alloc_array(d.fe_levels[g], sizeof(double)));
        assert_non_null(many[g] = gw_alloc_array(d.fe_levels[g], sizeof(double)));
    }
    gw_stream_source src = gwt_stream_source(&d);
    gw_stream_opts so = {0};
    so.fe_coef = one;
    gw_result *r1 = NULL;
    assert_int_equal(gw_stream_fit(&src, &o, &so, &r1), GW_OK);
    static const size_t s2[] = {0, 4}, s4[] = {0, 2, 5, 7};
    for (int P = 2; P <= 4; P += 2) {
        team_cfg cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.fail_rank = -1;
        cfg.fe_coef = many;
        gw_result *rp = NULL;
        fit_team_cfg(&d, &o, P, P == 2 ? s2 : s4, &cfg, &rp);
        compare(rp, r1, 1e-12);
        for (size_t g = 0; g < 2; g++)
            for (size_t c = 0; c < d.fe_levels[g]; c++) {
                if (isnan(one[g][c])) {
                    assert_true(isnan(many[g][c]));
                    continue;
                }
                /* relative to the scale of the fitted values (a coefficient can be ~0) */
                double rel = fabs(many[g][c] - one[g][c]) / (1.0 + fabs(one[g][c]));
                if (rel > max_rel_ranks)
                    max_rel_ranks = rel;
                gw_assert_close(many[g][c], one[g][c], 0.0, 1e-10 * (1.0 + fabs(one[g][c])));
            }
        gw_result_free(rp);
    }
    gw_result_free(r1);
    for (size_t g = 0; g < 2; g++) {
        gw_free(one[g]);
        gw_free(many[g]);
    }
    gwt_stream_data_free(&d);
}

/* ------------------------------------------------------------------------------------------ */
/* Two-way clustering across processes (the reducer's gather).                               */

static double max_rel_twoway[2] = {0.0, 0.0}; /* ranges aligned to fold groups, or not */

/* Two-way cluster fit with P ranks vs one process: 1e-13 when the ranges are aligned to
 * GW_STREAM_GROUP_ROWS (the TSQR is then bit-identical and only the order of the cluster and
 * cell sums differs), 1e-12 otherwise (the coefficients move by ~1e-14 where the folds are
 * cut, and the cluster sums of the scores, which nearly cancel, amplify that). */
static void twoway_case(data *d, const gw_ols_opts *o, int P, const size_t *starts,
                        const gw_result *one)
{
    int aligned = 1;
    for (int q = 0; q < P; q++)
        aligned &= (starts[q] * GW_BLOCK_ROWS) % GW_STREAM_GROUP_ROWS == 0;
    gw_result *rp = NULL;
    fit_team(d, o, P, starts, &rp);
    double mr = max_rel;
    max_rel = 0.0;
    if (getenv("GW_TEST_VERBOSE") != NULL)
        print_message("two-way: %zu rows, P = %d, %s\n", d->nrows, P,
                      aligned ? "aligned" : "not aligned");
    compare(rp, one, aligned ? 1e-13 : 1e-12);
    if (max_rel > max_rel_twoway[aligned])
        max_rel_twoway[aligned] = max_rel;
    max_rel = mr;
    assert_int_equal(rp->n_cluster_vars, 2);
    assert_int_equal(rp->n_clusters[0], one->n_clusters[0]);
    assert_int_equal(rp->n_clusters[1], one->n_clusters[1]);
    gw_result_free(rp);
}

static void test_stream_ranks_two_way(void **state)
{
    (void)state;
    data d;
    gw_ols_opts o = {0};
    o.vcov = GW_VCOV_CLUSTER;
    o.fe_tol = 1e-14;
    gw_result *one = NULL;
    /* OLS and WLS, ranges not aligned to fold groups. */
    for (int wt = 0; wt < 2; wt++) {
        make_data(&d, 25 + (uint64_t)wt, 7 * GW_BLOCK_ROWS + 11, 3, wt, 0, 0, 0);
        check_fit(&d, &o); /* P = 1 vs in core */
        gw_stream_source src = gwt_stream_source(&d);
        assert_int_equal(gw_stream_fit(&src, &o, NULL, &one), GW_OK);
        static const size_t s2[] = {0, 3}, s4[] = {0, 1, 4, 6};
        twoway_case(&d, &o, 2, s2, one);
        twoway_case(&d, &o, 4, s4, one);
        gw_result_free(one);
        gwt_stream_data_free(&d);
    }
    /* One fixed-effect set (the first cluster nesting it and not). */
    for (int nested = 0; nested < 2; nested++) {
        make_data(&d, 27 + (uint64_t)nested, 6 * GW_BLOCK_ROWS + 5, 3, 1, 1, 0, nested);
        check_fit(&d, &o);
        gw_stream_source src = gwt_stream_source(&d);
        assert_int_equal(gw_stream_fit(&src, &o, NULL, &one), GW_OK);
        static const size_t s2[] = {0, 2}, s4[] = {0, 2, 3, 5};
        twoway_case(&d, &o, 2, s2, one);
        twoway_case(&d, &o, 4, s4, one);
        gw_result_free(one);
        gwt_stream_data_free(&d);
    }
    /* 300 blocks: ranges aligned to GW_STREAM_GROUP_ROWS (P = 2) and partly not (P = 4). */
    make_data(&d, 29, 300 * GW_BLOCK_ROWS - 17, 3, 1, 0, 0, 0);
    gw_stream_source src = gwt_stream_source(&d);
    assert_int_equal(gw_stream_fit(&src, &o, NULL, &one), GW_OK);
    static const size_t a2[] = {0, 256}, a4[] = {0, 256, 270, 290};
    twoway_case(&d, &o, 2, a2, one);
    twoway_case(&d, &o, 4, a4, one);
    d.ncl = 1; /* one-way alongside, for scale: same ranges */
    gw_result_free(one);
    src = gwt_stream_source(&d);
    assert_int_equal(gw_stream_fit(&src, &o, NULL, &one), GW_OK);
    gw_result *rp = NULL;
    fit_team(&d, &o, 2, a2, &rp);
    compare(rp, one, 1e-13);
    gw_result_free(rp);
    gw_result_free(one);
    gwt_stream_data_free(&d);
}

/* A failure on one rank (its source, in the residual pass, before the gather) makes every
 * rank fail without hanging; without a gather two-way clustering is unsupported on all. */
static void test_stream_ranks_two_way_failure(void **state)
{
    (void)state;
    data d;
    make_data(&d, 30, 5 * GW_BLOCK_ROWS + 3, 3, 0, 0, 0, 0);
    gw_ols_opts o = {0};
    o.vcov = GW_VCOV_CLUSTER;
    gw_status stv[4];
    gw_result *r = NULL;
    static const size_t s2[] = {0, 2}, s4[] = {0, 1, 2, 4};
    for (int P = 2; P <= 4; P += 2) {
        team_cfg cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.fail_rank = 1;
        cfg.fail_block = P == 2 ? 3 : 1;
        cfg.status = stv;
        fit_team_cfg(&d, &o, P, P == 2 ? s2 : s4, &cfg, &r);
        assert_null(r);
        /* the source's status on rank 1, "failed on another process" (GW_EIO) elsewhere */
        for (int q = 0; q < P; q++)
            assert_int_equal(stv[q], GW_EIO);
        cfg.fail_rank = -1;
        cfg.no_gather = 1;
        fit_team_cfg(&d, &o, P, P == 2 ? s2 : s4, &cfg, &r);
        for (int q = 0; q < P; q++)
            assert_int_equal(stv[q], GW_EUNSUPPORTED);
    }
    gwt_stream_data_free(&d);
}

static int report(void **state)
{
    (void)state;
    printf("test_stream: largest relative difference stream vs in-core: %.3g (p-values %.3g)\n",
           max_rel, max_rel_p);
    printf("test_stream: fitted values from fe_coef vs in-core %.3g; warm vs cold %.3g "
           "(sweeps %zu cold, %zu warm); fe_coef P > 1 vs P = 1 %.3g; two-way P > 1 vs P = 1 "
           "%.3g (ranges aligned to fold groups), %.3g (not)\n",
           max_rel_fitted, max_rel_warm, sweeps_cold, sweeps_warm, max_rel_ranks, max_rel_twoway[1],
           max_rel_twoway[0]);
    return 0;
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_ols_every_vcov),
        cmocka_unit_test(test_stream_wls_every_vcov),
        cmocka_unit_test(test_stream_ols_collinear),
        cmocka_unit_test(test_stream_fe_one_set),
        cmocka_unit_test(test_stream_fe_one_set_nested_cluster),
        cmocka_unit_test(test_stream_fe_two_sets),
        cmocka_unit_test(test_stream_fe_collinear),
        cmocka_unit_test(test_stream_fit_errors),
        cmocka_unit_test(test_stream_ranks_bit_identical),
        cmocka_unit_test(test_stream_ranks_fe_cluster),
        cmocka_unit_test(test_stream_ranks_extreme_scale),
        cmocka_unit_test(test_stream_fe_coef_one_set),
        cmocka_unit_test(test_stream_fe_coef_two_sets),
        cmocka_unit_test(test_stream_fe_warm_start),
        cmocka_unit_test(test_stream_ranks_fe_coef),
        cmocka_unit_test(test_stream_ranks_two_way),
        cmocka_unit_test(test_stream_ranks_two_way_failure),
    };
    return cmocka_run_group_tests_name("stream", tests, NULL, report);
}
