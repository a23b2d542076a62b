/* gw_test.h -- test support: floating-point assertions and running the CLI.
 *
 * Floating-point comparisons go only through these (style.md, Testing): they print both values
 * with %.17g and fail through cmocka's fail_msg. */
#ifndef GW_TEST_H
#define GW_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "gw_design.h"
#include "gw_formula.h"
#include "gw_result.h"
#include "gw_table.h"

/* Fails unless |actual - expected| <= atol + rtol*|expected| (both finite or both NaN). */
#define gw_assert_close(actual, expected, rtol, atol)                                              \
    gwt_assert_close((actual), (expected), (rtol), (atol), #actual, __FILE__, __LINE__)
/* Fails unless the log relative error of actual against certified is >= min_digits. */
#define gw_assert_lre(actual, certified, min_digits)                                               \
    gwt_assert_lre((actual), (certified), (min_digits), #actual, __FILE__, __LINE__)

void gwt_assert_close(double actual, double expected, double rtol, double atol, const char *expr,
                      const char *file, int line);
void gwt_assert_lre(double actual, double certified, double min_digits, const char *expr,
                    const char *file, int line);

/* gwt_lre -- log relative error -log10(|a - c| / |c|) (absolute error if c == 0), capped at
 * 17 for exact agreement. */
double gwt_lre(double actual, double certified);

/* The result of running a command. */
typedef struct {
    int exit_code; /* the process's exit status, or -1 if it died by a signal */
    char *out;     /* standard output (malloc'd, NUL-terminated) */
    char *err;     /* standard error (malloc'd, NUL-terminated) */
} gwt_run_result;

/* gwt_run -- run argv (argv[0] a path; NULL-terminated) and capture its output. */
gwt_run_result gwt_run(const char *const *argv);
/* gwt_run_cli -- run the goodwork binary (GW_CLI) with the given NULL-terminated arguments. */
gwt_run_result gwt_run_cli(const char *arg0, ...);
void gwt_run_free(gwt_run_result *r);

/* gwt_write_file -- write text to a fresh file under the test's temporary directory and
 * return its path (static storage, one per call up to 64 live paths). */
const char *gwt_write_file(const char *name, const char *text);
/* gwt_tmpdir -- a per-process temporary directory, created on first use. */
const char *gwt_tmpdir(void);
/* gwt_source_path -- GW_SOURCE_DIR "/" rel, in a static rotating buffer. */
const char *gwt_source_path(const char *rel);
/* gwt_tmp_path -- gwt_tmpdir() "/" name, in a static rotating buffer (16 live paths). */
const char *gwt_tmp_path(const char *name);
/* gwt_read_file -- the whole file at path (malloc'd, NUL-terminated; its size in *len when len is
 * not NULL), or NULL when it cannot be opened; a short read fails the test. */
char *gwt_read_file(const char *path, size_t *len);
/* gwt_read_file_or_fail -- gwt_read_file, failing the test when path cannot be opened. */
char *gwt_read_file_or_fail(const char *path, size_t *len);
/* gwt_copy_file -- copy the file from to the file to (created or truncated); fails the test on
 * any error. */
void gwt_copy_file(const char *from, const char *to);
/* gwt_expect_in -- fails unless needle occurs in text (printing text's first 4000 bytes). */
void gwt_expect_in(const char *text, const char *needle);

/* ---- Hand-made tables and formulas. ---- */

/* gwt_table_add_num -- append a copy of the n values v as numeric column name; fails the test
 * on error. */
void gwt_table_add_num(gw_table *t, const char *name, const double *v, size_t n);
/* gwt_table_add_cat -- append a categorical column name of the n codes with copies of the nl
 * levels; fails the test on error. */
void gwt_table_add_cat(gw_table *t, const char *name, const int32_t *codes, size_t n,
                       const char *const *levels, size_t nl);
/* gwt_formula_parse_ok -- parse text, failing the test (with the message) unless it parses. */
gw_formula *gwt_formula_parse_ok(const char *text);
/* gwt_caret_column -- the column of the caret in the last line of a syntax error's msg (after
 * the two-space indent), or -1 when that line is not spaces then one '^'. */
long gwt_caret_column(const char *msg);
/* gwt_formula_syntax_error -- parsing text must fail with GW_ESYNTAX, a NULL formula and a
 * message that contains why, echoes the formula on an indented line and puts its caret at
 * column caret (-1: no caret line). */
void gwt_formula_syntax_error(const char *text, long caret, const char *why);
/* gwt_design_expect_names -- the terms of d are exactly want (NULL-terminated). */
void gwt_design_expect_names(const gw_design *d, const char *const *want);
/* gwt_design_csv -- the model frame of formula over the CSV file GW_SOURCE_DIR/csv with the
 * weights and first cluster variable given (NULL: none); fails the test on any error. */
gw_design *gwt_design_csv(const char *csv, const char *formula, const char *weights,
                          const char *cluster);
/* gwt_formula_parse_oom -- under fault injection, parse text failing at the k-th allocation for
 * k = 0, 1, ... until it succeeds without a failure: every failure must be GW_ENOMEM with a NULL
 * formula (leaks show under ASan). */
void gwt_formula_parse_oom(const char *text);

/* ---- Reference tables: CSV files "model,vcov,what,term,value" (datasets/generated/). ---- */

/* One reference row; "NA" values are NaN. */
typedef struct {
    char model[64], vcov[64], what[64], term[64];
    double value;
} gwt_ref_row;

typedef struct {
    gwt_ref_row *rows; /* malloc'd */
    size_t n;
} gwt_ref_table;

/* gwt_ref_load -- append the rows of GW_SOURCE_DIR/rel to t (comment lines starting with '#' and
 * the header line are skipped). Fails the test when the file cannot be read. */
void gwt_ref_load(const char *rel, gwt_ref_table *t);
/* gwt_ref_get -- the value of the first row (model, vcov, what, term); fails when absent. */
double gwt_ref_get(const gwt_ref_table *t, const char *model, const char *vcov, const char *what,
                   const char *term);
/* gwt_ref_count -- how many rows have (model, vcov, what). */
size_t gwt_ref_count(const gwt_ref_table *t, const char *model, const char *vcov, const char *what);
void gwt_ref_free(gwt_ref_table *t);
/* gwt_ref_file -- gwt_ref_get on the table of rel, loaded once and kept (up to 16 files). */
double gwt_ref_file(const char *rel, const char *model, const char *vcov, const char *what,
                    const char *term);

/* gwt_ref_key -- the number after the first line of GW_SOURCE_DIR/rel that starts with key
 * (the leading fields with their trailing comma, e.g. "poisson2,estimate,x1,"): for reference
 * files of any number of key columns. Fails when absent or not a number. */
double gwt_ref_key(const char *rel, const char *key);

/* ---- Worst agreement per quantity (LRE, digits), printed at the end of a test group. ---- */

/* gwt_note_lre -- record gwt_lre(actual, expected) under the label what (copied; up to 128
 * labels). */
void gwt_note_lre(const char *what, double actual, double expected);
/* gwt_print_worst_lre -- print "[ worst LRE vs <against> ] what lre, ..." (nothing recorded:
 * nothing printed). */
void gwt_print_worst_lre(const char *against);

/* ---- Random numbers for generated test data (xorshift64*, fixed seeds). ---- */

typedef struct {
    uint64_t state;
} gwt_rng;

/* gwt_rng_seed -- the state for seed s (s * 2654435761 + 0x9E3779B97F4A7C15). */
void gwt_rng_seed(gwt_rng *r, uint64_t s);
uint64_t gwt_rng_next(gwt_rng *r);
/* gwt_rng_unif -- uniform on [0, 1) with 53 random bits. */
double gwt_rng_unif(gwt_rng *r);
/* gwt_rng_norm -- standard normal by Box-Muller (one draw per two uniforms). */
double gwt_rng_norm(gwt_rng *r);

/* gwt_term_index -- the index of the term named term in r->terms; fails when absent. */
size_t gwt_term_index(const gw_result *r, const char *term);

/* gwt_assert_same_result -- a and b have the same terms, observations and the same bytes in
 * every estimate, standard error and vcov entry. */
void gwt_assert_same_result(const gw_result *a, const gw_result *b);

/* gwt_assert_grunfeld_m1 -- r is `inv ~ value + capital` on datasets/grunfeld.csv with variance
 * vcov: its estimates and standard errors are R's (datasets/generated/grunfeld_ref.csv, model
 * m1) to 1e-10, and it carries the formula, variance and estimator ("ols") labels. */
void gwt_assert_grunfeld_m1(const gw_result *r, const char *vcov);

/* gwt_hdf5_leak_env_push -- the environment for running goodwork on corrupt HDF5 files in
 * sanitizer builds: LSAN_OPTIONS names tests/fuzz/lsan_hdf5.supp (leaks inside libhdf5 on a
 * corrupt object header) and ASAN_OPTIONS gains fast_unwind_on_malloc=0 (libhdf5 has no frame
 * pointers). Returns the previous ASAN_OPTIONS (a copy, or NULL) for gwt_hdf5_leak_env_pop,
 * which restores it and frees the copy. */
char *gwt_hdf5_leak_env_push(void);
void gwt_hdf5_leak_env_pop(char *saved);

/* gwt_mpi_env -- the environment for running goodwork under mpirun in tests: Open MPI allowed
 * as root (CI containers) and to oversubscribe the cores, shared memory only (no probing of
 * network transports), and in sanitizer builds LeakSanitizer told to ignore Open MPI's own
 * start-up allocations (tests/cli/mpi_lsan.supp, full stacks, components kept loaded). */
void gwt_mpi_env(void);

/* ---- Running the CLI and reading its JSON. ---- */

/* gwt_run_cli_argv -- run the goodwork binary with the NULL-terminated args (at most 38). */
gwt_run_result gwt_run_cli_argv(const char *const *args);
/* gwt_cli_json -- run the CLI with args, fail unless it exits 0 with an empty stderr and prints
 * JSON; return the parsed document (cJSON_Delete it). */
cJSON *gwt_cli_json(const char *const *args);
/* gwt_json_num, gwt_json_str -- the member name of the cJSON object o, failing unless it is a
 * number (a string). */
double gwt_json_num(const cJSON *o, const char *name);
const char *gwt_json_str(const cJSON *o, const char *name);

#endif
