/* test_pipeline_file.c -- the pipeline file's syntax and checks (pipeline/ini.c, pl_parse):
 * each malformed file gives its exact message with file:line (duplicate sections naming both
 * lines, unknown keys and sections with the nearest known name), inline comments are cut as
 * docs/pipeline.md says, the keys each section kind takes are the flags of its command's
 * --help; and the small helpers behind verify: relative paths, edit distances, ULP distances,
 * tolerances and the JSON / report-table comparisons. */
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

#include "gw_diff.h"
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
            /* split, fsplit: a [model] step stores one model under its section's name, which
             * later steps refer to (docs/pipeline.md); several models are several sections. */
            int set = strcmp(flag, "out") == 0 || strcmp(flag, "name") == 0 ||
                      strcmp(flag, "format") == 0 || strcmp(flag, "help") == 0 ||
                      (k == 0 && (strcmp(flag, "split") == 0 || strcmp(flag, "fsplit") == 0));
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

static void test_relpath_and_distance(void **state)
{
    (void)state;
    static const char *const cases[][3] = {
        {"/a/b", "/a/b/c.h5", "c.h5"},
        {"/a/b/out", "/a/b", ".."},
        {"/a/b", "/a/b", "."},
        {"/x/y", "/a/b", "../../a/b"},
        {"/", "/a", "a"},
        {"/a/bc", "/a/b/x", "../b/x"},
        {"/a/b/out", "/a/b/d/x.h5", "../d/x.h5"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *r = pl_relpath(cases[i][0], cases[i][1]);
        assert_non_null(r);
        if (strcmp(r, cases[i][2]) != 0)
            fail_msg("relpath(%s, %s) = %s, wanted %s", cases[i][0], cases[i][1], r, cases[i][2]);
        free(r);
    }
    assert_int_equal(pl_edit_distance("titel", "title"), 1); /* a swap of neighbours */
    assert_int_equal(pl_edit_distance("sed", "seed"), 1);
    assert_int_equal(pl_edit_distance("foo", "boot"), 2);
    assert_int_equal(pl_edit_distance("", "abc"), 3);
    assert_int_equal(pl_edit_distance("kitten", "sitting"), 3);
}

static void test_ulps_and_tolerance(void **state)
{
    (void)state;
    assert_true(gw_ulp_distance(1.0, nextafter(1.0, 2.0)) == 1);
    assert_true(gw_ulp_distance(-0.0, 0.0) == 0);
    assert_true(gw_ulp_distance(-0x1p-1074, 0x1p-1074) == 2); /* across zero */
    assert_true(gw_ulp_distance(1.0, 1.0 + 4 * 0x1p-52) == 4);
    assert_true(gw_ulp_distance(NAN, 1.0) == UINT64_MAX);
    gw_tol t;
    assert_int_equal(gw_tol_parse("rel:1e-12", &t), GW_OK);
    assert_int_equal(t.kind, GW_TOL_REL);
    assert_true(t.rel == 1e-12);
    assert_int_equal(gw_tol_parse("ulps:16", &t), GW_OK);
    assert_int_equal(t.kind, GW_TOL_ULPS);
    assert_true(t.ulps == 16);
    const char *bad[] = {"rel:",    "rel:1", "rel:-1e-3", "rel:x",
                         "ulps:-1", "ulps:", "abs:1",     "1e-9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(gw_tol_parse(bad[i], &t), GW_EINVAL);
    assert_non_null(strstr(gw_last_error(), "bad tolerance '1e-9'"));
    /* Accumulation: the largest of each measure with its place. */
    gw_diff d = {0};
    gw_tol u2 = {GW_TOL_ULPS, 0.0, 2};
    assert_int_equal(gw_diff_num(&d, &u2, 1.0, 1.0, "x", 0), 1);
    assert_int_equal(gw_diff_num(&d, &u2, 1.0, nextafter(1.0, 2.0), "x", 1), 1);
    assert_int_equal(gw_diff_num(&d, &u2, 1e-300, 2e-300, "y", (size_t)-1), 0);
    assert_int_equal(gw_diff_num(&d, &u2, 100.0, 100.5, "z", 3), 0);
    assert_int_equal(d.ncompared, 4);
    assert_int_equal(d.ndiffer, 3);
    assert_int_equal(d.nbeyond, 2);
    assert_true(d.max_abs == 0.5);
    assert_string_equal(d.where_abs, "z[3]");
    assert_true(d.max_rel == 0.5);
    assert_string_equal(d.where_rel, "y");
    assert_string_equal(d.first, "x[1]: values differ (1, re-run 1.0000000000000002)");
    assert_string_equal(d.first_beyond,
                        "y: values differ (1e-300, re-run 2.0000000000000001e-300)");
    assert_false(gw_diff_within(&d));
}

static void test_text_compare(void **state)
{
    (void)state;
    const char *a = gwt_write_file("a.json", "{\"k\": 3, \"x\": [1.5, 2.25], \"s\": \"hi\"}");
    const char *b = gwt_write_file("b.json", "{\"k\": 3, \"x\": [1.5, 2.2500000000000004], "
                                             "\"s\": \"hi\"}");
    const char *c = gwt_write_file("c.json", "{\"k\": 3, \"x\": [1.5], \"s\": \"ho\", \"t\": 1}");
    gw_diff d = {0};
    gw_tol u1 = {GW_TOL_ULPS, 0.0, 1};
    int found = 0;
    assert_int_equal(pl_compare_json(a, b, "s.json", &u1, &d, &found), GW_OK);
    assert_true(found);
    assert_true(gw_diff_within(&d));
    assert_false(gw_diff_identical(&d));
    assert_string_equal(d.where_ulps, "s.json:.x[1]");
    memset(&d, 0, sizeof d);
    assert_int_equal(pl_compare_json(a, c, "s.json", &u1, &d, &found), GW_OK);
    assert_int_equal(d.nother, 3); /* a length, a text and a member */
    assert_string_equal(d.first, "s.json:.x: 2 elements, re-run 1");
    memset(&d, 0, sizeof d);
    assert_int_equal(pl_compare_json(gwt_source_path("nothere.json"), a, "n", NULL, &d, &found),
                     GW_OK);
    assert_false(found);
    assert_true(gw_diff_identical(&d));
    /* Report tables: numbers inside cells with the tolerance, text exactly, seconds left out. */
    const char *ra =
        gwt_write_file("a.md", "# T\n\n| step | seconds |\n|---|---:|\n| m | 0.25 |\n\n"
                               "| term | m |\n|:--|:--:|\n| x | 0.5\\*\\* |\n"
                               "|  | (0.125) |\n");
    const char *rb = gwt_write_file("b.md", "# T\n\n| step | seconds |\n|---|---:|\n| m | nan |\n\n"
                                            "| term | m |\n|:--|:--:|\n| x | 0.5000001\\*\\* |\n"
                                            "|  | (0.125) |\n");
    const char *rc = gwt_write_file("c.md", "# T\n\n| step | seconds |\n|---|---:|\n| m | 9 |\n\n"
                                            "| term | m |\n|:--|:--:|\n| x | 0.5\\* |\n"
                                            "|  | (0.125) |\n");
    memset(&d, 0, sizeof d);
    gw_tol r6 = {GW_TOL_REL, 1e-6, 0};
    assert_int_equal(pl_compare_report(ra, rb, &r6, &d, &found), GW_OK);
    assert_true(found);
    assert_true(gw_diff_within(&d));
    assert_int_equal(d.ndiffer, 1);
    assert_string_equal(d.where_rel, "report.md:9 column 2[0]");
    memset(&d, 0, sizeof d);
    assert_int_equal(pl_compare_report(ra, rb, NULL, &d, &found), GW_OK);
    assert_false(gw_diff_within(&d));
    memset(&d, 0, sizeof d);
    assert_int_equal(pl_compare_report(ra, rc, &r6, &d, &found), GW_OK);
    assert_int_equal(d.nother, 1);
    assert_string_equal(d.first, "report.md:9 column 2: '0.5\\*\\*', re-run '0.5\\*'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_messages),           cmocka_unit_test(test_comments),
        cmocka_unit_test(test_keys_match_help),    cmocka_unit_test(test_relpath_and_distance),
        cmocka_unit_test(test_ulps_and_tolerance), cmocka_unit_test(test_text_compare),
    };
    return cmocka_run_group_tests_name("pipeline_file", tests, NULL, NULL);
}
