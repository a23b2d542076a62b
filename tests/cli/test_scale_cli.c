/* test_scale_cli.c -- `goodwork fit` at extreme scales for every estimator family (issue 17):
 * Grunfeld with inv, value and capital multiplied by s (absorbed fixed effects one- and two-way,
 * 2SLS with and without them), DoctorVisits with age and income multiplied by s (Poisson with
 * and without absorbed effects), and Grunfeld again for the panel variances (within with
 * Driscoll-Kraay and Newey-West) and estimators (RE, FD); s = 2^-990, 1e-300, 1e300, 2^990. Each
 * fit must exit 0 with nothing on stderr (no warning, no error; gwt_cli_json) and report the
 * unscaled fit's numbers in the new units: slopes and their standard errors unchanged (linear
 * models; Poisson slopes and errors times 1/s), intercepts times s, t statistics and R^2 unchanged.
 * Powers of two are exact; 1e+-300 data are rounded when multiplied, so those agree to 11 digits
 * (the C test tests/models/test_scale.c measures 1e-12 on better conditioned data). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_test.h"

static const double scales[] = {0x1p-990, 1e-300, 1e300, 0x1p990};

/* The CSV at rel with the columns named in cols (comma-separated list, matched exactly)
 * multiplied by s, written to a temporary file named name. */
static const char *scaled_csv(const char *rel, const char *cols, double s, const char *name)
{
    FILE *f = fopen(gwt_source_path(rel), "rb");
    assert_non_null(f);
    size_t cap = 1u << 20, len = 0;
    char *out = malloc(cap), line[4096];
    int which[64] = {0}, first = 1;
    assert_non_null(out);
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        char *save = NULL, *tok = strtok_r(line, ",", &save);
        for (int c = 0; tok != NULL && c < 64; c++, tok = strtok_r(NULL, ",", &save)) {
            if (first) {
                char pat[256];
                snprintf(pat, sizeof pat, ",%s,", tok);
                char all[512];
                snprintf(all, sizeof all, ",%s,", cols);
                which[c] = strstr(all, pat) != NULL;
            }
            if (len + 64 + strlen(tok) >= cap)
                assert_non_null(out = realloc(out, cap *= 2));
            len += (size_t)(which[c] && !first
                                ? snprintf(out + len, cap - len, "%s%.17g", c ? "," : "",
                                           strtod(tok, NULL) * s)
                                : snprintf(out + len, cap - len, "%s%s", c ? "," : "", tok));
        }
        out[len++] = '\n';
        out[len] = '\0';
        first = 0;
    }
    fclose(f);
    const char *path = gwt_write_file(name, out);
    free(out);
    return path;
}

static cJSON *fit_json(const char *path, const char *model, int poisson)
{
    const char *args[] = {"fit", "--data",   path,   "--model", model, "--vcov",
                          "",    "--format", "json", NULL,      NULL,  NULL};
    args[6] = poisson ? "cluster:agegrp" : "cluster:firm";
    if (poisson) {
        args[9] = "--estimator";
        args[10] = "poisson";
    }
    return gwt_cli_json(args);
}

/* r (scaled) against f (unscaled): coefficient j times its factor (intercept fi, slopes fs). */
static void compare(const cJSON *r, const cJSON *f, double fi, double fs, double digits)
{
    const cJSON *cr = cJSON_GetObjectItemCaseSensitive(r, "coefficients");
    const cJSON *cf = cJSON_GetObjectItemCaseSensitive(f, "coefficients");
    assert_int_equal(cJSON_GetArraySize(cr), cJSON_GetArraySize(cf));
    for (int j = 0; j < cJSON_GetArraySize(cf); j++) {
        const cJSON *a = cJSON_GetArrayItem(cr, j), *b = cJSON_GetArrayItem(cf, j);
        const char *term = cJSON_GetObjectItemCaseSensitive(b, "term")->valuestring;
        double c = strcmp(term, "(Intercept)") == 0 ? fi : fs;
        gw_assert_lre(gwt_json_num(a, "estimate") / c, gwt_json_num(b, "estimate"), digits);
        gw_assert_lre(gwt_json_num(a, "std_error") / c, gwt_json_num(b, "std_error"), digits);
        gw_assert_lre(gwt_json_num(a, "statistic"), gwt_json_num(b, "statistic"), digits);
    }
}

static void run_family(const char *rel, const char *cols, const char *const *models, size_t nm,
                       int poisson)
{
    for (size_t m = 0; m < nm; m++) {
        cJSON *f = fit_json(gwt_source_path(rel), models[m], poisson);
        for (size_t si = 0; si < sizeof scales / sizeof scales[0]; si++) {
            const double s = scales[si], digits = (si == 1 || si == 2) ? 11.0 : 15.0;
            char name[64];
            snprintf(name, sizeof name, "scaled_%zu_%zu.csv", m, si);
            cJSON *r = fit_json(scaled_csv(rel, cols, s, name), models[m], poisson);
            if (poisson)
                compare(r, f, 1.0, 1.0 / s, digits);
            else
                compare(r, f, s, 1.0, digits);
            if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(f, "r2")))
                gw_assert_lre(gwt_json_num(r, "r2"), gwt_json_num(f, "r2"), digits);
            cJSON_Delete(r);
        }
        cJSON_Delete(f);
    }
}

static void test_scale_cli_linear(void **state)
{
    (void)state;
    static const char *const models[] = {
        "inv ~ value + capital | firm", "inv ~ value + capital | firm + year",
        "inv ~ capital | value ~ year", "inv ~ capital | firm | value ~ year"};
    run_family("datasets/grunfeld.csv", "inv,value,capital", models, 4, 0);
}

static void test_scale_cli_poisson(void **state)
{
    (void)state;
    static const char *const models[] = {"visits ~ age + income + illness",
                                         "visits ~ income + illness | agegrp"};
    run_family("datasets/doctorvisits.csv", "age,income,illness", models, 2, 1);
}

/* Panel variances and estimators: the within fit with Driscoll-Kraay and Newey-West variances
 * (computed by the command from the demeaned columns the fit leaves behind, so the scaling must
 * cover them too), random effects and first differences. */
static void test_scale_cli_panel(void **state)
{
    (void)state;
    static const char *const extra[][4] = {
        {"--vcov", "dk:2", "--model", "inv ~ value + capital | firm"},
        {"--vcov", "nw:2", "--model", "inv ~ value + capital | firm"},
        {"--estimator", "re", "--model", "inv ~ value + capital"},
        {"--estimator", "fd", "--model", "inv ~ value + capital"}};
    for (size_t m = 0; m < sizeof extra / sizeof extra[0]; m++) {
        cJSON *f = NULL;
        for (size_t si = 0; si <= sizeof scales / sizeof scales[0]; si++) {
            const double s = si == 0 ? 1.0 : scales[si - 1];
            const double digits = (si == 2 || si == 3) ? 11.0 : 15.0;
            char name[64];
            snprintf(name, sizeof name, "panel_%zu_%zu.csv", m, si);
            const char *path =
                si == 0 ? gwt_source_path("datasets/grunfeld.csv")
                        : scaled_csv("datasets/grunfeld.csv", "inv,value,capital", s, name);
            const char *args[] = {"fit",       "--data",    path,        extra[m][0],
                                  extra[m][1], extra[m][2], extra[m][3], "--panel",
                                  "firm,year", "--format",  "json",      NULL};
            cJSON *r = gwt_cli_json(args);
            if (f == NULL) {
                f = r;
                continue;
            }
            compare(r, f, s, 1.0, digits);
            cJSON_Delete(r);
        }
        cJSON_Delete(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scale_cli_linear),
        cmocka_unit_test(test_scale_cli_poisson),
        cmocka_unit_test(test_scale_cli_panel),
    };
    return cmocka_run_group_tests_name("scale_cli", tests, NULL, NULL);
}
