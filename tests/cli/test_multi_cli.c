/* test_multi_cli.c -- goodwork fit with several models in one call (issue 19): repeated
 * --model, stepwise formulas, several responses and --split, all stored by one write and
 * printed once. Every model is checked against an independent run: the single-model fit of the
 * same formula (and, for --split, on the group's rows written to a file of their own), bit for
 * bit (estimates, standard errors, variance). Errors: a table of usage cases. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cJSON.h"
#include "gw_alloc.h"
#include "gw_csv.h"
#include "gw_hdf5.h"
#include "gw_test.h"
#include "gw_version.h"

/* Model name of results file path (owned; gw_result_free). */
static gw_result *read_model(const char *path, const char *name)
{
    gw_results *res = NULL;
    gw_result *r = NULL;
    if (gw_results_open(path, &res) != GW_OK || gw_results_get(res, name, &r) != GW_OK)
        fail_msg("%s: cannot read model '%s': %s", path, name, gw_last_error());
    gw_results_close(res);
    return r;
}

/* The names of the models of path, comma-joined, into buf. */
static const char *model_names(const char *path, char *buf, size_t size)
{
    gw_results *res = NULL;
    assert_int_equal(gw_results_open(path, &res), GW_OK);
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < gw_results_nmodels(res); i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? "," : "",
                                 gw_results_model_name(res, i));
    gw_results_close(res);
    return buf;
}

/* Fits formula alone on data (extra: one more flag pair, or NULL) into a fresh file and
 * checks that it is the model `name` of multi, bit for bit. */
static void expect_same_as_single(const char *multi, const char *name, const char *data,
                                  const char *formula, const char *flag, const char *value)
{
    const char *single = gwt_tmp_path("single.h5");
    unlink(single);
    const char *args[] = {"fit",  "--data", data, "--model", formula, "--out",
                          single, "--name", "x",  flag,      value,   NULL};
    gwt_run_result r = gwt_run_cli_argv(args);
    if (r.exit_code != 0)
        fail_msg("single fit of '%s' failed: %s", formula, r.err);
    gwt_run_free(&r);
    gw_result *a = read_model(multi, name), *b = read_model(single, "x");
    assert_string_equal(a->formula, formula);
    gwt_assert_same_result(a, b);
    gw_result_free(a);
    gw_result_free(b);
}

static void test_several_models_stored_and_printed(void **state)
{
    (void)state;
    const char *data = gwt_source_path("datasets/grunfeld.csv"), *out = gwt_tmp_path("multi.h5");
    unlink(out);
    const char *args[] = {"fit",
                          "--data",
                          data,
                          "--model",
                          "inv ~ value + csw0(capital)",
                          "--model",
                          "inv + capital ~ value | firm",
                          "--vcov",
                          "cluster:firm",
                          "--out",
                          out,
                          NULL};
    gwt_run_result r = gwt_run_cli_argv(args);
    assert_int_equal(r.exit_code, 0);
    assert_string_equal(r.err, "");
    /* each model under a header line, then one table of all of them */
    gwt_expect_in(r.out, "== model1: inv ~ value ==\n");
    gwt_expect_in(r.out, "== model2: inv ~ value + capital ==\n");
    gwt_expect_in(r.out, "== model3: inv ~ value | firm ==\n");
    gwt_expect_in(r.out, "== model4: capital ~ value | firm ==\n");
    const char *table = strstr(r.out, "== All models ==\n");
    assert_non_null(table);
    gwt_expect_in(
        table,
        "                      model1            model2            model3            model4\n"
        "Dependent var.:        inv               inv               inv             capital\n");
    gwt_run_free(&r);
    char names[256];
    assert_string_equal(model_names(out, names, sizeof names), "model1,model2,model3,model4");
    const char *const formulas[] = {"inv ~ value", "inv ~ value + capital", "inv ~ value | firm",
                                    "capital ~ value | firm"};
    for (size_t i = 0; i < 4; i++) {
        char name[16];
        snprintf(name, sizeof name, "model%zu", i + 1);
        expect_same_as_single(out, name, data, formulas[i], "--vcov", "cluster:firm");
    }
    /* a second call numbers on from the file's models, and --name names them */
    const char *more[] = {"fit",   "--data", data, "--model", "inv ~ sw(value, capital)",
                          "--out", out,      NULL};
    r = gwt_run_cli_argv(more);
    assert_int_equal(r.exit_code, 0);
    gwt_run_free(&r);
    const char *named[] = {"fit",     "--data",        data,     "--model", "inv ~ value",
                           "--model", "inv ~ capital", "--name", "a",       "--name",
                           "b",       "--out",         out,      NULL};
    r = gwt_run_cli_argv(named);
    assert_int_equal(r.exit_code, 0);
    gwt_run_free(&r);
    assert_string_equal(model_names(out, names, sizeof names),
                        "model1,model2,model3,model4,model5,model6,a,b");
    /* one write for all: a name that exists already stops the call, and nothing is added */
    const char *clash[] = {"fit",     "--data",        data,     "--model", "inv ~ value",
                           "--model", "inv ~ capital", "--name", "c",       "--name",
                           "b",       "--out",         out,      NULL};
    r = gwt_run_cli_argv(clash);
    assert_int_equal(r.exit_code, 2);
    gwt_expect_in(r.err, "/models/b exists already");
    assert_string_equal(r.out, "");
    gwt_run_free(&r);
    assert_string_equal(model_names(out, names, sizeof names),
                        "model1,model2,model3,model4,model5,model6,a,b");
}

static void test_json_shape(void **state)
{
    (void)state;
    const char *data = gwt_source_path("datasets/grunfeld.csv");
    const char *args[] = {"fit",      "--data", data, "--model", "inv ~ sw(value, capital)",
                          "--format", "json",   NULL};
    cJSON *j = gwt_cli_json(args);
    assert_string_equal(gwt_json_str(j, "goodwork_version"), gw_version());
    const cJSON *models = cJSON_GetObjectItemCaseSensitive(j, "models");
    assert_int_equal(cJSON_GetArraySize(models), 2);
    const cJSON *m = cJSON_GetArrayItem(models, 1);
    assert_string_equal(gwt_json_str(m, "name"), "model2");
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(m, "split")));
    assert_string_equal(gwt_json_str(m, "formula"), "inv ~ capital");
    /* the rest of the object is the single model's JSON */
    const char *single[] = {"fit",           "--data",   data,   "--model",
                            "inv ~ capital", "--format", "json", NULL};
    cJSON *s = gwt_cli_json(single);
    cJSON *mm = cJSON_Duplicate(m, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(mm, "name");
    cJSON_DeleteItemFromObjectCaseSensitive(mm, "split");
    assert_true(cJSON_Compare(mm, s, 1));
    cJSON_Delete(mm);
    cJSON_Delete(s);
    cJSON_Delete(j);
}

/* The rows of data where column var has level (categorical) into a CSV file of their own. */
static const char *subset_file(const char *data, const char *var, const char *level,
                               const char *name)
{
    gw_table *t = NULL, *sub = NULL;
    assert_int_equal(gw_csv_read_file(data, NULL, &t), GW_OK);
    ptrdiff_t j = gw_table_find(t, var);
    assert_true(j >= 0);
    size_t n = gw_table_nrows(t);
    unsigned char *keep = gw_malloc(n);
    assert_non_null(keep);
    const int32_t *c = gw_table_codes(t, (size_t)j);
    for (size_t r = 0; r < n; r++)
        keep[r] = c[r] >= 0 && strcmp(gw_table_level(t, (size_t)j, (size_t)c[r]), level) == 0;
    assert_int_equal(gw_table_subset(t, keep, NULL, 0, &sub), GW_OK);
    const char *path = gwt_tmp_path(name);
    assert_int_equal(gw_csv_write_file(sub, path), GW_OK);
    gw_free(keep);
    gw_table_free(sub);
    gw_table_free(t);
    return path;
}

static void test_split(void **state)
{
    (void)state;
    const char *data = gwt_source_path("datasets/psid7682.csv"), *out = gwt_tmp_path("split.h5");
    const char *f = "lwage ~ education + experience + married | year";
    unlink(out);
    const char *args[] = {"fit",      "--data", data,  "--model", f,   "--split", "union",
                          "--fsplit", "--vcov", "hc1", "--out",   out, NULL};
    gwt_run_result r = gwt_run_cli_argv(args);
    if (r.exit_code != 0)
        fail_msg("split fit failed: %s", r.err);
    gwt_expect_in(r.out, "== model1|union=yes: lwage ~ education");
    gwt_run_free(&r);
    char names[256];
    assert_string_equal(model_names(out, names, sizeof names),
                        "model1,model1|union=no,model1|union=yes");
    /* the full sample: the single fit on the whole file; each group: on its own file */
    expect_same_as_single(out, "model1", data, f, "--vcov", "hc1");
    expect_same_as_single(out, "model1|union=no", subset_file(data, "union", "no", "no.csv"), f,
                          "--vcov", "hc1");
    expect_same_as_single(out, "model1|union=yes", subset_file(data, "union", "yes", "yes.csv"), f,
                          "--vcov", "hc1");
    /* union is missing on some rows: they are in the full sample only */
    gw_result *all = read_model(out, "model1"), *no = read_model(out, "model1|union=no"),
              *yes = read_model(out, "model1|union=yes");
    assert_true(no->nobs + yes->nobs < all->nobs);
    gw_result_free(all);
    gw_result_free(no);
    gw_result_free(yes);
}

static void test_split_numeric(void **state)
{
    (void)state;
    /* a numeric variable: its values in increasing order, named by their shortest text */
    const char *data = gwt_source_path("datasets/grunfeld.csv");
    const char *args[] = {"fit",  "--data", data, "--model", "inv ~ value",           "--split",
                          "firm", "--name", "m",  "--out",   gwt_tmp_path("firm.h5"), "--format",
                          "json", NULL};
    unlink(gwt_tmp_path("firm.h5"));
    cJSON *j = gwt_cli_json(args);
    const cJSON *models = cJSON_GetObjectItemCaseSensitive(j, "models");
    assert_int_equal(cJSON_GetArraySize(models), 10);
    for (int i = 0; i < 10; i++) {
        const cJSON *m = cJSON_GetArrayItem(models, i);
        char want[32], value[8];
        snprintf(value, sizeof value, "%d", i + 1);
        snprintf(want, sizeof want, "m|firm=%d", i + 1);
        assert_string_equal(gwt_json_str(m, "name"), want);
        const cJSON *sp = cJSON_GetObjectItemCaseSensitive(m, "split");
        assert_string_equal(gwt_json_str(sp, "var"), "firm");
        assert_string_equal(gwt_json_str(sp, "value"), value);
        assert_int_equal((int)gwt_json_num(m, "nobs"), 20);
    }
    cJSON_Delete(j);
}

typedef struct {
    const char *args[12]; /* after "fit --data grunfeld.csv" */
    int exit_code;
    const char *message;
} err_case;

static void test_errors(void **state)
{
    (void)state;
    static const err_case cases[] = {
        {{"--model", "inv ~ sw(value) + csw(capital)"},
         2,
         "bad --model: at most one stepwise function (sw, csw, sw0, csw0) per formula"},
        {{"--model", "inv ~ value | sw(firm) + sw0(year)"}, 2, "at most one stepwise function"},
        {{"--model", "inv ~ value + sw()"}, 2, "bad --model: sw() has no argument"},
        {{"--model", "inv ~ csw(value, )"}, 2, "bad --model: empty argument of csw()"},
        {{"--model", "inv ~ value", "--model", "inv ~ capital", "--name", "a", "--out", "o.h5"},
         2,
         "--name given 1 time for 2 models ('inv ~ value', 'inv ~ capital')"},
        {{"--model", "inv ~ sw(value, capital)", "--name", "a", "--name", "b", "--name", "c",
          "--out", "o.h5"},
         2,
         "--name given 3 times for 2 models"},
        {{"--model", "inv ~ sw(value, capital)", "--name", "a", "--name", "a", "--out", "o.h5"},
         2,
         "model name 'a' given twice"},
        {{"--model", "inv ~ value", "--split", "nosuch"}, 2, "unknown --split variable 'nosuch'"},
        {{"--model", "inv ~ value", "--fsplit"}, 2, "--fsplit needs --split VAR"},
        {{"--model", "inv ~ value", "--model", "inv ~ nosuch"},
         2,
         "model 'inv ~ nosuch': unknown variable 'nosuch'"},
        {{"--model", "inv ~ value", "--model", "inv ~ capital", "--memory-limit", "1G"},
         2,
         "--memory-limit fits one model per call"},
    };
    const char *data = gwt_source_path("datasets/grunfeld.csv");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *argv[16] = {"fit", "--data", data};
        for (size_t k = 0; cases[i].args[k] != NULL; k++)
            argv[3 + k] =
                strcmp(cases[i].args[k], "o.h5") == 0 ? gwt_tmp_path("o.h5") : cases[i].args[k];
        gwt_run_result r = gwt_run_cli_argv(argv);
        if (r.exit_code != cases[i].exit_code || strstr(r.err, cases[i].message) == NULL)
            fail_msg("case %zu: exit %d, stderr '%s' (expected %d, '%s')", i + 1, r.exit_code,
                     r.err, cases[i].exit_code, cases[i].message);
        assert_string_equal(r.out, "");
        gwt_run_free(&r);
    }
    assert_int_equal(access(gwt_tmp_path("o.h5"), F_OK), -1); /* nothing written */
}

/* --quiet prints nothing and --replace overwrites the named models, as for one model. */
static void test_quiet_replace(void **state)
{
    (void)state;
    const char *data = gwt_source_path("datasets/grunfeld.csv"), *out = gwt_tmp_path("multi_q.h5");
    unlink(out);
    const char *args[] = {"fit",   "--data", data,  "--model", "inv ~ csw(value, capital)",
                          "--out", out,      "--name", "a",    "--name",
                          "b",     "--quiet", NULL, NULL};
    gwt_run_result r = gwt_run_cli_argv(args);
    assert_int_equal(r.exit_code, 0);
    assert_string_equal(r.out, "");
    gwt_run_free(&r);
    r = gwt_run_cli_argv(args); /* the names exist: exit 2, the file unchanged */
    assert_int_equal(r.exit_code, 2);
    gwt_expect_in(r.err, "exists already");
    gwt_run_free(&r);
    args[12] = "--replace";
    r = gwt_run_cli_argv(args);
    assert_int_equal(r.exit_code, 0);
    assert_string_equal(r.out, "");
    gwt_run_free(&r);
    char names[256];
    assert_string_equal(model_names(out, names, sizeof names), "a,b");
    gw_result *b = read_model(out, "b");
    assert_int_equal(b->k, 3);
    gw_result_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_several_models_stored_and_printed),
        cmocka_unit_test(test_json_shape),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_split_numeric),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_quiet_replace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
