/* test_pipeline_file.c -- the pipeline file's syntax and checks (pipeline/ini.c, pl_parse):
 * each malformed file gives its exact message with file:line (duplicate sections naming both
 * lines, unknown keys and sections with the nearest known name), inline comments are cut as
 * docs/pipeline.md says, the keys each section kind takes are the flags of its command's
 * --help; and the edit distance behind "did you mean". */
#define _XOPEN_SOURCE 700
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gw_test.h"
#include "pipeline_int.h"

static const char *data_line(void)
{
    static char buf[4300];
    snprintf(buf, sizeof buf, "[data]\nfile = %s\n", gwt_source_path("datasets/uk_la_panel.csv"));
    return buf;
}

/* Each bad file: its status and its whole message after "FILE:". Line 1-2 are [data]. */
static void test_messages(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        gw_status st;
        const char *msg;
    } cases[] = {
        {"[model a]\nmodel = y ~ x\n\n[model a]\nmodel = y ~ z\n", GW_EINVAL,
         "6: section [model a] appears twice (first at line 3)"},
        {"[model a]\nmodel = y ~ x\n[cluster a]\nvars = x\n", GW_EINVAL,
         "5: step name 'a' is used twice ([model a] at line 3, [cluster a] here)"},
        {"[pipeline]\nsed = 5\n", GW_EINVAL,
         "4: [pipeline]: unknown key 'sed' (did you mean 'seed'?)"},
        {"[report]\ntitel = Quarterly\n", GW_EINVAL,
         "4: [report]: unknown key 'titel' (did you mean 'title'?)"},
        {"[model a]\nmodel = y ~ x\nvcovv = hc1\n", GW_EINVAL,
         "5: [model a]: unknown key 'vcovv' (did you mean 'vcov'?)"},
        {"[cluster c]\nvars = x\nfoo = 1\n", GW_EINVAL,
         "5: [cluster c]: unknown key 'foo' (known: data, vars, id, time, at, k, kmax, method, "
         "truth, restarts, max-iter, seed, boot, threads, quiet, table)"},
        {"[modle a]\nmodel = y ~ x\n", GW_EINVAL,
         "3: unknown section [modle a] (did you mean [model a]?)"},
        {"[frob x]\na = 1\n", GW_EINVAL,
         "3: unknown section [frob x] (model, index, synergy, cluster, mediate, scenario, "
         "pipeline, data, report)"},
        {"[pipeline]\nseed = 1\nseed = 2\n", GW_EINVAL,
         "5: [pipeline]: 'seed' given twice (first at line 4)"},
        {"[model m]\nmodel = y ~ x\nout = x.h5\n", GW_EINVAL,
         "5: [model m]: 'out' is set by the pipeline"},
        {"this is not ini\n", GW_ESYNTAX,
         "3: malformed line (expected 'key = value' or [KIND NAME])"},
        {"[model m\nmodel = y ~ x\n", GW_ESYNTAX, "3: section header without its closing ']'"},
        {"[model]\nmodel = y ~ x\n", GW_EINVAL,
         "3: [model] needs a name without '/' ([model NAME])"},
        {"[report x]\n", GW_EINVAL, "3: [report x] takes no name ([report])"},
        {"[pipeline]\nseed = -1\n", GW_EINVAL,
         "4: [pipeline] seed '-1' is not a non-negative integer"},
        {"[model m]\nmodel = y ~ x\ndata = nothere.csv\n", GW_EIO, "5: data file "},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[8192], want[1024];
        snprintf(text, sizeof text, "%s%s", data_line(), cases[i].body);
        const char *path = gwt_write_file("case.ini", text);
        pl_pipeline p;
        gw_status st = pl_parse(path, &p);
        snprintf(want, sizeof want, "%s:%s", path, cases[i].msg);
        if (st != cases[i].st || strncmp(gw_last_error(), want, strlen(want)) != 0)
            fail_msg("case %zu: status %d, message\n  %s\nwanted\n  %s", i, (int)st,
                     gw_last_error(), want);
        pl_free(&p);
    }
    /* Before any section, and a NUL byte. */
    pl_ini ini;
    assert_int_equal(pl_ini_parse("f.ini", "seed = 1\n", 9, &ini), GW_ESYNTAX);
    assert_string_equal(gw_last_error(),
                        "f.ini:1: 'seed' is outside a section (start one with [KIND NAME])");
    assert_int_equal(pl_ini_parse("f.ini", "[data]\nfile = a\0b\n", 16, &ini), GW_ESYNTAX);
    assert_string_equal(gw_last_error(), "f.ini:2: a NUL byte (not a text file?)");
}

/* The argv of the only step of body. */
static char *argv_of(const char *body)
{
    char text[8192];
    snprintf(text, sizeof text, "%s%s", data_line(), body);
    pl_pipeline p;
    if (pl_parse(gwt_write_file("c.ini", text), &p) != GW_OK)
        fail_msg("%s", gw_last_error());
    assert_int_equal(p.nsteps, 1);
    char *t = pl_argv_text(&p.steps[0], "R.h5");
    pl_free(&p);
    return t;
}

static void test_comments(void **state)
{
    (void)state;
    /* " #" and " ;" start a comment; '#' or ';' inside a word does not. */
    char *t = argv_of("; a comment\n  # another\n[model m]   # the model\n"
                      "model = life_sat ~ emp_rate  # inline\nvcov = cluster:la_id\t; inline\n"
                      "weights = w#1;x\n");
    const char *tail = strstr(t, " --model");
    assert_non_null(tail);
    assert_string_equal(tail, " --model 'life_sat ~ emp_rate' --vcov cluster:la_id --weights "
                              "'w#1;x' --out R.h5 --name m --format json");
    free(t);
    /* Windows line ends, a byte-order mark, "key: value" and a line longer than inih's 200. */
    char body[2048] = "\xEF\xBB\xBF[model m]\r\nmodel: life_sat ~ emp_rate";
    for (int i = 0; i < 40; i++)
        strcat(body, " + emp_rate");
    strcat(body, "\r\n");
    char text[8192];
    snprintf(text, sizeof text, "%s%s", body, data_line());
    pl_pipeline p;
    if (pl_parse(gwt_write_file("c2.ini", text), &p) != GW_OK)
        fail_msg("%s", gw_last_error());
    assert_int_equal(p.nsteps, 1);
    assert_string_equal(p.steps[0].argv[3], "--model");
    assert_int_equal(strlen(p.steps[0].argv[4]), strlen("life_sat ~ emp_rate") + 40 * 11);
    pl_free(&p);
}

/* The keys of each step kind are exactly the flags its command lists in --help, less those
 * the runner sets; "formula" is the alias of fit's --model. */
static void test_keys_match_help(void **state)
{
    (void)state;
    static const char *const kinds[][2] = {{"model", "fit"},       {"index", "index"},
                                           {"synergy", "synergy"}, {"cluster", "cluster"},
                                           {"mediate", "mediate"}, {"scenario", "scenario"}};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        gwt_run_result r = gwt_run_cli(kinds[k][1], "--help", NULL);
        assert_int_equal(r.exit_code, 0);
        /* Every flag that starts a help line is a key. */
        for (const char *line = r.out; line != NULL && *line; line = strchr(line, '\n')) {
            line += *line == '\n';
            const char *c = line;
            while (*c == ' ')
                c++;
            if (c == line || strncmp(c, "--", 2) != 0)
                continue;
            char flag[64];
            size_t n = strspn(c + 2, "abcdefghijklmnopqrstuvwxyz0123456789-");
            snprintf(flag, sizeof flag, "%.*s", (int)n, c + 2);
            int set = strcmp(flag, "out") == 0 || strcmp(flag, "name") == 0 ||
                      strcmp(flag, "format") == 0 || strcmp(flag, "help") == 0;
            if (set == pl_known_key(kinds[k][0], flag))
                fail_msg("[%s]: --%s of goodwork %s %s", kinds[k][0], flag, kinds[k][1],
                         set ? "is set by the pipeline but a key" : "is not a key");
        }
        /* Every key is a flag of the command. */
        for (const char *const *key = pl_section_keys(kinds[k][0]); *key; key++) {
            char flag[80];
            snprintf(flag, sizeof flag, "--%s", *key);
            if (strcmp(*key, "data") != 0 && strcmp(*key, "formula") != 0 &&
                strstr(r.out, flag) == NULL)
                fail_msg("[%s] key %s: no %s in goodwork %s --help", kinds[k][0], *key, flag,
                         kinds[k][1]);
        }
        gwt_run_free(&r);
    }
}

static void test_edit_distance(void **state)
{
    (void)state;
    assert_int_equal(pl_edit_distance("titel", "title"), 1); /* a swap of neighbours */
    assert_int_equal(pl_edit_distance("sed", "seed"), 1);
    assert_int_equal(pl_edit_distance("foo", "boot"), 2);
    assert_int_equal(pl_edit_distance("", "abc"), 3);
    assert_int_equal(pl_edit_distance("kitten", "sitting"), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_keys_match_help),
        cmocka_unit_test(test_edit_distance),
    };
    return cmocka_run_group_tests_name("pipeline_file", tests, NULL, NULL);
}
