/* test_errors_cli.c -- malformed input to `goodwork fit`: the exit code, the message and no
 * output (ReadStat-style table of {input, expected exit code, message fragments}).
 *
 * Every case checks: the exit code of docs/reference/exit-codes.md (2 usage, 3 data, 4 numerical),
 * that standard error starts with "goodwork: error:", that it contains the expected fragments
 * (the place: "file:line:", or the formula with a caret), and that standard output is empty. */
#include <stdio.h>
#include <string.h>

#include "gw_test.h"

/* A well-formed data set that the usage cases run against. */
static const char good_csv[] = "y,x,z,g,w\n"
                               "1.25,0.5,3.75,a,1\n"
                               "2.5,1.25,2.5,b,2\n"
                               "2.75,2.0,1.0,a,1\n"
                               "4.125,2.5,0.25,b,-1\n"
                               "5.0,3.75,4.5,c,1\n"
                               "5.875,4.0,3.0,c,1\n";

#define MAXARGS 14

typedef struct {
    const char *label;
    const char *file;          /* name of the data file in the temporary directory                */
    const char *content;       /* its content; NULL: good_csv; "-" : do not create the file       */
    const char *args[MAXARGS]; /* after "fit"; "@" stands for the data file's path          */
    int exit_code;
    const char *fragment[3]; /* expected in standard error (NULL: unused)                   */
} error_case;

static const error_case cases[] = {
    /* data errors: exit 3, the place as file:line: */
    {"ragged row",
     "ragged.csv",
     "y,x\n1,2\n3\n4,5\n",
     {"--data", "@", "--model", "y ~ x"},
     3,
     {"ragged.csv:3:", "field"}},
    {"text in a numeric column",
     "text.csv",
     "y,x\n1,2\n2,abc\n3,4\n",
     {"--data", "@", "--model", "y ~ x"},
     3,
     {"text.csv:3:", "text in numeric column"}},
    {"unterminated quote",
     "quote.csv",
     "y,x\n1,2\n\"3,4\n5,6\n",
     {"--data", "@", "--model", "y ~ x"},
     3,
     {"quote.csv:3:", "unterminated"}},
    {"empty file",
     "empty.csv",
     "",
     {"--data", "@", "--model", "y ~ x"},
     3,
     {"empty.csv:", "empty"}},
    {"missing file",
     "no_such_file.csv",
     "-",
     {"--data", "@", "--model", "y ~ x"},
     3,
     {"no_such_file.csv", "cannot open"}},
    {"log of a negative value",
     "neglog.csv",
     "y,x\n1,2\n2,-1\n3,4\n",
     {"--data", "@", "--model", "y ~ log(x)"},
     3,
     {"log(x)", "row 2"}},
    /* formula and variables: exit 2, the formula with a caret */
    {"unknown variable",
     "good.csv",
     NULL,
     {"--data", "@", "--model", "y ~ x + nope"},
     2,
     {"unknown variable 'nope'", "  y ~ x + nope\n", "^"}},
    {"trailing operator",
     "good.csv",
     NULL,
     {"--data", "@", "--model", "y ~ x +"},
     2,
     {"  y ~ x +\n", "^"}},
    {"empty right-hand side",
     "good.csv",
     NULL,
     {"--data", "@", "--model", "y ~"},
     2,
     {"  y ~\n", "^"}},
    {"unknown cluster variable",
     "good.csv",
     NULL,
     {"--data", "@", "--model", "y ~ x", "--vcov", "cluster:nope"},
     2,
     {"unknown cluster variable 'nope'"}},
    {"unknown weights variable",
     "good.csv",
     NULL,
     {"--data", "@", "--model", "y ~ x", "--weights", "nope"},
     2,
     {"unknown weights variable 'nope'"}},
    {"negative weight",
     "good.csv",
     NULL,
     {"--data", "@", "--model", "y ~ x", "--weights", "w"},
     2,
     {"weight 'w'", "row 4"}},
    /* options: exit 2 before any file is read */
    {"unknown flag",
     "good.csv",
     NULL,
     {"--data", "@", "--model", "y ~ x", "--frobnicate"},
     2,
     {"unknown option '--frobnicate'"}},
    {"unknown flag with a value",
     "good.csv",
     NULL,
     {"--data", "@", "--model", "y ~ x", "--frob=1"},
     2,
     {"unknown option '--frob'"}},
    {"stray argument",
     "good.csv",
     NULL,
     {"--data", "@", "--model", "y ~ x", "extra"},
     2,
     {"unexpected argument 'extra'"}},
    {"bad --vcov",
     "good.csv",
     NULL,
     {"--data", "@", "--model", "y ~ x", "--vcov", "hc9"},
     2,
     {"bad --vcov 'hc9'", "cluster:VAR"}},
    {"empty cluster name",
     "good.csv",
     NULL,
     {"--data", "@", "--model", "y ~ x", "--vcov", "cluster:g+"},
     2,
     {"bad --vcov"}},
    {"missing --data", "good.csv", NULL, {"--model", "y ~ x"}, 2, {"missing --data"}},
    {"missing --model", "good.csv", NULL, {"--data", "@"}, 2, {"missing --model"}},
    {"option without its value",
     "good.csv",
     NULL,
     {"--data", "@", "--model"},
     2,
     {"--model needs a value"}},
    {"bad --format",
     "good.csv",
     NULL,
     {"--data", "@", "--model", "y ~ x", "--format", "xml"},
     2,
     {"xml"}},
    {"bad --threads",
     "good.csv",
     NULL,
     {"--data", "@", "--model", "y ~ x", "--threads", "0"},
     2,
     {"bad --threads '0'"}},
    {"bad --panel",
     "good.csv",
     NULL,
     {"--data", "@", "--model", "y ~ x", "--panel", "g"},
     2,
     {"bad --panel 'g'"}},
    {"logit with a response outside [0, 1]",
     "good.csv",
     NULL,
     {"--data", "@", "--model", "y ~ x", "--estimator", "logit"},
     3,
     {"data row"}},
    {"unknown estimator",
     "good.csv",
     NULL,
     {"--data", "@", "--model", "y ~ x", "--estimator", "lasso"},
     2,
     {"unknown --estimator"}},
    {"Driscoll-Kraay without --panel",
     "good.csv",
     NULL,
     {"--data", "@", "--model", "y ~ x", "--vcov", "dk:2"},
     2,
     {"dk:2 needs --panel ID,TIME"}},
    {"a text file named .h5",
     "data.h5",
     "y,x\n1,2\n",
     {"--data", "@", "--model", "y ~ x"},
     3,
     {"data.h5: not an HDF5 file"}},
    /* numerical: exit 4 */
    {"no observations left",
     "allmissing.csv",
     "y,x\nNA,1\n2,\n.,3\n",
     {"--data", "@", "--model", "y ~ x"},
     4,
     {"no observations left"}},
    {"perfectly collinear regressors only",
     "zero.csv",
     "y,x\n1.5,0\n2.5,0\n3.25,0\n",
     {"--data", "@", "--model", "y ~ x - 1"},
     4,
     {"collinear"}},
};

/* Runs one case; returns 1 when it behaves as expected, else prints why and returns 0. */
static int run_case(const error_case *c)
{
    const char *path;
    if (c->content == NULL)
        path = gwt_write_file(c->file, good_csv);
    else if (strcmp(c->content, "-") == 0) {
        static char missing[512];
        snprintf(missing, sizeof missing, "%s/%s", gwt_tmpdir(), c->file);
        path = missing;
    } else
        path = gwt_write_file(c->file, c->content);

    const char *argv[MAXARGS + 3] = {GW_CLI, "fit"};
    size_t n = 2;
    for (size_t k = 0; k < MAXARGS && c->args[k] != NULL; k++)
        argv[n++] = strcmp(c->args[k], "@") == 0 ? path : c->args[k];
    argv[n] = NULL;

    gwt_run_result r = gwt_run(argv);
    int ok = 1;
    if (r.exit_code != c->exit_code) {
        print_error("%s: exit %d, expected %d\n", c->label, r.exit_code, c->exit_code);
        ok = 0;
    }
    if (strncmp(r.err, "goodwork: error:", 16) != 0) {
        print_error("%s: stderr does not start with \"goodwork: error:\"\n", c->label);
        ok = 0;
    }
    for (size_t k = 0; k < 3 && c->fragment[k] != NULL; k++)
        if (strstr(r.err, c->fragment[k]) == NULL) {
            print_error("%s: stderr lacks \"%s\"\n", c->label, c->fragment[k]);
            ok = 0;
        }
    if (r.out[0] != '\0') {
        print_error("%s: standard output is not empty: %s\n", c->label, r.out);
        ok = 0;
    }
    if (!ok)
        print_error("  stderr was: %s\n", r.err);
    gwt_run_free(&r);
    return ok;
}

static void test_fit_errors_table(void **state)
{
    (void)state;
    size_t failed = 0, ncases = sizeof cases / sizeof cases[0];
    for (size_t i = 0; i < ncases; i++)
        failed += !run_case(&cases[i]);
    if (failed > 0)
        fail_msg("%zu of %zu error cases misbehaved (listed above)", failed, ncases);
}

/* The caret sits under the offending token: the column of "^" equals that of "nope". */
static void test_fit_errors_caret_position(void **state)
{
    (void)state;
    const char *path = gwt_write_file("good.csv", good_csv);
    gwt_run_result r = gwt_run_cli("fit", "--data", path, "--model", "y ~ x + nope", NULL);
    assert_int_equal(r.exit_code, 2);
    const char *f = strstr(r.err, "  y ~ x + nope\n");
    assert_non_null(f);
    const char *caret_line = strchr(f, '\n') + 1;
    const char *caret = strchr(caret_line, '^');
    assert_non_null(caret);
    assert_int_equal(caret - caret_line, strstr(f, "nope") - f);
    gwt_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit_errors_table),
        cmocka_unit_test(test_fit_errors_caret_position),
    };
    return cmocka_run_group_tests_name("errors_cli", tests, NULL, NULL);
}
