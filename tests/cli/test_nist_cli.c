/* test_nist_cli.c -- the eleven NIST StRD linear regression data sets fitted through the
 * command line: `goodwork fit --data f.csv --model "..." --format json`, accuracy in digits.
 *
 * For each data set the test parses the .dat file (its header names the certified block's and
 * the data block's lines), writes the data as a CSV whose fields are the .dat's tokens copied
 * verbatim (no digit is lost to reformatting), runs the CLI, reads the JSON back and checks the
 * log relative error (LRE) of every coefficient, every standard error, the residual standard
 * deviation (rmse) and R² against the certified values. The JSON's numbers are round-trip, so
 * the LRE is that of the library's doubles. A table of the minimum LREs is printed at the end. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_test.h"

/* Target of ../shared/style.md and datasets/nist/README.md: at least 9 digits everywhere. */
#define MIN_LRE 9.0

#define MAX_PARAMS 16
#define MAX_LINE 512

typedef struct {
    const char *name;
    const char *model;
    /* filled by the test */
    int run;
    size_t nparams;
    double lre_coef, lre_se, lre_rmse, lre_r2;
} nist_case;

static nist_case cases[] = {
    {"Norris", "y ~ x", 0, 0, 0, 0, 0, 0},
    {"Pontius", "y ~ x + x^2", 0, 0, 0, 0, 0, 0},
    {"NoInt1", "y ~ x - 1", 0, 0, 0, 0, 0, 0},
    {"NoInt2", "y ~ x - 1", 0, 0, 0, 0, 0, 0},
    {"Filip", "y ~ x + x^2 + x^3 + x^4 + x^5 + x^6 + x^7 + x^8 + x^9 + x^10", 0, 0, 0, 0, 0, 0},
    {"Longley", "y ~ x1 + x2 + x3 + x4 + x5 + x6", 0, 0, 0, 0, 0, 0},
    {"Wampler1", "y ~ x + x^2 + x^3 + x^4 + x^5", 0, 0, 0, 0, 0, 0},
    {"Wampler2", "y ~ x + x^2 + x^3 + x^4 + x^5", 0, 0, 0, 0, 0, 0},
    {"Wampler3", "y ~ x + x^2 + x^3 + x^4 + x^5", 0, 0, 0, 0, 0, 0},
    {"Wampler4", "y ~ x + x^2 + x^3 + x^4 + x^5", 0, 0, 0, 0, 0, 0},
    {"Wampler5", "y ~ x + x^2 + x^3 + x^4 + x^5", 0, 0, 0, 0, 0, 0},
};
#define NCASES (sizeof cases / sizeof cases[0])

/* What the .dat file certifies, and its data as CSV text. */
typedef struct {
    size_t nparams;
    double coef[MAX_PARAMS], se[MAX_PARAMS];
    double rsd, r2;
    char *csv; /* malloc'd */
} nist_data;

/* Appends text to a malloc'd string. */
static void append(char **s, size_t *len, const char *text)
{
    size_t n = strlen(text);
    char *p = realloc(*s, *len + n + 1);
    assert_non_null(p);
    memcpy(p + *len, text, n + 1);
    *s = p;
    *len += n;
}

/* Appends the whitespace-separated tokens of line joined by commas (verbatim), then "\n". */
static void append_tokens(char **s, size_t *len, const char *line)
{
    char buf[MAX_LINE];
    snprintf(buf, sizeof buf, "%s", line);
    int first = 1;
    for (char *tok = strtok(buf, " \t\r\n"); tok != NULL; tok = strtok(NULL, " \t\r\n")) {
        if (!first)
            append(s, len, ",");
        append(s, len, tok);
        first = 0;
    }
    append(s, len, "\n");
}

/* Parses datasets/nist/NAME.dat as gretl's nistcheck does: the header gives the line ranges of
 * the certified values and of the data; the line before the data names the columns. */
static void read_dat(const char *name, nist_data *d)
{
    char rel[128], line[MAX_LINE];
    snprintf(rel, sizeof rel, "datasets/nist/%s.dat", name);
    FILE *f = fopen(gwt_source_path(rel), "r");
    if (f == NULL)
        fail_msg("cannot open %s", gwt_source_path(rel));
    memset(d, 0, sizeof *d);
    d->rsd = d->r2 = NAN;
    int cert_a = 0, cert_b = 0, data_a = 0, data_b = 0;
    size_t len = 0;
    for (int lineno = 1; fgets(line, sizeof line, f) != NULL; lineno++) {
        int a, b;
        if (strstr(line, "Certified Values") &&
            sscanf(strstr(line, "(lines"), "(lines %d to %d", &a, &b) == 2) {
            cert_a = a;
            cert_b = b;
        } else if (cert_a && !data_a && strstr(line, "Data") && strstr(line, "(lines") &&
                   sscanf(strstr(line, "(lines"), "(lines %d to %d", &a, &b) == 2) {
            data_a = a;
            data_b = b;
        }
        if (lineno >= cert_a && lineno <= cert_b && cert_a > 0) {
            unsigned j;
            double est, sd;
            char *p = line;
            while (*p == ' ' || *p == '\t')
                p++;
            if (p[0] == 'B' && sscanf(p, "B%u %lf %lf", &j, &est, &sd) == 3) {
                if (j >= MAX_PARAMS)
                    fail_msg("%s: parameter B%u out of range", name, j);
                d->coef[d->nparams] = est;
                d->se[d->nparams] = sd;
                d->nparams++;
            } else if (strstr(p, "Standard Deviation") != NULL &&
                       sscanf(strstr(p, "Deviation") + 9, "%lf", &est) == 1) {
                d->rsd = est;
            } else if (strncmp(p, "R-Squared", 9) == 0 && sscanf(p + 9, "%lf", &est) == 1) {
                d->r2 = est;
            }
        }
        if (data_a > 0 && lineno == data_a - 1) {
            /* "Data:   y   x1 ..." names the columns. */
            char *names = strstr(line, "Data:");
            if (names == NULL)
                fail_msg("%s: no column names on line %d", name, lineno);
            append_tokens(&d->csv, &len, names + 5);
        }
        if (data_a > 0 && lineno >= data_a && lineno <= data_b)
            append_tokens(&d->csv, &len, line);
    }
    fclose(f);
    if (d->nparams == 0 || isnan(d->rsd) || isnan(d->r2) || d->csv == NULL)
        fail_msg("%s: could not parse the certified values or the data", name);
}

static double min2(double a, double b) { return a < b ? a : b; }

static const cJSON *get(const cJSON *o, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(o, key);
    if (item == NULL)
        fail_msg("JSON has no \"%s\"", key);
    return item;
}

static double num(const cJSON *o, const char *key)
{
    const cJSON *item = get(o, key);
    if (!cJSON_IsNumber(item))
        fail_msg("JSON \"%s\" is not a number", key);
    return item->valuedouble;
}

static void run_case(nist_case *c)
{
    nist_data d;
    read_dat(c->name, &d);
    char csvname[64];
    snprintf(csvname, sizeof csvname, "%s.csv", c->name);
    const char *path = gwt_write_file(csvname, d.csv);
    free(d.csv);

    gwt_run_result r =
        gwt_run_cli("fit", "--data", path, "--model", c->model, "--format", "json", NULL);
    if (r.exit_code != 0)
        fail_msg("%s: exit %d\nstderr: %s", c->name, r.exit_code, r.err);
    cJSON *o = cJSON_Parse(r.out);
    if (o == NULL)
        fail_msg("%s: output is not JSON:\n%s", c->name, r.out);
    const cJSON *coefs = get(o, "coefficients");
    if (!cJSON_IsArray(coefs) || (size_t)cJSON_GetArraySize(coefs) != d.nparams)
        fail_msg("%s: %d coefficients, %zu certified", c->name, cJSON_GetArraySize(coefs),
                 d.nparams);

    double est[MAX_PARAMS], se[MAX_PARAMS];
    c->lre_coef = c->lre_se = 17.0;
    for (size_t j = 0; j < d.nparams; j++) {
        const cJSON *cj = cJSON_GetArrayItem(coefs, (int)j);
        est[j] = num(cj, "estimate");
        se[j] = num(cj, "std_error");
        c->lre_coef = min2(c->lre_coef, gwt_lre(est[j], d.coef[j]));
        c->lre_se = min2(c->lre_se, gwt_lre(se[j], d.se[j]));
    }
    double rmse = num(o, "rmse"), r2 = num(o, "r2");
    c->lre_rmse = gwt_lre(rmse, d.rsd);
    c->lre_r2 = gwt_lre(r2, d.r2);
    c->nparams = d.nparams;
    c->run = 1;
    cJSON_Delete(o);
    gwt_run_free(&r);

    /* Every number separately, so that a failure names the first one short of the target. */
    for (size_t j = 0; j < d.nparams; j++) {
        gw_assert_lre(est[j], d.coef[j], MIN_LRE);
        gw_assert_lre(se[j], d.se[j], MIN_LRE);
    }
    gw_assert_lre(rmse, d.rsd, MIN_LRE);
    gw_assert_lre(r2, d.r2, MIN_LRE);
}

#define NIST_TEST(idx, fname)                                                                      \
    static void test_nist_cli_##fname(void **state)                                                \
    {                                                                                              \
        (void)state;                                                                               \
        run_case(&cases[idx]);                                                                     \
    }

NIST_TEST(0, norris)
NIST_TEST(1, pontius)
NIST_TEST(2, noint1)
NIST_TEST(3, noint2)
NIST_TEST(4, filip)
NIST_TEST(5, longley)
NIST_TEST(6, wampler1)
NIST_TEST(7, wampler2)
NIST_TEST(8, wampler3)
NIST_TEST(9, wampler4)
NIST_TEST(10, wampler5)

/* Prints the table of minimum LREs (whatever passed or failed). */
static int print_table(void **state)
{
    (void)state;
    printf("\nNIST StRD through `goodwork fit --format json`: minimum LRE (target %.0f)\n",
           MIN_LRE);
    printf("%-10s %3s %8s %8s %8s %8s\n", "data set", "K", "coef", "std.err", "rmse", "R2");
    for (size_t i = 0; i < NCASES; i++) {
        const nist_case *c = &cases[i];
        if (!c->run)
            printf("%-10s %3s %8s %8s %8s %8s\n", c->name, "-", "not run", "", "", "");
        else
            printf("%-10s %3zu %8.2f %8.2f %8.2f %8.2f\n", c->name, c->nparams, c->lre_coef,
                   c->lre_se, c->lre_rmse, c->lre_r2);
    }
    fflush(stdout);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nist_cli_norris),   cmocka_unit_test(test_nist_cli_pontius),
        cmocka_unit_test(test_nist_cli_noint1),   cmocka_unit_test(test_nist_cli_noint2),
        cmocka_unit_test(test_nist_cli_filip),    cmocka_unit_test(test_nist_cli_longley),
        cmocka_unit_test(test_nist_cli_wampler1), cmocka_unit_test(test_nist_cli_wampler2),
        cmocka_unit_test(test_nist_cli_wampler3), cmocka_unit_test(test_nist_cli_wampler4),
        cmocka_unit_test(test_nist_cli_wampler5),
    };
    return cmocka_run_group_tests_name("nist_cli", tests, NULL, print_table);
}
