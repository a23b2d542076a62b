/* test_export_cli.c -- `goodwork export` and `goodwork diff` on the results of a small pipeline
 * run (two models, an index, communities, a mediation, a scenario, synergies).
 *
 * export: every kind's table is read back with the CSV reader and compared, value for value and
 * bit for bit, against the stored datasets read independently (h5dump's binary output, the
 * string reader gw_h5_read_strings, or the results reader gw_results_get for models); --out and
 * --format json give the same values; an unknown object or part is exit 2 naming what the file
 * holds, a missing file exit 3. diff: a file against itself and against a second identical run is
 * exit 0; a stored estimate moved by one unit in the last place is exit 5 naming the model, column
 * and term, and exit 0 with --tolerance rel:1e-12; a run with another seed, a changed model, a
 * model added and an analysis removed lists each change; JSON says the same. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "gw_csv.h"
#include "gw_hdf5.h"
#include "gw_test.h"

static char outdir[4096], outdir2[4096], outdir3[4096];

static const char pipeline[] =
    "[pipeline]\nseed = %d\n\n[data]\nfile = %s\n\n"
    "[model m_life]\n"
    "model = life_sat ~ emp_rate + autonomy_share%s | la_id + year\n"
    "vcov = cluster:la_id\n\n"
    "[model m_pay]\nmodel = log(median_hourly_pay) ~ emp_rate + share_prof | la_id + year\n\n"
    "%s"
    "[index idx]\nindicators = emp_rate,share_prof,sat_hours\nid = la_code\ntime = year\n\n"
    "[cluster comm]\nvars = emp_rate,share_prof,sat_hours\nid = la_id\ntime = year\n"
    "at = 2024\nk = 4\n\n"
    "[mediate med]\ntreatment = emp_rate\nmediator = autonomy_share\noutcome = life_sat\n"
    "fe = la_id+year\nboot = 49\n\n"
    "%s"
    "[scenario sc]\nshock = emp_rate-=2\nby = nation\ndraws = 49\n";

/* Runs the pipeline (seed, extra term of m_life, extra model, synergy step) into dir. */
static void run_pipeline(const char *name, const char *out, int seed, const char *term,
                         const char *extra, const char *syn, char *dir, size_t size)
{
    char text[9000];
    char panel[4200];
    snprintf(panel, sizeof panel, "%s/panel.h5", gwt_tmpdir());
    snprintf(text, sizeof text, pipeline, seed, panel, term, extra, syn);
    const char *ini = gwt_write_file(name, text);
    snprintf(dir, size, "%s/%s", gwt_tmpdir(), out);
    gwt_run_result r = gwt_run_cli("run", ini, "--outdir", dir, "--quiet", NULL);
    if (r.exit_code != 0)
        fail_msg("exit %d\nstderr: %s", r.exit_code, r.err);
    gwt_run_free(&r);
}

static const char syn_step[] = "[synergy syn]\nvars = emp_rate,share_prof,life_sat\ntime = year\n"
                               "id = la_id\n\n";

static int setup(void **state)
{
    (void)state;
    /* A small panel (60 areas, 8 years) keeps the three runs quick. */
    char panel[4200];
    snprintf(panel, sizeof panel, "%s/panel.h5", gwt_tmpdir());
    gwt_run_result g =
        gwt_run_cli("generate", "--las", "60", "--years", "2017-2024", "--out", panel, NULL);
    if (g.exit_code != 0)
        fail_msg("generate: exit %d\n%s", g.exit_code, g.err);
    gwt_run_free(&g);
    run_pipeline("q1.ini", "q1", 7, " + log(median_hourly_pay)", "", syn_step, outdir,
                 sizeof outdir);
    run_pipeline("q1.ini", "q1b", 7, " + log(median_hourly_pay)", "", syn_step, outdir2,
                 sizeof outdir2);
    run_pipeline("q2.ini", "q2", 8, "",
                 "[model m_job]\nmodel = job_sat ~ emp_rate | la_id + year\n\n", "", outdir3,
                 sizeof outdir3);
    return 0;
}

static const char *results_in(const char *dir)
{
    static char p[4][4200];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/results.h5", dir);
    return p[k];
}

/* ---- independent readers ------------------------------------------------------------------ */

/* The values of a numeric dataset (n of them) as doubles, read by h5dump's binary output (an
 * independent reader): int64 when is_int, else float64, little-endian. */
static double *h5_values(const char *path, const char *ds, int is_int, size_t *n)
{
    static int k;
    char bin[4300];
    snprintf(bin, sizeof bin, "%s/dump%d.bin", gwt_tmpdir(), k++);
    gwt_run_result r = gwt_run(
        (const char *const[]){"/usr/bin/h5dump", "-d", ds, "-b", "LE", "-o", bin, path, NULL});
    if (r.exit_code != 0)
        fail_msg("h5dump exit %d: %s", r.exit_code, r.err);
    gwt_run_free(&r);
    FILE *f = fopen(bin, "rb");
    assert_non_null(f);
    double *v = malloc(sizeof *v * 100000);
    assert_non_null(v);
    size_t m = 0;
    unsigned char b[8];
    while (m < 100000 && fread(b, 1, 8, f) == 8) {
        uint64_t u = 0;
        for (int i = 7; i >= 0; i--)
            u = (u << 8) | b[i];
        if (is_int) {
            v[m++] = (double)(int64_t)u;
        } else {
            memcpy(&v[m], &u, sizeof u);
            m++;
        }
    }
    fclose(f);
    *n = m;
    return v;
}

static double *h5_doubles(const char *path, const char *ds, size_t *n)
{
    return h5_values(path, ds, 0, n);
}

static char **h5_strings(const char *path, const char *ds, size_t *n)
{
    char **s = NULL;
    assert_int_equal(gw_h5_read_strings(path, ds, NULL, &s, n), GW_OK);
    return s;
}

/* Runs goodwork with args and parses its CSV output. */
static gw_table *export_csv(const char *const *args)
{
    gwt_run_result r = gwt_run_cli_argv(args);
    if (r.exit_code != 0)
        fail_msg("exit %d\nstderr: %s", r.exit_code, r.err);
    gw_table *t = NULL;
    assert_int_equal(gw_csv_read_mem(r.out, strlen(r.out), "export", NULL, &t), GW_OK);
    gwt_run_free(&r);
    return t;
}

static const double *col(const gw_table *t, const char *name)
{
    ptrdiff_t j = gw_table_find(t, name);
    if (j < 0)
        fail_msg("no column %s", name);
    const double *v = gw_table_numeric(t, (size_t)j);
    assert_non_null(v);
    return v;
}

static const char *cell(const gw_table *t, const char *name, size_t r)
{
    ptrdiff_t j = gw_table_find(t, name);
    if (j < 0)
        fail_msg("no column %s", name);
    const int32_t *c = gw_table_codes(t, (size_t)j);
    assert_non_null(c);
    return gw_table_level(t, (size_t)j, (size_t)c[r]);
}

/* Bit-identical or both NaN. */
static void assert_same(double a, double b)
{
    if (!(memcmp(&a, &b, sizeof a) == 0 || (isnan(a) && isnan(b))))
        fail_msg("%.17g != %.17g", a, b);
}

/* ---- export ------------------------------------------------------------------------------- */

static void test_export_list(void **state)
{
    (void)state;
    gwt_run_result r = gwt_run_cli("export", results_in(outdir), NULL);
    assert_int_equal(r.exit_code, 0);
    static const char *const want[] = {"models/m_life ", "model",     "analyses/idx ", "index",
                                       "analyses/comm ", "cluster",   "analyses/sc ",  "scenario",
                                       "analyses/med ",  "mediate",   "analyses/syn ", "synergy",
                                       "pipeline ",      "by/nation", "vcov, glance"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (strstr(r.out, want[i]) == NULL)
            fail_msg("no '%s' in:\n%s", want[i], r.out);
    gwt_run_free(&r);
}

static void test_export_model(void **state)
{
    (void)state;
    const char *path = results_in(outdir);
    gw_table *t = export_csv((const char *const[]){"export", path, "m_life", NULL});
    gw_results *res = NULL;
    gw_result *m = NULL;
    assert_int_equal(gw_results_open(path, &res), GW_OK);
    assert_int_equal(gw_results_get(res, "m_life", &m), GW_OK);
    assert_int_equal(gw_table_nrows(t), m->k);
    assert_int_equal(gw_table_ncols(t), 7);
    for (size_t i = 0; i < m->k; i++) {
        assert_string_equal(cell(t, "term", i), m->terms[i]);
        assert_same(col(t, "estimate")[i], m->estimate[i]);
        assert_same(col(t, "std_error")[i], m->std_error[i]);
        assert_same(col(t, "statistic")[i], m->statistic[i]);
        assert_same(col(t, "p_value")[i], m->p_value[i]);
        assert_same(col(t, "ci_low")[i], m->ci_low[i]);
        assert_same(col(t, "ci_high")[i], m->ci_high[i]);
    }
    gw_table_free(t);
    /* vcov: one row per pair, row-major; glance: the scalars. */
    t = export_csv((const char *const[]){"export", path, "models/m_life", "--part", "vcov", NULL});
    assert_int_equal(gw_table_nrows(t), m->k * m->k);
    for (size_t i = 0; i < m->k; i++)
        for (size_t j = 0; j < m->k; j++) {
            assert_string_equal(cell(t, "term", i * m->k + j), m->terms[i]);
            assert_string_equal(cell(t, "term2", i * m->k + j), m->terms[j]);
            assert_same(col(t, "covariance")[i * m->k + j], m->vcov[i * m->k + j]);
        }
    gw_table_free(t);
    t = export_csv((const char *const[]){"export", path, "m_life", "--part", "glance", NULL});
    assert_int_equal(gw_table_nrows(t), 1);
    assert_same(col(t, "r2")[0], m->r2);
    assert_same(col(t, "nobs")[0], (double)m->nobs);
    assert_string_equal(cell(t, "vcov_type", 0), "cluster:la_id");
    assert_int_equal(gw_table_find(t, "created_utc"), -1); /* provenance left out */
    gw_table_free(t);
    gw_result_free(m);
    gw_results_close(res);
}

static void test_export_index_and_cluster(void **state)
{
    (void)state;
    const char *path = results_in(outdir);
    size_t n = 0, ni = 0, nt = 0;
    gw_table *t = export_csv((const char *const[]){"export", path, "idx", NULL});
    char **id = h5_strings(path, "/analyses/idx/id", &ni);
    double *value = h5_doubles(path, "/analyses/idx/value", &n);
    double *rank = h5_doubles(path, "/analyses/idx/rank", &n);
    double *time = h5_doubles(path, "/analyses/idx/time", &nt);
    assert_int_equal(gw_table_nrows(t), n);
    assert_int_equal(ni, n);
    assert_string_equal(gw_table_colname(t, 0), "id");
    assert_string_equal(gw_table_colname(t, 1), "time");
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(cell(t, "id", i), id[i]);
        assert_same(col(t, "time")[i], time[i]);
        assert_same(col(t, "value")[i], value[i]);
        assert_same(col(t, "rank")[i], rank[i]);
    }
    gw_h5_strings_free(id, ni);
    free(value);
    free(rank);
    free(time);
    gw_table_free(t);

    t = export_csv((const char *const[]){"export", path, "comm", NULL});
    id = h5_strings(path, "/analyses/comm/id", &ni);
    double *cl = h5_values(path, "/analyses/comm/cluster", 1, &n);
    assert_int_equal(gw_table_nrows(t), n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(cell(t, "id", i), id[i]);
        assert_same(col(t, "cluster")[i], cl[i]);
    }
    gw_h5_strings_free(id, ni);
    free(cl);
    gw_table_free(t);
    /* profiles: k rows, one column per variable, = the stored k x p matrix. */
    t = export_csv((const char *const[]){"export", path, "comm", "--part", "profiles", NULL});
    double *pr = h5_doubles(path, "/analyses/comm/profiles", &n);
    assert_int_equal(gw_table_nrows(t) * 3, n);
    for (size_t c = 0; c < gw_table_nrows(t); c++) {
        assert_same(col(t, "cluster")[c], (double)(c + 1));
        assert_same(col(t, "emp_rate")[c], pr[c * 3]);
        assert_same(col(t, "sat_hours")[c], pr[c * 3 + 2]);
    }
    free(pr);
    gw_table_free(t);
}

static void test_export_scenario(void **state)
{
    (void)state;
    const char *path = results_in(outdir);
    size_t na = 0, no = 0, n = 0;
    char **area = h5_strings(path, "/analyses/sc/area", &na);
    char **out = h5_strings(path, "/analyses/sc/outcome", &no);
    double *point = h5_doubles(path, "/analyses/sc/point", &n);
    double *q05 = h5_doubles(path, "/analyses/sc/q05", &n);
    assert_int_equal(n, na * no);
    gw_table *t = export_csv((const char *const[]){"export", path, "sc", NULL});
    assert_int_equal(gw_table_nrows(t), na * no);
    for (size_t i = 0; i < na; i++)
        for (size_t o = 0; o < no; o++) {
            size_t r = i * no + o;
            assert_string_equal(cell(t, "area", r), area[i]);
            assert_string_equal(cell(t, "outcome", r), out[o]);
            assert_same(col(t, "point")[r], point[o * na + i]);
            assert_same(col(t, "q05")[r], q05[o * na + i]);
        }
    gw_table_free(t);
    free(point);
    free(q05);
    /* by/nation: level x outcome rows of the G x outcomes matrices. */
    size_t G = 0;
    char **lv = h5_strings(path, "/analyses/sc/by/nation/levels", &G);
    double *mc = h5_doubles(path, "/analyses/sc/by/nation/mean_change", &n);
    t = export_csv((const char *const[]){"export", path, "sc", "--part", "by/nation", NULL});
    assert_int_equal(gw_table_nrows(t), G * no);
    for (size_t g = 0; g < G; g++)
        for (size_t o = 0; o < no; o++) {
            assert_string_equal(cell(t, "nation", g * no + o), lv[g]);
            assert_same(col(t, "mean_change")[g * no + o], mc[g * no + o]);
        }
    gw_table_free(t);
    free(mc);
    gw_h5_strings_free(lv, G);
    gw_h5_strings_free(area, na);
    gw_h5_strings_free(out, no);
}

static void test_export_json_and_out(void **state)
{
    (void)state;
    const char *path = results_in(outdir);
    char file[4300];
    snprintf(file, sizeof file, "%s/med.csv", gwt_tmpdir());
    gwt_run_result a = gwt_run_cli("export", path, "med", NULL);
    gwt_run_result b = gwt_run_cli("export", path, "analyses/med", "--out", file, NULL);
    assert_int_equal(a.exit_code, 0);
    assert_int_equal(b.exit_code, 0);
    assert_string_equal(b.out, "");
    FILE *f = fopen(file, "rb");
    assert_non_null(f);
    char buf[65536];
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    buf[len] = '\0';
    fclose(f);
    assert_string_equal(buf, a.out);
    gwt_run_free(&a);
    gwt_run_free(&b);
    /* JSON: one object per effect with the stored estimate. */
    size_t ne = 0, n = 0;
    char **eff = h5_strings(path, "/analyses/med/effect", &ne);
    double *est = h5_doubles(path, "/analyses/med/estimate", &n);
    cJSON *j = gwt_cli_json((const char *const[]){"export", path, "med", "--format", "json", NULL});
    assert_true(cJSON_IsArray(j));
    assert_int_equal((size_t)cJSON_GetArraySize(j), ne);
    for (size_t i = 0; i < ne; i++) {
        cJSON *row = cJSON_GetArrayItem(j, (int)i);
        assert_string_equal(gwt_json_str(row, "effect"), eff[i]);
        assert_same(gwt_json_num(row, "estimate"), est[i]);
    }
    cJSON_Delete(j);
    free(est);
    gw_h5_strings_free(eff, ne);
}

static void test_export_errors(void **state)
{
    (void)state;
    const char *path = results_in(outdir);
    gwt_run_result r = gwt_run_cli("export", path, "nosuch", NULL);
    assert_int_equal(r.exit_code, 2);
    if (strstr(r.err, "no object 'nosuch'") == NULL || strstr(r.err, "models/m_life") == NULL ||
        strstr(r.err, "analyses/sc") == NULL)
        fail_msg("stderr: %s", r.err);
    assert_string_equal(r.out, "");
    gwt_run_free(&r);
    r = gwt_run_cli("export", path, "sc", "--part", "nosuch", NULL);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "by/nation"));
    gwt_run_free(&r);
    r = gwt_run_cli("export", "/nonexistent/x.h5", "sc", NULL);
    assert_int_equal(r.exit_code, 3);
    gwt_run_free(&r);
    r = gwt_run_cli("export", path, "sc", "--format", "xml", NULL);
    assert_int_equal(r.exit_code, 2);
    gwt_run_free(&r);
    r = gwt_run_cli("export", NULL);
    assert_int_equal(r.exit_code, 2);
    gwt_run_free(&r);
}

/* A data table (not a results object) exports as `convert` writes it. */
static void test_export_data_table(void **state)
{
    (void)state;
    char panel[4200], csv[4300];
    snprintf(panel, sizeof panel, "%s/panel.h5", gwt_tmpdir());
    snprintf(csv, sizeof csv, "%s/panel.csv", gwt_tmpdir());
    gwt_run_result a = gwt_run_cli("convert", panel, csv, NULL);
    gwt_run_result b = gwt_run_cli("export", panel, "data", NULL);
    assert_int_equal(a.exit_code, 0);
    assert_int_equal(b.exit_code, 0);
    FILE *f = fopen(csv, "rb");
    assert_non_null(f);
    size_t n = strlen(b.out), got = 0;
    char *buf = malloc(n + 2);
    assert_non_null(buf);
    got = fread(buf, 1, n + 1, f);
    fclose(f);
    assert_int_equal(got, n);
    assert_memory_equal(buf, b.out, n);
    free(buf);
    gwt_run_free(&a);
    gwt_run_free(&b);
}

/* ---- diff --------------------------------------------------------------------------------- */

static void test_diff_equal(void **state)
{
    (void)state;
    gwt_run_result r = gwt_run_cli("diff", results_in(outdir), results_in(outdir), NULL);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "summary: equal; 8 objects: 8 equal"));
    gwt_run_free(&r);
    /* A second run of the same file into another folder: only provenance differs, which is not
     * compared. */
    r = gwt_run_cli("diff", results_in(outdir), results_in(outdir2), NULL);
    if (r.exit_code != 0)
        fail_msg("exit %d\n%s%s", r.exit_code, r.out, r.err);
    gwt_run_free(&r);
}

static void test_diff_one_ulp_and_tolerance(void **state)
{
    (void)state;
    char copy[4300];
    snprintf(copy, sizeof copy, "%s/ulp.h5", gwt_tmpdir());
    gwt_copy_file(results_in(outdir), copy);
    gw_results *res = NULL;
    gw_result *m = NULL;
    gw_provenance prov;
    assert_int_equal(gw_results_open(copy, &res), GW_OK);
    assert_int_equal(gw_results_get(res, "m_pay", &m), GW_OK);
    assert_int_equal(gw_results_provenance(res, "m_pay", &prov), GW_OK);
    double old = m->estimate[1];
    m->estimate[1] = nextafter(old, INFINITY);
    char term[256];
    snprintf(term, sizeof term, "at term=%s", m->terms[1]);
    assert_int_equal(gw_results_append_ex(copy, "m_pay", m, &prov, GW_RESULTS_REPLACE, NULL, 0),
                     GW_OK);
    gw_result_free(m);
    gw_results_close(res);
    gwt_run_result r = gwt_run_cli("diff", results_in(outdir), copy, NULL);
    assert_int_equal(r.exit_code, 5);
    if (strstr(r.out, "models/m_pay (model): changed") == NULL ||
        strstr(r.out, "estimate: 1 of 2 rows differ") == NULL || strstr(r.out, term) == NULL ||
        strstr(r.out, "7 equal") == NULL)
        fail_msg("stdout:\n%s", r.out);
    gwt_run_free(&r);
    r = gwt_run_cli("diff", results_in(outdir), copy, "--tolerance", "rel:1e-12", NULL);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "models/m_pay (within tolerance)"));
    gwt_run_free(&r);
    r = gwt_run_cli("diff", results_in(outdir), copy, "--tolerance", "rel:-1", NULL);
    assert_int_equal(r.exit_code, 2);
    gwt_run_free(&r);
}

static void test_diff_changed_runs(void **state)
{
    (void)state;
    gwt_run_result r = gwt_run_cli("diff", results_in(outdir), results_in(outdir3), NULL);
    assert_int_equal(r.exit_code, 5);
    static const char *const want[] = {
        "models/m_life (model): changed, 3 -> 2 coefficients",
        "1 only in A (first: term=log(median_hourly_pay))",
        "models/m_job (model): only in B (1 coefficients)",
        "analyses/syn (synergy): only in A",
        "analyses/med (mediate): changed",
        "analyses/sc (scenario): changed",
        "by/nation:",
        "models/m_pay",
        "summary: different; 9 objects:",
        "  provenance differs: seed\n", /* the mediation's bootstrap seed */
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (strstr(r.out, want[i]) == NULL)
            fail_msg("no '%s' in:\n%s", want[i], r.out);
    /* m_pay is unchanged, the index draws no random numbers */
    assert_non_null(strstr(r.out, "equal: models/m_pay, analyses/idx"));
    gwt_run_free(&r);
    /* --brief: one line per table, the same verdict. */
    r = gwt_run_cli("diff", results_in(outdir), results_in(outdir3), "--brief", NULL);
    assert_int_equal(r.exit_code, 5);
    if (strstr(r.out, "  coefficients (3 -> 2, 1 only in A): estimate, std_error") == NULL ||
        strstr(r.out, "summary: different; 9 objects:") == NULL)
        fail_msg("stdout:\n%s", r.out);
    gwt_run_free(&r);
    r = gwt_run_cli("diff", results_in(outdir), results_in(outdir3), "--format", "json", NULL);
    assert_int_equal(r.exit_code, 5);
    cJSON *j = cJSON_Parse(r.out);
    assert_non_null(j);
    gwt_run_free(&r);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "equal")));
    cJSON *sum = cJSON_GetObjectItem(j, "summary");
    assert_int_equal((int)gwt_json_num(sum, "only_in_a"), 1);
    assert_int_equal((int)gwt_json_num(sum, "only_in_b"), 1);
    cJSON *o0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "objects"), 0);
    assert_string_equal(gwt_json_str(o0, "name"), "models/m_life");
    assert_string_equal(gwt_json_str(o0, "state"), "changed");
    cJSON *p0 = cJSON_GetArrayItem(cJSON_GetObjectItem(o0, "parts"), 0);
    assert_int_equal((int)gwt_json_num(p0, "rows_only_in_a"), 1);
    cJSON_Delete(j);
}

static void test_diff_errors(void **state)
{
    (void)state;
    gwt_run_result r = gwt_run_cli("diff", results_in(outdir), "/nonexistent/x.h5", NULL);
    assert_int_equal(r.exit_code, 3);
    assert_string_equal(r.out, "");
    gwt_run_free(&r);
    r = gwt_run_cli("diff", results_in(outdir), NULL);
    assert_int_equal(r.exit_code, 2);
    gwt_run_free(&r);
    r = gwt_run_cli("diff", results_in(outdir), results_in(outdir), "--format", "csv", NULL);
    assert_int_equal(r.exit_code, 2);
    gwt_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_export_list),
        cmocka_unit_test(test_export_model),
        cmocka_unit_test(test_export_index_and_cluster),
        cmocka_unit_test(test_export_scenario),
        cmocka_unit_test(test_export_json_and_out),
        cmocka_unit_test(test_export_errors),
        cmocka_unit_test(test_export_data_table),
        cmocka_unit_test(test_diff_equal),
        cmocka_unit_test(test_diff_one_ulp_and_tolerance),
        cmocka_unit_test(test_diff_changed_runs),
        cmocka_unit_test(test_diff_errors),
    };
    return cmocka_run_group_tests_name("export_cli", tests, setup, NULL);
}
