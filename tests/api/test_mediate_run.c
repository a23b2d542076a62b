/* test_mediate_run.c -- the mediation front door (api/gw_mediate_run.h): the numbers
 * `goodwork mediate` printed before the analysis moved out of the command line (stored below),
 * the same bytes from a file and from a table, the names kept for the renderers, the results
 * file, and every error as a status with a message and no result. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_load.h"
#include "gw_mediate_run.h"
#include "gw_test.h"

#define PANEL "datasets/uk_la_panel.csv"

static const char *const mediator[] = {"autonomy_share"};
static const char *const controls[] = {"share_prof", "auto_exposure"};
static const char *const fe[] = {"la_id", "year"};

static gw_mediate_run_spec base_spec(void)
{
    gw_mediate_run_spec sp = {0};
    sp.outcome = "life_sat";
    sp.treatment = "emp_rate";
    sp.mediators = mediator;
    sp.nmediators = 1;
    sp.controls = controls;
    sp.ncontrols = 2;
    sp.fe = fe;
    sp.nfe = 2;
    return sp;
}

/* goodwork mediate --data datasets/uk_la_panel.csv --treatment emp_rate --mediator
 * autonomy_share --outcome life_sat --controls share_prof,auto_exposure --fe la_id+year
 * --ci delta --format json, printed by the command line before this front door existed. */
static void test_mediate_run_file_delta_matches_cli(void **state)
{
    (void)state;
    gw_mediate_run_spec sp = base_spec();
    gw_mediate_run_opts o = {.ci = GW_MED_CI_DELTA};
    gw_mediate_run *r = NULL;
    if (gw_mediate_run_file(gwt_source_path(PANEL), &sp, &o, &r) != GW_OK)
        fail_msg("%s", gw_last_error());
    const gw_mediate_result *f = r->fit;
    gw_assert_close(f->indirect.estimate, 0.0026972560784962983, 1e-15, 0.0);
    gw_assert_close(f->indirect.se_delta, 0.000230628865065281, 1e-15, 0.0);
    gw_assert_close(f->direct.estimate, 0.02073872624475882, 1e-15, 0.0);
    gw_assert_close(f->a[0], 0.24979864545173833, 1e-15, 0.0);
    gw_assert_close(f->b_se[0], 0.0007241580334090733, 1e-15, 0.0);
    assert_int_equal(f->nobs, 5370);
    assert_int_equal(f->nclusters, 358);
    assert_int_equal(f->boot, 0); /* delta without a bootstrap size: none */
    assert_int_equal(r->nobs_dropped_missing, 30);
    assert_int_equal(f->seed, GW_MEDIATE_RUN_DEFAULT_SEED);
    assert_string_equal(r->formula,
                        "life_sat ~ emp_rate + autonomy_share + share_prof + auto_exposure | "
                        "la_id + year");
    assert_string_equal(r->cluster, "la_id");
    assert_string_equal(r->mediator_list, "autonomy_share");
    gw_mediate_run_free(r);
}

/* The percentile bootstrap with --boot 49 --seed 5 --cluster la_id, as the command line
 * printed it; then the same bytes from the table in memory. */
static void test_mediate_run_boot_file_and_table(void **state)
{
    (void)state;
    gw_mediate_run_spec sp = base_spec();
    sp.cluster = "la_id";
    gw_mediate_run_opts o = {.boot = 49, .seed = 5, .seed_set = 1};
    gw_mediate_run *rf = NULL, *rt = NULL;
    gw_table *t = NULL;
    if (gw_mediate_run_file(gwt_source_path(PANEL), &sp, &o, &rf) != GW_OK)
        fail_msg("%s", gw_last_error());
    gw_assert_close(rf->fit->indirect.ci_low, 0.0022985322197037715, 1e-15, 0.0);
    gw_assert_close(rf->fit->indirect.ci_high, 0.0030551912406095727, 1e-15, 0.0);
    assert_int_equal(rf->fit->boot, 49);
    assert_null(rf->fit->replicates); /* not asked for */
    assert_int_equal(gw_data_load(gwt_source_path(PANEL), NULL, &t), GW_OK);
    if (gw_mediate_run_table(t, &sp, &o, &rt) != GW_OK)
        fail_msg("%s", gw_last_error());
    for (size_t e = 0; e < rf->fit->neffects; e++)
        assert_memory_equal(gw_mediate_effect_at(rf->fit, e), gw_mediate_effect_at(rt->fit, e),
                            sizeof(gw_mediate_effect));
    assert_string_equal(rf->formula, rt->formula);
    gw_mediate_run_free(rf);
    gw_mediate_run_free(rt);
    gw_table_free(t);
}

/* Names are kept squeezed for the renderers, the lists as given for the results file; mediator
 * controls of their own leave the outcome equation's controls out of the mediator equations. */
static void test_mediate_run_names_and_save(void **state)
{
    (void)state;
    static const char *const meds[] = {"autonomy_share", " share_routine"};
    static const char *const mc[] = {"share_prof", "sat_hours"};
    gw_mediate_run_spec sp = base_spec();
    sp.treatment = " emp_rate";
    sp.mediators = meds;
    sp.nmediators = 2;
    sp.ncontrols = 1;
    sp.mediator_controls = mc;
    sp.nmediator_controls = 2;
    sp.separate_mediator_controls = 1;
    gw_mediate_run_opts o = {.boot = 9, .flags = GW_MED_KEEP_REPLICATES};
    gw_mediate_run *r = NULL;
    if (gw_mediate_run_file(gwt_source_path(PANEL), &sp, &o, &r) != GW_OK)
        fail_msg("%s", gw_last_error());
    assert_string_equal(r->treatment, "emp_rate");
    assert_string_equal(r->mediators[1], "share_routine");
    assert_string_equal(r->mediator_list, "autonomy_share, share_routine");
    assert_string_equal(r->mediator_control_list, "share_prof,sat_hours");
    assert_string_equal(r->formula, "life_sat ~ emp_rate + autonomy_share + share_routine + "
                                    "share_prof + sat_hours | la_id + year");
    assert_int_equal(r->fit->neffects, GW_MED_NFIXED + 2);
    assert_non_null(r->fit->replicates);
    const char *path = gwt_write_file("mediate_run.h5", "");
    remove(path);
    gw_provenance prov = {.has_seed = 1, .seed = r->fit->seed};
    if (gw_mediate_run_save(r, path, "med", &prov) != GW_OK)
        fail_msg("%s", gw_last_error());
    assert_int_equal(gw_mediate_run_save(r, path, "med", &prov), GW_OK); /* replaced */
    assert_int_equal(gw_mediate_run_save(r, path, "", &prov), GW_EINVAL);
    assert_int_equal(gw_mediate_run_save(NULL, path, NULL, &prov), GW_EINVAL);
    assert_string_equal(gw_mediate_run_ci_name(GW_MED_CI_BCA), "bca");
    gw_mediate_run_free(r);
}

/* Mediator equations wider than the outcome equation (their own controls outnumber the
 * mediators): the engine's scratch must hold them (a fit like this one wrote past it). */
static void test_mediate_run_wide_mediator_equations(void **state)
{
    (void)state;
    static const char *const mc[] = {"share_prof", "factor(urban)", "sat_hours"};
    gw_mediate_run_spec sp = base_spec();
    sp.ncontrols = 1;
    sp.mediator_controls = mc;
    sp.nmediator_controls = 3;
    sp.separate_mediator_controls = 1;
    gw_mediate_run_opts o = {.boot = 9};
    gw_mediate_run *r = NULL;
    if (gw_mediate_run_file(gwt_source_path(PANEL), &sp, &o, &r) != GW_OK)
        fail_msg("%s", gw_last_error());
    assert_true(isfinite(r->fit->a[0]) && isfinite(r->fit->indirect.pct_low));
    assert_int_equal(r->fit->boot_failed, 0);
    gw_mediate_run_free(r);
}

/* Every failure: a status, a message, no result. */
static void test_mediate_run_errors(void **state)
{
    (void)state;
    static const char *const same[] = {"emp_rate"};
    static const char *const cat[] = {"factor(region)"};
    static const char *const nope[] = {"nope"};
    static const char *const mc_bad[] = {"autonomy_share"};
    struct {
        const char *label, *treatment, *path, *msg;
        const char *const *mediators, *const *mcontrols;
        gw_status want;
    } cases[] = {
        {"two roles", NULL, NULL, "two roles", same, NULL, GW_EINVAL},
        {"mediator control", NULL, NULL, "--mediator-controls", NULL, mc_bad, GW_EINVAL},
        {"categorical treatment", "la_code", NULL, "categorical", NULL, NULL, GW_EINVAL},
        {"categorical mediator", NULL, NULL, "categorical", cat, NULL, GW_EINVAL},
        {"syntax", "log(", NULL, "bad variable specification", NULL, NULL, GW_ESYNTAX},
        {"unknown", NULL, NULL, "nope", nope, NULL, GW_ENOVAR},
        {"no file", NULL, "/nonexistent/x.csv", "x.csv", NULL, NULL, GW_EIO},
        {"collinear", "region", NULL, "mediation: ", NULL, NULL, GW_ERANK},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        gw_mediate_run_spec sp = base_spec();
        gw_mediate_run_opts o = {.ci = GW_MED_CI_DELTA};
        gw_mediate_run *r = (gw_mediate_run *)&sp; /* must be reset to NULL */
        if (cases[c].treatment)
            sp.treatment = cases[c].treatment;
        if (cases[c].mediators)
            sp.mediators = cases[c].mediators;
        if (cases[c].mcontrols) {
            sp.mediator_controls = cases[c].mcontrols;
            sp.nmediator_controls = 1;
            sp.separate_mediator_controls = 1;
        }
        gw_clear_error();
        gw_status s = gw_mediate_run_file(cases[c].path ? cases[c].path : gwt_source_path(PANEL),
                                          &sp, &o, &r);
        if (s != cases[c].want || r != NULL || strstr(gw_last_error(), cases[c].msg) == NULL)
            fail_msg("%s: status %d (want %d), message '%s'", cases[c].label, (int)s,
                     (int)cases[c].want, gw_last_error());
    }
    gw_mediate_run *r = NULL;
    gw_mediate_run_spec sp = base_spec();
    assert_int_equal(gw_mediate_run_file(gwt_source_path(PANEL), NULL, NULL, &r), GW_EINVAL);
    assert_null(r);
    assert_int_equal(gw_mediate_run_table(NULL, &sp, NULL, &r), GW_EINVAL);
    assert_null(r);
    assert_int_equal(gw_mediate_run_file(NULL, &sp, NULL, &r), GW_EINVAL);
    assert_int_equal(gw_mediate_run_file(gwt_source_path(PANEL), &sp, NULL, NULL), GW_EINVAL);
    sp.nmediators = 0;
    assert_int_equal(gw_mediate_run_file(gwt_source_path(PANEL), &sp, NULL, &r), GW_EINVAL);
    assert_true(gw_last_error()[0] != '\0');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mediate_run_file_delta_matches_cli),
        cmocka_unit_test(test_mediate_run_boot_file_and_table),
        cmocka_unit_test(test_mediate_run_names_and_save),
        cmocka_unit_test(test_mediate_run_wide_mediator_equations),
        cmocka_unit_test(test_mediate_run_errors),
    };
    return cmocka_run_group_tests_name("mediate_run", tests, NULL, NULL);
}
