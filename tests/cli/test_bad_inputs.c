/* test_bad_inputs.c -- the bad-input suite of issue 7 (item 2): a table of malformed or edge-case
 * inputs run through `goodwork fit` and `goodwork convert`, each with its expected exit code and
 * a message fragment.
 *
 * Every case checks: the exit code of docs/reference/exit-codes.md (2 usage, 3 data, 4 numerical,
 * 1 other) and that the process was not killed by a signal. Failing cases also check that
 * standard error starts with "goodwork: error:" and holds the fragments, that standard output is
 * empty, that an --out file that did not exist is still absent (no temporary left beside it) and
 * that an existing output file is unchanged byte for byte. Successful cases check that standard
 * error is empty (no sanitizer report either), that standard output holds the fragments and, where
 * given, the numbers of the JSON output.
 *
 * Large inputs (a 10 MB line, 100,000 columns) are written by generator functions. Behaviour that
 * violates the contract is not in this table (the suite must stay green); it is listed in the
 * report of the session that wrote this file. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "gw_test.h"

#define MAXARGS 14
#define MAXFRAG 3

/* The well-formed data set the usage cases run against. */
static const char good_csv[] = "y,x,z,g,w\n"
                               "1.25,0.5,3.75,a,1\n"
                               "2.5,1.25,2.5,b,2\n"
                               "2.75,2.0,1.0,a,1\n"
                               "4.125,2.5,0.25,b,-1\n"
                               "5.0,3.75,4.5,c,1\n"
                               "5.875,4.0,3.0,c,1\n";

/* The scale cases: y = s*(1 + 2x + e), x scaled by s; the unscaled fit's truth (computed in
 * closed form in double precision: b = Sxy/Sxx, a = ybar - b*xbar; se by sigma^2 (X'X)^-1). */
static const double scale_x[6] = {0.5, 1.25, 2.0, 2.5, 3.75, 4.0};
static const double scale_e[6] = {0.125, -0.25, 0.0625, 0.25, -0.125, -0.0625};
#define TRUTH_A 1.0539647577092524
#define TRUTH_B 1.976872246696035
#define TRUTH_SE_A 0.171775057544281
#define TRUTH_SE_B 0.06482846983595346
#define TRUTH_R2 0.9957167822713107

typedef enum {
    OUT_NONE,    /* no output file involved                                                  */
    OUT_ABSENT,  /* the output file does not exist before; after a failure it must not either */
    OUT_RESULTS, /* the output file is a valid results file before; it must stay byte-identical */
    OUT_TEXT     /* the output file is a text file before; it must stay byte-identical         */
} out_mode;

typedef void (*gen_fn)(const char *path);
typedef void (*check_fn)(const cJSON *o);

typedef struct {
    const char *label;
    const char *file;    /* the data file's name in the temporary directory ("good.csv")        */
    const char *content; /* its bytes; NULL: good_csv (or gen); "-": the file is not created     */
    size_t len;          /* length of content (0: strlen), so that content may hold NUL bytes    */
    gen_fn gen;          /* writes the data file instead of content (large inputs)              */
    const char *cmd;     /* "fit" or "convert"                                                   */
    const char *args[MAXARGS]; /* "@": the data file's path; "%": the output file's path        */
    const char *out;           /* output file name (with "%" in args)                           */
    out_mode mode;
    int exit_code;
    const char *fragment[MAXFRAG]; /* in stderr on failure, in stdout on success                 */
    check_fn check;                /* exit 0 with --format json: checks the parsed output        */
} bad_case;

/* ---------------------------------------------------------------------------------------------
 * Helpers */

static void write_bytes(const char *path, const char *bytes, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        fail_msg("cannot write %s", path);
    if (len > 0 && fwrite(bytes, 1, len, f) != len)
        fail_msg("cannot write %s", path);
    fclose(f);
}

/* Reads a whole file (malloc'd, *len its size); NULL if it cannot be opened. */
static char *read_bytes(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Counts entries of the temporary directory whose name holds ".tmp" (writer temporaries). */
static int count_temporaries(void)
{
    DIR *d = opendir(gwt_tmpdir());
    int n = 0;
    if (d == NULL)
        return 0;
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d))
        n += strstr(e->d_name, ".tmp") != NULL;
    closedir(d);
    return n;
}

static const cJSON *get(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (v == NULL)
        fail_msg("JSON output lacks \"%s\"", key);
    return v;
}

static double num(const cJSON *o, const char *key)
{
    const cJSON *v = get(o, key);
    if (!cJSON_IsNumber(v))
        fail_msg("JSON \"%s\" is not a number", key);
    return v->valuedouble;
}

static const cJSON *coef(const cJSON *o, const char *term)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, get(o, "coefficients"))
    {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(c, "term");
        if (cJSON_IsString(t) && strcmp(t->valuestring, term) == 0)
            return c;
    }
    fail_msg("no coefficient '%s' in the JSON output", term);
    return NULL;
}

/* Fails unless dropped_collinear is exactly the given list (NULL-terminated). */
static void assert_dropped(const cJSON *o, const char *const *names)
{
    const cJSON *d = get(o, "dropped_collinear");
    int n = 0;
    while (names[n] != NULL)
        n++;
    assert_int_equal(cJSON_GetArraySize(d), n);
    for (int k = 0; k < n; k++)
        assert_string_equal(cJSON_GetArrayItem(d, k)->valuestring, names[k]);
}

/* No number in the output is invented: every coefficient field is a finite number or null. */
static void assert_no_garbage(const cJSON *o)
{
    const cJSON *c;
    static const char *const fields[] = {"estimate", "std_error", "statistic",
                                         "p_value",  "ci_low",    "ci_high"};
    cJSON_ArrayForEach(c, get(o, "coefficients"))
    {
        for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
            const cJSON *v = get(c, fields[k]);
            assert_true(cJSON_IsNull(v) || cJSON_IsNumber(v));
        }
    }
}

/* ---------------------------------------------------------------------------------------------
 * Generators of large inputs */

/* A 10 MB line: a 10,000,000-digit number in a used column (out of range of a double). */
static void gen_long_number(const char *path)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        fail_msg("cannot write %s", path);
    fputs("y,x\n1,2\n2,", f);
    for (int k = 0; k < 10000000; k++)
        fputc('3', f);
    fputs("\n3,4\n", f);
    fclose(f);
}

/* A 10 MB line: a 10,000,000-character quoted text field in an unused column. */
static void gen_long_text(const char *path)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        fail_msg("cannot write %s", path);
    fputs("y,x,s\n1.25,0.5,\"", f);
    for (int k = 0; k < 10000000; k++)
        fputc(k % 1000 == 999 ? ',' : 'a', f);
    fputs("\"\n2.5,1.25,b\n2.75,2.0,c\n4.125,2.5,d\n", f);
    fclose(f);
}

/* 100,000 columns besides y and x (5 rows). */
static void gen_wide(const char *path)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        fail_msg("cannot write %s", path);
    fputs("y,x", f);
    for (int k = 0; k < 100000; k++)
        fprintf(f, ",c%d", k);
    fputc('\n', f);
    static const char *const rows[5] = {"1.25,0.5", "2.5,1.25", "2.75,2.0", "4.125,2.5",
                                        "5.0,3.75"};
    for (int i = 0; i < 5; i++) {
        fputs(rows[i], f);
        for (int k = 0; k < 100000; k++)
            fputs(k % 2 ? ",1" : ",x", f);
        fputc('\n', f);
    }
    fclose(f);
}

static void gen_scaled(const char *path, double s)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        fail_msg("cannot write %s", path);
    fputs("y,x\n", f);
    for (int i = 0; i < 6; i++)
        fprintf(f, "%.17g,%.17g\n", (1.0 + 2.0 * scale_x[i] + scale_e[i]) * s, scale_x[i] * s);
    fclose(f);
}

static void gen_huge(const char *path) { gen_scaled(path, 1e300); }
static void gen_tiny(const char *path) { gen_scaled(path, 1e-300); }
static void gen_big(const char *path) { gen_scaled(path, 1e150); }
static void gen_small(const char *path) { gen_scaled(path, 1e-150); }

/* ---------------------------------------------------------------------------------------------
 * Checks of successful fits */

/* Fit of y ~ x on the first four or five rows of good_csv's y and x, compared with the plain
 * file's fit (the reference is computed by running goodwork on a clean CSV), to rtol: 0 when the
 * design is the same, so the numbers must be bit-identical. */
static void check_same_as_plain(const cJSON *o, const char *plain_csv, double rtol)
{
    const char *path = gwt_write_file("plain_ref.csv", plain_csv);
    gwt_run_result r =
        gwt_run_cli("fit", "--data", path, "--model", "y ~ x", "--format", "json", NULL);
    assert_int_equal(r.exit_code, 0);
    cJSON *ref = cJSON_Parse(r.out);
    assert_non_null(ref);
    static const char *const terms[] = {"(Intercept)", "x"};
    for (int k = 0; k < 2; k++) {
        gw_assert_close(num(coef(o, terms[k]), "estimate"), num(coef(ref, terms[k]), "estimate"),
                        rtol, 0.0);
        gw_assert_close(num(coef(o, terms[k]), "std_error"), num(coef(ref, terms[k]), "std_error"),
                        rtol, 0.0);
    }
    gw_assert_close(num(o, "nobs"), num(ref, "nobs"), 0.0, 0.0);
    cJSON_Delete(ref);
    gwt_run_free(&r);
}

static void check_wide(const cJSON *o)
{
    check_same_as_plain(o, "y,x\n1.25,0.5\n2.5,1.25\n2.75,2.0\n4.125,2.5\n5.0,3.75\n", 0.0);
}

static void check_four_rows(const cJSON *o)
{
    check_same_as_plain(o, "y,x\n1.25,0.5\n2.5,1.25\n2.75,2.0\n4.125,2.5\n", 0.0);
}

static void check_constant(const cJSON *o)
{
    static const char *const dropped[] = {"c", NULL};
    assert_dropped(o, dropped);
    assert_int_equal(cJSON_GetArraySize(get(o, "coefficients")), 2);
    gw_assert_close(num(o, "df_resid"), 3.0, 0.0, 0.0);
    assert_no_garbage(o);
}

static void check_collinear(const cJSON *o)
{
    static const char *const dropped[] = {"z", NULL};
    assert_dropped(o, dropped);
    /* z = 2x exactly: the fit equals y ~ x on the same rows */
    check_same_as_plain(o, "y,x\n1,2\n2,3\n3,5\n4,7\n5,1\n", 1e-12);
}

/* 3 rows, 5 coefficients: two regressors dropped, the saturated fit has no standard errors. */
static void check_more_regressors(const cJSON *o)
{
    static const char *const dropped[] = {"c", "d", NULL};
    assert_dropped(o, dropped);
    gw_assert_close(num(o, "df_resid"), 0.0, 0.0, 0.0);
    const cJSON *c;
    cJSON_ArrayForEach(c, get(o, "coefficients"))
    {
        assert_true(cJSON_IsNumber(get(c, "estimate")));
        assert_true(cJSON_IsNull(get(c, "std_error")));
        assert_true(cJSON_IsNull(get(c, "p_value")));
    }
    const cJSON *row;
    cJSON_ArrayForEach(row, get(o, "vcov"))
    {
        const cJSON *v;
        cJSON_ArrayForEach(v, row) assert_true(cJSON_IsNull(v));
    }
    gw_assert_close(num(o, "r2"), 1.0, 1e-12, 0.0);
    assert_true(cJSON_IsNull(get(o, "adj_r2")));
}

static void check_zero_weight(const cJSON *o)
{
    gw_assert_close(num(o, "nobs"), 4.0, 0.0, 0.0);
    assert_no_garbage(o);
}

static void check_perfect(const cJSON *o)
{
    gw_assert_close(num(coef(o, "(Intercept)"), "estimate"), 1.0, 1e-13, 1e-13);
    gw_assert_close(num(coef(o, "x"), "estimate"), 2.0, 1e-13, 0.0);
    gw_assert_close(num(coef(o, "(Intercept)"), "std_error"), 0.0, 0.0, 1e-13);
    gw_assert_close(num(coef(o, "x"), "std_error"), 0.0, 0.0, 1e-13);
    gw_assert_close(num(o, "r2"), 1.0, 1e-13, 0.0);
    gw_assert_close(num(o, "rss"), 0.0, 0.0, 1e-20);
    assert_no_garbage(o);
}

static void check_scaled(const cJSON *o, double s)
{
    gw_assert_lre(num(coef(o, "(Intercept)"), "estimate"), TRUTH_A * s, 12.0);
    gw_assert_lre(num(coef(o, "x"), "estimate"), TRUTH_B, 12.0);
    gw_assert_lre(num(coef(o, "(Intercept)"), "std_error"), TRUTH_SE_A * s, 11.0);
    gw_assert_lre(num(coef(o, "x"), "std_error"), TRUTH_SE_B, 11.0);
    gw_assert_lre(num(o, "r2"), TRUTH_R2, 12.0);
    assert_true(cJSON_IsNumber(get(o, "f_stat")));
}

/* Since the power-of-two scaling of models/linear/ols.c, 1e+-300 give every number (issue 7). */
static void check_huge(const cJSON *o)
{
    check_scaled(o, 1e300);
    assert_no_garbage(o);
}

static void check_tiny(const cJSON *o) { check_scaled(o, 1e-300); }

/* Robust variances at 1e+-300: the numbers are those of the unscaled fit, scaled. */
static void check_scaled_hc3(const cJSON *o, double s)
{
    static double se_a, se_b;
    if (se_a == 0.0) {
        char buf[512];
        size_t len = 0;
        for (int i = 0; i < 6; i++)
            len +=
                (size_t)snprintf(buf + len, sizeof buf - len, "%s%.17g,%.17g\n", i ? "" : "y,x\n",
                                 1.0 + 2.0 * scale_x[i] + scale_e[i], scale_x[i]);
        const char *path = gwt_write_file("hc3_ref.csv", buf);
        gwt_run_result r = gwt_run_cli("fit", "--data", path, "--model", "y ~ x", "--vcov", "hc3",
                                       "--format", "json", NULL);
        assert_int_equal(r.exit_code, 0);
        cJSON *ref = cJSON_Parse(r.out);
        assert_non_null(ref);
        se_a = num(coef(ref, "(Intercept)"), "std_error");
        se_b = num(coef(ref, "x"), "std_error");
        cJSON_Delete(ref);
        gwt_run_free(&r);
    }
    gw_assert_lre(num(coef(o, "(Intercept)"), "estimate"), TRUTH_A * s, 12.0);
    gw_assert_lre(num(coef(o, "(Intercept)"), "std_error"), se_a * s, 11.0);
    gw_assert_lre(num(coef(o, "x"), "std_error"), se_b, 11.0);
    gw_assert_lre(num(o, "r2"), TRUTH_R2, 12.0);
}

static void check_huge_hc3(const cJSON *o) { check_scaled_hc3(o, 1e300); }
static void check_tiny_hc3(const cJSON *o) { check_scaled_hc3(o, 1e-300); }

static void check_big(const cJSON *o) { check_scaled(o, 1e150); }
static void check_small(const cJSON *o) { check_scaled(o, 1e-150); }

static void check_one_level_fe(const cJSON *o)
{
    /* one level absorbs only the intercept: the slope equals that of y ~ x, Sxy/Sxx = 2/23.2 */
    assert_int_equal(cJSON_GetArraySize(get(o, "coefficients")), 1);
    gw_assert_close(num(coef(o, "x"), "estimate"), 2.0 / 23.2, 1e-13, 0.0);
    assert_no_garbage(o);
}

/* ---------------------------------------------------------------------------------------------
 * The table */

#define FIT(...)                                                                                   \
    "fit", { "--data", "@", "--model", __VA_ARGS__ }
#define FITJ(...)                                                                                  \
    "fit", { "--data", "@", "--format", "json", "--model", __VA_ARGS__ }

static const bad_case cases[] = {
    /* ---- malformed CSV: exit 3 with file:line:col ---- */
    {"ragged row, too few fields",
     "ragged.csv",
     "y,x\n1,2\n3\n4,5\n",
     0,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"ragged.csv:3:2:", "1 field", "header has 2"},
     NULL},
    {"ragged row, too many fields",
     "ragged2.csv",
     "y,x\n1,2,3\n3,4\n4,5\n",
     0,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"ragged2.csv:2:", "3 fields"},
     NULL},
    {"embedded NUL in a row",
     "nul.csv",
     "y,x\n1,2\n2,3\0004\n3,5\n",
     18,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"nul.csv:3:4:", "NUL byte"},
     NULL},
    {"embedded NUL in the header",
     "nulh.csv",
     "y,x\0z\n1,2\n2,3\n",
     14,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"nulh.csv:1:4:", "NUL byte"},
     NULL},
    {"invalid UTF-8 in the header",
     "utf8.csv",
     "y,x\xff\xfe\n1,2\n2,3\n3,5\n",
     0,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"utf8.csv:1:3:", "not valid UTF-8"},
     NULL},
    {"truncated UTF-8 sequence in the header",
     "utf8b.csv",
     "y,x\xc3\n1,2\n2,3\n",
     0,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"utf8b.csv:1:", "not valid UTF-8"},
     NULL},
    {"10 MB line: a 10-million-digit number",
     "long.csv",
     NULL,
     0,
     gen_long_number,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"long.csv:3:3:", "out of the range of a double"},
     NULL},
    {"1e400",
     "big.csv",
     "y,x\n1,2\n2,1e400\n3,5\n",
     0,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"big.csv:3:3:", "'1e400'", "out of the range"},
     NULL},
    {"-1e400",
     "nbig.csv",
     "y,x\n1,2\n2,-1e400\n3,5\n",
     0,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"nbig.csv:3:3:", "'-1e400'"},
     NULL},
    {"-nan",
     "nan.csv",
     "y,x\n1,2\n2,-nan\n3,5\n4,7\n",
     0,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"nan.csv:3:3:", "text in numeric column 'x'", "'-nan'"},
     NULL},
    {"inf",
     "inf.csv",
     "y,x\n1,2\n2,inf\n3,5\n4,1\n",
     0,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"inf.csv:3:3:", "'inf'"},
     NULL},
    {"Infinity",
     "inf2.csv",
     "y,x\n1,2\n2,Infinity\n3,5\n4,1\n",
     0,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"inf2.csv:3:3:", "'Infinity'"},
     NULL},
    {"hexadecimal float 0x1p3",
     "hex.csv",
     "y,x\n1,2\n2,0x1p3\n3,5\n4,7\n",
     0,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"hex.csv:3:3:", "'0x1p3'"},
     NULL},
    {"thousands separator \"1,000\"",
     "thou.csv",
     "y,x\n1,2\n2,\"1,000\"\n3,5\n4,7\n",
     0,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"thou.csv:3:3:", "'1,000'"},
     NULL},
    {"two decimal points",
     "dots.csv",
     "y,x\n1,2\n2,1.2.3\n3,5\n4,1\n",
     0,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"dots.csv:3:3:", "'1.2.3'"},
     NULL},
    {"duplicate column names",
     "dup.csv",
     "y,x,x\n1,2,3\n2,3,4\n3,5,1\n4,7,2\n",
     0,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"dup.csv:1:5:", "duplicate column name 'x'"},
     NULL},
    {"empty header field",
     "emptyh.csv",
     "y,,x\n1,2,3\n2,3,4\n3,5,1\n4,7,2\n",
     0,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"emptyh.csv:1:3:", "empty column name"},
     NULL},
    {"empty file",
     "empty.csv",
     "",
     0,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"empty.csv:1:1:", "empty file"},
     NULL},
    {"a file with only a BOM",
     "bomonly.csv",
     "\xef\xbb\xbf",
     0,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"bomonly.csv:1:1:", "empty file"},
     NULL},
    {"lone carriage returns",
     "cr.csv",
     "y,x\r1,2\r2,3\r3,5\r",
     0,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"cr.csv:1:4:", "carriage return"},
     NULL},
    {"unterminated quote",
     "uq.csv",
     "y,x\n\"1,2\n",
     0,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"uq.csv:2:1:", "unterminated"},
     NULL},
    {"text after a closing quote",
     "qx.csv",
     "y,x\n1,\"2\"x\n2,3\n",
     0,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"qx.csv:2:6:", "after a closing quote"},
     NULL},
    {"an .h5 that is a directory",
     "dir.h5",
     "-",
     0,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"dir.h5: not a regular file"},
     NULL},
    {"log of zero",
     "log0.csv",
     "y,x\n1,2\n2,0\n3,5\n4,7\n",
     0,
     NULL,
     FIT("y ~ log(x)"),
     NULL,
     OUT_NONE,
     3,
     {"log(x) is undefined", "row 2"},
     NULL},
    {"sqrt of a negative value",
     "sq.csv",
     "y,x\n1,4\n2,-1\n3,5\n4,1\n",
     0,
     NULL,
     FIT("y ~ sqrt(x)"),
     NULL,
     OUT_NONE,
     3,
     {"sqrt(x) is undefined", "row 2"},
     NULL},

    /* ---- numerical: exit 4 ---- */
    {"header only",
     "hdr.csv",
     "y,x\n",
     0,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     4,
     {"no observations left", "of 0 rows"},
     NULL},
    {"header only, no newline",
     "hdr2.csv",
     "y,x",
     0,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     4,
     {"no observations left"},
     NULL},
    {"all-missing column",
     "allm.csv",
     "y,x,m\n1,2,\n2,3,NA\n3,5,.\n4,7,NaN\n",
     0,
     NULL,
     FIT("y ~ x + m"),
     NULL,
     OUT_NONE,
     4,
     {"no observations left", "4 have a missing value"},
     NULL},
    {"all weights zero",
     "allzw.csv",
     "y,x,w\n1,2,0\n2,3,0\n3,5,0\n",
     0,
     NULL,
     FIT("y ~ x", "--weights", "w"),
     NULL,
     OUT_NONE,
     4,
     {"no observations left", "zero weight"},
     NULL},

    /* ---- usage: exit 2 ---- */
    {"formula: trailing +",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x +"),
     NULL,
     OUT_NONE,
     2,
     {"bad --model", "  y ~ x +\n", "^"},
     NULL},
    {"formula: empty right-hand side",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~"),
     NULL,
     OUT_NONE,
     2,
     {"bad --model", "  y ~\n", "^"},
     NULL},
    {"formula: no response",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("~ x"),
     NULL,
     OUT_NONE,
     2,
     {"expected the response", "  ~ x\n", "^"},
     NULL},
    {"formula: unclosed log(",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ log("),
     NULL,
     OUT_NONE,
     2,
     {"missing ')'", "  y ~ log(\n", "^"},
     NULL},
    {"formula: x^0.5",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x^0.5"),
     NULL,
     OUT_NONE,
     2,
     {"exponent must be an integer", "  y ~ x^0.5\n", "^"},
     NULL},
    {"formula: x^-1",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x^-1"),
     NULL,
     OUT_NONE,
     2,
     {"exponent must be an integer"},
     NULL},
    {"formula: huge exponent",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x^99999999999999999999"),
     NULL,
     OUT_NONE,
     2,
     {"exponent must be an integer"},
     NULL},
    {"formula: unknown function",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ foo(x)"),
     NULL,
     OUT_NONE,
     2,
     {"unknown function 'foo'", "  y ~ foo(x)\n", "^"},
     NULL},
    {"formula: second ~",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x ~ z"),
     NULL,
     OUT_NONE,
     2,
     {"a second '~'", "^"},
     NULL},
    {"formula: no ~",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y x"),
     NULL,
     OUT_NONE,
     2,
     {"expected '~'", "^"},
     NULL},
    {"formula: empty fixed-effects part",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x | "),
     NULL,
     OUT_NONE,
     2,
     {"empty fixed-effects part", "^"},
     NULL},
    {"formula: unclosed factor(",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ factor(g"),
     NULL,
     OUT_NONE,
     2,
     {"not closed", "^"},
     NULL},
    {"formula: bare parenthesis",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ (x"),
     NULL,
     OUT_NONE,
     2,
     {"parentheses may only follow a function name"},
     NULL},
    {"unknown --format",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x", "--format", "yaml"),
     NULL,
     OUT_NONE,
     2,
     {"bad --format", "'yaml'"},
     NULL},
    {"--threads 0",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x", "--threads", "0"),
     NULL,
     OUT_NONE,
     2,
     {"bad --threads '0'"},
     NULL},
    {"--threads -3",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x", "--threads", "-3"),
     NULL,
     OUT_NONE,
     2,
     {"bad --threads '-3'"},
     NULL},
    {"--threads abc",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x", "--threads", "abc"),
     NULL,
     OUT_NONE,
     2,
     {"bad --threads 'abc'"},
     NULL},
    {"--fe-tol 0",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x | g", "--fe-tol", "0"),
     NULL,
     OUT_NONE,
     2,
     {"bad --fe-tol '0'", "between 0 and 1"},
     NULL},
    {"--fe-tol -1e-12",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x | g", "--fe-tol", "-1e-12"),
     NULL,
     OUT_NONE,
     2,
     {"bad --fe-tol '-1e-12'"},
     NULL},
    {"--fe-tol 1",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x | g", "--fe-tol", "1"),
     NULL,
     OUT_NONE,
     2,
     {"bad --fe-tol '1'"},
     NULL},
    {"--fe-tol 2.5",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x | g", "--fe-tol", "2.5"),
     NULL,
     OUT_NONE,
     2,
     {"bad --fe-tol '2.5'"},
     NULL},
    {"--fe-tol abc",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x | g", "--fe-tol", "abc"),
     NULL,
     OUT_NONE,
     2,
     {"bad --fe-tol 'abc'"},
     NULL},
    {"--fe-tol 1e-8x",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x | g", "--fe-tol", "1e-8x"),
     NULL,
     OUT_NONE,
     2,
     {"bad --fe-tol '1e-8x'"},
     NULL},
    {"--fe-tol nan",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x | g", "--fe-tol", "nan"),
     NULL,
     OUT_NONE,
     2,
     {"bad --fe-tol 'nan'"},
     NULL},
    {"--fe-tol without a value",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x | g", "--fe-tol"),
     NULL,
     OUT_NONE,
     2,
     {"option --fe-tol needs a value"},
     NULL},
    {"--fe-maxiter 0",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x | g", "--fe-maxiter", "0"),
     NULL,
     OUT_NONE,
     2,
     {"bad --fe-maxiter '0'", "from 1 to"},
     NULL},
    {"--fe-maxiter -3",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x | g", "--fe-maxiter", "-3"),
     NULL,
     OUT_NONE,
     2,
     {"bad --fe-maxiter '-3'"},
     NULL},
    {"--fe-maxiter 2.5",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x | g", "--fe-maxiter", "2.5"),
     NULL,
     OUT_NONE,
     2,
     {"bad --fe-maxiter '2.5'"},
     NULL},
    {"--fe-maxiter abc",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x | g", "--fe-maxiter", "abc"),
     NULL,
     OUT_NONE,
     2,
     {"bad --fe-maxiter 'abc'"},
     NULL},
    {"--fe-maxiter 1e99",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x | g", "--fe-maxiter", "99999999999999999999"),
     NULL,
     OUT_NONE,
     2,
     {"bad --fe-maxiter '99999999999999999999'"},
     NULL},
    {"--fe-tol without fixed effects",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x", "--fe-tol", "1e-14"),
     NULL,
     OUT_NONE,
     2,
     {"--fe-tol applies only to models with absorbed fixed effects"},
     NULL},
    {"--fe-maxiter without fixed effects",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x", "--fe-maxiter", "100"),
     NULL,
     OUT_NONE,
     2,
     {"--fe-maxiter applies only to models with absorbed fixed effects"},
     NULL},
    {"--fe-tol with a GLM without fixed effects",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x", "--estimator", "poisson", "--fe-tol", "1e-14"),
     NULL,
     OUT_NONE,
     2,
     {"--fe-tol applies only"},
     NULL},
    {"--fe-maxiter 1 with two fixed-effect sets",
     "twofe.csv",
     "y,x,a,b\n1.5,0.5,p,u\n2.25,1.25,p,v\n3.5,2.0,p,u\n2.75,2.5,q,v\n5.0,3.75,q,w\n4.5,4.0,q,"
     "w\n6.25,1.5,r,u\n3.0,0.75,r,w\n7.5,2.25,r,u\n5.5,3.5,p,w\n",
     0,
     NULL,
     FIT("y ~ x | a + b", "--fe-maxiter", "1"),
     NULL,
     OUT_NONE,
     4,
     {"did not converge after 1 iterations"},
     NULL},
    {"--fe-tol and --fe-maxiter accepted with fixed effects",
     "good.csv",
     NULL,
     0,
     NULL,
     FITJ("y ~ x | g", "--fe-tol", "1e-14", "--fe-maxiter", "50"),
     NULL,
     OUT_NONE,
     0,
     {"\"nobs\":6"},
     NULL},
    {"missing --model",
     "good.csv",
     NULL,
     0,
     NULL,
     "fit",
     {"--data", "@"},
     NULL,
     OUT_NONE,
     2,
     {"missing --model"},
     NULL},
    {"a cluster variable with one cluster",
     "onecl.csv",
     "y,x,g\n1,2,\n2,3,NA\n3,5,a\n4,7,a\n",
     0,
     NULL,
     FIT("y ~ x", "--vcov", "cluster:g"),
     NULL,
     OUT_NONE,
     2,
     {"cluster variable g has 1 cluster", "at least 2"},
     NULL},
    {"negative weight",
     "negw.csv",
     "y,x,w\n1,2,1\n2,3,1\n3,5,-2\n4,7,1\n5,1,1\n",
     0,
     NULL,
     FIT("y ~ x", "--weights", "w"),
     NULL,
     OUT_NONE,
     2,
     {"weight 'w' is negative", "row 3"},
     NULL},
    {"duplicate (id, time) pairs with fd",
     "dupt.csv",
     "y,x,id,t\n1,2,1,1\n2,3,1,1\n3,5,2,1\n4,7,2,2\n5,1,3,1\n6,2,3,2\n7,4,1,2\n",
     0,
     NULL,
     FIT("y ~ x", "--estimator", "fd", "--panel", "id,t"),
     NULL,
     OUT_NONE,
     2,
     {"first differences", "two observations", "at time 1"},
     NULL},
    {"duplicate (id, time) pairs with re",
     "dupt.csv",
     "y,x,id,t\n1,2,1,1\n2,3,1,1\n3,5,2,1\n4,7,2,2\n5,1,3,1\n6,2,3,2\n7,4,1,2\n",
     0,
     NULL,
     FIT("y ~ x", "--estimator", "re", "--panel", "id,t"),
     NULL,
     OUT_NONE,
     2,
     {"random effects", "two observations", "at time 1"},
     NULL},
    {"duplicate (id, time) pairs with between",
     "dupt.csv",
     "y,x,id,t\n1,2,1,1\n2,3,1,1\n3,5,2,1\n4,7,2,2\n5,1,3,1\n6,2,3,2\n7,4,1,2\n",
     0,
     NULL,
     FIT("y ~ x", "--estimator", "between", "--panel", "id,t"),
     NULL,
     OUT_NONE,
     2,
     {"between estimator", "two observations", "at time 1"},
     NULL},

    /* ---- output files: a failed run never writes, never truncates ---- */
    {"--out in a missing directory",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x", "--out", "%"),
     "nodir/sub/r.h5",
     OUT_ABSENT,
     1,
     {"nodir/sub/r.h5", "cannot create"},
     NULL},
    {"--name reused",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x", "--out", "%", "--name", "m"),
     "reuse.h5",
     OUT_RESULTS,
     2,
     {"/models/m exists already"},
     NULL},
    {"--out an existing text file",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x", "--out", "%"),
     "text_out.h5",
     OUT_TEXT,
     1,
     {"text_out.h5", "cannot open the existing file"},
     NULL},
    {"bad data with --out, new file",
     "nul.csv",
     "y,x\n1,2\n2,3\0004\n3,5\n",
     18,
     NULL,
     FIT("y ~ x", "--out", "%"),
     "fresh1.h5",
     OUT_ABSENT,
     3,
     {"NUL byte"},
     NULL},
    {"bad formula with --out, new file",
     "good.csv",
     NULL,
     0,
     NULL,
     FIT("y ~ x +", "--out", "%"),
     "fresh2.h5",
     OUT_ABSENT,
     2,
     {"bad --model"},
     NULL},
    {"no observations with --out, new file",
     "hdr.csv",
     "y,x\n",
     0,
     NULL,
     FIT("y ~ x", "--out", "%"),
     "fresh3.h5",
     OUT_ABSENT,
     4,
     {"no observations left"},
     NULL},
    {"bad data with --out, existing results",
     "ragged.csv",
     "y,x\n1,2\n3\n4,5\n",
     0,
     NULL,
     FIT("y ~ x", "--out", "%", "--name", "m2"),
     "keep1.h5",
     OUT_RESULTS,
     3,
     {"ragged.csv:3:"},
     NULL},
    {"numerical failure with --out, existing results",
     "allzw.csv",
     "y,x,w\n1,2,0\n2,3,0\n3,5,0\n",
     0,
     NULL,
     FIT("y ~ x", "--weights", "w", "--out", "%", "--name", "m3"),
     "keep2.h5",
     OUT_RESULTS,
     4,
     {"no observations left"},
     NULL},

    /* ---- files that are not CSV: one line naming the format, exit 3 ---- */
    {"Stata .dta (format 114)",
     "x.dta",
     "\x72\x02\x01\x00\x05\x00\x03\x00\x00\x00y\0\0",
     13,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"x.dta: a Stata .dta file; ", "goodwork reads CSV (.csv, .csv.gz, .tsv)"},
     NULL},
    {"Stata .dta (format 118)",
     "new.dta",
     "<stata_dta><header><release>118</release>",
     0,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"new.dta: a Stata .dta file", "(.h5)"},
     NULL},
    {"Excel .xlsx given as .csv",
     "book.csv",
     "PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",
     14,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"book.csv: a zip archive (an Excel .xlsx workbook"},
     NULL},
    {"Parquet",
     "t.parquet",
     "PAR1\x15\x04\x15\x10\x15\x14L\x15\x02\x00\x00PAR1",
     19,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"t.parquet: a Parquet file; goodwork reads CSV"},
     NULL},
    {"SPSS .sav",
     "s.sav",
     "$FL2@(#) SPSS DATA "
     "FILE\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
     "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
     "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
     "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
     "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
     "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
     "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
     183,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"s.sav: an SPSS .sav file"},
     NULL},
    {"SAS .sas7bdat",
     "d.sas7bdat",
     "\0\0\0\0\0\0\0\0\0\0\0\0\xc2\xea\x81\x60\xb3\x14\x11\xcf\xbd\x92\x08\x00\x09\xc7\x31\x8c\x18"
     "\x1f\x10\x11",
     32,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"d.sas7bdat: a SAS .sas7bdat file"},
     NULL},
    {"HDF5 named .csv",
     "h5.csv",
     "\x89HDF\r\n\x1a\n\0\0\0\0\0\x08\x08\0",
     16,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"h5.csv: an HDF5 file (give it the .h5 extension"},
     NULL},
    {"gzip without .gz",
     "zipped.csv",
     "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\x2d\xcc\xc1\x11\x80\x30\x08\x04"
     "\xc0\x3f\xb5\x9c\x0c\x60\x98\xd8\x8e\xf1\x61\x09\x9a\x54\x2f\x30\xfe\xb8"
     "\xbd\x1b\x26\x5e\x2c\xdc\x78\x48\xd9\x1c\xc2\x8e\x9d\xbb\xe3\x84\x92\x45"
     "\x28\xcd\x63\xc0\x02\x7a\x06\x09\x95\x5a\x34\xd6\xbf\x96\xdc\x0d\x6c\x4a"
     "\x1e\x5d\xbd\x68\xc1\x17\x12\x8e\x4a\xc9\x52\xf2\x01\x6c\x73\xd5\xc0\x75"
     "\x00\x00\x00",
     93,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"zipped.csv: a gzip-compressed file (name it .csv.gz"},
     NULL},
    {"UTF-16 text",
     "u16.csv",
     "\xff\xfey\0,\0x\0\n\0",
     10,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"u16.csv: UTF-16 text"},
     NULL},
    {"convert: a Stata .dta file",
     "x.dta",
     "\x72\x02\x01\x00\x05\x00\x03\x00\x00\x00y\0\0",
     13,
     NULL,
     "convert",
     {"@", "%"},
     "convdta.h5",
     OUT_ABSENT,
     3,
     {"x.dta: a Stata .dta file; ", "goodwork reads CSV (.csv, .csv.gz, .tsv)"},
     NULL},
    /* ---- .csv.gz and --delim ---- */
    {".csv.gz",
     "good.csv.gz",
     "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\x2d\xcc\xc1\x11\x80\x30\x08\x04"
     "\xc0\x3f\xb5\x9c\x0c\x60\x98\xd8\x8e\xf1\x61\x09\x9a\x54\x2f\x30\xfe\xb8"
     "\xbd\x1b\x26\x5e\x2c\xdc\x78\x48\xd9\x1c\xc2\x8e\x9d\xbb\xe3\x84\x92\x45"
     "\x28\xcd\x63\xc0\x02\x7a\x06\x09\x95\x5a\x34\xd6\xbf\x96\xdc\x0d\x6c\x4a"
     "\x1e\x5d\xbd\x68\xc1\x17\x12\x8e\x4a\xc9\x52\xf2\x01\x6c\x73\xd5\xc0\x75"
     "\x00\x00\x00",
     93,
     NULL,
     FITJ("y ~ x"),
     NULL,
     OUT_NONE,
     0,
     {"\"nobs\":6"},
     NULL},
    {"truncated .csv.gz",
     "trunc.csv.gz",
     "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\x2d\xcc\xc1\x11\x80\x30\x08\x04"
     "\xc0\x3f\xb5\x9c\x0c\x60\x98\xd8\x8e\xf1\x61\x09\x9a\x54\x2f\x30\xfe\xb8"
     "\xbd\x1b\x26\x5e\x2c\xdc\x78\x48\xd9\x1c\xc2\x8e\x9d\xbb\xe3\x84\x92\x45"
     "\x28\xcd\x63\xc0\x02\x7a",
     60,
     NULL,
     FIT("y ~ x"),
     NULL,
     OUT_NONE,
     3,
     {"trunc.csv.gz: truncated gzip data"},
     NULL},
    {"convert: truncated .csv.gz",
     "trunc.csv.gz",
     "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\x2d\xcc\xc1\x11\x80\x30\x08\x04"
     "\xc0\x3f\xb5\x9c\x0c\x60\x98\xd8\x8e\xf1\x61\x09\x9a\x54\x2f\x30\xfe\xb8"
     "\xbd\x1b\x26\x5e\x2c\xdc\x78\x48\xd9\x1c\xc2\x8e\x9d\xbb\xe3\x84\x92\x45"
     "\x28\xcd\x63\xc0\x02\x7a",
     60,
     NULL,
     "convert",
     {"@", "%"},
     "convgz.h5",
     OUT_ABSENT,
     3,
     {"trunc.csv.gz: truncated gzip data"},
     NULL},
    {"semicolons detected",
     "semi.csv",
     "y;x\n1.25;0.5\n2.5;1.25\n2.75;2.0\n4.125;2.5\n5.0;3.75\n5.875;4.0\n",
     0,
     NULL,
     FITJ("y ~ x"),
     NULL,
     OUT_NONE,
     0,
     {"\"nobs\":6"},
     NULL},
    {"--delim given",
     "pipe.csv",
     "y|x,z\n1.25|0.5\n2.5|1.25\n2.75|2.0\n4.125|2.5\n5.0|3.75\n5.875|4.0\n",
     0,
     NULL,
     "fit",
     {"--data", "@", "--delim", "|", "--format", "json", "--model", "y ~ x.z"},
     NULL,
     OUT_NONE,
     2,
     {"x.z"},
     NULL},
    {"--delim without a value",
     "good.csv",
     NULL,
     0,
     NULL,
     "fit",
     {"--data", "@", "--model", "y ~ x", "--delim"},
     NULL,
     OUT_NONE,
     2,
     {"--delim needs a value"},
     NULL},
    {"--delim of two characters",
     "good.csv",
     NULL,
     0,
     NULL,
     "fit",
     {"--data", "@", "--delim", ";;", "--model", "y ~ x"},
     NULL,
     OUT_NONE,
     2,
     {"--delim ';;'"},
     NULL},
    /* ---- convert ---- */
    {"convert: NUL byte",
     "nul.csv",
     "y,x\n1,2\n2,3\0004\n3,5\n",
     18,
     NULL,
     "convert",
     {"@", "%"},
     "conv1.h5",
     OUT_ABSENT,
     3,
     {"nul.csv:3:4:", "NUL byte"},
     NULL},
    {"convert: NUL byte over an existing file",
     "nul.csv",
     "y,x\n1,2\n2,3\0004\n3,5\n",
     18,
     NULL,
     "convert",
     {"@", "%"},
     "conv2.h5",
     OUT_RESULTS,
     3,
     {"NUL byte"},
     NULL},
    {"convert: a directory named .h5",
     "dir.h5",
     "-",
     0,
     NULL,
     "convert",
     {"@", "%"},
     "conv3.csv",
     OUT_ABSENT,
     3,
     {"dir.h5: not a regular file"},
     NULL},
    {"convert: output in a missing directory",
     "good.csv",
     NULL,
     0,
     NULL,
     "convert",
     {"@", "%"},
     "nodir/x.h5",
     OUT_ABSENT,
     1,
     {"nodir/x.h5", "cannot create"},
     NULL},
    {"convert: unknown direction",
     "good.csv",
     NULL,
     0,
     NULL,
     "convert",
     {"@", "%"},
     "conv4.txt",
     OUT_ABSENT,
     2,
     {"cannot tell the direction"},
     NULL},
    {"convert: invalid UTF-8 header",
     "utf8.csv",
     "y,x\xff\xfe\n1,2\n2,3\n3,5\n",
     0,
     NULL,
     "convert",
     {"@", "%"},
     "conv5.h5",
     OUT_ABSENT,
     3,
     {"utf8.csv:1:3:", "not valid UTF-8"},
     NULL},
    {"convert: duplicate column names",
     "dup.csv",
     "y,x,x\n1,2,3\n2,3,4\n",
     0,
     NULL,
     "convert",
     {"@", "%"},
     "conv6.h5",
     OUT_ABSENT,
     3,
     {"duplicate column name 'x'"},
     NULL},
    {"convert: 1e400",
     "big.csv",
     "y,x\n1,2\n2,1e400\n3,5\n",
     0,
     NULL,
     "convert",
     {"@", "%"},
     "conv7.h5",
     OUT_ABSENT,
     3,
     {"big.csv:3:3:", "out of the range"},
     NULL},

    /* ---- edge inputs that must succeed with correct numbers ---- */
    {"100,000 columns, two used",
     "wide.csv",
     NULL,
     0,
     gen_wide,
     FITJ("y ~ x"),
     NULL,
     OUT_NONE,
     0,
     {"\"nobs\":5"},
     check_wide},
    {"10 MB line in an unused quoted column",
     "longtext.csv",
     NULL,
     0,
     gen_long_text,
     FITJ("y ~ x"),
     NULL,
     OUT_NONE,
     0,
     {"\"nobs\":4"},
     check_four_rows},
    {"CRLF line endings and a BOM",
     "bom.csv",
     "\xef\xbb\xbfy,x\r\n1.25,0.5\r\n2.5,1.25\r\n2.75,2.0\r\n4.125,2.5\r\n",
     0,
     NULL,
     FITJ("y ~ x"),
     NULL,
     OUT_NONE,
     0,
     {"\"nobs\":4"},
     check_four_rows},
    {"constant regressor (collinear with the intercept)",
     "const.csv",
     "y,x,c\n1,2,5\n2,3,5\n3,5,5\n4,7,5\n5,1,5\n",
     0,
     NULL,
     FITJ("y ~ x + c"),
     NULL,
     OUT_NONE,
     0,
     {"\"dropped_collinear\":[\"c\"]"},
     check_constant},
    {"exact collinearity z = 2x",
     "coll.csv",
     "y,x,z\n1,2,4\n2,3,6\n3,5,10\n4,7,14\n5,1,2\n",
     0,
     NULL,
     FITJ("y ~ x + z"),
     NULL,
     OUT_NONE,
     0,
     {"\"dropped_collinear\":[\"z\"]"},
     check_collinear},
    {"more regressors than rows",
     "wide2.csv",
     "y,a,b,c,d\n1,2,5,1,3\n2,3,5,4,1\n3,5,2,2,2\n",
     0,
     NULL,
     FITJ("y ~ a + b + c + d"),
     NULL,
     OUT_NONE,
     0,
     {"\"std_error\":null"},
     check_more_regressors},
    {"a fixed effect with one level",
     "fe1.csv",
     "y,x,f\n1,2,a\n2,3,a\n3,5,a\n4,7,a\n5,1,a\n",
     0,
     NULL,
     FITJ("y ~ x | f"),
     NULL,
     OUT_NONE,
     0,
     {"\"levels\":1"},
     check_one_level_fe},
    {"zero weights drop rows",
     "zerow.csv",
     "y,x,w\n1,2,1\n2,3,0\n3,5,1\n4,7,1\n5,1,1\n",
     0,
     NULL,
     FITJ("y ~ x", "--weights", "w"),
     NULL,
     OUT_NONE,
     0,
     {"\"weights\":\"w\""},
     check_zero_weight},
    {"perfect fit y = 1 + 2x",
     "perf.csv",
     "y,x\n3,1\n5,2\n7,3\n9,4\n11,5\n",
     0,
     NULL,
     FITJ("y ~ x"),
     NULL,
     OUT_NONE,
     0,
     {"\"r2\":1"},
     check_perfect},
    {"huge scale 1e300: coefficients",
     "huge.csv",
     NULL,
     0,
     gen_huge,
     FITJ("y ~ x"),
     NULL,
     OUT_NONE,
     0,
     {"\"nobs\":6"},
     check_huge},
    {"tiny scale 1e-300: coefficients",
     "tiny.csv",
     NULL,
     0,
     gen_tiny,
     FITJ("y ~ x"),
     NULL,
     OUT_NONE,
     0,
     {"\"nobs\":6"},
     check_tiny},
    {"huge scale 1e300 with hc3",
     "huge3.csv",
     NULL,
     0,
     gen_huge,
     FITJ("y ~ x", "--vcov", "hc3"),
     NULL,
     OUT_NONE,
     0,
     {"\"vcov_type\":\"hc3\""},
     check_huge_hc3},
    {"tiny scale 1e-300 with hc3",
     "tiny3.csv",
     NULL,
     0,
     gen_tiny,
     FITJ("y ~ x", "--vcov", "hc3"),
     NULL,
     OUT_NONE,
     0,
     {"\"vcov_type\":\"hc3\""},
     check_tiny_hc3},
    {"large scale 1e150: everything",
     "s150.csv",
     NULL,
     0,
     gen_big,
     FITJ("y ~ x"),
     NULL,
     OUT_NONE,
     0,
     {"\"nobs\":6"},
     check_big},
    {"small scale 1e-150: everything",
     "t150.csv",
     NULL,
     0,
     gen_small,
     FITJ("y ~ x"),
     NULL,
     OUT_NONE,
     0,
     {"\"nobs\":6"},
     check_small},
    /* The contract says only "differences within panel id in time order": a non-integer time is
     * accepted and ordered (documented behaviour, not an error). */
    {"non-integer panel time with fd",
     "fdt.csv",
     "y,x,id,t\n1,2,1,1.5\n2,3,1,2.5\n3,5,2,1\n4,7,2,2\n5,1,3,1\n6,2,3,2\n",
     0,
     NULL,
     FITJ("y ~ x", "--estimator", "fd", "--panel", "id,t"),
     NULL,
     OUT_NONE,
     0,
     {"\"estimator\":\"fd\"", "\"nobs\":3"},
     NULL},
};

/* ---------------------------------------------------------------------------------------------
 * Running a case */

static const char *prepare_data(const bad_case *c)
{
    const char *path = gwt_tmp_path(c->file);
    if (c->gen != NULL)
        c->gen(path);
    else if (c->content == NULL)
        write_bytes(path, good_csv, sizeof good_csv - 1);
    else if (strcmp(c->content, "-") == 0) {
        if (strcmp(c->file, "dir.h5") == 0)
            mkdir(path, 0700);
    } else
        write_bytes(path, c->content, c->len > 0 ? c->len : strlen(c->content));
    return path;
}

/* A valid results file, made once by a good fit; its bytes seed the OUT_RESULTS cases. */
static char *results_bytes;
static size_t results_len;

static void make_results_seed(void)
{
    if (results_bytes != NULL)
        return;
    const char *data = gwt_write_file("seed.csv", good_csv);
    const char *out = gwt_tmp_path("seed.h5");
    gwt_run_result r =
        gwt_run_cli("fit", "--data", data, "--model", "y ~ x", "--out", out, "--name", "m", NULL);
    if (r.exit_code != 0)
        fail_msg("cannot make the seed results file: %s", r.err);
    gwt_run_free(&r);
    results_bytes = read_bytes(out, &results_len);
    assert_non_null(results_bytes);
}

static const char text_out[] = "this is not an HDF5 file\n";

static int run_case(const bad_case *c)
{
    const char *data = prepare_data(c);
    const char *out = c->out != NULL ? gwt_tmp_path(c->out) : NULL;
    char out_copy[1024] = "";
    if (out != NULL)
        snprintf(out_copy, sizeof out_copy, "%s", out);
    if (c->mode == OUT_ABSENT)
        remove(out_copy);
    else if (c->mode == OUT_RESULTS)
        write_bytes(out_copy, results_bytes, results_len);
    else if (c->mode == OUT_TEXT)
        write_bytes(out_copy, text_out, sizeof text_out - 1);
    int tmp_before = count_temporaries();

    const char *argv[MAXARGS + 3] = {GW_CLI, c->cmd};
    size_t n = 2;
    for (size_t k = 0; k < MAXARGS && c->args[k] != NULL; k++) {
        if (strcmp(c->args[k], "@") == 0)
            argv[n++] = data;
        else if (strcmp(c->args[k], "%") == 0)
            argv[n++] = out_copy;
        else
            argv[n++] = c->args[k];
    }
    argv[n] = NULL;

    gwt_run_result r = gwt_run(argv);
    int ok = 1;
    if (r.exit_code < 0) {
        print_error("%s: killed by a signal\n", c->label);
        ok = 0;
    } else if (r.exit_code != c->exit_code) {
        print_error("%s: exit %d, expected %d\n", c->label, r.exit_code, c->exit_code);
        ok = 0;
    }
    const char *where = c->exit_code == 0 ? r.out : r.err;
    for (size_t k = 0; k < MAXFRAG && c->fragment[k] != NULL; k++)
        if (strstr(where, c->fragment[k]) == NULL) {
            print_error("%s: %s lacks \"%s\"\n", c->label, c->exit_code == 0 ? "stdout" : "stderr",
                        c->fragment[k]);
            ok = 0;
        }
    if (c->exit_code == 0 && r.err[0] != '\0') {
        print_error("%s: a successful run wrote to stderr\n", c->label);
        ok = 0;
    }
    if (c->exit_code != 0) {
        if (strncmp(r.err, "goodwork: error:", 16) != 0) {
            print_error("%s: stderr does not start with \"goodwork: error:\"\n", c->label);
            ok = 0;
        }
        if (r.out[0] != '\0') {
            print_error("%s: standard output is not empty: %.200s\n", c->label, r.out);
            ok = 0;
        }
        if (c->mode == OUT_ABSENT && file_exists(out_copy)) {
            print_error("%s: %s was written by a failed run\n", c->label, out_copy);
            ok = 0;
        }
        if (c->mode == OUT_RESULTS || c->mode == OUT_TEXT) {
            size_t len = 0;
            char *now = read_bytes(out_copy, &len);
            const char *was = c->mode == OUT_RESULTS ? results_bytes : text_out;
            size_t was_len = c->mode == OUT_RESULTS ? results_len : sizeof text_out - 1;
            if (now == NULL || len != was_len || memcmp(now, was, len) != 0) {
                print_error("%s: the existing %s changed\n", c->label, out_copy);
                ok = 0;
            }
            free(now);
        }
        if (count_temporaries() != tmp_before) {
            print_error("%s: a temporary file was left behind\n", c->label);
            ok = 0;
        }
    }
    if (!ok)
        print_error("  stderr was: %.500s\n", r.err);
    if (ok && c->exit_code == 0 && c->check != NULL) {
        cJSON *o = cJSON_Parse(r.out);
        if (o == NULL)
            fail_msg("%s: standard output is not JSON", c->label);
        c->check(o); /* fails the test through cmocka on a wrong number */
        cJSON_Delete(o);
    }
    gwt_run_free(&r);
    if (c->gen != NULL)
        remove(data); /* the large inputs */
    return ok;
}

static void test_bad_inputs_table(void **state)
{
    (void)state;
    make_results_seed();
    size_t failed = 0, ncases = sizeof cases / sizeof cases[0];
    for (size_t i = 0; i < ncases; i++)
        failed += !run_case(&cases[i]);
    if (failed > 0)
        fail_msg("%zu of %zu bad-input cases misbehaved (listed above)", failed, ncases);
}

/* The table is large enough to be the suite issue 7 asks for, and its labels are distinct. */
static void test_bad_inputs_count(void **state)
{
    (void)state;
    size_t ncases = sizeof cases / sizeof cases[0];
    assert_true(ncases >= 80);
    for (size_t i = 0; i < ncases; i++)
        for (size_t j = i + 1; j < ncases; j++)
            assert_string_not_equal(cases[i].label, cases[j].label);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_inputs_count),
        cmocka_unit_test(test_bad_inputs_table),
    };
    int rc = cmocka_run_group_tests_name("bad_inputs_cli", tests, NULL, NULL);
    free(results_bytes);
    return rc;
}
