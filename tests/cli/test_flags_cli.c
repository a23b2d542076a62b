/* test_flags_cli.c -- strict flags: an option that takes one value, given twice, is a usage
 * error (exit 2) naming it, in every command and in both spellings (--x v, --x=v), before any
 * file is read; options meant to repeat (scenario's --shock and --by, fit's --model and --name)
 * and switches still may.
 * The table lists one or more cases per command (ReadStat style: input, exit code, message). */
#include <stdio.h>
#include <string.h>

#include "gw_test.h"

#define MAXARGS 14

typedef struct {
    const char *args[MAXARGS]; /* the command and its arguments; "@" is a readable CSV file */
    int exit_code;
    const char *fragment[2]; /* expected in standard error (NULL: unused) */
} flag_case;

static const flag_case cases[] = {
    /* fit: --model and --name may repeat (several models in one call, issue 19) */
    {{"fit", "--data", "@", "--model", "y ~ x", "--model", "y ~ x + z"}, 0, {0}},
    {{"fit", "--data", "@", "--model", "y ~ x", "--vcov", "hc1", "--vcov=cluster:g"},
     2,
     {"--vcov given twice ('hc1', then 'cluster:g'; goodwork fit takes one)"}},
    /* the second --data does not exist: the usage error comes before anything is read */
    {{"fit", "--data", "@", "--model", "y ~ x", "--data", "no_such.csv"},
     2,
     {"--data given twice"}},
    {{"fit", "--data=@", "--model", "y ~ x", "--estimator", "ols", "--estimator", "poisson"},
     2,
     {"--estimator given twice"}},
    {{"fit", "--data", "@", "--model", "y ~ x", "--out", "a.h5", "--out", "b.h5"},
     2,
     {"--out given twice"}},
    {{"fit", "--data", "@", "--model", "y ~ x", "--threads", "1", "--threads", "2"},
     2,
     {"--threads given twice"}},
    {{"fit", "--data", "@", "--model", "y ~ x", "--delim", ",", "--delim", ";"},
     2,
     {"--delim given twice"}},
    /* the same value twice is still two values */
    {{"fit", "--data", "@", "--model", "y ~ x", "--format", "json", "--format", "json"},
     2,
     {"--format given twice ('json', then 'json'"}},
    /* switches may repeat: asking twice for the same thing */
    {{"fit", "--data", "@", "--model", "y ~ x", "--keep-singletons", "--keep-singletons"}, 0, {0}},
    {{"index", "--data", "@", "--indicators", "x,z", "--id", "g", "--id=y"},
     2,
     {"--id given twice ('g', then 'y'; goodwork index takes one)"}},
    {{"cluster", "--data", "@", "--vars", "x,z", "--id", "g", "--k", "2", "--k", "3"},
     2,
     {"--k given twice"}},
    {{"synergy", "--data", "@", "--vars", "x,z", "--vars", "x,y"}, 2, {"--vars given twice"}},
    {{"mediate", "--data", "@", "--treatment", "x", "--mediator", "z", "--outcome", "y", "--boot",
      "9", "--boot", "19"},
     2,
     {"--boot given twice"}},
    {{"scenario", "--results", "r.h5", "--data", "@", "--draws", "10", "--draws", "20"},
     2,
     {"--draws given twice"}},
    /* --shock and --by repeat by design: the error is the missing results file, not a repeat */
    {{"scenario", "--results", "no_such.h5", "--data", "@", "--shock", "x+=1", "--shock", "z+=1",
      "--by", "g", "--by", "w"},
     3,
     {"no_such.h5"}},
    {{"table", "r.h5", "--format", "csv", "--format=json"}, 2, {"--format given twice"}},
    {{"table", "r.h5", "--models=a", "--models", "b"}, 2, {"--models given twice"}},
    {{"convert", "--table", "/a", "@", "out.h5", "--table=/b"}, 2, {"--table given twice"}},
    {{"convert", "--factor", "g", "--factor", "w", "@", "out.h5"}, 2, {"--factor given twice"}},
    {{"generate", "--out", "a.csv", "--seed", "1", "--seed=2"},
     2,
     {"--seed given twice ('1', then '2'; goodwork generate takes one)"}},
    {{"run", "--outdir", "a", "--outdir=b"}, 2, {"--outdir given twice"}},
    {{"run", "--threads", "1", "--threads", "2"}, 2, {"--threads given twice"}},
    {{"bench", "--reps", "1", "--reps", "2"}, 2, {"--reps given twice"}},
    {{"bench", "--cases", "ols", "--out", "a.json", "--cases", "fe"}, 2, {"--cases given twice"}},
};

static const char data_csv[] = "y,x,z,g,w\n"
                               "1.25,0.5,3.75,1,1\n"
                               "2.5,1.25,2.5,2,2\n"
                               "2.75,2.0,1.0,1,1\n"
                               "4.125,2.5,0.25,2,1\n"
                               "5.0,3.75,4.5,3,1\n"
                               "5.875,4.0,3.0,3,1\n";

static void test_flags_given_twice(void **state)
{
    (void)state;
    const char *data = gwt_write_file("flags.csv", data_csv);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const flag_case *fc = &cases[c];
        char datarg[4096];
        const char *argv[MAXARGS + 2] = {GW_CLI};
        size_t n = 1;
        for (size_t i = 0; i < MAXARGS && fc->args[i] != NULL; i++) {
            const char *a = fc->args[i];
            if (strcmp(a, "@") == 0) {
                a = data;
            } else if (strcmp(a, "--data=@") == 0) {
                snprintf(datarg, sizeof datarg, "--data=%s", data);
                a = datarg;
            }
            argv[n++] = a;
        }
        argv[n] = NULL;
        gwt_run_result r = gwt_run(argv);
        if (r.exit_code != fc->exit_code)
            fail_msg("case %zu (%s %s ...): exit %d, expected %d\nstderr: %s", c, fc->args[0],
                     fc->args[1], r.exit_code, fc->exit_code, r.err);
        for (size_t k = 0; k < 2 && fc->fragment[k] != NULL; k++)
            if (strstr(r.err, fc->fragment[k]) == NULL)
                fail_msg("case %zu (%s): stderr lacks \"%s\":\n%s", c, fc->args[0], fc->fragment[k],
                         r.err);
        if (fc->exit_code == 2) {
            if (strncmp(r.err, "goodwork: error: ", 17) != 0)
                fail_msg("case %zu: stderr is not one error line:\n%s", c, r.err);
            if (r.out[0] != '\0')
                fail_msg("case %zu: output on a usage error:\n%s", c, r.out);
        }
        gwt_run_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flags_given_twice),
    };
    return cmocka_run_group_tests_name("flags_cli", tests, NULL, NULL);
}
