/* test_scenario_cli.c -- `goodwork scenario` end to end on the bundled panel: the models are
 * fitted with `goodwork fit --out` into a temporary results file, then the displacement
 * scenario (kappa 0.10) is run: the JSON contract (outcomes, by), signs (employment and life
 * satisfaction fall), same seed -> same bytes for 1 and 2 threads, the good-work policy shock,
 * --out with provenance, the text summary, and usage/data errors with their exit codes.
 * Draw counts are small (100-200) because the suite also runs under ASan. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw_hdf5.h"
#include "gw_test.h"

static const char *panel(void) { return gwt_source_path("datasets/uk_la_panel.h5"); }

static gwt_run_result run(const char *const *args)
{
    const char *argv[48] = {GW_CLI};
    size_t n = 0;
    while (args[n] != NULL && n + 2 < 48) {
        argv[n + 1] = args[n];
        n++;
    }
    argv[n + 1] = NULL;
    return gwt_run(argv);
}

static gwt_run_result run_ok(const char *const *args)
{
    gwt_run_result r = run(args);
    if (r.exit_code != 0 || r.out[0] == '\0')
        fail_msg("exit %d\nstdout: %s\nstderr: %s", r.exit_code, r.out, r.err);
    return r;
}

static void run_fail(const char *const *args, int code, const char *msg)
{
    gwt_run_result r = run(args);
    if (r.exit_code != code || strstr(r.err, msg) == NULL || r.out[0] != '\0')
        fail_msg("expected exit %d with '%s'; got %d\nstdout: %s\nstderr: %s", code, msg,
                 r.exit_code, r.out, r.err);
    gwt_run_free(&r);
}

static double num(const cJSON *o, const char *a, const char *b, const char *c)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);
    if (b != NULL)
        x = cJSON_GetObjectItemCaseSensitive(x, b);
    if (c != NULL)
        x = cJSON_GetObjectItemCaseSensitive(x, c);
    if (!cJSON_IsNumber(x))
        fail_msg("%s.%s.%s is not a number", a, b ? b : "", c ? c : "");
    return x->valuedouble;
}

static const char *results = NULL;

static int fit_models(void **state)
{
    (void)state;
    static char path[1024];
    static const char *const models[][2] = {
        {"pay", "log(median_hourly_pay) ~ emp_rate | la_id + year"},
        {"autonomy", "autonomy_share ~ emp_rate + share_prof + auto_exposure | la_id + year"},
        {"life", "life_sat ~ emp_rate + autonomy_share + log(median_hourly_pay) | la_id + year"},
        {"anxiety", "anxiety ~ emp_rate + autonomy_share + log(median_hourly_pay) | la_id + year"}};
    snprintf(path, sizeof path, "%s/scen_results.h5", gwt_tmpdir());
    unlink(path);
    for (size_t m = 0; m < 4; m++) {
        const char *args[] = {"fit",           "--data", panel(), "--model", models[m][1], "--vcov",
                              "cluster:la_id", "--out",  path,    "--name",  models[m][0], NULL};
        gwt_run_result r = run(args);
        int ok = r.exit_code == 0;
        if (!ok)
            fprintf(stderr, "fit failed: %s\n", r.err);
        gwt_run_free(&r);
        if (!ok)
            return -1;
    }
    results = path;
    return 0;
}

#define BASE "scenario", "--results", results, "--data", panel()

static void test_scenario_cli_displacement_json(void **state)
{
    (void)state;
    const char *args[] = {
        BASE,   "--shock", "displacement:0.10", "--draws", "200",     "--by", "cluster_true",
        "--by", "nation",  "--format",          "json",    "--quiet", NULL};
    gwt_run_result r = run_ok(args);
    cJSON *o = cJSON_Parse(r.out);
    assert_non_null(o);
    const char *outs[] = {"emp_rate", "median_hourly_pay", "autonomy_share", "life_sat", "anxiety"};
    for (int k = 0; k < 5; k++) {
        double q05 = num(o, "outcomes", outs[k], "q05"), q50 = num(o, "outcomes", outs[k], "q50");
        double q95 = num(o, "outcomes", outs[k], "q95");
        double m = num(o, "outcomes", outs[k], "mean_change");
        assert_true(q05 <= q50 && q50 <= q95 && q05 <= m && m <= q95);
    }
    /* Employment falls by about 0.5 * 100 * 0.10 * 0.42 = 2.1 points; no uncertainty in it. */
    double de = num(o, "outcomes", "emp_rate", "mean_change");
    assert_true(de < -1.5 && de > -3.0);
    gw_assert_close(num(o, "outcomes", "emp_rate", "q05"), num(o, "outcomes", "emp_rate", "q95"),
                    1e-12, 0.0);
    /* Life satisfaction falls on average, by about 0.0234 per point (truth): -0.05. */
    double dl = num(o, "outcomes", "life_sat", "mean_change");
    assert_true(dl < 0.0 && num(o, "outcomes", "life_sat", "q95") < 0.0);
    assert_true(dl > -0.08 && dl < -0.03);
    assert_true(num(o, "outcomes", "autonomy_share", "mean_change") < 0.0);
    assert_true(num(o, "outcomes", "anxiety", "mean_change") > 0.0);
    /* Groups: two --by variables, keys VAR=LEVEL in "by", levels in "by_var". */
    const cJSON *by5 = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "by"),
                                                        "cluster_true=5");
    assert_true(num(by5, "life_sat", "mean_change", NULL) < 0.0);
    const cJSON *byw =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "by"), "nation=W");
    assert_true(num(byw, "life_sat", "q95", NULL) < 0.0);
    const cJSON *bv = cJSON_GetObjectItemCaseSensitive(o, "by_var");
    const cJSON *cl = cJSON_GetObjectItemCaseSensitive(bv, "cluster_true");
    assert_int_equal(cJSON_GetArraySize(cl), 5);
    double total = 0.0;
    const cJSON *g;
    cJSON_ArrayForEach(g, cl)
    {
        const cJSON *ls = cJSON_GetObjectItemCaseSensitive(g, "life_sat");
        assert_true(cJSON_GetObjectItemCaseSensitive(ls, "mean_change")->valuedouble < 0.0);
        total += cJSON_GetObjectItemCaseSensitive(ls, "n_areas")->valuedouble;
    }
    gw_assert_close(total, 360.0, 0.0, 0.0);
    /* Post-industrial areas (more automatable jobs) lose more than knowledge hubs. */
    const cJSON *c1 = cJSON_GetObjectItemCaseSensitive(cl, "1");
    const cJSON *c5 = cJSON_GetObjectItemCaseSensitive(cl, "5");
    assert_true(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c5, "emp_rate"),
                                                 "mean_change")
                    ->valuedouble <
                cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c1, "emp_rate"),
                                                 "mean_change")
                    ->valuedouble);
    assert_int_equal((int)num(o, "draws", NULL, NULL), 200);
    assert_int_equal((int)num(o, "n_areas", NULL, NULL), 360);
    gw_assert_close(num(o, "year", NULL, NULL), 2024.0, 0.0, 0.0);
    cJSON_Delete(o);
    gwt_run_free(&r);
}

static void test_scenario_cli_threads_same_bytes(void **state)
{
    (void)state;
    const char *a1[] = {BASE,
                        "--shock",
                        "ai:0.10,0.05",
                        "--shock",
                        "autonomy_share+=5@auto_exposure>=q80",
                        "--draws",
                        "100",
                        "--seed",
                        "42",
                        "--threads",
                        "1",
                        "--by",
                        "nation",
                        "--residual-noise",
                        "--areas",
                        "--format",
                        "json",
                        "--quiet",
                        NULL};
    const char *a2[] = {BASE,
                        "--shock",
                        "ai:0.10,0.05",
                        "--shock",
                        "autonomy_share+=5@auto_exposure>=q80",
                        "--draws",
                        "100",
                        "--seed",
                        "42",
                        "--threads",
                        "2",
                        "--by",
                        "nation",
                        "--residual-noise",
                        "--areas",
                        "--format",
                        "json",
                        "--quiet",
                        NULL};
    gwt_run_result r1 = run_ok(a1), r2 = run_ok(a2);
    assert_string_equal(r1.out, r2.out);
    assert_non_null(strstr(r1.out, "\"areas\""));
    gwt_run_free(&r1);
    gwt_run_free(&r2);
}

static void test_scenario_cli_text_and_out(void **state)
{
    (void)state;
    char out[1024];
    snprintf(out, sizeof out, "%s/scen_out.h5", gwt_tmpdir());
    unlink(out);
    const char *args[] = {BASE,
                          "--shock",
                          "displacement:0.05",
                          "--shock",
                          "emp_rate -= 1 where urban == London",
                          "--models",
                          "pay,autonomy,life",
                          "--draws",
                          "100",
                          "--by",
                          "cluster_true",
                          "--out",
                          out,
                          "--name",
                          "disp05",
                          "--quiet",
                          NULL};
    gwt_run_result r = run_ok(args);
    assert_non_null(strstr(r.out, "Scenario: displacement:0.05"));
    assert_non_null(strstr(r.out, "life_sat"));
    assert_non_null(strstr(r.out, "By cluster_true"));
    assert_null(strstr(r.out, "anxiety"));
    gwt_run_free(&r);
    /* The group is there with its provenance (seed). */
    gw_table *t = NULL;
    assert_int_equal(gw_h5_table_read(out, "/analyses/disp05/national", NULL, 0, &t), GW_OK);
    assert_int_equal(gw_table_nrows(t), 4); /* emp_rate, pay, autonomy, life_sat */
    gw_table_free(t);
}

static void test_scenario_cli_errors(void **state)
{
    (void)state;
    const char *bad_spec[] = {BASE, "--shock", "robots:0.1", NULL};
    run_fail(bad_spec, 2, "unknown kind 'robots'");
    const char *bad_spec2[] = {BASE, "--shock", "emp_rate -= 2 lots", NULL};
    run_fail(bad_spec2, 2, "white space inside a name or number");
    /* A value that uses a variable: it must exist and be numeric; *= and /= take numbers. */
    const char *expr_var[] = {BASE, "--shock", "emp_rate -= 0.05*lots", NULL};
    run_fail(expr_var, 2, "shock on 'emp_rate': unknown variable 'lots' (the value's variable)");
    const char *expr_cat[] = {BASE, "--shock", "emp_rate -= 0.05*nation", NULL};
    run_fail(expr_cat, 2, "shock on 'emp_rate': the value's variable 'nation' is categorical");
    const char *expr_mul[] = {BASE, "--shock", "emp_rate *= 0.05*share_prof", NULL};
    run_fail(expr_mul, 2, "*= takes a number");
    /* Per-occupation shocks: names from /occupation, shares of jobs >= -1. */
    const char *occ_name[] = {BASE, "--shock", "occupation:soc10=-0.1", NULL};
    run_fail(occ_name, 2, "no occupation 'soc10'");
    const char *occ_twice[] = {BASE, "--shock", "occupation:soc9,9=-0.1", NULL};
    run_fail(occ_twice, 2, "'9' names an occupation listed before");
    const char *occ_g[] = {BASE, "--shock", "occupation:soc9=-1.2", NULL};
    run_fail(occ_g, 2, "G must be >= -1");
    const char *occ_csv[] = {"scenario",
                             "--results",
                             results,
                             "--data",
                             gwt_source_path("datasets/uk_la_panel.csv"),
                             "--shock",
                             "occupation:soc9=-0.1",
                             NULL};
    run_fail(occ_csv, 3, "occupation");
    /* A conditional shift-share shock's condition is checked like any other. */
    const char *ss_cond[] = {BASE, "--shock", "displacement:0.1@nowhere==W", NULL};
    run_fail(ss_cond, 2, "unknown variable 'nowhere' in the condition of a shift-share shock");
    const char *no_shock[] = {BASE, NULL};
    run_fail(no_shock, 2, "missing --shock");
    const char *no_results[] = {"scenario", "--data", panel(), "--shock", "emp_rate-=1", NULL};
    run_fail(no_results, 2, "missing --results");
    const char *missing_model[] = {BASE, "--shock", "emp_rate-=1", "--models", "pay,nosuch", NULL};
    run_fail(missing_model, 2, "no model 'nosuch'");
    const char *unknown_var[] = {BASE, "--shock", "robots+=1", NULL};
    run_fail(unknown_var, 2, "unknown variable 'robots'");
    const char *bad_by[] = {BASE, "--shock", "emp_rate-=1", "--by", "nosuch", NULL};
    run_fail(bad_by, 2, "unknown --by variable");
    const char *bad_draws[] = {BASE, "--shock", "emp_rate-=1", "--draws", "0", NULL};
    run_fail(bad_draws, 2, "bad --draws");
    const char *csv_ss[] = {"scenario",
                            "--results",
                            results,
                            "--data",
                            gwt_source_path("datasets/uk_la_panel.csv"),
                            "--shock",
                            "displacement:0.1",
                            NULL};
    run_fail(csv_ss, 3, "occupation");
    const char *no_file[] = {"scenario", "--results", "/nonexistent/r.h5", "--data",
                             panel(),    "--shock",   "emp_rate-=1",       NULL};
    run_fail(no_file, 3, "r.h5");
    const char *undefined[] = {BASE, "--shock", "median_hourly_pay = -1", "--draws", "2", NULL};
    run_fail(undefined, 3, "log(median_hourly_pay)");
    const char *kappa[] = {BASE, "--shock", "displacement:1.5", NULL};
    run_fail(kappa, 2, "kappa must be in [0, 1]");
    const char *strict[] = {BASE, "--shock", "emp_rate-=80", "--draws", "2", "--strict", NULL};
    run_fail(strict, 3, "--strict: emp_rate after the shock is");
    const char *bad_bound[] = {BASE, "--shock", "emp_rate-=1", "--bound", "emp_rate=9:1", NULL};
    run_fail(bad_bound, 2, "bad --bound 'emp_rate=9:1'");
    const char *one_scen[] = {BASE, "--scenario", "a=emp_rate-=1", NULL};
    run_fail(one_scen, 2, "compare at least two");
    const char *mixed[] = {BASE, "--shock", "emp_rate-=1", "--scenario", "a=emp_rate-=1", NULL};
    run_fail(mixed, 2, "--shock and --scenario do not go together");
    const char *bad_ref[] = {BASE,         "--scenario", "a=emp_rate-=1", "--scenario",
                             "b=emp_rate-=2", "--reference", "c", NULL};
    run_fail(bad_ref, 2, "--reference c is not one of the --scenario names");
    const char *no_name[] = {BASE, "--scenario", "emp_rate-=1", "--scenario", "b=emp_rate-=2",
                             NULL};
    run_fail(no_name, 2, "bad --scenario 'emp_rate-=1' (expected NAME=SPEC[;SPEC...]");
    const char *help[] = {"scenario", "--help", NULL};
    gwt_run_result r = run_ok(help);
    assert_non_null(strstr(r.out, "displacement:K"));
    gwt_run_free(&r);
}

/* A shift-share shock with a condition is the unconditional one in the areas where it holds
 * and nothing elsewhere: the Welsh group means of `displacement:0.10@nation==W` equal those of
 * `displacement:0.10` in every draw (each area's propagation reads only its own values; same
 * seed), and England's and Scotland's changes are exactly 0. A per-occupation shock and a
 * value that uses another column run through the command line too (exit 0). */
static void test_scenario_cli_new_shocks(void **state)
{
    (void)state;
    const char *all[] = {BASE,      "--shock", "displacement:0.10", "--by", "nation",
                         "--draws", "30",      "--format",          "json", "--quiet",
                         NULL};
    const char *wal[] = {BASE,      "--shock",  "displacement:0.10@nation==W",
                         "--by",    "nation",   "--draws",
                         "30",      "--format", "json",
                         "--quiet", NULL};
    gwt_run_result ra = run_ok(all), rw = run_ok(wal);
    cJSON *ja = cJSON_Parse(ra.out), *jw = cJSON_Parse(rw.out);
    assert_non_null(ja);
    assert_non_null(jw);
    const cJSON *ba = cJSON_GetObjectItemCaseSensitive(ja, "by");
    const cJSON *bw = cJSON_GetObjectItemCaseSensitive(jw, "by");
    static const char *const outs[] = {"emp_rate", "autonomy_share", "life_sat"};
    static const char *const stats[] = {"mean_change", "q05", "q95"};
    for (size_t k = 0; k < 3; k++)
        for (size_t q = 0; q < 3; q++) {
            const cJSON *wa = cJSON_GetObjectItemCaseSensitive(ba, "W");
            const cJSON *ww = cJSON_GetObjectItemCaseSensitive(bw, "W");
            gw_assert_close(num(ww, outs[k], stats[q], NULL), num(wa, outs[k], stats[q], NULL),
                            1e-13, 0.0);
            assert_true(num(ww, outs[k], stats[q], NULL) < 0.0);
            const cJSON *ew = cJSON_GetObjectItemCaseSensitive(bw, "E");
            gw_assert_close(num(ew, outs[k], stats[q], NULL), 0.0, 0.0, 0.0);
        }
    cJSON_Delete(ja);
    cJSON_Delete(jw);
    gwt_run_free(&ra);
    gwt_run_free(&rw);
    const char *occ[] = {BASE,
                         "--shock",
                         "occupation:soc9=-0.10",
                         "--shock",
                         "emp_rate-=0.05*share_prof",
                         "--draws",
                         "5",
                         "--quiet",
                         NULL};
    gwt_run_result ro = run_ok(occ);
    assert_non_null(strstr(ro.out, "occupation:soc9=-0.10"));
    gwt_run_free(&ro);
}

/* Two scenarios compared: the JSON's difference of emp_rate is the direct shocks' difference
 * (-2 - -1 = -1 in every draw) and the text names the comparison. */
static void test_scenario_cli_compare(void **state)
{
    (void)state;
    const char *args[] = {BASE,         "--scenario", "one=emp_rate-=1", "--scenario",
                          "two=emp_rate-=2", "--reference", "one", "--draws", "50",
                          "--format", "json", NULL};
    gwt_run_result r = run_ok(args);
    cJSON *js = cJSON_Parse(r.out);
    assert_non_null(js);
    const cJSON *two = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(js, "scenarios"), "two");
    assert_float_equal(num(two, "difference", "emp_rate", "q05"), -1.0, 0.0);
    assert_float_equal(num(two, "difference", "emp_rate", "q95"), -1.0, 0.0);
    assert_true(num(two, "difference", "life_sat", "mean_change") < 0.0);
    cJSON_Delete(js);
    gwt_run_free(&r);
}

/* --weight on a synthetic table: y = 1 + 2 x fitted exactly, shock x += 1 in group A only, so each
 * A area's y changes by the slope b and the others by 0; the weighted national mean change of y
 * is b * (weights of A) / (all weights), the zero and missing weights left out (b from the fit's
 * JSON, the weights written here). Without --weight the plain mean (3 of 6 areas). A negative
 * weight is an error naming the area, and so is a --by @NAME matching no area (exit 3). */
static void test_scenario_cli_weight(void **state)
{
    (void)state;
    char csv[1024], neg[1024], res[1024];
    snprintf(csv, sizeof csv, "%s/scen_weight.csv", gwt_tmpdir());
    snprintf(neg, sizeof neg, "%s/scen_weight_neg.csv", gwt_tmpdir());
    snprintf(res, sizeof res, "%s/scen_weight.h5", gwt_tmpdir());
    unlink(res);
    FILE *f = fopen(csv, "w"), *g = fopen(neg, "w");
    assert_true(f != NULL && g != NULL);
    fputs("id,g,x,y,w\n1,A,0.5,2,10\n2,A,1.5,4,30\n3,B,2,5,20\n4,B,3,7,40\n5,A,4,9,0\n"
          "6,B,5,11,\n",
          f);
    fputs("id,g,x,y,w\n1,A,0.5,2,10\n2,A,1.5,4,-3\n3,B,2,5,20\n", g);
    fclose(f);
    fclose(g);
    const char *fit[] = {"fit", "--data", csv,  "--model",  "y ~ x", "--out",
                         res,   "--name", "yx", "--format", "json",  NULL};
    gwt_run_result r = run_ok(fit);
    cJSON *fj = cJSON_Parse(r.out);
    gwt_run_free(&r);
    const cJSON *coefs = cJSON_GetObjectItemCaseSensitive(fj, "coefficients"), *c;
    double b = NAN;
    cJSON_ArrayForEach(c, coefs) if (strcmp(gwt_json_str(c, "term"), "x") == 0) b =
        gwt_json_num(c, "estimate");
    cJSON_Delete(fj);
    assert_true(isfinite(b));
    for (int weighted = 0; weighted < 2; weighted++) {
        const char *args[] = {
            "scenario", "--results", res,       "--data",    csv,
            "--id",     "id",        "--shock", "x+=1@g==A", "--draws",
            "3",        "--format",  "json",    "--quiet",   weighted ? "--weight" : NULL,
            "w",        NULL};
        r = run_ok(args);
        cJSON *js = cJSON_Parse(r.out);
        gwt_run_free(&r);
        double want = weighted ? b * (10.0 + 30.0) / (10.0 + 30.0 + 20.0 + 40.0) : b * 3.0 / 6.0;
        gw_assert_close(num(js, "outcomes", "y", "point"), want, 1e-12, 1e-15);
        gw_assert_close(num(js, "outcomes", "y", "n_areas"), weighted ? 4.0 : 6.0, 0.0, 0.0);
        const cJSON *wj = cJSON_GetObjectItemCaseSensitive(js, "weight");
        assert_true(weighted ? cJSON_IsString(wj) && strcmp(wj->valuestring, "w") == 0
                             : wj == NULL);
        cJSON_Delete(js);
    }
    const char *bad[] = {"scenario", "--results", res,    "--data",   neg, "--id",
                         "id",       "--shock",   "x+=1", "--weight", "w", NULL};
    run_fail(bad, 2, "weight 'w' is negative in id 2 (w = -3)");
    /* --by @NAME whose areas are none of the data's: an index of the panel's la_code. */
    const char *ix[] = {"index",
                        "--data",
                        panel(),
                        "--indicators",
                        "emp_rate,share_prof",
                        "--id",
                        "la_code",
                        "--time",
                        "year",
                        "--out",
                        res,
                        "--name",
                        "gwi",
                        NULL};
    r = run_ok(ix);
    gwt_run_free(&r);
    const char *nomatch[] = {"scenario", "--results", res,    "--data", csv,    "--id",
                             "id",       "--shock",   "x+=1", "--by",   "@gwi", NULL};
    run_fail(nomatch, 3, "--by @gwi: no area of the scenario is in");
}

/* --coef-draws: joint by default with models clustered alike (the JSON says so), per model on
 * request or when a model is not clustered (a note on standard error, an error with joint). */
static void test_scenario_cli_coef_draws(void **state)
{
    (void)state;
    const char *dflt[] = {BASE,       "--shock", "displacement:0.10", "--draws", "20",
                          "--format", "json",    "--quiet",           NULL};
    gwt_run_result r = run_ok(dflt);
    cJSON *js = cJSON_Parse(r.out);
    const cJSON *jj = cJSON_GetObjectItemCaseSensitive(js, "coefficient_draws_joint");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(jj, "cluster")),
                        "la_id");
    assert_true(num(js, "coefficient_draws_joint", "clipped", NULL) == 0.0);
    cJSON_Delete(js);
    gwt_run_free(&r);
    const char *ind[] = {BASE,   "--shock", "displacement:0.10", "--draws",     "20", "--format",
                         "json", "--quiet", "--coef-draws",      "independent", NULL};
    r = run_ok(ind);
    assert_null(strstr(r.out, "coefficient_draws_joint"));
    gwt_run_free(&r);
    const char *bad[] = {BASE, "--shock", "displacement:0.10", "--coef-draws", "both", NULL};
    run_fail(bad, 2, "bad --coef-draws 'both' (expected auto, joint or independent)");
    const char *both[] = {
        BASE, "--shock", "displacement:0.10", "--coef-draws", "joint", "--no-coef-draws", NULL};
    run_fail(both, 2, "--coef-draws joint and --no-coef-draws do not go together");
    char iid[1024];
    snprintf(iid, sizeof iid, "%s/scen_iid.h5", gwt_tmpdir());
    unlink(iid);
    const char *f1[] = {"fit",
                        "--data",
                        panel(),
                        "--model",
                        "emp_rate ~ share_prof | la_id",
                        "--vcov",
                        "cluster:la_id",
                        "--out",
                        iid,
                        "--name",
                        "emp",
                        NULL};
    r = run_ok(f1);
    gwt_run_free(&r);
    const char *f2[] = {"fit",   "--data", panel(),  "--model", "life_sat ~ emp_rate | la_id",
                        "--out", iid,      "--name", "life",    NULL};
    r = run_ok(f2);
    gwt_run_free(&r);
    const char *note[] = {"scenario", "--results",     iid,       "--data", panel(),
                          "--shock",  "share_prof+=1", "--draws", "20",     NULL};
    r = run_ok(note);
    assert_non_null(strstr(r.err, "goodwork scenario: note: coefficients drawn per model, not "
                                  "jointly: model life has vcov iid, not cluster:VAR"));
    gwt_run_free(&r);
    const char *joint[] = {"scenario",      "--results",    iid,     "--data", panel(), "--shock",
                           "share_prof+=1", "--coef-draws", "joint", NULL};
    run_fail(joint, 2, "--coef-draws joint: model life has vcov iid, not cluster:VAR");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scenario_cli_displacement_json),
        cmocka_unit_test(test_scenario_cli_threads_same_bytes),
        cmocka_unit_test(test_scenario_cli_text_and_out),
        cmocka_unit_test(test_scenario_cli_errors),
        cmocka_unit_test(test_scenario_cli_compare),
        cmocka_unit_test(test_scenario_cli_weight),
        cmocka_unit_test(test_scenario_cli_new_shocks),
        cmocka_unit_test(test_scenario_cli_coef_draws),
    };
    return cmocka_run_group_tests_name("scenario_cli", tests, fit_models, NULL);
}
