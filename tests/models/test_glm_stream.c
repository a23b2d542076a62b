/* test_glm_stream.c -- out-of-core GLMs with absorbed fixed effects (gw_stream_glm_fit)
 * against the in-core fit (gw_glm_fit on the same rows).
 *
 * Generated data (xorshift64*, fixed seeds): a few GW_BLOCK_ROWS blocks plus a partial one,
 * rows with a missing response, two fixed-effect sets (firm 300 levels with a singleton and
 * two all-zero firms; year 15), two cluster variables, optional prior weights, and optionally a
 * regressor that separates the outcome (non-zero only where y = 0, one sign). The in-memory
 * source serves the blocks; the in-core design holds the same rows. Both fits use tight
 * tolerances (IRLS 1e-13, demeaning 1e-14) so that they reach the same iterates; every reported
 * number must agree to RTOL. The largest relative difference seen is printed.
 *
 * The in-core fit at fe_tol 1e-14 is also a regression test of models/fe/hdfe.c: its CG used to
 * run past the rounding floor and drift along the null space of D'WD ("the deviance is not
 * finite", or a wrong estimate with no error) before the stall rule. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_glm.h"
#include "gw_glm_stream.h"
#include "gw_par.h"
#include "gw_result.h"
#include "gw_test.h"
#include "gw_test_stream.h"

#define RTOL 1e-10

static double worst = 0.0;

static void close_rel(double a, double e, const char *what)
{
    double d = fabs(a - e) / fmax(fabs(e), 1e-300);
    if (d > worst)
        worst = d;
    if (!(d <= RTOL))
        fprintf(stderr, "%s: streamed %.17g in core %.17g (rel %.3g)\n", what, a, e, d);
    gw_assert_close(a, e, RTOL, 0.0);
}

/* Knuth's Poisson draw (small means). */
static double rpois(gwt_rng *r, double mu)
{
    const double L = exp(-mu);
    double k = 0.0, prod = gwt_rng_unif(r);
    while (prod > L) {
        k += 1.0;
        prod *= gwt_rng_unif(r);
    }
    return k;
}

/* nrows rows; x1..x3 (x4, separating, when sep); firm (300 levels: 0 and 1 all-zero, 299 a
 * singleton), year (15); clusters firm and region (9). binom: 0/1 outcome (logit). */
static void make_data(gwt_stream_data *d, uint64_t seed, size_t nrows, int weighted, int sep,
                      int binom)
{
    static const char *names[] = {"x1", "x2", "x3", "x4"};
    gwt_rng rng;
    memset(d, 0, sizeof *d);
    gwt_rng_seed(&rng, seed);
    d->nrows = nrows;
    d->p = sep ? 4 : 3;
    d->nfe = 2;
    d->ncl = 2;
    d->weighted = weighted;
    for (size_t j = 0; j < d->p; j++)
        d->terms[j] = names[j];
    d->fe_names[0] = "firm";
    d->fe_names[1] = "year";
    d->fe_levels[0] = 300;
    d->fe_levels[1] = 15;
    d->cl_names[0] = "firm";
    d->cl_names[1] = "region";
    d->cl_levels[0] = 300;
    d->cl_levels[1] = 9;
    assert_non_null(d->y = gw_alloc_array(nrows, sizeof(double)));
    assert_non_null(d->X = gw_alloc_array(nrows * d->p, sizeof(double)));
    assert_non_null(d->w = gw_alloc_array(nrows, sizeof(double)));
    for (size_t g = 0; g < 2; g++) {
        assert_non_null(d->fe[g] = gw_alloc_array(nrows, sizeof(int32_t)));
        assert_non_null(d->cl[g] = gw_alloc_array(nrows, sizeof(int32_t)));
    }
    double a[300], t[15];
    for (size_t l = 0; l < 300; l++)
        a[l] = 0.5 * gwt_rng_norm(&rng);
    for (size_t l = 0; l < 15; l++)
        t[l] = 0.3 * gwt_rng_norm(&rng);
    for (size_t i = 0; i < nrows; i++) {
        int32_t f = i == nrows / 2 ? 299 : (int32_t)(gwt_rng_next(&rng) % 299);
        int32_t yr = (int32_t)(gwt_rng_next(&rng) % 15);
        d->fe[0][i] = f;
        d->fe[1][i] = yr;
        d->cl[0][i] = f;
        d->cl[1][i] = (int32_t)(gwt_rng_next(&rng) % 9);
        double eta = a[f] + t[yr];
        for (size_t j = 0; j < 3; j++) {
            double x = gwt_rng_norm(&rng) + 0.2 * (double)(f % 4);
            d->X[j * nrows + i] = x;
            eta += (j == 0 ? 0.3 : j == 1 ? -0.2 : 0.1) * x;
        }
        double y;
        if (binom)
            y = gwt_rng_unif(&rng) < 1.0 / (1.0 + exp(-eta)) ? 1.0 : 0.0;
        else
            y = rpois(&rng, exp(eta));
        if (f < 2)
            y = 0.0; /* all-zero firms: separated by the fixed effect */
        if (sep)
            d->X[3 * nrows + i] = (y == 0.0 && i % 7 == 0) ? 1.0 + (double)(i % 3) : 0.0;
        d->y[i] = i % 97 == 5 ? (double)NAN : y;
        d->w[i] = 0.5 + gwt_rng_unif(&rng);
    }
}

static gw_result *in_core(const gwt_stream_data *d, const gw_glm_opts *o)
{
    gw_design *g = gwt_stream_design(d);
    if (o->vcov != GW_VCOV_CLUSTER) {
        for (size_t v = 0; v < g->ncluster; v++) {
            gw_free(g->cluster[v].name);
            gw_free(g->cluster[v].codes);
        }
        gw_free(g->cluster);
        g->cluster = NULL;
        g->ncluster = 0;
    }
    gw_result *r = NULL;
    gw_status rc = gw_glm_fit(g, o, &r);
    if (rc != GW_OK)
        fprintf(stderr, "in core: %s\n", gw_last_error());
    assert_int_equal(rc, GW_OK);
    gw_design_free(g);
    return r;
}

static gw_result *streamed(gwt_stream_data *d, const gw_glm_opts *o, gw_stream_stats *st)
{
    gwt_stream_data view = *d;
    if (o->vcov != GW_VCOV_CLUSTER)
        view.ncl = 0;
    gw_stream_source src = gwt_stream_source(&view);
    gw_stream_opts so;
    memset(&so, 0, sizeof so);
    so.stats = st;
    gw_result *r = NULL;
    gw_status rc = gw_stream_glm_fit(&src, o, &so, &r);
    if (rc != GW_OK)
        fprintf(stderr, "streamed: %s\n", gw_last_error());
    assert_int_equal(rc, GW_OK);
    return r;
}

static void compare(const gw_result *s, const gw_result *c)
{
    assert_int_equal(s->k, c->k);
    for (size_t j = 0; j < c->k; j++) {
        assert_string_equal(s->terms[j], c->terms[j]);
        close_rel(s->estimate[j], c->estimate[j], "estimate");
        close_rel(s->std_error[j], c->std_error[j], "std_error");
        close_rel(s->statistic[j], c->statistic[j], "statistic"); /* p ~ 1e-185: not p */
    }
    assert_string_equal(s->estimator, c->estimator);
    assert_string_equal(s->family, c->family);
    assert_string_equal(s->link, c->link);
    assert_string_equal(s->vcov_type, c->vcov_type);
    assert_int_equal(s->stat_is_z, 1);
    assert_int_equal(s->nobs, c->nobs);
    assert_int_equal(s->nobs_dropped_missing, c->nobs_dropped_missing);
    assert_int_equal(s->singletons_dropped, c->singletons_dropped);
    assert_int_equal(s->nobs_separated, c->nobs_separated);
    assert_int_equal(s->ndropped_separated, c->ndropped_separated);
    for (size_t j = 0; j < c->ndropped_separated; j++)
        assert_string_equal(s->dropped_separated[j], c->dropped_separated[j]);
    assert_int_equal(s->ndropped, c->ndropped);
    assert_int_equal(s->n_cluster_vars, c->n_cluster_vars);
    for (size_t v = 0; v < c->n_cluster_vars; v++)
        assert_int_equal(s->n_clusters[v], c->n_clusters[v]);
    assert_int_equal(s->nfe, c->nfe);
    for (size_t g = 0; g < c->nfe; g++) {
        assert_string_equal(s->fixed_effects[g].name, c->fixed_effects[g].name);
        assert_int_equal(s->fixed_effects[g].levels, c->fixed_effects[g].levels);
    }
    assert_int_equal(s->iterations, c->iterations);
    close_rel(s->df_resid, c->df_resid, "df_resid");
    close_rel(s->deviance, c->deviance, "deviance");
    close_rel(s->null_deviance, c->null_deviance, "null_deviance");
    close_rel(s->loglik, c->loglik, "loglik");
    close_rel(s->pseudo_r2, c->pseudo_r2, "pseudo_r2");
    close_rel(s->aic, c->aic, "aic");
    close_rel(s->bic, c->bic, "bic");
    close_rel(s->dispersion, 1.0, "dispersion");
}

static void run_case(uint64_t seed, int weighted, int sep, int binom, gw_vcov_kind vcov)
{
    gwt_stream_data d;
    make_data(&d, seed, 3 * GW_BLOCK_ROWS + 777, weighted, sep, binom);
    gw_glm_opts o;
    memset(&o, 0, sizeof o);
    o.kind = binom ? GW_GLM_LOGIT : GW_GLM_POISSON;
    o.vcov = vcov;
    o.tol = 1e-13;
    o.fe_tol = 1e-14;
    gw_stream_stats st;
    gw_result *c = in_core(&d, &o), *s = streamed(&d, &o, &st);
    compare(s, c);
    assert_true(st.npasses > 0);
    assert_true(st.rows_read > 0);
    gw_result_free(s);
    gw_result_free(c);
    gwt_stream_data_free(&d);
}

static void test_glm_stream_poisson_iid(void **state)
{
    (void)state;
    run_case(11, 0, 0, 0, GW_VCOV_IID);
}

static void test_glm_stream_poisson_weighted_hc1(void **state)
{
    (void)state;
    run_case(12, 1, 0, 0, GW_VCOV_HC1);
}

static void test_glm_stream_poisson_cluster2(void **state)
{
    (void)state;
    run_case(13, 0, 0, 0, GW_VCOV_CLUSTER);
}

static void test_glm_stream_poisson_separating_regressor(void **state)
{
    (void)state;
    run_case(14, 0, 1, 0, GW_VCOV_HC0);
}

static void test_glm_stream_logit_cluster(void **state)
{
    (void)state;
    run_case(15, 0, 0, 1, GW_VCOV_CLUSTER);
}

/* What cannot run out of core is refused with GW_EUNSUPPORTED / GW_EINVAL, never computed. */
static void test_glm_stream_refusals(void **state)
{
    (void)state;
    gwt_stream_data d;
    make_data(&d, 16, GW_BLOCK_ROWS + 10, 0, 0, 0);
    d.ncl = 0;
    gw_stream_source src = gwt_stream_source(&d);
    gw_glm_opts o;
    memset(&o, 0, sizeof o);
    o.kind = GW_GLM_POISSON;
    gw_result *r = NULL;
    o.vcov = GW_VCOV_HC2;
    assert_int_equal(gw_stream_glm_fit(&src, &o, NULL, &r), GW_EUNSUPPORTED);
    assert_null(r);
    o.vcov = GW_VCOV_IID;
    o.flags = GW_GLM_AME;
    assert_int_equal(gw_stream_glm_fit(&src, &o, NULL, &r), GW_EUNSUPPORTED);
    o.flags = 0;
    o.ssc = GW_SSC_FIXEST;
    assert_int_equal(gw_stream_glm_fit(&src, &o, NULL, &r), GW_EUNSUPPORTED);
    o.ssc = GW_SSC_GOODWORK;
    src.nfe = 0;
    assert_int_equal(gw_stream_glm_fit(&src, &o, NULL, &r), GW_EINVAL);
    src.nfe = 2;
    d.y[3] = -1.0; /* outside the Poisson range */
    assert_int_equal(gw_stream_glm_fit(&src, &o, NULL, &r), GW_EFORMAT);
    assert_null(r);
    gwt_stream_data_free(&d);
}

static int report(void **state)
{
    (void)state;
    printf("[ glm_stream ] largest relative difference streamed vs in core: %.3g\n", worst);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_glm_stream_poisson_iid),
        cmocka_unit_test(test_glm_stream_poisson_weighted_hc1),
        cmocka_unit_test(test_glm_stream_poisson_cluster2),
        cmocka_unit_test(test_glm_stream_poisson_separating_regressor),
        cmocka_unit_test(test_glm_stream_logit_cluster),
        cmocka_unit_test(test_glm_stream_refusals),
    };
    return cmocka_run_group_tests_name("glm_stream", tests, NULL, report);
}
