/* test_scenario.c -- gw_scenario_run and gw_shock_parse: a zero shock changes nothing (exactly);
 * with the panel's true coefficients and no coefficient uncertainty the result is the analytic
 * propagation through the true equations (docs/reference/dataset.md) to 1e-12; the Monte Carlo
 * intervals shrink as the panel grows (models fitted on panels of 100, 400 and 1600 LAs
 * generated in memory); the bytes do not depend on the thread count; conditions, cycles and
 * every error status.
 *
 * The system (the panel's true recursive structure, latest year 2024, gamma = +0.02):
 *   log(median_hourly_pay) ~ emp_rate                                   (0.002 = 0.02/10)
 *   autonomy_share ~ emp_rate + share_prof + auto_exposure              (0.25, 0.35, -10)
 *   life_sat ~ emp_rate + autonomy_share + log(median_hourly_pay)       (0.020, 0.012, 0.20)
 * all with absorbed la_id + year effects. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_eqframe.h"
#include "gw_formula.h"
#include "gw_frame.h"
#include "gw_generate.h"
#include "gw_mvn.h"
#include "gw_ols.h"
#include "gw_par.h"
#include "gw_result.h"
#include "gw_scenario.h"
#include "gw_test.h"

#define NEQ 3
static const char *const formulas[NEQ] = {
    "log(median_hourly_pay) ~ emp_rate | la_id + year",
    "autonomy_share ~ emp_rate + share_prof + auto_exposure | la_id + year",
    "life_sat ~ emp_rate + autonomy_share + log(median_hourly_pay) | la_id + year"};
static const char *const names[NEQ] = {"pay", "autonomy", "life"};

/* A system: fits, eqframes and the gw_scenario_eq array. */
typedef struct {
    gw_result *fit[NEQ];
    gw_eqframe *ef[NEQ];
    const char *uses[NEQ][8];
    gw_scenario_eq eq[NEQ];
} sys;

static gw_status build_cb(void *ctx, size_t eq, const gw_table *t, gw_design **out)
{
    sys *s = ctx;
    return gw_eqframe_build(s->ef[eq], t, out);
}

static void sys_init_eqs(sys *s)
{
    for (int m = 0; m < NEQ; m++) {
        assert_int_equal(gw_eqframe_new(formulas[m], &s->ef[m]), GW_OK);
        size_t nv = gw_eqframe_nvars(s->ef[m]);
        assert_true(nv <= 8);
        for (size_t v = 0; v < nv; v++)
            s->uses[m][v] = gw_eqframe_var(s->ef[m], v);
        s->eq[m].name = names[m];
        s->eq[m].fit = s->fit[m];
        s->eq[m].response = gw_eqframe_response(s->ef[m]);
        s->eq[m].response_log = gw_eqframe_response_log(s->ef[m]);
        s->eq[m].uses = s->uses[m];
        s->eq[m].nuses = nv;
    }
}

static void sys_free(sys *s)
{
    for (int m = 0; m < NEQ; m++) {
        gw_result_free(s->fit[m]);
        gw_eqframe_free(s->ef[m]);
    }
}

/* Fits the system on data (two-way FE, CR1 by la_id). */
static void sys_fit(sys *s, const gw_table *data)
{
    memset(s, 0, sizeof *s);
    for (int m = 0; m < NEQ; m++) {
        gw_formula *f = NULL;
        gw_design *d = NULL;
        gw_frame_opts fo = {0};
        fo.cluster[0] = "la_id";
        assert_int_equal(gw_formula_parse(formulas[m], &f), GW_OK);
        assert_int_equal(gw_frame_build(data, f, &fo, &d), GW_OK);
        gw_ols_opts oo = {0};
        oo.vcov = GW_VCOV_CLUSTER;
        assert_int_equal(gw_ols_fit(d, &oo, &s->fit[m]), GW_OK);
        assert_int_equal(gw_result_set_str(&s->fit[m]->formula, formulas[m]), GW_OK);
        gw_design_free(d);
        gw_formula_free(f);
    }
    sys_init_eqs(s);
}

/* The value of /truth for (equation, term, period). */
static double truth_value(const gw_table *t, const char *eq, const char *term, const char *per)
{
    size_t je = (size_t)gw_table_find(t, "equation"), jt = (size_t)gw_table_find(t, "term");
    size_t jp = (size_t)gw_table_find(t, "period"), jv = (size_t)gw_table_find(t, "value");
    for (size_t i = 0; i < gw_table_nrows(t); i++)
        if (strcmp(gw_table_level(t, je, (size_t)gw_table_codes(t, je)[i]), eq) == 0 &&
            strcmp(gw_table_level(t, jt, (size_t)gw_table_codes(t, jt)[i]), term) == 0 &&
            strcmp(gw_table_level(t, jp, (size_t)gw_table_codes(t, jp)[i]), per) == 0)
            return gw_table_numeric(t, jv)[i];
    fail_msg("no truth for %s / %s / %s", eq, term, per);
    return NAN;
}

/* The system with the true coefficients and a zero vcov. */
static void sys_truth(sys *s, const gw_table *truth)
{
    static const char *const terms[NEQ][3] = {
        {"emp_rate", NULL, NULL},
        {"emp_rate", "share_prof", "auto_exposure"},
        {"emp_rate", "autonomy_share", "log(median_hourly_pay)"}};
    static const char *const eqn[NEQ] = {"log(median_hourly_pay)", "autonomy_share", "life_sat"};
    static const size_t k[NEQ] = {1, 3, 3};
    memset(s, 0, sizeof *s);
    for (int m = 0; m < NEQ; m++) {
        assert_int_equal(gw_result_new(k[m], &s->fit[m]), GW_OK);
        gw_result *r = s->fit[m];
        assert_int_equal(gw_result_set_str(&r->formula, formulas[m]), GW_OK);
        for (size_t j = 0; j < k[m]; j++) {
            assert_int_equal(gw_result_set_str(&r->terms[j], terms[m][j]), GW_OK);
            r->estimate[j] = truth_value(truth, eqn[m], terms[m][j], m == 0 ? ">2021" : "all");
        }
        for (size_t j = 0; j < k[m] * k[m]; j++)
            r->vcov[j] = 0.0;
        r->rmse = 0.0;
    }
    sys_init_eqs(s);
}

/* The rows of the last year of data (a new table), and their shares (n x 9) and the
 * occupations' p_auto / ai. */
typedef struct {
    gw_table *areas;
    double *shares, p_auto[9], ai[9];
    gw_scenario_occ occ;
} areas_t;

static void areas_latest(const gw_panel *p, areas_t *a)
{
    const gw_table *t = p->data;
    size_t nr = gw_table_nrows(t), jy = (size_t)gw_table_find(t, "year");
    const double *year = gw_table_numeric(t, jy);
    double ymax = -INFINITY;
    for (size_t i = 0; i < nr; i++)
        ymax = fmax(ymax, year[i]);
    size_t n = 0;
    for (size_t i = 0; i < nr; i++)
        n += year[i] == ymax;
    assert_int_equal(gw_table_new(n, &a->areas), GW_OK);
    for (size_t j = 0; j < gw_table_ncols(t); j++) {
        size_t m = 0;
        if (gw_table_coltype(t, j) == GW_COL_NUMERIC) {
            double *v = gw_alloc_array(n, sizeof *v);
            for (size_t i = 0; i < nr; i++)
                if (year[i] == ymax)
                    v[m++] = gw_table_numeric(t, j)[i];
            assert_int_equal(gw_table_add_numeric_take(a->areas, gw_table_colname(t, j), v), GW_OK);
        } else {
            size_t nl = gw_table_nlevels(t, j);
            int32_t *c = gw_alloc_array(n, sizeof *c);
            char **lev = gw_calloc(nl, sizeof *lev);
            for (size_t l = 0; l < nl; l++)
                lev[l] = gw_strdup(gw_table_level(t, j, l));
            for (size_t i = 0; i < nr; i++)
                if (year[i] == ymax)
                    c[m++] = gw_table_codes(t, j)[i];
            assert_int_equal(
                gw_table_add_categorical_take(a->areas, gw_table_colname(t, j), c, lev, nl), GW_OK);
        }
    }
    /* Shares: the same row order as the data (LA-major). */
    const gw_table *sh = p->shares;
    const double *sy = gw_table_numeric(sh, (size_t)gw_table_find(sh, "year"));
    a->shares = gw_alloc_array(n * 9, sizeof *a->shares);
    size_t m = 0;
    for (size_t i = 0; i < gw_table_nrows(sh); i++) {
        if (sy[i] != ymax)
            continue;
        for (int o = 0; o < 9; o++) {
            char nm[8];
            snprintf(nm, sizeof nm, "soc%d", o + 1);
            a->shares[m * 9 + (size_t)o] = gw_table_numeric(sh, (size_t)gw_table_find(sh, nm))[i];
        }
        m++;
    }
    assert_int_equal(m, n);
    const gw_table *oc = p->occupation;
    for (size_t o = 0; o < 9; o++) {
        a->p_auto[o] = gw_table_numeric(oc, (size_t)gw_table_find(oc, "p_auto"))[o];
        a->ai[o] = gw_table_numeric(oc, (size_t)gw_table_find(oc, "ai_exposure"))[o];
    }
    a->occ.nocc = 9;
    a->occ.p_auto = a->p_auto;
    a->occ.ai = a->ai;
    a->occ.shares = a->shares;
    a->occ.names = p->occupation;
}

static void areas_free(areas_t *a)
{
    gw_table_free(a->areas);
    gw_free(a->shares);
}

static gw_panel *make_panel(size_t n_las)
{
    gw_generate_opts o;
    gw_panel *p = NULL;
    gw_generate_opts_default(&o);
    o.n_las = n_las;
    assert_int_equal(gw_generate(&o, &p), GW_OK);
    return p;
}

static const double *col(const gw_table *t, const char *name)
{
    ptrdiff_t j = gw_table_find(t, name);
    assert_true(j >= 0);
    return gw_table_numeric(t, (size_t)j);
}

static size_t outcome(const gw_scenario_result *r, const char *name)
{
    for (size_t o = 0; o < r->n_outcomes; o++)
        if (strcmp(r->outcomes[o], name) == 0)
            return o;
    fail_msg("no outcome %s", name);
    return 0;
}

/* ---- tests ------------------------------------------------------------------------------- */

static void test_scenario_zero_shock_exact(void **state)
{
    (void)state;
    gw_panel *p = make_panel(100);
    areas_t a = {0};
    sys s;
    areas_latest(p, &a);
    sys_fit(&s, p->data);
    gw_shock sh[3];
    assert_int_equal(gw_shock_parse("displacement:0", &sh[0]), GW_OK);
    assert_int_equal(gw_shock_parse("emp_rate += 0", &sh[1]), GW_OK);
    assert_int_equal(gw_shock_parse("autonomy_share*=1 @ auto_exposure >= q80", &sh[2]), GW_OK);
    for (size_t ns = 0; ns <= 3; ns++) {
        gw_scenario_opts o = {0};
        o.draws = 50;
        o.seed = 7;
        o.pass_through = NAN;
        gw_scenario_result *r = NULL;
        assert_int_equal(gw_scenario_run(a.areas, s.eq, NEQ, build_cb, &s, sh, ns, &a.occ, &o, &r),
                         GW_OK);
        assert_true(r->n_outcomes >= 3);
        size_t nv = r->n_outcomes * r->n_areas;
        for (size_t i = 0; i < nv; i++) {
            gw_assert_close(r->point[i], 0.0, 0.0, 0.0);
            gw_assert_close(r->mean[i], 0.0, 0.0, 0.0);
            gw_assert_close(r->q05[i], 0.0, 0.0, 0.0);
            gw_assert_close(r->q95[i], 0.0, 0.0, 0.0);
            gw_assert_close(r->median[i], 0.0, 0.0, 0.0);
            if (isfinite(r->rank_change[i]))
                gw_assert_close(r->rank_change[i], 0.0, 0.0, 0.0);
        }
        for (size_t i = 0; i < nv * r->draws; i++)
            gw_assert_close(r->draw_change[i], 0.0, 0.0, 0.0);
        gw_scenario_summary *g = NULL;
        assert_int_equal(gw_scenario_summarise(r, NULL, 1, &g), GW_OK);
        for (size_t oc = 0; oc < r->n_outcomes; oc++) {
            gw_assert_close(g->mean_change[oc], 0.0, 0.0, 0.0);
            gw_assert_close(g->q05[oc], 0.0, 0.0, 0.0);
            gw_assert_close(g->q95[oc], 0.0, 0.0, 0.0);
        }
        gw_scenario_summary_free(g);
        gw_scenario_free(r);
    }
    sys_free(&s);
    areas_free(&a);
    gw_panel_free(p);
}

/* A generated panel of n_las areas, its latest year and a system of equations over it (the true
 * one or one fitted on the panel); world_close frees it all. */
typedef struct {
    gw_panel *p;
    areas_t a;
    sys s;
} world;

/* The system fitted on a panel of n_las areas, as the tests of draws use it. */
static void world_fitted(world *w, size_t n_las)
{
    memset(w, 0, sizeof *w);
    w->p = make_panel(n_las);
    areas_latest(w->p, &w->a);
    sys_fit(&w->s, w->p->data);
}

/* A run of the shocks specs (every one must parse) with o on the true system of a new world w. */
static gw_scenario_result *truth_run(world *w, size_t n_las, const char *const *specs, size_t nspec,
                                     const gw_scenario_opts *o)
{
    gw_shock sh[8];
    assert_true(nspec <= 8);
    memset(w, 0, sizeof *w);
    w->p = make_panel(n_las);
    areas_latest(w->p, &w->a);
    sys_truth(&w->s, w->p->truth);
    for (size_t k = 0; k < nspec; k++)
        assert_int_equal(gw_shock_parse(specs[k], &sh[k]), GW_OK);
    gw_scenario_result *r = NULL;
    assert_int_equal(
        gw_scenario_run(w->a.areas, w->s.eq, NEQ, build_cb, &w->s, sh, nspec, &w->a.occ, o, &r),
        GW_OK);
    return r;
}

static void world_close(world *w)
{
    sys_free(&w->s);
    areas_free(&w->a);
    gw_panel_free(w->p);
}

/* The analytic propagation, by hand, for a displacement shock plus a direct shock. */
static void test_scenario_truth_analytic(void **state)
{
    (void)state;
    static const char *const specs[] = {"displacement:0.10",
                                        "autonomy_share += 5 where auto_exposure >= q80"};
    gw_scenario_opts o = {.draws = 20, .seed = 1, .pass_through = NAN};
    world tw;
    gw_scenario_result *r = truth_run(&tw, 120, specs, 2, &o);
    areas_t a = tw.a;
    size_t n = r->n_areas;
    assert_int_equal(n, 120);
    /* Order: pay and autonomy before life. */
    assert_int_equal(r->order[2], 2);
    size_t oe = outcome(r, "emp_rate"), oa = outcome(r, "autonomy_share");
    size_t ow = outcome(r, "median_hourly_pay"), ol = outcome(r, "life_sat");
    const double *w = col(a.areas, "median_hourly_pay"), *ae = col(a.areas, "auto_exposure");
    const double *er = col(a.areas, "emp_rate");
    /* 80th percentile (type 7) of auto_exposure. */
    double *srt = gw_alloc_array(n, sizeof *srt);
    memcpy(srt, ae, n * sizeof *srt);
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && srt[j - 1] > srt[j]; j--) {
            double t = srt[j];
            srt[j] = srt[j - 1];
            srt[j - 1] = t;
        }
    double h = 0.8 * (double)(n - 1);
    size_t lo = (size_t)h;
    double q80 = srt[lo] + (h - (double)lo) * (srt[lo + 1] - srt[lo]);
    gw_free(srt);
    size_t ntop = 0;
    for (size_t i = 0; i < n; i++) {
        double L = 0.0;
        for (size_t oc = 0; oc < 9; oc++)
            L += a.shares[i * 9 + oc] * (-0.10 * a.p_auto[oc]);
        /* L is a share of jobs: the rate (jobs per 100 residents) moves by rate * L. */
        double demp = 0.5 * er[i] * L;
        double dlogw = 0.002 * demp;
        int top = ae[i] >= q80;
        ntop += (size_t)top;
        double daut = 0.25 * demp + (top ? 5.0 : 0.0);
        double dlife = 0.020 * demp + 0.012 * daut + 0.20 * dlogw;
        double dw = w[i] * (exp(dlogw) - 1.0);
        gw_assert_close(r->local_shock[i], L, 1e-12, 1e-15);
        gw_assert_close(r->point[oe * n + i], demp, 1e-12, 1e-12);
        gw_assert_close(r->point[oa * n + i], daut, 1e-12, 1e-12);
        gw_assert_close(r->point[ow * n + i], dw, 1e-10, 1e-12);
        gw_assert_close(r->point[ol * n + i], dlife, 1e-12, 1e-12);
        /* No uncertainty: every draw and every quantile equal the point. */
        gw_assert_close(r->q05[ol * n + i], r->point[ol * n + i], 0.0, 0.0);
        gw_assert_close(r->q95[ol * n + i], r->point[ol * n + i], 0.0, 0.0);
        assert_true(demp < -1.0 && demp > -4.0);
    }
    assert_true(ntop >= 23 && ntop <= 25);
    gw_scenario_free(r);
    world_close(&tw);
}

/* Whether area i's categorical column var is level lev. */
static int is_level(const gw_table *t, const char *var, size_t i, const char *lev)
{
    size_t j = (size_t)gw_table_find(t, var);
    int32_t c = gw_table_codes(t, j)[i];
    return c != GW_CODE_MISSING && strcmp(gw_table_level(t, j, (size_t)c), lev) == 0;
}

/* A conditional displacement shock, a per-occupation shock named by SOC codes, and values
 * that use another column, propagated by hand through the true equations; then the same
 * shocks with a pass-through drawn in each draw: every draw's emp_rate change is
 * P_d rate_i L_i - 2 auto_exposure_i with one P_d for all areas (the start value kept affine
 * in P through the condition, the occupations and the expression). */
static void test_scenario_new_shocks_analytic(void **state)
{
    (void)state;
    static const char *const specs[] = {"displacement:0.10 @ nation == W",
                                        "occupation: soc9, 2 = -0.05",
                                        "emp_rate -= 2*auto_exposure",
                                        "autonomy_share += share_prof*0.05 @ nation != W"};
    gw_scenario_opts o = {.draws = 30, .seed = 5, .pass_through = NAN};
    world tw;
    gw_scenario_result *r = truth_run(&tw, 120, specs, 4, &o);
    areas_t a = tw.a;
    sys s = tw.s;
    gw_shock sh[4];
    for (size_t k = 0; k < 4; k++)
        assert_int_equal(gw_shock_parse(specs[k], &sh[k]), GW_OK);
    size_t n = r->n_areas, nw = 0;
    size_t oe = outcome(r, "emp_rate"), oa = outcome(r, "autonomy_share");
    size_t ow = outcome(r, "median_hourly_pay"), ol = outcome(r, "life_sat");
    const double *w = col(a.areas, "median_hourly_pay"), *ae = col(a.areas, "auto_exposure");
    const double *er = col(a.areas, "emp_rate"), *sp = col(a.areas, "share_prof");
    double *L = gw_alloc_array(n, sizeof *L);
    for (size_t i = 0; i < n; i++) {
        int wales = is_level(a.areas, "nation", i, "W");
        double L1 = 0.0;
        for (size_t oc = 0; oc < 9; oc++)
            L1 += a.shares[i * 9 + oc] * (-0.10 * a.p_auto[oc]);
        /* soc 9 and soc 2 are the occupation table's rows 8 and 1 (soc = row + 1). */
        double L2 = -0.05 * (a.shares[i * 9 + 8] + a.shares[i * 9 + 1]);
        L[i] = (wales ? L1 : 0.0) + L2;
        nw += (size_t)wales;
        double demp = 0.5 * er[i] * L[i] - 2.0 * ae[i];
        double dlogw = 0.002 * demp;
        double daut = 0.25 * demp + (wales ? 0.0 : 0.05 * sp[i]);
        double dlife = 0.020 * demp + 0.012 * daut + 0.20 * dlogw;
        gw_assert_close(r->local_shock[i], L[i], 1e-12, 1e-15);
        gw_assert_close(r->point[oe * n + i], demp, 1e-12, 1e-12);
        gw_assert_close(r->point[oa * n + i], daut, 1e-12, 1e-12);
        gw_assert_close(r->point[ow * n + i], w[i] * (exp(dlogw) - 1.0), 1e-10, 1e-12);
        gw_assert_close(r->point[ol * n + i], dlife, 1e-12, 1e-12);
    }
    assert_true(nw > 5 && nw < n - 5); /* both sides of the conditions are tested */
    gw_scenario_free(r);
    /* The pass-through drawn from uniform(0.2, 0.8). */
    o.pt_dist = GW_DIST_UNIFORM;
    o.pt_a = 0.2;
    o.pt_b = 0.8;
    o.pass_through = 0.5;
    assert_int_equal(gw_scenario_run(a.areas, s.eq, NEQ, build_cb, &s, sh, 4, &a.occ, &o, &r),
                     GW_OK);
    size_t big = 0;
    for (size_t i = 1; i < n; i++)
        big = fabs(er[i] * L[i]) > fabs(er[big] * L[big]) ? i : big;
    for (size_t d = 0; d < r->draws; d++) {
        const double *ch = r->draw_change + (d * r->n_outcomes + oe) * n;
        double P = (ch[big] + 2.0 * ae[big]) / (er[big] * L[big]);
        assert_true(P > 0.2 - 1e-9 && P < 0.8 + 1e-9);
        for (size_t i = 0; i < n; i++)
            gw_assert_close(ch[i], P * er[i] * L[i] - 2.0 * ae[i], 1e-12, 1e-12);
    }
    gw_scenario_free(r);
    /* Occupations named by the `occupation` column give the same local shocks bit for bit. */
    gw_table *otab = NULL;
    int32_t *codes = gw_alloc_array(9, sizeof *codes);
    char **lev = gw_calloc(9, sizeof *lev);
    for (int k = 0; k < 9; k++) {
        char nm[8];
        snprintf(nm, sizeof nm, "o%d", 9 - k);
        lev[k] = gw_strdup(nm);
        codes[k] = 8 - k; /* levels in another order than the rows: row k is o(k+1) */
    }
    assert_int_equal(gw_table_new(9, &otab), GW_OK);
    assert_int_equal(gw_table_add_categorical_take(otab, "occupation", codes, lev, 9), GW_OK);
    gw_scenario_occ by_name = a.occ;
    by_name.names = otab;
    gw_shock one[2];
    assert_int_equal(gw_shock_parse("occupation:o9,o2=-0.05", &one[0]), GW_OK);
    assert_int_equal(gw_shock_parse("occupation:soc9,2=-0.05", &one[1]), GW_OK);
    gw_scenario_result *r2 = NULL;
    o.pt_dist = GW_DIST_NONE;
    o.draws = 2;
    assert_int_equal(
        gw_scenario_run(a.areas, s.eq, NEQ, build_cb, &s, &one[0], 1, &by_name, &o, &r), GW_OK);
    assert_int_equal(gw_scenario_run(a.areas, s.eq, NEQ, build_cb, &s, &one[1], 1, &a.occ, &o, &r2),
                     GW_OK);
    assert_memory_equal(r->local_shock, r2->local_shock, n * sizeof(double));
    for (size_t i = 0; i < n; i++)
        gw_assert_close(r->local_shock[i], -0.05 * (a.shares[i * 9 + 8] + a.shares[i * 9 + 1]),
                        1e-15, 0.0);
    gw_scenario_free(r2);
    /* soc9 does not name a row of a table without a soc column. */
    assert_int_equal(
        gw_scenario_run(a.areas, s.eq, NEQ, build_cb, &s, &one[1], 1, &by_name, &o, &r2),
        GW_ENOVAR);
    assert_non_null(strstr(gw_last_error(), "no occupation 'soc9'"));
    gw_scenario_free(r);
    gw_free(L);
    gw_table_free(otab);
    world_close(&tw);
}

/* Width of the national 90% interval of the mean change in life_sat. */
static double width_for(size_t n_las, double *mean)
{
    gw_panel *p = make_panel(n_las);
    areas_t a = {0};
    sys s;
    areas_latest(p, &a);
    sys_fit(&s, p->data);
    gw_shock sh;
    assert_int_equal(gw_shock_parse("displacement:0.10", &sh), GW_OK);
    gw_scenario_opts o = {0};
    o.draws = 200;
    o.seed = 99;
    o.pass_through = NAN;
    gw_scenario_result *r = NULL;
    assert_int_equal(gw_scenario_run(a.areas, s.eq, NEQ, build_cb, &s, &sh, 1, &a.occ, &o, &r),
                     GW_OK);
    gw_scenario_summary *g = NULL;
    assert_int_equal(gw_scenario_summarise(r, NULL, 1, &g), GW_OK);
    size_t ol = outcome(r, "life_sat");
    double wdt = g->q95[ol] - g->q05[ol];
    *mean = g->mean_change[ol];
    assert_true(g->q05[ol] <= g->q50[ol] && g->q50[ol] <= g->q95[ol]);
    gw_scenario_summary_free(g);
    gw_scenario_free(r);
    sys_free(&s);
    areas_free(&a);
    gw_panel_free(p);
    return wdt;
}

static void test_scenario_widths_shrink(void **state)
{
    (void)state;
    double m1, m2, m3;
    double w1 = width_for(100, &m1), w2 = width_for(400, &m2), w3 = width_for(1600, &m3);
    print_message("life_sat 90%% width: N=100 %.5f, 400 %.5f, 1600 %.5f; means %.4f %.4f %.4f\n",
                  w1, w2, w3, m1, m2, m3);
    assert_true(w1 > w2 && w2 > w3);
    assert_true(w3 < 0.75 * w1);
    /* Life satisfaction falls: the true total effect is about 0.0234 per point of employment. */
    assert_true(m1 < 0.0 && m2 < 0.0 && m3 < 0.0);
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The per-area mean and type-7 quantiles of r recomputed from draw_change by a full sort (the
 * library selects order statistics instead): the quantiles must be the same bits. */
static void check_area_quantiles(const gw_scenario_result *r)
{
    size_t D = r->draws, nv = r->n_outcomes * r->n_areas;
    double *v = malloc(D * sizeof *v);
    const double ps[3] = {0.05, 0.5, 0.95};
    assert_non_null(v);
    for (size_t at = 0; at < nv; at++) {
        size_t m = 0;
        double sum = 0.0;
        for (size_t d = 0; d < D; d++)
            if (isfinite(r->draw_change[d * nv + at])) {
                v[m] = r->draw_change[d * nv + at];
                sum += v[m++];
            }
        assert_true(m > 0);
        qsort(v, m, sizeof *v, cmp_dbl);
        const double got[3] = {r->q05[at], r->median[at], r->q95[at]};
        for (int q = 0; q < 3; q++) {
            double h = (double)(m - 1) * ps[q];
            size_t lo = (size_t)floor(h);
            double want = lo + 1 >= m ? v[m - 1] : v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]);
            assert_memory_equal(&got[q], &want, sizeof want);
        }
        gw_assert_close(r->mean[at], sum / (double)m, 1e-12, 1e-15);
    }
    free(v);
}

/* b has a's outcomes and, byte for byte, its draws and area summaries. */
static void expect_same_run(const gw_scenario_result *a, const gw_scenario_result *b)
{
    size_t nv = a->n_outcomes * a->n_areas;
    assert_int_equal(b->n_outcomes, a->n_outcomes);
    assert_int_equal(b->draws, a->draws);
    assert_memory_equal(b->draw_change, a->draw_change, nv * a->draws * sizeof(double));
    assert_memory_equal(b->mean, a->mean, nv * sizeof(double));
    assert_memory_equal(b->q05, a->q05, nv * sizeof(double));
    assert_memory_equal(b->q95, a->q95, nv * sizeof(double));
    assert_memory_equal(b->rank_change, a->rank_change, nv * sizeof(double));
    check_area_quantiles(b);
}

static void test_scenario_threads_identical(void **state)
{
    (void)state;
    world w;
    world_fitted(&w, 100);
    gw_shock sh[2];
    assert_int_equal(gw_shock_parse("ai:0.10,0.05", &sh[0]), GW_OK);
    assert_int_equal(gw_shock_parse("autonomy_share+=5@auto_exposure>=q80", &sh[1]), GW_OK);
    gw_scenario_result *r[2] = {NULL, NULL};
    for (int t = 0; t < 2; t++) {
        gw_threads_set(t + 1);
        gw_scenario_opts o = {0};
        o.draws = 64;
        o.seed = 12345;
        o.residual_noise = 1;
        o.pass_through = NAN;
        assert_int_equal(
            gw_scenario_run(w.a.areas, w.s.eq, NEQ, build_cb, &w.s, sh, 2, &w.a.occ, &o, &r[t]),
            GW_OK);
    }
    gw_threads_set(0);
    size_t nv = r[0]->n_outcomes * r[0]->n_areas;
    expect_same_run(r[0], r[1]);
    /* A different seed gives different draws. */
    gw_scenario_result *r3 = NULL;
    gw_scenario_opts o = {0};
    o.draws = 64;
    o.seed = 12346;
    o.residual_noise = 1;
    o.pass_through = NAN;
    assert_int_equal(
        gw_scenario_run(w.a.areas, w.s.eq, NEQ, build_cb, &w.s, sh, 2, &w.a.occ, &o, &r3), GW_OK);
    assert_true(memcmp(r3->draw_change, r[0]->draw_change, nv * sizeof(double)) != 0);
    gw_scenario_free(r3);
    gw_scenario_free(r[0]);
    gw_scenario_free(r[1]);
    world_close(&w);
}

static void test_scenario_parse(void **state)
{
    (void)state;
    gw_shock s;
    assert_int_equal(gw_shock_parse(" displacement : 0.2 ", &s), GW_OK);
    assert_int_equal(s.kind, GW_SHOCK_DISPLACEMENT);
    gw_assert_close(s.kappa, 0.2, 0.0, 0.0);
    assert_int_equal(gw_shock_parse("ai:0.1,0.05", &s), GW_OK);
    assert_int_equal(s.kind, GW_SHOCK_AI);
    gw_assert_close(s.rho, 0.05, 0.0, 0.0);
    assert_int_equal(gw_shock_parse("emp_rate -= 2", &s), GW_OK);
    assert_int_equal(s.op, GW_SHOCK_ADD);
    gw_assert_close(s.value, -2.0, 0.0, 0.0);
    assert_string_equal(s.var, "emp_rate");
    assert_int_equal(gw_shock_parse("x *= 1.05 where urban == London", &s), GW_OK);
    assert_int_equal(s.op, GW_SHOCK_MUL);
    assert_int_equal(s.cond, GW_COND_EQ);
    assert_true(s.cond_is_text);
    assert_string_equal(s.cond_level, "London");
    assert_int_equal(gw_shock_parse("x /= 4 @ y < q25", &s), GW_OK);
    gw_assert_close(s.value, 0.25, 0.0, 0.0);
    assert_true(s.cond_quantile);
    gw_assert_close(s.cond_value, 0.25, 0.0, 0.0);
    assert_int_equal(gw_shock_parse("x = 3 @ region != 7", &s), GW_OK);
    assert_int_equal(s.op, GW_SHOCK_SET);
    assert_int_equal(s.cond, GW_COND_NE);
    static const char *const bad[] = {
        "", "displacement", "displacement:abc", "displacement:-1", "ai:0.1", "robots:0.1",
        "emp_rate", "emp_rate -= ", "emp_rate -= 2 two", "+= 2", "x /= 0", "x += 1 @ y",
        "x += 1 @ y > big", "x += 1 @ y >= q101", "x += inf", "a b += 1", "x += 1 where",
        "x += 1 2", "x += 1e999",
        /* shares of jobs: kappa in [0, 1], rho >= 0 */
        "displacement:1.5", "ai:1.01,0.1", "ai:0.1,-0.5",
        /* per-occupation shocks */
        "occupation:soc9", "occupation:=0.1", "occupation:soc9=", "occupation:soc9=x",
        "occupation:soc9+=0.1", "occupation:soc9,=0.1", "occupation:,soc9=0.1",
        "occupation:a b=0.1", "occupations:soc9=0.1", "occupation:soc-9=0.1",
        /* expressions: NUMBER*VAR, VAR*NUMBER or VAR, with +=, -= and = only */
        "x += 2*y*z", "x += 2*3", "x += y*z", "x += -y", "x += 2*", "x += *y", "x += inf*y",
        "x += 2*y-1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        gw_status st = gw_shock_parse(bad[i], &s);
        if (st != GW_ESYNTAX)
            fail_msg("'%s' gave %d", bad[i], (int)st);
        assert_true(strstr(gw_last_error(), "bad shock") != NULL);
    }
    assert_int_equal(gw_shock_parse(NULL, &s), GW_EINVAL);
    /* The messages of the new forms. */
    static const char *const msg[][2] = {
        {"occupation:soc9=-1.5", "G must be >= -1"},
        {"occupation:soc9,soc8,soc9=-0.1", "occupation 'soc9' is listed twice"},
        {"occupation:soc9", "expected occupation:OCC[,OCC...]=G"},
        {"x *= 2*y", "*= takes a number (a value that uses a variable goes with +=, -= and =)"},
        {"x /= y", "/= takes a number"},
        {"x += 2*y*z", "'2*y*z' is not NUMBER, VAR, NUMBER*VAR or VAR*NUMBER"},
        {"x += 1e999", "'1e999' is not a finite number"},
        {"occupations:soc9=0.1", "unknown kind 'occupations'"}};
    for (size_t i = 0; i < sizeof msg / sizeof msg[0]; i++) {
        assert_int_equal(gw_shock_parse(msg[i][0], &s), GW_ESYNTAX);
        if (strstr(gw_last_error(), msg[i][1]) == NULL)
            fail_msg("'%s' gave '%s'", msg[i][0], gw_last_error());
    }
}

/* Conditional shift-share shocks, per-occupation shocks and values that use another column. */
static void test_scenario_parse_new_forms(void **state)
{
    (void)state;
    gw_shock s;
    assert_int_equal(gw_shock_parse("displacement:0.10@nation==W", &s), GW_OK);
    assert_int_equal(s.kind, GW_SHOCK_DISPLACEMENT);
    gw_assert_close(s.kappa, 0.10, 0.0, 0.0);
    assert_int_equal(s.cond, GW_COND_EQ);
    assert_string_equal(s.cond_var, "nation");
    assert_true(s.cond_is_text);
    assert_string_equal(s.cond_level, "W");
    assert_int_equal(gw_shock_parse("ai: 0.1, 0.05 where auto_exposure >= q80", &s), GW_OK);
    assert_int_equal(s.kind, GW_SHOCK_AI);
    assert_true(s.cond_quantile);
    gw_assert_close(s.cond_value, 0.80, 0.0, 0.0);
    assert_int_equal(gw_shock_parse("occupation:soc9=-0.10", &s), GW_OK);
    assert_int_equal(s.kind, GW_SHOCK_OCCUPATION);
    assert_string_equal(s.occ, "soc9");
    gw_assert_close(s.value, -0.10, 0.0, 0.0);
    assert_int_equal(s.cond, GW_COND_NONE);
    assert_int_equal(gw_shock_parse(" occupation : soc8, 9 ,Elementary = -1 @ urban == x", &s),
                     GW_OK);
    assert_string_equal(s.occ, "soc8,9,Elementary");
    gw_assert_close(s.value, -1.0, 0.0, 0.0);
    assert_int_equal(s.cond, GW_COND_EQ);
    assert_int_equal(gw_shock_parse("occupation:soc1=2.5", &s), GW_OK); /* gains: no cap */
    assert_int_equal(gw_shock_parse("emp_rate-=0.05*share_routine", &s), GW_OK);
    assert_int_equal(s.kind, GW_SHOCK_DIRECT);
    assert_int_equal(s.op, GW_SHOCK_ADD);
    assert_string_equal(s.var, "emp_rate");
    assert_string_equal(s.expr_var, "share_routine");
    gw_assert_close(s.value, -0.05, 0.0, 0.0);
    assert_int_equal(gw_shock_parse("x += y * 1e-3 where z > 1", &s), GW_OK);
    assert_string_equal(s.expr_var, "y");
    gw_assert_close(s.value, 1e-3, 0.0, 0.0);
    assert_int_equal(s.cond, GW_COND_GT);
    assert_int_equal(gw_shock_parse("x = y", &s), GW_OK);
    assert_int_equal(s.op, GW_SHOCK_SET);
    assert_string_equal(s.expr_var, "y");
    gw_assert_close(s.value, 1.0, 0.0, 0.0);
    assert_int_equal(gw_shock_parse("x -= y", &s), GW_OK);
    gw_assert_close(s.value, -1.0, 0.0, 0.0);
    assert_int_equal(gw_shock_parse("x += -2*y", &s), GW_OK);
    gw_assert_close(s.value, -2.0, 0.0, 0.0);
    /* A number stays a number. */
    assert_int_equal(gw_shock_parse("x += 2", &s), GW_OK);
    assert_string_equal(s.expr_var, "");
}

static void test_scenario_errors(void **state)
{
    (void)state;
    gw_panel *p = make_panel(60);
    areas_t a = {0};
    sys s;
    areas_latest(p, &a);
    sys_truth(&s, p->truth);
    gw_scenario_opts o = {0};
    o.draws = 5;
    o.pass_through = NAN;
    gw_scenario_result *r = NULL;
    gw_shock sh;
    /* Unknown shocked variable; categorical one; unknown condition level. */
    assert_int_equal(gw_shock_parse("robots += 1", &sh), GW_OK);
    assert_int_equal(gw_scenario_run(a.areas, s.eq, NEQ, build_cb, &s, &sh, 1, &a.occ, &o, &r),
                     GW_ENOVAR);
    assert_null(r);
    assert_int_equal(gw_shock_parse("nation += 1", &sh), GW_OK);
    assert_int_equal(gw_scenario_run(a.areas, s.eq, NEQ, build_cb, &s, &sh, 1, &a.occ, &o, &r),
                     GW_EINVAL);
    assert_int_equal(gw_shock_parse("emp_rate += 1 @ urban == Mars", &sh), GW_OK);
    assert_int_equal(gw_scenario_run(a.areas, s.eq, NEQ, build_cb, &s, &sh, 1, &a.occ, &o, &r),
                     GW_ENOVAR);
    /* Shift-share without occupation data. */
    assert_int_equal(gw_shock_parse("displacement:0.1", &sh), GW_OK);
    assert_int_equal(gw_scenario_run(a.areas, s.eq, NEQ, build_cb, &s, &sh, 1, NULL, &o, &r),
                     GW_EINVAL);
    /* Per-occupation shocks: an unknown occupation, one named twice, no names. */
    assert_int_equal(gw_shock_parse("occupation:soc10=-0.1", &sh), GW_OK);
    assert_int_equal(gw_scenario_run(a.areas, s.eq, NEQ, build_cb, &s, &sh, 1, &a.occ, &o, &r),
                     GW_ENOVAR);
    assert_non_null(strstr(gw_last_error(), "no occupation 'soc10'"));
    assert_int_equal(gw_shock_parse("occupation:soc9,9=-0.1", &sh), GW_OK);
    assert_int_equal(gw_scenario_run(a.areas, s.eq, NEQ, build_cb, &s, &sh, 1, &a.occ, &o, &r),
                     GW_EINVAL);
    assert_non_null(strstr(gw_last_error(), "'9' names an occupation listed before"));
    gw_scenario_occ anon = a.occ;
    anon.names = NULL;
    assert_int_equal(gw_shock_parse("occupation:soc9=-0.1", &sh), GW_OK);
    assert_int_equal(gw_scenario_run(a.areas, s.eq, NEQ, build_cb, &s, &sh, 1, &anon, &o, &r),
                     GW_EINVAL);
    /* A value's variable that is missing or categorical; a bad condition of a shift-share. */
    assert_int_equal(gw_shock_parse("emp_rate += 2*robots", &sh), GW_OK);
    assert_int_equal(gw_scenario_run(a.areas, s.eq, NEQ, build_cb, &s, &sh, 1, &a.occ, &o, &r),
                     GW_ENOVAR);
    assert_int_equal(gw_shock_parse("emp_rate = nation", &sh), GW_OK);
    assert_int_equal(gw_scenario_run(a.areas, s.eq, NEQ, build_cb, &s, &sh, 1, &a.occ, &o, &r),
                     GW_EINVAL);
    assert_int_equal(gw_shock_parse("displacement:0.1 @ robots > 1", &sh), GW_OK);
    assert_int_equal(gw_scenario_run(a.areas, s.eq, NEQ, build_cb, &s, &sh, 1, &a.occ, &o, &r),
                     GW_ENOVAR);
    assert_non_null(strstr(gw_last_error(), "condition of a shift-share shock"));
    assert_null(r);
    /* Two equations for one variable. */
    gw_scenario_eq two[2] = {s.eq[1], s.eq[1]};
    assert_int_equal(gw_scenario_run(a.areas, two, 2, build_cb, &s, &sh, 1, &a.occ, &o, &r),
                     GW_EINVAL);
    assert_true(strstr(gw_last_error(), "both explain") != NULL);
    /* A cycle: autonomy reads emp_rate, a fake emp equation reads autonomy_share. */
    gw_scenario_eq cyc[2] = {s.eq[1], s.eq[2]};
    const char *uses_emp[] = {"autonomy_share"};
    cyc[1].response = "emp_rate";
    cyc[1].uses = uses_emp;
    cyc[1].nuses = 1;
    assert_int_equal(gw_scenario_run(a.areas, cyc, 2, build_cb, &s, &sh, 1, &a.occ, &o, &r),
                     GW_EINVAL);
    assert_true(strstr(gw_last_error(), "cycle") != NULL);
    /* A shock that makes log() undefined in a later equation. */
    assert_int_equal(gw_shock_parse("median_hourly_pay = -1", &sh), GW_OK);
    assert_int_equal(gw_scenario_run(a.areas, s.eq, NEQ, build_cb, &s, &sh, 1, &a.occ, &o, &r),
                     GW_EFORMAT);
    assert_true(strstr(gw_last_error(), "life") != NULL);
    /* NULLs. */
    assert_int_equal(gw_scenario_run(NULL, s.eq, NEQ, build_cb, &s, &sh, 1, &a.occ, &o, &r),
                     GW_EINVAL);
    assert_int_equal(gw_scenario_run(a.areas, s.eq, 0, build_cb, &s, &sh, 1, &a.occ, &o, &r),
                     GW_EINVAL);
    sys_free(&s);
    areas_free(&a);
    gw_panel_free(p);
}

static void test_scenario_mvn_factor(void **state)
{
    (void)state;
    /* Positive definite: Cholesky, L L' = V. */
    const double V[9] = {4.0, 2.0, 0.4, 2.0, 3.0, 0.5, 0.4, 0.5, 1.0};
    double L[9];
    gw_mvn_method m;
    size_t nclip = 99;
    assert_int_equal(gw_mvn_factor(3, V, L, &m, &nclip), GW_OK);
    assert_int_equal(m, GW_MVN_CHOL);
    assert_int_equal(nclip, 0);
    for (size_t i = 0; i < 3; i++)
        for (size_t j = 0; j < 3; j++) {
            double acc = 0.0;
            for (size_t k = 0; k < 3; k++)
                acc += L[i + k * 3] * L[j + k * 3];
            gw_assert_close(acc, V[i + j * 3], 1e-14, 1e-15);
        }
    /* Singular (rank 1) and indefinite: eigenvalue clip; L L' is the clipped matrix. */
    const double S[4] = {1.0, 1.0, 1.0, 1.0};
    assert_int_equal(gw_mvn_factor(2, S, L, &m, &nclip), GW_OK);
    assert_int_equal(m, GW_MVN_CLIPPED);
    for (size_t i = 0; i < 2; i++)
        for (size_t j = 0; j < 2; j++)
            gw_assert_close(L[i] * L[j] + L[i + 2] * L[j + 2], 1.0, 1e-14, 1e-14);
    const double Ind[4] = {1.0, 0.0, 0.0, -0.5};
    assert_int_equal(gw_mvn_factor(2, Ind, L, &m, &nclip), GW_OK);
    assert_int_equal(m, GW_MVN_CLIPPED);
    assert_int_equal(nclip, 1);
    gw_assert_close(L[0] * L[0] + L[2] * L[2], 1.0, 1e-14, 1e-14);
    gw_assert_close(L[1] * L[1] + L[3] * L[3], 0.0, 0.0, 1e-14);
    /* Zero: L = 0. Errors. */
    const double Z[4] = {0.0, 0.0, 0.0, 0.0};
    assert_int_equal(gw_mvn_factor(2, Z, L, &m, NULL), GW_OK);
    assert_int_equal(m, GW_MVN_ZERO);
    const double N[4] = {1.0, NAN, NAN, 1.0};
    assert_int_equal(gw_mvn_factor(2, N, L, &m, NULL), GW_ENONFINITE);
    assert_int_equal(gw_mvn_factor(0, Z, L, &m, NULL), GW_EDIM);
    assert_int_equal(gw_mvn_factor(2, NULL, L, &m, NULL), GW_EINVAL);
}

/* A stored vcov that is not positive definite is clipped and reported; draws still work. */
static void test_scenario_clipped_vcov(void **state)
{
    (void)state;
    gw_panel *p = make_panel(60);
    areas_t a = {0};
    sys s;
    areas_latest(p, &a);
    sys_truth(&s, p->truth);
    /* autonomy: rank-1 vcov over (emp_rate, share_prof) and a negative variance for auto. */
    gw_result *r1 = s.fit[1];
    const double V[9] = {1e-4, 1e-4, 0.0, 1e-4, 1e-4, 0.0, 0.0, 0.0, -1e-6};
    memcpy(r1->vcov, V, sizeof V);
    gw_shock sh;
    assert_int_equal(gw_shock_parse("emp_rate -= 2", &sh), GW_OK);
    gw_scenario_opts o = {0};
    o.draws = 100;
    o.seed = 3;
    o.pass_through = NAN;
    gw_scenario_result *r = NULL;
    assert_int_equal(gw_scenario_run(a.areas, s.eq, NEQ, build_cb, &s, &sh, 1, &a.occ, &o, &r),
                     GW_OK);
    assert_true(r->clipped[1] >= 1); /* -1e-6, and the zero one when it rounds below 0 */
    assert_int_equal(r->clipped[0], 0);
    size_t oa = outcome(r, "autonomy_share"), n = r->n_areas;
    /* Only emp_rate changes: d autonomy = -2 b_emp with b_emp ~ N(0.25, 1e-4 (rank 1 part)). */
    gw_assert_close(r->point[oa * n], -0.5, 1e-12, 0.0);
    assert_true(r->q95[oa * n] - r->q05[oa * n] > 0.02);
    assert_true(r->q95[oa * n] - r->q05[oa * n] < 0.2);
    gw_scenario_free(r);
    sys_free(&s);
    areas_free(&a);
    gw_panel_free(p);
}

/* gw_scenario_summarise_ex on a result made by hand (2 outcomes, 5 areas, 3 draws): the weighted
 * group means against sums written out here, areas with a zero or NaN weight or a missing change
 * left out (and not counted), NULL weights the unweighted summary bit for bit, a negative or
 * infinite weight an error. */
static void test_scenario_summarise_weights(void **state)
{
    (void)state;
    enum { N = 5, NO = 2, D = 3 };
    double point[NO * N] = {1, 2, 3, 4, 5, -1, NAN, 0.5, 2, 8};
    double draws[D * NO * N];
    for (size_t d = 0; d < D; d++)
        for (size_t k = 0; k < NO * N; k++)
            draws[d * NO * N + k] = point[k] * (1.0 + 0.1 * (double)d);
    gw_scenario_result r;
    memset(&r, 0, sizeof r);
    r.n_areas = N;
    r.n_outcomes = NO;
    r.draws = D;
    r.point = point;
    r.draw_change = draws;
    const int32_t codes[N] = {0, 1, 0, 1, -1};
    const double w[N] = {2.0, 0.0, 1.0, NAN, 3.0};
    gw_scenario_summary *g = NULL, *u = NULL, *u2 = NULL;
    assert_int_equal(gw_scenario_summarise_ex(&r, NULL, 1, w, &g), GW_OK);
    /* national, outcome 0: areas 0, 2, 4 (weights 2, 1, 3); outcome 1: area 1 has no change. */
    gw_assert_close(g->point[0], (2 * 1.0 + 1 * 3.0 + 3 * 5.0) / 6.0, 1e-15, 0.0);
    gw_assert_close(g->point[1], (2 * -1.0 + 1 * 0.5 + 3 * 8.0) / 6.0, 1e-15, 0.0);
    assert_int_equal(g->n_areas[0], 3);
    for (size_t d = 0; d < D; d++)
        gw_assert_close(g->draw_mean[0 * D + d], g->point[0] * (1.0 + 0.1 * (double)d), 1e-14, 0.0);
    gw_assert_close(g->mean_change[0], g->point[0] * 1.1, 1e-14, 0.0);
    gw_scenario_summary_free(g);
    g = NULL;
    assert_int_equal(gw_scenario_summarise_ex(&r, codes, 2, w, &g), GW_OK);
    gw_assert_close(g->point[0 * NO + 0], (2 * 1.0 + 1 * 3.0) / 3.0, 1e-15, 0.0);
    assert_true(isnan(g->point[1 * NO + 0])); /* group 1: weights 0 and NaN */
    assert_int_equal(g->n_areas[0], 2);
    assert_int_equal(g->n_areas[1], 0);
    gw_scenario_summary_free(g);
    g = NULL;
    /* Unweighted: the same bytes as gw_scenario_summarise, and the plain means. */
    assert_int_equal(gw_scenario_summarise_ex(&r, codes, 2, NULL, &u), GW_OK);
    assert_int_equal(gw_scenario_summarise(&r, codes, 2, &u2), GW_OK);
    assert_memory_equal(u->point, u2->point, 2 * NO * sizeof(double));
    assert_memory_equal(u->draw_mean, u2->draw_mean, 2 * NO * D * sizeof(double));
    gw_assert_close(u->point[1 * NO + 0], (2.0 + 4.0) / 2.0, 0.0, 0.0);
    assert_int_equal(u->n_areas[1], 2);
    gw_scenario_summary_free(u);
    gw_scenario_summary_free(u2);
    const double neg[N] = {1, 1, -0.5, 1, 1}, inf[N] = {1, INFINITY, 1, 1, 1};
    assert_int_equal(gw_scenario_summarise_ex(&r, NULL, 1, neg, &g), GW_EINVAL);
    assert_null(g);
    assert_non_null(strstr(gw_last_error(), "area 2 is negative"));
    assert_int_equal(gw_scenario_summarise_ex(&r, NULL, 1, inf, &g), GW_EINVAL);
    assert_null(g);
}

/* A cache shared by runs gives the bytes of runs without it: the coefficient draws taken from
 * the run that filled it, refilled when the seed changes, not used with residual noise; and
 * the draws buffer given back by gw_scenario_cache_recycle is reused. */
static void test_scenario_cache_identical(void **state)
{
    (void)state;
    world w;
    world_fitted(&w, 60);
    gw_shock sh[2];
    assert_int_equal(gw_shock_parse("ai:0.10,0.05", &sh[0]), GW_OK);
    assert_int_equal(gw_shock_parse("displacement:0.05@auto_exposure>=q50", &sh[1]), GW_OK);
    gw_scenario_cache *cache = NULL;
    assert_int_equal(gw_scenario_cache_new(&cache), GW_OK);
    const uint64_t seeds[4] = {7, 7, 8, 8};
    const int noise[4] = {0, 0, 0, 1};
    double *recycled = NULL;
    for (int t = 0; t < 4; t++) {
        gw_scenario_result *plain = NULL, *cached = NULL;
        gw_scenario_opts o = {0};
        o.draws = 641; /* over 600: the selection's sampling step runs too */
        o.seed = seeds[t];
        o.residual_noise = noise[t];
        o.pass_through = NAN;
        gw_threads_set(t % 2 + 1);
        assert_int_equal(
            gw_scenario_run(w.a.areas, w.s.eq, NEQ, build_cb, &w.s, sh, 2, &w.a.occ, &o, &plain),
            GW_OK);
        o.cache = cache;
        assert_int_equal(gw_scenario_run(w.a.areas, w.s.eq, NEQ, build_cb, &w.s, sh, 1 + (t > 0),
                                         &w.a.occ, &o, &cached),
                         GW_OK);
        if (t > 0) { /* the buffer the last run gave back */
            assert_ptr_equal(cached->draw_change, recycled);
            expect_same_run(plain, cached);
        }
        recycled = cached->draw_change;
        gw_scenario_cache_recycle(cache, cached);
        assert_null(cached->draw_change);
        gw_scenario_free(plain);
        gw_scenario_free(cached);
    }
    gw_threads_set(0);
    gw_scenario_cache_free(cache);
    gw_scenario_cache_recycle(NULL, NULL);
    world_close(&w);
}

/* Group means over more draws than one pass takes (8) and groups of several areas, on 1 and 2
 * threads: each draw's mean is that of a plain loop over its areas in order, bit for bit. */
static void test_scenario_summarise_blocks(void **state)
{
    (void)state;
    enum { N = 23, NO = 2, D = 37, G = 3 };
    static double draws[D * NO * N];
    double point[NO * N], w[N];
    int32_t codes[N];
    for (size_t k = 0; k < NO * N; k++)
        point[k] = sin(1.0 + (double)k);
    for (size_t d = 0; d < D; d++)
        for (size_t k = 0; k < NO * N; k++)
            draws[d * NO * N + k] = (d * 7 + k) % 11 == 0 ? (double)NAN : cos((double)(d * 31 + k));
    for (size_t i = 0; i < N; i++) {
        codes[i] = i % 5 == 4 ? -1 : (int32_t)(i % G);
        w[i] = i % 7 == 3 ? 0.0 : 1.0 + 0.25 * (double)i;
    }
    gw_scenario_result r;
    memset(&r, 0, sizeof r);
    r.n_areas = N;
    r.n_outcomes = NO;
    r.draws = D;
    r.point = point;
    r.draw_change = draws;
    for (int t = 1; t <= 2; t++) {
        gw_threads_set(t);
        gw_scenario_summary *g = NULL;
        assert_int_equal(gw_scenario_summarise_ex(&r, codes, G, w, &g), GW_OK);
        for (size_t gi = 0; gi < G; gi++)
            for (size_t o = 0; o < NO; o++)
                for (size_t d = 0; d <= D; d++) {
                    const double *x = d < D ? draws + (d * NO + o) * N : point + o * N;
                    double sum = 0.0, cnt = 0.0;
                    for (size_t i = 0; i < N; i++)
                        if (codes[i] == (int32_t)gi && isfinite(x[i]) && w[i] > 0.0) {
                            sum += w[i] * x[i];
                            cnt += w[i];
                        }
                    double want = sum / cnt;
                    const double *got =
                        d < D ? &g->draw_mean[(gi * NO + o) * D + d] : &g->point[gi * NO + o];
                    assert_memory_equal(got, &want, sizeof want);
                }
        gw_scenario_summary_free(g);
    }
    gw_threads_set(0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scenario_parse),
        cmocka_unit_test(test_scenario_parse_new_forms),
        cmocka_unit_test(test_scenario_zero_shock_exact),
        cmocka_unit_test(test_scenario_truth_analytic),
        cmocka_unit_test(test_scenario_new_shocks_analytic),
        cmocka_unit_test(test_scenario_widths_shrink),
        cmocka_unit_test(test_scenario_threads_identical),
        cmocka_unit_test(test_scenario_errors),
        cmocka_unit_test(test_scenario_mvn_factor),
        cmocka_unit_test(test_scenario_clipped_vcov),
        cmocka_unit_test(test_scenario_summarise_weights),
        cmocka_unit_test(test_scenario_cache_identical),
        cmocka_unit_test(test_scenario_summarise_blocks),
    };
    return cmocka_run_group_tests_name("scenario", tests, NULL, NULL);
}
