/* test_generate_cli.c -- goodwork generate end to end: the committed panel is reproduced bit for
 * bit, the HDF5 layout, the summary, and the usage and write errors. */
#include "gw_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gw_alloc.h"
#include "gw_csv.h"
#include "gw_hdf5.h"

/* Fails unless the files a and b hold the same bytes. */
static void expect_same_bytes(const char *a, const char *b)
{
    size_t na = 0, nb = 0;
    char *x = gwt_read_file_or_fail(a, &na), *y = gwt_read_file_or_fail(b, &nb);
    if (na != nb || memcmp(x, y, na) != 0)
        fail_msg("%s (%zu bytes) and %s (%zu bytes) differ", a, na, b, nb);
    free(x);
    free(y);
}

static void test_generate_cli_reproduces_committed_files(void **state)
{
    (void)state;
    const char *csv = gwt_tmp_path("uk_la_panel.csv"), *h5 = gwt_tmp_path("uk_la_panel.h5");
    gwt_run_result r = gwt_run_cli("generate", "--out", csv, NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_expect_in(r.out, "5400 rows x 26 columns");
    gwt_expect_in(r.out, "seed 20250101");
    gwt_run_free(&r);
    r = gwt_run_cli("generate", "--seed", "20250101", "--las", "360", "--years", "2010-2024",
                    "--out", h5, "--quiet", NULL);
    assert_int_equal(r.exit_code, 0);
    assert_string_equal(r.out, "");
    gwt_run_free(&r);
    expect_same_bytes(csv, gwt_source_path("datasets/uk_la_panel.csv"));
    expect_same_bytes(h5, gwt_source_path("datasets/uk_la_panel.h5"));
}

/* The HDF5 layout: /data, /panel (the same table), /meta, /occupation, /shares, /truth. */
static void test_generate_cli_h5_layout(void **state)
{
    (void)state;
    const char *h5 = gwt_source_path("datasets/uk_la_panel.h5");
    gw_table *data = NULL, *panel = NULL, *csv = NULL, *t = NULL;
    assert_int_equal(gw_h5_table_read(h5, "/data", NULL, 0, &data), GW_OK);
    assert_int_equal(gw_h5_table_read(h5, "/panel", NULL, 0, &panel), GW_OK);
    assert_int_equal(gw_csv_read_file(gwt_source_path("datasets/uk_la_panel.csv"), NULL, &csv),
                     GW_OK);
    assert_int_equal(gw_table_nrows(data), 5400);
    assert_int_equal(gw_table_ncols(data), 26);
    for (size_t j = 0; j < 26; j++) {
        assert_string_equal(gw_table_colname(panel, j), gw_table_colname(data, j));
        assert_string_equal(gw_table_colname(csv, j), gw_table_colname(data, j));
        assert_int_equal(gw_table_coltype(csv, j), gw_table_coltype(data, j));
        if (gw_table_coltype(data, j) == GW_COL_NUMERIC) {
            const double *a = gw_table_numeric(data, j), *b = gw_table_numeric(panel, j),
                         *c = gw_table_numeric(csv, j);
            assert_memory_equal(a, b, 5400 * sizeof *a);
            assert_memory_equal(a, c, 5400 * sizeof *a); /* NaN bits included */
        } else {
            assert_memory_equal(gw_table_codes(data, j), gw_table_codes(csv, j),
                                5400 * sizeof(int32_t));
        }
    }
    static const struct {
        const char *group;
        size_t rows, cols;
    } g[] = {{"/meta", 388, 3}, {"/occupation", 9, 10}, {"/shares", 5400, 11},
             {"/truth", 50, 4}, {"/truth/la", 360, 16}, {"/truth/years", 15, 15}};
    for (size_t k = 0; k < sizeof g / sizeof g[0]; k++) {
        if (gw_h5_table_read(h5, g[k].group, NULL, 0, &t) != GW_OK)
            fail_msg("%s: %s", g[k].group, gw_last_error());
        if (gw_table_nrows(t) != g[k].rows || gw_table_ncols(t) != g[k].cols)
            fail_msg("%s is %zu x %zu", g[k].group, gw_table_nrows(t), gw_table_ncols(t));
        gw_table_free(t);
        t = NULL;
    }
    gw_table_free(csv);
    gw_table_free(panel);
    gw_table_free(data);
}

static void test_generate_cli_json_and_small(void **state)
{
    (void)state;
    const char *csv = gwt_tmp_path("small.csv");
    gwt_run_result r = gwt_run_cli("generate", "--seed=5", "--las=20", "--years=2018-2022", "--out",
                                   csv, "--format", "json", "--threads", "2", NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_expect_in(r.out, "\"format\":\"csv\"");
    gwt_expect_in(r.out, "\"seed\":5");
    gwt_expect_in(r.out, "\"las\":20");
    gwt_expect_in(r.out, "\"years\":[2018,2022]");
    gwt_expect_in(r.out, "\"rows\":100");
    gwt_expect_in(r.out, "\"columns\":26");
    gwt_expect_in(r.out, "\"sha256\":\"");
    gwt_run_free(&r);
    gw_table *t = NULL;
    assert_int_equal(gw_csv_read_file(csv, NULL, &t), GW_OK);
    assert_int_equal(gw_table_nrows(t), 100);
    gw_table_free(t);
    r = gwt_run_cli("generate", "--help", NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_expect_in(r.out, "usage: goodwork generate");
    gwt_run_free(&r);
    r = gwt_run_cli("--help", NULL);
    gwt_expect_in(r.out, "generate");
    gwt_run_free(&r);
}

/* Usage errors exit 2, write failures 1; no partial output either way. */
static void test_generate_cli_errors(void **state)
{
    (void)state;
    const char *out = gwt_tmp_path("never.csv");
    const char *dir = gwt_tmp_path("not_a_dir/x.h5"), *dir2 = gwt_tmp_path("not_a_dir/x.csv");
    static const struct {
        const char *args[6];
        int code;
        const char *msg;
    } cases[] = {
        {{"--bogus", NULL}, 2, "unknown option '--bogus'"},
        {{"--las", "0", NULL}, 2, "bad --las '0'"},
        {{"--las", "1", NULL}, 2, "bad --las"},
        {{"--las", "x12", NULL}, 2, "bad --las"},
        {{"--years", "2024-2010", NULL}, 2, "bad --years '2024-2010'"},
        {{"--years", "1800-1900", NULL}, 2, "bad --years"},
        {{"--years", "20x0", NULL}, 2, "bad --years"},
        {{"--seed", "-1", NULL}, 2, "bad --seed"},
        {{"--seed", "4294967296", NULL}, 2, "bad --seed"},
        {{"--format", "xml", NULL}, 2, "bad --format"},
        {{"--seed", NULL}, 2, "--seed needs a value"},
        {{"stray", NULL}, 2, "unexpected argument 'stray'"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const char *argv[12] = {GW_CLI, "generate"};
        size_t n = 2;
        for (size_t a = 0; a < 6 && cases[k].args[a]; a++)
            argv[n++] = cases[k].args[a];
        if (strcmp(cases[k].args[0], "--seed") != 0 || cases[k].args[1] != NULL) {
            argv[n++] = "--out";
            argv[n++] = out;
        }
        argv[n] = NULL;
        gwt_run_result r = gwt_run(argv);
        if (r.exit_code != cases[k].code || strstr(r.err, cases[k].msg) == NULL ||
            strstr(r.err, "goodwork: error: ") != r.err)
            fail_msg("case %zu: exit %d, stderr '%s'", k, r.exit_code, r.err);
        gwt_run_free(&r);
    }
    gwt_run_result r = gwt_run_cli("generate", NULL);
    assert_int_equal(r.exit_code, 2);
    gwt_expect_in(r.err, "--out FILE.csv|FILE.h5 is required");
    gwt_run_free(&r);
    r = gwt_run_cli("generate", "--out", gwt_tmp_path("panel.txt"), NULL);
    assert_int_equal(r.exit_code, 2);
    gwt_expect_in(r.err, "use a .csv or .h5 name");
    gwt_run_free(&r);
    struct stat st;
    assert_int_not_equal(stat(out, &st), 0);
    /* Write failures: the directory does not exist. */
    r = gwt_run_cli("generate", "--las", "5", "--out", dir, NULL);
    assert_int_equal(r.exit_code, 1);
    gwt_expect_in(r.err, "goodwork: error: ");
    gwt_run_free(&r);
    r = gwt_run_cli("generate", "--las", "5", "--out", dir2, NULL);
    assert_int_equal(r.exit_code, 1);
    gwt_run_free(&r);
    assert_int_not_equal(stat(dir, &st), 0);
}

/* gw_h5_link_soft (io/, added for the /panel link): its failures. */
static void test_generate_cli_link_errors(void **state)
{
    (void)state;
    const char *h5 = gwt_tmp_path("link.h5");
    gwt_run_result r =
        gwt_run_cli("generate", "--las", "4", "--years", "2020", "--out", h5, "--quiet", NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_run_free(&r);
    gw_clear_error();
    assert_int_equal(gw_h5_link_soft(h5, "/panel", "/data"), GW_EINVAL); /* exists already */
    assert_true(strstr(gw_last_error(), "exists already") != NULL);
    assert_int_equal(gw_h5_link_soft(gwt_tmp_path("missing.h5"), "/x", "/data"), GW_EIO);
    assert_int_equal(gw_h5_link_soft(NULL, "/x", "/data"), GW_EINVAL);
    assert_int_equal(gw_h5_link_soft(h5, "/a/b", "/truth"), GW_OK);
    gw_table *t = NULL;
    assert_int_equal(gw_h5_table_read(h5, "/a/b", NULL, 0, &t), GW_OK);
    assert_int_equal(gw_table_ncols(t), 4);
    gw_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generate_cli_reproduces_committed_files),
        cmocka_unit_test(test_generate_cli_h5_layout),
        cmocka_unit_test(test_generate_cli_json_and_small),
        cmocka_unit_test(test_generate_cli_errors),
        cmocka_unit_test(test_generate_cli_link_errors),
    };
    return cmocka_run_group_tests_name("generate_cli", tests, NULL, NULL);
}
