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

#include <cmocka.h>

/* Fails unless |actual - expected| <= atol + rtol*|expected| (both finite or both NaN). */
#define gw_assert_close(actual, expected, rtol, atol)                                        \
    gwt_assert_close((actual), (expected), (rtol), (atol), #actual, __FILE__, __LINE__)
/* Fails unless the log relative error of actual against certified is >= min_digits. */
#define gw_assert_lre(actual, certified, min_digits)                                         \
    gwt_assert_lre((actual), (certified), (min_digits), #actual, __FILE__, __LINE__)

void gwt_assert_close(double actual, double expected, double rtol, double atol,
                      const char *expr, const char *file, int line);
void gwt_assert_lre(double actual, double certified, double min_digits, const char *expr,
                    const char *file, int line);

/* gwt_lre -- log relative error -log10(|a - c| / |c|) (absolute error if c == 0), capped at
 * 17 for exact agreement. */
double gwt_lre(double actual, double certified);

/* The result of running a command. */
typedef struct {
    int exit_code;  /* the process's exit status, or -1 if it died by a signal */
    char *out;      /* standard output (malloc'd, NUL-terminated) */
    char *err;      /* standard error (malloc'd, NUL-terminated) */
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

#endif
