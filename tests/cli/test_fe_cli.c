/* test_fe_cli.c -- `goodwork fit` with absorbed fixed effects ("y ~ x | fe"): JSON fields and
 * text output on Grunfeld (values from datasets/generated/grunfeld_fe_ref.csv, R plm and the
 * profiles' formulas; scripts/ref/grunfeld_fe_ref.R), --ssc, singletons and errors. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_test.h"

#define MODEL "inv ~ value + capital | firm"

static const char *grunfeld(void) { return gwt_source_path("datasets/grunfeld.csv"); }

static const cJSON *coef(const cJSON *o, const char *term)
{
    const cJSON *c, *arr = cJSON_GetObjectItemCaseSensitive(o, "coefficients");
    cJSON_ArrayForEach(c, arr)
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(c, "term");
        if (cJSON_IsString(t) && strcmp(t->valuestring, term) == 0)
            return c;
    }
    fail_msg("no coefficient %s", term);
    return NULL;
}

static void test_fe_cli_json_fields(void **state)
{
    (void)state;
    const char *args[] = {"fit",    "--data",       grunfeld(), "--model", MODEL,
                          "--vcov", "cluster:firm", "--format", "json",    NULL};
    cJSON *o = gwt_cli_json(args);
    const cJSON *fe = cJSON_GetObjectItemCaseSensitive(o, "fixed_effects");
    assert_true(cJSON_IsArray(fe));
    assert_int_equal(cJSON_GetArraySize(fe), 1);
    const cJSON *f0 = cJSON_GetArrayItem(fe, 0);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(f0, "name")->valuestring, "firm");
    gw_assert_close(gwt_json_num(f0, "levels"), 10.0, 0.0, 0.0);
    gw_assert_close(gwt_json_num(o, "singletons_dropped"), 0.0, 0.0, 0.0);
    gw_assert_close(gwt_json_num(o, "df_resid"), 188.0, 0.0, 0.0);
    gw_assert_close(gwt_json_num(o, "nobs"), 200.0, 0.0, 0.0);
    gw_assert_lre(gwt_json_num(o, "r2_within"), 0.76675758374814063, 10);
    gw_assert_lre(gwt_json_num(o, "r2"), 0.94407251246766066, 10);
    gw_assert_lre(gwt_json_num(coef(o, "value"), "estimate"), 0.11012380412071861, 10);
    gw_assert_lre(gwt_json_num(coef(o, "value"), "std_error"), 0.015156075438903809, 10);
    gw_assert_lre(gwt_json_num(coef(o, "capital"), "std_error"), 0.052618391591451721, 10);
    gw_assert_close(gwt_json_num(o, "df_inference"), 9.0, 0.0, 0.0);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "converged")));
    cJSON_Delete(o);
}

static void test_fe_cli_text(void **state)
{
    (void)state;
    const char *args[] = {"fit", "--data", grunfeld(),     "--model",
                          MODEL, "--vcov", "cluster:firm", NULL};
    gwt_run_result r = gwt_run_cli_argv(args);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "Fixed effects:"));
    assert_non_null(strstr(r.out, "firm (10 levels)"));
    assert_non_null(strstr(r.out, "Within R-squared"));
    assert_non_null(strstr(r.out, "0.110124"));
    gwt_run_free(&r);
}

/* --ssc stata: xtreg, fe vce(cluster firm) uses (N-1)/(N-K-1). */
static void test_fe_cli_ssc(void **state)
{
    (void)state;
    const char *args[] = {"fit",          "--data", grunfeld(), "--model",  MODEL,  "--vcov",
                          "cluster:firm", "--ssc",  "stata",    "--format", "json", NULL};
    cJSON *o = gwt_cli_json(args);
    gw_assert_lre(gwt_json_num(coef(o, "value"), "std_error"), 0.015194493942717375, 10);
    cJSON_Delete(o);
    const char *bad[] = {"fit", "--data", grunfeld(), "--model", MODEL, "--ssc", "spss", NULL};
    gwt_run_result r = gwt_run_cli_argv(bad);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "bad --ssc"));
    gwt_run_free(&r);
}

static void test_fe_cli_twoway_and_errors(void **state)
{
    (void)state;
    const char *args[] = {"fit",
                          "--data",
                          grunfeld(),
                          "--model",
                          "inv ~ value + capital | firm + year",
                          "--vcov",
                          "cluster:firm+year",
                          "--format",
                          "json",
                          NULL};
    cJSON *o = gwt_cli_json(args);
    const cJSON *fe = cJSON_GetObjectItemCaseSensitive(o, "fixed_effects");
    assert_int_equal(cJSON_GetArraySize(fe), 2);
    gw_assert_close(gwt_json_num(o, "df_resid"), 200.0 - 2.0 - 29.0, 0.0, 0.0); /* 10 + 20 - 1 */
    cJSON_Delete(o);
    const char *hc2[] = {"fit",    "--data", grunfeld(), "--model", "inv ~ value | firm + year",
                         "--vcov", "hc2",    NULL};
    gwt_run_result r = gwt_run_cli_argv(hc2);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "HC2/HC3"));
    gwt_run_free(&r);
}

static void test_fe_cli_singletons(void **state)
{
    (void)state;
    const char *csv = gwt_write_file("single.csv", "y,x,g\n1,2,a\n2,3,a\n3,5,b\n4,4,b\n5,9,c\n"
                                                   "6,1,b\n7,7,a\n");
    const char *args[] = {"fit", "--data", csv, "--model", "y ~ x | g", "--format", "json", NULL};
    cJSON *o = gwt_cli_json(args);
    gw_assert_close(gwt_json_num(o, "singletons_dropped"), 1.0, 0.0, 0.0);
    gw_assert_close(gwt_json_num(o, "nobs"), 6.0, 0.0, 0.0);
    cJSON_Delete(o);
    const char *keep[] = {"fit",       "--data",   csv,    "--model",
                          "y ~ x | g", "--format", "json", "--keep-singletons",
                          NULL};
    o = gwt_cli_json(keep);
    gw_assert_close(gwt_json_num(o, "singletons_dropped"), 0.0, 0.0, 0.0);
    gw_assert_close(gwt_json_num(o, "nobs"), 7.0, 0.0, 0.0);
    cJSON_Delete(o);
}

/* The reference value (model, vcov, what, term) of grunfeld_fe_hac_ref.csv. */
static double hac_ref(const char *model, const char *vcov, const char *what, const char *term)
{
    return gwt_ref_file("datasets/generated/grunfeld_fe_hac_ref.csv", model, vcov, what, term);
}

/* Grunfeld without firm 10's rows after 1935: firm 10 is a singleton (dropped before
 * demeaning), so the kept rows are not all rows. Returns the path of the CSV. */
static const char *grunfeld_singleton(void)
{
    FILE *f = fopen(grunfeld(), "r");
    static char text[16384];
    char line[256];
    size_t used = 0;
    assert_non_null(f);
    while (fgets(line, sizeof line, f)) {
        long firm = 0, year = 0;
        if (sscanf(line, "%ld,%ld", &firm, &year) == 2 && firm == 10 && year > 1935)
            continue;
        size_t len = strlen(line);
        assert_true(used + len < sizeof text);
        memcpy(text + used, line, len);
        used += len;
    }
    text[used] = '\0';
    fclose(f);
    return gwt_write_file("grunfeld_single10.csv", text);
}

/* --vcov dk:L / nw:L with "| firm": plm's vcovSCC / vcovNW (HC0) on the within model, to 1e-9
 * relative, balanced and with a singleton firm (scripts/ref/grunfeld_fe_hac_ref.R). */
static void test_fe_cli_hac(void **state)
{
    (void)state;
    const char *terms[] = {"value", "capital"};
    /* gwt_source_path's buffer rotates: keep a copy of the path. */
    char full[1024];
    snprintf(full, sizeof full, "%s", grunfeld());
    const struct {
        const char *model, *data;
    } sets[] = {{"fe", full}, {"fe_s", grunfeld_singleton()}};
    const char *vcovs[] = {"dk:0", "dk:2", "nw:0", "nw:2"}, *refs[] = {"dk0", "dk2", "nw0", "nw2"};
    for (size_t m = 0; m < 2; m++)
        for (size_t v = 0; v < 4; v++) {
            const char *args[] = {"fit",    "--data",   sets[m].data, "--model",
                                  MODEL,    "--panel",  "firm,year",  "--vcov",
                                  vcovs[v], "--format", "json",       NULL};
            cJSON *o = gwt_cli_json(args);
            assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "vcov_type")->valuestring,
                                vcovs[v]);
            gw_assert_close(gwt_json_num(o, "df_resid"),
                            hac_ref(sets[m].model, "iid", "df_resid", ""), 0.0, 0.0);
            gw_assert_close(gwt_json_num(o, "singletons_dropped"), m == 1 ? 1.0 : 0.0, 0.0, 0.0);
            const cJSON *vc = cJSON_GetObjectItemCaseSensitive(o, "vcov");
            for (size_t j = 0; j < 2; j++) {
                const cJSON *c = coef(o, terms[j]);
                gw_assert_close(gwt_json_num(c, "estimate"),
                                hac_ref(sets[m].model, "iid", "estimate", terms[j]), 1e-9, 0.0);
                gw_assert_close(gwt_json_num(c, "std_error"),
                                hac_ref(sets[m].model, refs[v], "std_error", terms[j]), 1e-9, 0.0);
                for (size_t i = 0; i < 2; i++) {
                    char key[64];
                    snprintf(key, sizeof key, "%s|%s", terms[i], terms[j]);
                    gw_assert_close(
                        cJSON_GetArrayItem(cJSON_GetArrayItem(vc, (int)i), (int)j)->valuedouble,
                        hac_ref(sets[m].model, refs[v], "vcov", key), 1e-9, 0.0);
                }
            }
            cJSON_Delete(o);
        }
    /* Still refused with absorbed effects: the panel estimators. */
    const char *re[] = {"fit",     "--data",    grunfeld(),    "--model", MODEL,
                        "--panel", "firm,year", "--estimator", "re",      NULL};
    gwt_run_result r = gwt_run_cli_argv(re);
    if (r.exit_code != 2 || strstr(r.err, "not supported") == NULL || r.out[0] != '\0')
        fail_msg("re with fixed effects: exit %d, stderr: %s", r.exit_code, r.err);
    gwt_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fe_cli_json_fields), cmocka_unit_test(test_fe_cli_text),
        cmocka_unit_test(test_fe_cli_ssc),         cmocka_unit_test(test_fe_cli_twoway_and_errors),
        cmocka_unit_test(test_fe_cli_singletons),  cmocka_unit_test(test_fe_cli_hac),
    };
    return cmocka_run_group_tests_name("fe_cli", tests, NULL, NULL);
}
