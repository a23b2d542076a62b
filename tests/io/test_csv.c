/* test_csv.c -- the CSV reader and writer of io/gw_csv.h. */
#include <dirent.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core_int.h"
#include "csv_int.h"
#include "gw_alloc.h"
#include "gw_csv.h"
#include "gw_status.h"
#include "gw_table.h"
#include "gw_test.h"

/* Bit-for-bit equality of two doubles (NaN payloads and the sign of zero included): an integer
 * comparison of their representations, not a floating-point one. */
static void assert_same_bits(double a, double b, const char *what)
{
    uint64_t x, y;
    memcpy(&x, &a, sizeof x);
    memcpy(&y, &b, sizeof y);
    if (x != y)
        fail_msg("%s: %.17g (0x%016llx) != %.17g (0x%016llx)", what, a, (unsigned long long)x, b,
                 (unsigned long long)y);
}

static gw_table *read_ok(const char *text, const gw_csv_opts *opts)
{
    gw_table *t = NULL;
    gw_status rc = gw_csv_read_mem(text, strlen(text), "t", opts, &t);
    if (rc != GW_OK)
        fail_msg("unexpected failure: %s", gw_last_error());
    assert_non_null(t);
    return t;
}

static size_t col(const gw_table *t, const char *name)
{
    ptrdiff_t j = gw_table_find(t, name);
    if (j < 0)
        fail_msg("no column %s", name);
    return (size_t)j;
}

static void test_read_typed_columns(void **state)
{
    (void)state;
    gw_table *t = read_ok("id,region,wage,hours\n1,North,12.5,40\n2,South,-3e2,\n3,North,.25,"
                          "37.5\n",
                          NULL);
    assert_int_equal(gw_table_nrows(t), 3);
    assert_int_equal(gw_table_ncols(t), 4);
    assert_int_equal(gw_table_coltype(t, col(t, "id")), GW_COL_NUMERIC);
    assert_int_equal(gw_table_coltype(t, col(t, "region")), GW_COL_CATEGORICAL);
    const double *w = gw_table_numeric(t, col(t, "wage"));
    gw_assert_close(w[0], 12.5, 0.0, 0.0);
    gw_assert_close(w[1], -300.0, 0.0, 0.0);
    gw_assert_close(w[2], 0.25, 0.0, 0.0);
    const double *h = gw_table_numeric(t, col(t, "hours"));
    assert_true(isnan(h[1]));
    gw_assert_close(h[2], 37.5, 0.0, 0.0);
    size_t r = col(t, "region");
    assert_int_equal(gw_table_nlevels(t, r), 2);
    assert_string_equal(gw_table_level(t, r, 0), "North");
    assert_string_equal(gw_table_level(t, r, 1), "South");
    const int32_t *c = gw_table_codes(t, r);
    assert_int_equal(c[0], 0);
    assert_int_equal(c[1], 1);
    assert_int_equal(c[2], 0);
    gw_table_free(t);
}

static void test_read_quoting(void **state)
{
    (void)state;
    /* Delimiters, escaped quotes and newlines inside quotes; a quoted number in a numeric
     * column; a quoted first value makes a column categorical. */
    gw_table *t = read_ok("\"na,me\",x,code\n"
                          "\"Smith, J\",1,\"7\"\n"
                          "\"say \"\"hi\"\"\",\"2.5\",8\n"
                          "\"two\nlines\",3,\"\"\n",
                          NULL);
    assert_int_equal(gw_table_nrows(t), 3);
    size_t n = col(t, "na,me");
    assert_int_equal(gw_table_coltype(t, n), GW_COL_CATEGORICAL);
    assert_int_equal(gw_table_nlevels(t, n), 3);
    assert_string_equal(gw_table_level(t, n, 0), "Smith, J");
    assert_string_equal(gw_table_level(t, n, 1), "say \"hi\"");
    assert_string_equal(gw_table_level(t, n, 2), "two\nlines");
    const double *x = gw_table_numeric(t, col(t, "x"));
    gw_assert_close(x[1], 2.5, 0.0, 0.0);
    size_t k = col(t, "code");
    assert_int_equal(gw_table_coltype(t, k), GW_COL_CATEGORICAL);
    assert_int_equal(gw_table_nlevels(t, k), 2); /* "7" and "8"; "" is missing */
    assert_string_equal(gw_table_level(t, k, 0), "7");
    assert_string_equal(gw_table_level(t, k, 1), "8");
    assert_int_equal(gw_table_codes(t, k)[2], GW_CODE_MISSING);
    gw_table_free(t);
}

static void test_read_crlf_bom(void **state)
{
    (void)state;
    gw_table *t = read_ok("\xEF\xBB\xBF"
                          "a,b\r\n1,x\r\n\r\n2,\"y\r\nz\"\r\n",
                          NULL);
    assert_int_equal(gw_table_nrows(t), 2);
    assert_string_equal(gw_table_colname(t, 0), "a"); /* the BOM is not part of the name */
    gw_assert_close(gw_table_numeric(t, 0)[1], 2.0, 0.0, 0.0);
    assert_string_equal(gw_table_level(t, 1, 1), "y\r\nz");
    gw_table_free(t);
    /* No final newline. */
    t = read_ok("a,b\n1,2", NULL);
    assert_int_equal(gw_table_nrows(t), 1);
    gw_assert_close(gw_table_numeric(t, 1)[0], 2.0, 0.0, 0.0);
    gw_table_free(t);
}

static void test_read_missing_spellings(void **state)
{
    (void)state;
    gw_table *t = read_ok("x,s\n1,a\n,\nNA,NA\nNaN,NaN\n.,.\n NA ,\"NA\"\n\"\",\"\"\n2,b\n", NULL);
    assert_int_equal(gw_table_nrows(t), 8);
    const double *x = gw_table_numeric(t, 0);
    for (size_t i = 1; i <= 6; i++)
        assert_true(isnan(x[i]));
    gw_assert_close(x[7], 2.0, 0.0, 0.0);
    /* In a text column the same spellings are missing, but a quoted "NA" is the text NA. */
    const int32_t *c = gw_table_codes(t, 1);
    assert_int_equal(gw_table_nlevels(t, 1), 3);
    assert_string_equal(gw_table_level(t, 1, 0), "NA");
    for (size_t i = 1; i <= 4; i++)
        assert_int_equal(c[i], GW_CODE_MISSING);
    assert_int_equal(c[5], 0);
    assert_int_equal(c[6], GW_CODE_MISSING);
    gw_table_free(t);
    /* An all-missing column is numeric, all NaN; missing before the first value stays missing. */
    t = read_ok("m,late\nNA,\n,NA\n.,b\n", NULL);
    assert_int_equal(gw_table_coltype(t, 0), GW_COL_NUMERIC);
    for (size_t i = 0; i < 3; i++)
        assert_true(isnan(gw_table_numeric(t, 0)[i]));
    assert_int_equal(gw_table_coltype(t, 1), GW_COL_CATEGORICAL);
    assert_int_equal(gw_table_codes(t, 1)[0], GW_CODE_MISSING);
    assert_int_equal(gw_table_codes(t, 1)[1], GW_CODE_MISSING);
    assert_int_equal(gw_table_codes(t, 1)[2], 0);
    gw_table_free(t);
}

static void test_read_levels_byte_order(void **state)
{
    (void)state;
    /* Byte order: "B" < "a" < "ab" < "b" < "\xc3\xa9" (e acute); numbers in a text column are
     * levels; first appearance does not matter. */
    gw_table *t = read_ok("g\nb\n\xc3\xa9\nab\nB\na\nb\n10\n", NULL);
    static const char *const want[] = {"10", "B", "a", "ab", "b", "\xc3\xa9"};
    static const int32_t codes[] = {4, 5, 3, 1, 2, 4, 0};
    assert_int_equal(gw_table_nlevels(t, 0), 6);
    for (size_t l = 0; l < 6; l++)
        assert_string_equal(gw_table_level(t, 0, l), want[l]);
    for (size_t i = 0; i < 7; i++)
        assert_int_equal(gw_table_codes(t, 0)[i], codes[i]);
    gw_table_free(t);
}

static void test_read_column_subset(void **state)
{
    (void)state;
    const char *const want[] = {"c", "a", "c"};
    gw_csv_opts o = {.columns = want, .ncolumns = 3};
    /* Column b holds text after a number: not read, so not an error. */
    gw_table *t = read_ok("a,b,c\n1,2,3\n4,oops,6\n", &o);
    assert_int_equal(gw_table_ncols(t), 2);
    assert_string_equal(gw_table_colname(t, 0), "a"); /* file order */
    assert_string_equal(gw_table_colname(t, 1), "c");
    gw_assert_close(gw_table_numeric(t, 1)[1], 6.0, 0.0, 0.0);
    gw_table_free(t);
    /* A missing column is GW_ENOVAR. */
    const char *const bad[] = {"a", "zz"};
    gw_csv_opts o2 = {.columns = bad, .ncolumns = 2};
    t = (gw_table *)1;
    assert_int_equal(gw_csv_read_mem("a,b\n1,2\n", 8, "t", &o2, &t), GW_ENOVAR);
    assert_null(t);
    assert_string_equal(gw_last_error(), "t: no column 'zz'");
    /* Other delimiters. */
    gw_csv_opts semi = {.delimiter = ';'};
    t = NULL;
    assert_int_equal(gw_csv_read_mem("a;b\n1;x\n", 8, "t", &semi, &t), GW_OK);
    assert_int_equal(gw_table_ncols(t), 2);
    gw_table_free(t);
}

static void test_read_header_only(void **state)
{
    (void)state;
    gw_table *t = read_ok("a,b\n", NULL);
    assert_int_equal(gw_table_nrows(t), 0);
    assert_int_equal(gw_table_ncols(t), 2);
    assert_int_equal(gw_table_coltype(t, 0), GW_COL_NUMERIC);
    gw_table_free(t);
    t = read_ok("a", NULL);
    assert_int_equal(gw_table_nrows(t), 0);
    gw_table_free(t);
}

/* Malformed input: status, place and message (ReadStat-style table). */
typedef struct {
    const char *label;
    const char *input;
    size_t len; /* 0: strlen(input) */
    gw_status status;
    const char *message; /* the exact start of gw_last_error() */
} bad_case;

static const bad_case bad_cases[] = {
    {"ragged, too few", "a,b\n1,2\n3\n", 0, GW_EFORMAT,
     "t:3:2: line 3 has 1 field, the header has 2"},
    {"ragged, too many", "a,b\n1,2,3,4\n", 0, GW_EFORMAT,
     "t:2:5: line 2 has 4 fields, the header has 2"},
    {"ragged after CRLF", "a,b\r\n1,2\r\n3\r\n", 0, GW_EFORMAT, "t:3:2: line 3 has 1 field"},
    {"ragged after quoted newline", "a,b\n\"x\ny\",1\n1\n", 0, GW_EFORMAT,
     "t:4:2: line 4 has 1 field"},
    {"text in numeric column", "a,b\n1,2\n3,x y\n", 0, GW_EFORMAT,
     "t:3:3: text in numeric column 'b': 'x y' (its first value, at line 2, is a number)"},
    {"text after missing then number", "a\nNA\n2\nfoo\n", 0, GW_EFORMAT,
     "t:4:1: text in numeric column 'a'"},
    {"quoted NA in numeric column", "a\n1\n\"NA\"\n", 0, GW_EFORMAT,
     "t:3:1: text in numeric column"},
    {"hex float", "a\n1\n0x1p3\n", 0, GW_EFORMAT, "t:3:1: text in numeric column"},
    {"inf", "a\n1\ninf\n", 0, GW_EFORMAT, "t:3:1: text in numeric column"},
    {"Infinity", "a\n1\n-Infinity\n", 0, GW_EFORMAT, "t:3:1: text in numeric column"},
    {"nan lower case", "a\n1\nnan\n", 0, GW_EFORMAT, "t:3:1: text in numeric column"},
    {"thousands separator", "a\n1\n1 000\n", 0, GW_EFORMAT, "t:3:1: text in numeric column"},
    {"dangling exponent", "a\n1\n1e\n", 0, GW_EFORMAT, "t:3:1: text in numeric column"},
    {"lone sign", "a\n1\n-\n", 0, GW_EFORMAT, "t:3:1: text in numeric column"},
    {"overflow", "a\n1\n1e400\n", 0, GW_EFORMAT,
     "t:3:1: number '1e400' is out of the range of a double (column 'a')"},
    {"negative overflow first", "a,b\n1,-2e308\n", 0, GW_EFORMAT,
     "t:2:3: number '-2e308' is out of the range"},
    /* 309 digits just above DBL_MAX + ulp/2: rounds to infinity. */
    {"long overflow",
     "a\n"
     "17976931348623159000000000000000000000000000000000000000000000000000000000000000"
     "00000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "00000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000000000000000000000000000000000000000000"
     "\n",
     0, GW_EFORMAT, "t:2:1: number '"},
    {"unterminated quote", "a,b\n1,\"xy\n2,3\n", 0, GW_EFORMAT,
     "t:2:3: unterminated quoted field (no closing quote)"},
    {"quote inside unquoted field", "a,b\n1,x\"y\n", 0, GW_EFORMAT,
     "t:2:4: quote character inside an unquoted field"},
    {"text after closing quote", "a,b\n\"x\"y,1\n", 0, GW_EFORMAT,
     "t:2:4: unexpected character after a closing quote"},
    {"bare carriage return", "a\n1\r2\n", 0, GW_EFORMAT,
     "t:2:2: carriage return not followed by a line feed"},
    {"empty file", "", 0, GW_EFORMAT, "t:1:1: empty file (no header row)"},
    {"BOM only", "\xEF\xBB\xBF", 0, GW_EFORMAT, "t:1:1: empty file"},
    {"NUL byte", "a\n1\0\n", 5, GW_EFORMAT, "t:2:2: NUL byte in the input"},
    {"duplicate header", "a,b,a\n1,2,3\n", 0, GW_EFORMAT,
     "t:1:5: duplicate column name 'a' (columns 1 and 3 of the header)"},
    {"empty header name", "a,,b\n1,2,3\n", 0, GW_EFORMAT,
     "t:1:3: empty column name (column 2 of the header)"},
    {"empty header line", "\n1\n", 0, GW_EFORMAT, "t:1:1: empty column name"},
    {"quoted empty header name", "a,\"\"\n1,2\n", 0, GW_EFORMAT, "t:1:3: empty column name"},
    {"invalid UTF-8 header", "a,b\xff\n1,2\n", 0, GW_EFORMAT,
     "t:1:3: column name is not valid UTF-8 (byte 2 of the name)"},
    {"overlong UTF-8 header", "\xc0\xaf\n1\n", 0, GW_EFORMAT, "t:1:1: column name is not valid"},
    {"surrogate in header", "\xed\xa0\x80\n1\n", 0, GW_EFORMAT, "t:1:1: column name is not"},
    {"truncated UTF-8 header", "ab\xc3", 0, GW_EFORMAT, "t:1:1: column name is not valid"},
};

static void test_read_bad_input(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *b = &bad_cases[i];
        gw_table *t = (gw_table *)1;
        size_t len = b->len ? b->len : strlen(b->input);
        gw_clear_error();
        gw_status rc = gw_csv_read_mem(b->input, len, "t", NULL, &t);
        if (rc != b->status)
            fail_msg("%s: status %d (%s), expected %d", b->label, (int)rc, gw_last_error(),
                     (int)b->status);
        if (t != NULL)
            fail_msg("%s: *out not NULL", b->label);
        if (strncmp(gw_last_error(), b->message, strlen(b->message)) != 0)
            fail_msg("%s: message '%s', expected it to start with '%s'", b->label, gw_last_error(),
                     b->message);
    }
}

/* The delimiter is detected from the header when none is given: the most frequent of ',', tab,
 * ';' and '|' outside quotes, ties in that order, ',' when there is none. */
static void test_read_delimiter_detection(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t ncols;
        double x; /* the value of the last column of the first row */
    } cases[] = {
        {"a,b\n1,2\n", 2, 2.0},       {"a\tb\tc\n1\t2\t3\n", 3, 3.0},
        {"a,b;c\n1;2,3\n", 2, 3.0}, /* one ',' vs one ';': the tie goes to ',' */
        {"a;b;c\n1;2;3\n", 3, 3.0},   {"a|b\n1|2\n", 2, 2.0},
        {"\"x,y\";b\n1;2\n", 2, 2.0}, /* quoted commas do not count */
        {"a\n1\n", 1, 1.0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gw_table *t = NULL;
        if (gw_csv_read_mem(cases[i].text, strlen(cases[i].text), "t", NULL, &t) != GW_OK)
            fail_msg("case %zu: %s", i, gw_last_error());
        assert_int_equal(gw_table_ncols(t), cases[i].ncols);
        gw_assert_close(gw_table_numeric(t, cases[i].ncols - 1)[0], cases[i].x, 0.0, 0.0);
        gw_table_free(t);
    }
    /* Given explicitly, the delimiter is used as is, tab included. */
    gw_csv_opts o = {.delimiter = ';'};
    gw_table *t = read_ok("a,b;c\n1;2\n", &o);
    assert_string_equal(gw_table_colname(t, 0), "a,b");
    gw_table_free(t);
    o.delimiter = '\t';
    t = read_ok("a\tb\n 1\t2 \n", &o);
    gw_assert_close(gw_table_numeric(t, 0)[0], 1.0, 0.0, 0.0);
    gw_table_free(t);
}

static void test_read_bad_arguments(void **state)
{
    (void)state;
    gw_table *t = (gw_table *)1;
    gw_csv_opts o = {.delimiter = '.'};
    assert_int_equal(gw_csv_read_mem("a\n1\n", 4, "t", &o, &t), GW_EINVAL);
    assert_null(t);
    assert_int_equal(gw_csv_read_mem(NULL, 4, "t", NULL, &t), GW_EINVAL);
    assert_int_equal(gw_csv_read_file(NULL, NULL, &t), GW_EINVAL);
    assert_true(strlen(gw_last_error()) > 0);
}

static void test_read_file_errors(void **state)
{
    (void)state;
    char path[600];
    gw_table *t = (gw_table *)1;
    snprintf(path, sizeof path, "%s/no-such-file.csv", gwt_tmpdir());
    assert_int_equal(gw_csv_read_file(path, NULL, &t), GW_EIO);
    assert_null(t);
    assert_non_null(strstr(gw_last_error(), "no-such-file.csv: cannot open: "));
    assert_int_equal(gw_csv_read_file(gwt_tmpdir(), NULL, &t), GW_EIO);
    /* The file name is the place in format errors. */
    const char *p = gwt_write_file("bad.csv", "a,b\n1,2\n1\n");
    assert_int_equal(gw_csv_read_file(p, NULL, &t), GW_EFORMAT);
    char want[700];
    snprintf(want, sizeof want, "%s:3:2: line 3 has 1 field", p);
    assert_int_equal(strncmp(gw_last_error(), want, strlen(want)), 0);
    p = gwt_write_file("good.csv", "a,b\n1,x\n");
    assert_int_equal(gw_csv_read_file(p, NULL, &t), GW_OK);
    assert_int_equal(gw_table_nrows(t), 1);
    gw_table_free(t);
}

/* Accepted number forms and their values (checked against strtod bit for bit). */
static void test_number_forms(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "0",
        "-0",
        "+0.0",
        "1",
        "+1.5",
        "-.5",
        "5.",
        "007",
        "1e5",
        "1E+05",
        "2.5e-3",
        "1e-400",
        "-1e-400",
        "4.9406564584124654e-324",
        "2.2250738585072011e-308",
        "1.7976931348623157e308",
        "123456789012345678901234567890",
        "0.1000000000000000055511151231257827021181583404541015625",
        "9007199254740993",
        "0.30000000000000004",
        "1e22",
        "1e23",
        "12e30",
        "0e99999999999",
        "3.0000000000000000000000000000000000000000000000000000000000000000000000000000000001"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        double v = 0.0;
        int r = gwi_csv_number(ok[i], strlen(ok[i]), &v, NULL);
        if (r != GWI_NUM_OK)
            fail_msg("'%s' not accepted (%d)", ok[i], r);
        assert_same_bits(v, strtod(ok[i], NULL), ok[i]);
    }
    double v = 1.0;
    assert_int_equal(gwi_csv_number("-0", 2, &v, NULL), GWI_NUM_OK);
    assert_true(signbit(v));
    static const char *const text[] = {
        "",    "-",   "+",   ".",   "e5", "1e", "1e+",   "0x10", "0x1p3", "inf",         "-inf",
        "nan", "NaN", "1,5", "1 0", " 1", "1 ", "1.2.3", "--1",  "1e5.5", "\xef\xbc\x91"};
    for (size_t i = 0; i < sizeof text / sizeof text[0]; i++)
        if (gwi_csv_number(text[i], strlen(text[i]), &v, NULL) != GWI_NUM_TEXT)
            fail_msg("'%s' accepted as a number", text[i]);
    assert_int_equal(gwi_csv_number("1e309", 5, &v, NULL), GWI_NUM_RANGE);
    assert_int_equal(gwi_csv_number("-1.8e308", 8, &v, NULL), GWI_NUM_RANGE);
    /* Spaces around numbers are allowed in a file (trimmed by the reader). */
    gw_table *t = read_ok("a,b\n 1 ,\t2\n", NULL);
    gw_assert_close(gw_table_numeric(t, 1)[0], 2.0, 0.0, 0.0);
    gw_table_free(t);
}

/* A xorshift generator: deterministic across platforms (seed printed on failure). */
static uint64_t rng = 0x2545F4914F6CDD1Du;
static uint64_t next_u64(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Clinger's fast path (and the x87 one) against strtod on 10^6 random decimal strings: 1-21
 * digits with the point anywhere, exponents mostly near the fast-path limits. */
static void test_number_fast_path_matches_strtod(void **state)
{
    (void)state;
    char s[64];
    size_t nfast = 0, n = 1000000;
    for (size_t i = 0; i < n; i++) {
        uint64_t r = next_u64();
        size_t k = 0, nd = 1 + (size_t)(r % 21);
        size_t point = (size_t)((r >> 8) % (nd + 1));
        if ((r >> 16) & 1)
            s[k++] = '-';
        for (size_t d = 0; d < nd; d++) {
            if (d == point && d > 0)
                s[k++] = '.';
            s[k++] = (char)('0' + (next_u64() % 10));
        }
        int ex = 0;
        switch ((r >> 20) % 4) {
        case 0:
            break;
        case 1:
            ex = (int)((r >> 24) % 61) - 30;
            break;
        case 2:
            ex = (int)((r >> 24) % 661) - 340;
            break;
        default:
            ex = (int)((r >> 24) % 11) + 17;
            break;
        }
        if (ex != 0)
            k += (size_t)snprintf(s + k, sizeof s - k, "e%d", ex);
        s[k] = '\0';
        double v = 0.0, ref = strtod(s, NULL);
        int fast = 0;
        int rc = gwi_csv_number(s, k, &v, &fast);
        if (isinf(ref)) {
            if (rc != GWI_NUM_RANGE)
                fail_msg("'%s' overflows but gave %d (seed 0x2545F4914F6CDD1D, i=%zu)", s, rc, i);
            continue;
        }
        if (rc != GWI_NUM_OK)
            fail_msg("'%s' not accepted (i=%zu)", s, i);
        nfast += (size_t)fast;
        if (memcmp(&v, &ref, sizeof v) != 0)
            fail_msg("'%s': %.17g, strtod %.17g (fast=%d, i=%zu)", s, v, ref, fast, i);
    }
    /* The fast paths must actually be exercised (about half of these strings qualify). */
    assert_true(nfast > n / 4);
}

/* One string through gwi_csv_number against strtod: same bits, or RANGE where strtod gives inf.
 * Returns 1 when a fast path decided. */
static int check_number(const char *s, const char *ctx, size_t i)
{
    double v = 0.0, ref = strtod(s, NULL);
    int fast = 0, rc = gwi_csv_number(s, strlen(s), &v, &fast);
    if (isinf(ref)) {
        if (rc != GWI_NUM_RANGE)
            fail_msg("%s: '%s' overflows but gave %d (i=%zu)", ctx, s, rc, i);
        return fast;
    }
    if (rc != GWI_NUM_OK)
        fail_msg("%s: '%s' not accepted (%d, i=%zu)", ctx, s, rc, i);
    uint64_t a, b;
    memcpy(&a, &v, sizeof a);
    memcpy(&b, &ref, sizeof b);
    if (a != b)
        fail_msg("%s: '%s': %.17g (0x%016llx), strtod %.17g (0x%016llx) (fast=%d, i=%zu)", ctx, s,
                 v, (unsigned long long)a, ref, (unsigned long long)b, fast, i);
    return fast;
}

/* Eisel-Lemire: random bit patterns (every exponent, subnormals included) printed with %.17g
 * read back bit-identical, and agree with strtod; so do their %.15g/%.16g/%.18g/%.19g/%.20g
 * spellings (18-20 digits exercise the 19-digit limit and the bracketing of longer ones). The
 * fast paths must decide nearly all 17-digit cases: strtod is a fallback, not the path. */
static void test_number_eisel_lemire_round_trip(void **state)
{
    (void)state;
    static const int prec[] = {15, 16, 18, 19, 20, 25};
    char s[64];
    size_t n = 2000000, nfast = 0;
    rng = 0x9E3779B97F4A7C15u;
    for (size_t i = 0; i < n; i++) {
        uint64_t bits = next_u64();
        double x;
        memcpy(&x, &bits, sizeof x);
        if (!isfinite(x))
            continue;
        snprintf(s, sizeof s, "%.17g", x);
        double v = 0.0;
        int fast = 0;
        if (gwi_csv_number(s, strlen(s), &v, &fast) != GWI_NUM_OK)
            fail_msg("'%s' not accepted (seed 0x9E3779B97F4A7C15, i=%zu)", s, i);
        assert_same_bits(v, x, s);
        nfast += (size_t)fast;
        if (i % 8 == 0) {
            snprintf(s, sizeof s, "%.*g", prec[(i / 8) % 6], x);
            check_number(s, "other digit counts", i);
        }
    }
    if (nfast < n / 2 * 9 / 10) /* about half of random bit patterns are finite normal doubles */
        fail_msg("only %zu of %zu round trips took a fast path", nfast, n);
    /* Normal numbers of ordinary magnitude (as data files hold): strtod must be rare. */
    size_t nslow = 0, m = 1000000;
    for (size_t i = 0; i < m; i++) {
        uint64_t r = next_u64();
        double x = ((double)(r >> 11) * 0x1p-53 - 0.5) * pow(10.0, (double)((r & 63) % 21) - 10.0);
        snprintf(s, sizeof s, "%.17g", x);
        nslow += (size_t)!check_number(s, "ordinary magnitudes", i);
    }
    if (nslow > m / 1000)
        fail_msg("%zu of %zu ordinary 17-digit numbers needed strtod", nslow, m);
}

/* Edge cases of the fast paths: the limits of the double range, exact halfway cases (which
 * Eisel-Lemire must hand to strtod or get right), 17-20+ digits, leading zeros, huge and tiny
 * exponents. Every one must agree with strtod (1e400 is GWI_NUM_RANGE, 1e-400 is zero). */
static void test_number_edge_cases(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "4.9406564584124654e-324",
        "5e-324",
        "2.4703282292062327e-324",
        "2.4703282292062328e-324",
        "2.2250738585072009e-308",
        "2.2250738585072014e-308",
        "2.225073858507201136057409796709e-308",
        "1.7976931348623157e308",
        "1.7976931348623158e308",
        "1.7976931348623159e308",
        "1e308",
        "1e309",
        "1e400",
        "-1e400",
        "1e-400",
        "-1e-400",
        "1e-342",
        "1e-343",
        "1e-324",
        "3e-324",
        "9007199254740993",
        "9007199254740992",
        "9007199254740994",
        "9007199254740995",
        "9007199254740993.0000000000001",
        "18014398509481987",
        "1e23",
        "8.589973e9",
        "1e22",
        "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124",
        "1.00000000000000011102230246251565404236316680908203126",
        "0.1",
        "0.2",
        "0.3",
        "12345678901234567",
        "123456789012345678",
        "1234567890123456789",
        "12345678901234567890",
        "98765432109876543210987654321",
        "9999999999999999999",
        "10000000000000000000",
        "18446744073709551615",
        "18446744073709551616",
        "0.000000000000000000000000000001234",
        "000000000000000000000000000000001.5",
        "-0.0000",
        "00.00e5",
        "7.2057594037927933e16",
        "4503599627370496.5",
        "4503599627370497.5",
        "2.0000000000000002",
        "2.0000000000000003",
        "5.0000000000000000000000000000000000000000000000000001e-324",
        "1e-1074",
        "6e-324",
        "1.2345678901234567e-310",
        "123456789012345678e-330",
        "1234567890123456789e290"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_number(cases[i], "edge", i);
    /* 2^-1074 and DBL_MAX and the halfway points around them, written exactly with %.800g. */
    static const double xs[] = {0x1p-1074,          DBL_MAX, DBL_MIN, 0x1.fffffffffffffp-1023, 1.0,
                                0x1.0000000000001p0};
    char s[1200];
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        snprintf(s, sizeof s, "%.17g", xs[i]);
        check_number(s, "limit", i);
        snprintf(s, sizeof s, "%.800g", xs[i]);
        check_number(s, "limit exact", i);
        /* The midpoint with the next double up: exact in binary, so %.800g spells it exactly. */
        long double mid = ((long double)xs[i] + (long double)nextafter(xs[i], INFINITY)) / 2;
        if (isfinite(nextafter(xs[i], INFINITY))) {
            snprintf(s, sizeof s, "%.800Lg", mid);
            check_number(s, "halfway", i);
        }
    }
    /* Halfway cases with 17-19 digits: m * 2^k + 2^(k-1) for 53-bit m, where exact. */
    rng = 0x1234567887654321u;
    for (size_t i = 0; i < 200000; i++) {
        uint64_t m = (next_u64() >> 11) | ((uint64_t)1 << 52);
        int k = (int)(next_u64() % 12);
        uint64_t h = (m << (k + 1)) + ((uint64_t)1 << k); /* (2m + 1) * 2^k: halfway at 2^k */
        if (k == 0 || h >> 63 != 0)
            continue;
        snprintf(s, sizeof s, "%llu", (unsigned long long)h);
        check_number(s, "integer halfway", i);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Parallel reads: the same table and the same first error for any thread count and chunk size */

/* Appends text to a growing buffer. */
typedef struct {
    char *s;
    size_t n, cap;
} sbuf;

static void sb_put(sbuf *b, const char *t, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = 2 * (b->n + n + 1);
        b->s = realloc(b->s, b->cap);
        assert_non_null(b->s);
    }
    memcpy(b->s + b->n, t, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void sb_str(sbuf *b, const char *t) { sb_put(b, t, strlen(t)); }

/* A file that exercises every parser state at chunk boundaries: quoted fields with line breaks,
 * "" and delimiters inside, CRLF and LF records, empty lines, every missing spelling, numbers of
 * 1-17 digits, a column that is missing for the first 70% of rows (its kind is settled late,
 * so chunks parsed early guess it wrong), a categorical column that starts late, and a text
 * column whose levels first appear in different chunks. */
static char *make_mixed_csv(size_t nrows, uint64_t seed, size_t *len)
{
    static const char *const miss[] = {"", "NA", "NaN", ".", " NA ", "\t"};
    static const char *const words[] = {
        "alpha", "\"be,ta\"", "\"gam\nma\"", "\"d\"\"elta\"", "\"ep\r\nsilon\"", "zeta",
        "\"\"",  "\"NA\"",    "12",          "\"x\n\n\ny\""};
    sbuf b = {0};
    char num[64];
    rng = seed;
    sb_str(&b, "id,x,s,late,catlate,q\n");
    for (size_t i = 0; i < nrows; i++) {
        uint64_t r = next_u64();
        snprintf(num, sizeof num, "%zu,", i);
        sb_str(&b, num);
        if (r % 7 == 0) {
            sb_str(&b, miss[(r >> 8) % 6]);
        } else {
            double x;
            uint64_t bits = next_u64();
            memcpy(&x, &bits, sizeof x);
            if (!isfinite(x))
                x = 0.5;
            snprintf(num, sizeof num, "%.*g", 1 + (int)((r >> 12) % 17), x);
            sb_str(&b, num);
        }
        sb_str(&b, ",");
        sb_str(&b, (r >> 20) % 5 == 0 ? "NA" : words[(r >> 24) % 10]);
        sb_str(&b, ",");
        if (i < nrows * 7 / 10 || (r >> 28) % 3 == 0)
            sb_str(&b, "");
        else {
            snprintf(num, sizeof num, "%d.5", (int)((r >> 32) % 1000));
            sb_str(&b, num);
        }
        sb_str(&b, ",");
        sb_str(&b, i < nrows / 2 ? "NA" : words[(r >> 36) % 10]);
        sb_str(&b, ",");
        sb_str(&b, (r >> 40) % 4 == 0 ? "\"3\"" : "4"); /* quoted numbers in a numeric column */
        sb_str(&b, (r >> 44) % 3 == 0 ? "\r\n" : "\n");
        if ((r >> 48) % 50 == 0)
            sb_str(&b, (r >> 54) % 2 ? "\n" : "\r\n"); /* empty lines */
    }
    *len = b.n;
    return b.s;
}

/* Asserts that a and b are the same table, bit for bit. */
static void assert_same_table(const gw_table *a, const gw_table *b, const char *what)
{
    if (gw_table_nrows(a) != gw_table_nrows(b) || gw_table_ncols(a) != gw_table_ncols(b))
        fail_msg("%s: shape %zux%zu vs %zux%zu", what, gw_table_nrows(a), gw_table_ncols(a),
                 gw_table_nrows(b), gw_table_ncols(b));
    for (size_t j = 0; j < gw_table_ncols(a); j++) {
        assert_string_equal(gw_table_colname(a, j), gw_table_colname(b, j));
        if (gw_table_coltype(a, j) != gw_table_coltype(b, j))
            fail_msg("%s: column %zu type differs", what, j);
        if (gwi_table_is_clean(a, j) != gwi_table_is_clean(b, j))
            fail_msg("%s: column %zu is marked clean in one table only", what, j);
        if (gw_table_coltype(a, j) == GW_COL_NUMERIC) {
            if (memcmp(gw_table_numeric(a, j), gw_table_numeric(b, j),
                       gw_table_nrows(a) * sizeof(double)) != 0)
                fail_msg("%s: values of column %zu differ", what, j);
        } else {
            if (gw_table_nlevels(a, j) != gw_table_nlevels(b, j))
                fail_msg("%s: column %zu has %zu vs %zu levels", what, j, gw_table_nlevels(a, j),
                         gw_table_nlevels(b, j));
            for (size_t l = 0; l < gw_table_nlevels(a, j); l++)
                assert_string_equal(gw_table_level(a, j, l), gw_table_level(b, j, l));
            if (memcmp(gw_table_codes(a, j), gw_table_codes(b, j),
                       gw_table_nrows(a) * sizeof(int32_t)) != 0)
                fail_msg("%s: codes of column %zu differ", what, j);
        }
    }
}

/* Reads buf serially (the reference) and with 1, 2, 3 and 7 threads and chunks of several
 * sizes; every result must be identical: the table, or the status and the whole message. */
static void check_thread_invariance(const char *buf, size_t len, const char *label)
{
    static const int threads[] = {1, 2, 3, 7};
    static const size_t chunks[] = {16, 61, 300, 4096};
    gw_table *ref = NULL;
    char refmsg[1024] = "";
    gw_status rs = gwi_csv_read_mem_ex(buf, len, "t", NULL, 1, (size_t)1 << 40, &ref);
    if (rs != GW_OK)
        snprintf(refmsg, sizeof refmsg, "%s", gw_last_error());
    for (size_t ti = 0; ti < sizeof threads / sizeof threads[0]; ti++) {
        for (size_t ci = 0; ci < sizeof chunks / sizeof chunks[0]; ci++) {
            gw_table *t = NULL;
            char what[160];
            snprintf(what, sizeof what, "%s, %d threads, chunks of %zu", label, threads[ti],
                     chunks[ci]);
            gw_status rc = gwi_csv_read_mem_ex(buf, len, "t", NULL, threads[ti], chunks[ci], &t);
            if (rc != rs)
                fail_msg("%s: status %d, serial %d (%s)", what, rc, rs,
                         rc != GW_OK ? gw_last_error() : refmsg);
            if (rc != GW_OK) {
                assert_null(t);
                if (strcmp(gw_last_error(), refmsg) != 0)
                    fail_msg("%s: '%s', serial '%s'", what, gw_last_error(), refmsg);
            } else {
                assert_same_table(t, ref, what);
            }
            gw_table_free(t);
        }
    }
    gw_table_free(ref);
}

static void test_read_parallel_same_result(void **state)
{
    (void)state;
    size_t len = 0;
    char *buf = make_mixed_csv(3000, 0x5DEECE66Du, &len);
    check_thread_invariance(buf, len, "mixed");
    gw_table *t = NULL;
    assert_int_equal(gwi_csv_read_mem_ex(buf, len, "t", NULL, 2, 64, &t), GW_OK);
    assert_int_equal(gw_table_nrows(t), 3000);
    assert_int_equal(gw_table_coltype(t, col(t, "late")), GW_COL_NUMERIC);
    assert_int_equal(gw_table_coltype(t, col(t, "catlate")), GW_COL_CATEGORICAL);
    assert_int_equal(gw_table_coltype(t, col(t, "q")), GW_COL_NUMERIC);
    gw_table_free(t);
    /* A file in which every record has a field with line breaks: most chunk starts guessed
     * from line feeds are inside quotes. */
    sbuf b = {0};
    sb_str(&b, "a,b\n");
    for (int i = 0; i < 2000; i++) {
        char row[96];
        snprintf(row, sizeof row, "%d,\"line\n%d\nx,y\n\"\"z\"\"\n\"\n", i, i % 37);
        sb_str(&b, row);
    }
    check_thread_invariance(b.s, b.n, "all multi-line");
    free(b.s);
    free(buf);
}

/* A numeric column is marked clean (no NaN, no infinity: the frame builder then does not look
 * at it) exactly when it is: a missing value in any chunk, by any spelling and on the fast or the
 * slow path, leaves it unmarked (no text reads as an infinity: too large is an error), with 1, 2
 * and 3 threads and chunk sizes that put the bad value in a late chunk. */
static void test_read_clean_marks(void **state)
{
    (void)state;
    sbuf b = {0};
    sb_str(&b, "a,b,c,d,e,g\n");
    for (int i = 0; i < 3000; i++) {
        char row[128];
        snprintf(row, sizeof row, "%d.25,%s,%s,%s,%s,%s\n", i, i == 2500 ? "NA" : "1.5",
                 i == 2900   ? "NaN"
                 : i == 2901 ? "."
                             : "2e3",
                 i == 1700 ? "\"\"" : "\"7\"", i % 2 ? "3" : "-4e-2", i == 2222 ? "" : "u");
        sb_str(&b, row);
    }
    static const int threads[] = {1, 2, 3};
    static const size_t chunks[] = {64, 4096, (size_t)1 << 40};
    for (size_t ti = 0; ti < 3; ti++)
        for (size_t ci = 0; ci < 3; ci++) {
            gw_table *t = NULL;
            gw_status rc = gwi_csv_read_mem_ex(b.s, b.n, "t", NULL, threads[ti], chunks[ci], &t);
            if (rc != GW_OK)
                fail_msg("threads %d, chunks %zu: %d %s", threads[ti], chunks[ci], (int)rc,
                         gw_last_error());
            assert_int_equal(gw_table_nrows(t), 3000);
            assert_true(gwi_table_is_clean(t, col(t, "a")));
            assert_false(gwi_table_is_clean(t, col(t, "b")));
            assert_false(gwi_table_is_clean(t, col(t, "c")));
            assert_false(gwi_table_is_clean(t, col(t, "d")));
            assert_true(gwi_table_is_clean(t, col(t, "e")));
            assert_int_equal(gw_table_coltype(t, col(t, "g")), GW_COL_CATEGORICAL);
            assert_false(gwi_table_is_clean(t, col(t, "g")));
            gw_table_free(t);
        }
    free(b.s);
}

/* A column subset is read into one block (io/csv.c block_init) that the table adopts with the
 * numeric columns side by side in request order after a free slot, so that a model frame can
 * take it as its design. The values are those of a full read, on 1 to 3 threads and several
 * chunk sizes, with a column that turns categorical half-way (missing, then text), one that is all
 * missing, and a file whose first rows are long so that the row estimate is too low and the block
 * gives way to columns of their own (the same values, no block). */
static void check_subset(const char *buf, size_t len, int expect_block)
{
    static const char *const want[] = {"x2", "cat", "y", "x1", "none"};
    gw_csv_opts o = {.columns = want, .ncolumns = 5};
    gw_table *full = NULL;
    if (gwi_csv_read_mem_ex(buf, len, "t", NULL, 1, (size_t)1 << 40, &full) != GW_OK)
        fail_msg("%s", gw_last_error());
    static const int threads[] = {1, 2, 3};
    static const size_t chunks[] = {257, 4096, (size_t)1 << 40};
    for (size_t ti = 0; ti < 3; ti++)
        for (size_t ci = 0; ci < 3; ci++) {
            gw_table *t = NULL;
            if (gwi_csv_read_mem_ex(buf, len, "t", &o, threads[ti], chunks[ci], &t) != GW_OK)
                fail_msg("%s", gw_last_error());
            assert_int_equal(gw_table_ncols(t), 5);
            for (size_t j = 0; j < 5; j++) {
                const char *name = gw_table_colname(t, j);
                size_t f = col(full, name), slot = 0;
                assert_int_equal(gw_table_coltype(t, j), gw_table_coltype(full, f));
                assert_int_equal(gwi_table_is_clean(t, j), gwi_table_is_clean(full, f));
                if (gw_table_coltype(t, j) == GW_COL_CATEGORICAL) {
                    assert_memory_equal(gw_table_codes(t, j), gw_table_codes(full, f),
                                        gw_table_nrows(t) * sizeof(int32_t));
                    continue;
                }
                assert_memory_equal(gw_table_numeric(t, j), gw_table_numeric(full, f),
                                    gw_table_nrows(t) * sizeof(double));
                double *b = gwi_table_block_of(t, j, &slot);
                if (!expect_block) {
                    assert_null(b);
                    continue;
                }
                assert_non_null(b);
                /* request order x2, (cat), y, x1, none: slots 1, 2, 3, 4 after the gap */
                size_t want_slot = strcmp(name, "x2") == 0   ? 1
                                   : strcmp(name, "y") == 0  ? 2
                                   : strcmp(name, "x1") == 0 ? 3
                                                             : 4;
                assert_int_equal(slot, want_slot);
                assert_true(gw_table_numeric(t, j) == b + slot * gw_table_nrows(t));
            }
            assert_int_equal(gwi_table_block_gap(t), expect_block);
            gw_table_free(t);
        }
    gw_table_free(full);
}

static void test_read_subset_block(void **state)
{
    (void)state;
    sbuf b = {0};
    sb_str(&b, "y,pad,x1,cat,x2,none\n");
    for (int i = 0; i < 4000; i++) {
        char row[128];
        snprintf(row, sizeof row, "%d.5,p,%d,%s,%.3f,\n", i, i % 17, i < 2000 ? "" : "\"u\"",
                 i * 0.25);
        sb_str(&b, row);
    }
    check_subset(b.s, b.n, 1);
    free(b.s);
    /* Long first rows: the estimate from the first 64 KiB is far too low. */
    sbuf c = {0};
    sb_str(&c, "y,pad,x1,cat,x2,none\n");
    for (int i = 0; i < 6000; i++) {
        char row[600], pad[520] = "q";
        if (i < 200)
            snprintf(pad, sizeof pad, "%0500d", i);
        snprintf(row, sizeof row, "%d,\"%s\",%d,%s,%d,\n", i, pad, i % 5, i % 2 ? "\"a\"" : "\"b\"",
                 i);
        sb_str(&c, row);
    }
    check_subset(c.s, c.n, 0);
    free(c.s);
}

/* Errors late in a file, after chunks that parse fine, and two errors in one file: the first
 * in file order must be reported with the serial message, whichever chunk finishes first. */
static void test_read_parallel_first_error(void **state)
{
    (void)state;
    static const char *const tails[] = {
        "1,x,alpha,,NA,4\n",                /* text in numeric column x */
        "1,2,alpha,,NA\n",                  /* too few fields */
        "1,2,alpha,,NA,4,5,6\n",            /* too many fields */
        "1,2,\"alpha,,NA,4\n9,9,9,9,9,9\n", /* unterminated quote at EOF */
        "1,2,al\"pha,,NA,4\n",              /* quote inside an unquoted field */
        "1,1e400,alpha,,NA,4\n",            /* out of range */
        "1,2,alpha,,NA,4\r",                /* bare CR at EOF */
        "1,2,\"alpha\"x,,NA,4\n",           /* character after a closing quote */
    };
    for (size_t k = 0; k < sizeof tails / sizeof tails[0]; k++) {
        size_t len = 0;
        char *buf = make_mixed_csv(1500, 0xC0FFEEu + k, &len);
        sbuf b = {0};
        sb_put(&b, buf, len);
        sb_str(&b, tails[k]);
        /* A second, later error that must not be the one reported. */
        sb_put(&b, buf + len / 2, len - len / 2);
        sb_str(&b, "1,zzz,alpha,,NA,4\n");
        char label[32];
        snprintf(label, sizeof label, "error %zu", k);
        check_thread_invariance(b.s, b.n, label);
        /* The same error in the middle of the file, and a NUL byte after it (a NUL anywhere is
         * reported first). */
        size_t at = len / 3;
        while (at < len && buf[at] != '\n')
            at++;
        sbuf c = {0};
        sb_put(&c, buf, at + 1);
        sb_str(&c, tails[k]);
        check_thread_invariance(c.s, c.n, label);
        sb_put(&c, buf + at + 1, len - at - 1);
        sb_put(&c, "1,2,a\0b,,NA,4\n", 14);
        check_thread_invariance(c.s, c.n, label);
        free(c.s);
        free(b.s);
        free(buf);
    }
    /* Every malformed input of the serial table, in tiny chunks on several threads. */
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *bc = &bad_cases[i];
        check_thread_invariance(bc->input, bc->len ? bc->len : strlen(bc->input), bc->label);
    }
}

/* Writes t, reads it back, and checks names, types, values (bit for bit) and levels. */
static void check_round_trip(const gw_table *t, const char *file)
{
    char path[600];
    gw_table *u = NULL;
    snprintf(path, sizeof path, "%s/%s", gwt_tmpdir(), file);
    if (gw_csv_write_file(t, path) != GW_OK)
        fail_msg("write: %s", gw_last_error());
    if (gw_csv_read_file(path, NULL, &u) != GW_OK)
        fail_msg("read back: %s", gw_last_error());
    assert_int_equal(gw_table_nrows(u), gw_table_nrows(t));
    assert_int_equal(gw_table_ncols(u), gw_table_ncols(t));
    for (size_t j = 0; j < gw_table_ncols(t); j++) {
        assert_string_equal(gw_table_colname(u, j), gw_table_colname(t, j));
        assert_int_equal(gw_table_coltype(u, j), gw_table_coltype(t, j));
        if (gw_table_coltype(t, j) == GW_COL_NUMERIC) {
            for (size_t i = 0; i < gw_table_nrows(t); i++) {
                double a = gw_table_numeric(t, j)[i], b = gw_table_numeric(u, j)[i];
                if (isnan(a))
                    assert_true(isnan(b));
                else
                    assert_same_bits(b, a, gw_table_colname(t, j));
            }
        } else {
            assert_int_equal(gw_table_nlevels(u, j), gw_table_nlevels(t, j));
            for (size_t l = 0; l < gw_table_nlevels(t, j); l++)
                assert_string_equal(gw_table_level(u, j, l), gw_table_level(t, j, l));
            for (size_t i = 0; i < gw_table_nrows(t); i++)
                assert_int_equal(gw_table_codes(u, j)[i], gw_table_codes(t, j)[i]);
        }
    }
    gw_table_free(u);
}

static double random_double(void)
{
    for (;;) {
        uint64_t bits = next_u64();
        double x;
        memcpy(&x, &bits, sizeof x);
        if (isfinite(x))
            return x;
    }
}

static void test_write_round_trip(void **state)
{
    (void)state;
    const size_t n = 2000;
    gw_table *t = NULL;
    assert_int_equal(gw_table_new(n, &t), GW_OK);
    double *a = gw_malloc(n * sizeof *a), *b = gw_malloc(n * sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    /* a: every bit pattern (huge and tiny exponents, subnormals); b: values of survey size. */
    static const double special[] = {0.0,
                                     -0.0,
                                     4.9406564584124654e-324,
                                     -2.2250738585072009e-308,
                                     1.7976931348623157e308,
                                     0.1,
                                     1.0 / 3.0,
                                     1e22,
                                     1e23,
                                     (double)NAN};
    for (size_t i = 0; i < n; i++) {
        a[i] = i < 10 ? special[i] : random_double();
        b[i] =
            i % 97 == 0 ? (double)NAN : (double)(int64_t)(next_u64() % 2000001) / 1000.0 - 1000.0;
    }
    /* Levels sorted in byte order so that codes read back identical; every one needs care. */
    static const char *const lv[] = {" lead", "\"quoted\"", "-5",     ".",
                                     "1,5",   "42",         "NA",     "NaN",
                                     "a\nb",  "plain",      "trail ", "\xc3\xa9t\xc3\xa9"};
    const size_t nl = sizeof lv / sizeof lv[0];
    char **levels = gw_malloc(nl * sizeof *levels);
    int32_t *codes = gw_malloc(n * sizeof *codes);
    assert_non_null(levels);
    assert_non_null(codes);
    for (size_t l = 0; l < nl; l++)
        levels[l] = gw_strdup(lv[l]);
    for (size_t i = 0; i < n; i++)
        codes[i] = i < nl ? (int32_t)i : (i % 13 == 0 ? -1 : (int32_t)(next_u64() % nl));
    assert_int_equal(gw_table_add_numeric_take(t, "a", a), GW_OK);
    assert_int_equal(gw_table_add_categorical_take(t, "lev,el \"x\"", codes, levels, nl), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t, "b", b), GW_OK);
    check_round_trip(t, "round.csv");
    gw_table_free(t);

    /* One column with missing values: written as NA so that no line is empty. */
    assert_int_equal(gw_table_new(3, &t), GW_OK);
    double *c = gw_malloc(3 * sizeof *c);
    assert_non_null(c);
    c[0] = (double)NAN;
    c[1] = 2.5;
    c[2] = (double)NAN;
    assert_int_equal(gw_table_add_numeric_take(t, "only", c), GW_OK);
    check_round_trip(t, "one.csv");
    gw_table_free(t);
}

static int has_temporary(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int found = 0;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".tmp.") != NULL)
            found = 1;
    closedir(d);
    return found;
}

static void test_write_atomic_failure(void **state)
{
    (void)state;
    gw_table *t = NULL;
    assert_int_equal(gw_table_new(2, &t), GW_OK);
    double *x = gw_malloc(2 * sizeof *x);
    assert_non_null(x);
    x[0] = 1.0;
    x[1] = (double)INFINITY;
    assert_int_equal(gw_table_add_numeric_take(t, "x", x), GW_OK);
    const char *old = "keep,me\n1,2\n";
    const char *path = gwt_write_file("existing.csv", old);
    /* An infinity fails halfway: the existing file keeps its bytes, no temporary is left. */
    assert_int_equal(gw_csv_write_file(t, path), GW_ENONFINITE);
    assert_non_null(strstr(gw_last_error(), "column 'x', row 2: +inf"));
    FILE *f = fopen(path, "rb");
    char buf[64] = {0};
    assert_non_null(f);
    size_t got = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    assert_int_equal(got, strlen(old));
    assert_string_equal(buf, old);
    assert_false(has_temporary(gwt_tmpdir()));
    /* A directory that does not exist: GW_EIO naming the path. */
    char bad[600];
    snprintf(bad, sizeof bad, "%s/no/such/dir/out.csv", gwt_tmpdir());
    gw_table_numeric_mut(t, 0)[1] = 3.0;
    assert_int_equal(gw_csv_write_file(t, bad), GW_EIO);
    assert_non_null(strstr(gw_last_error(), "out.csv: cannot create a temporary file"));
    /* Success replaces the file and leaves no temporary. */
    assert_int_equal(gw_csv_write_file(t, path), GW_OK);
    assert_false(has_temporary(gwt_tmpdir()));
    f = fopen(path, "rb");
    assert_non_null(f);
    memset(buf, 0, sizeof buf);
    got = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    assert_string_equal(buf, "x\n1\n3\n");
    assert_int_equal(gw_csv_write_file(NULL, path), GW_EINVAL);
    gw_table_free(t);
    assert_int_equal(gw_table_new(0, &t), GW_OK);
    assert_int_equal(gw_csv_write_file(t, path), GW_EINVAL); /* no columns */
    gw_table_free(t);
}

/* Long lines, long fields and many columns are linear (this test would take minutes if any
 * step were quadratic) or clean errors. */
static void test_read_large_shapes(void **state)
{
    (void)state;
    /* 100,000 columns, two rows, read through a column subset (the reader is linear in the
     * number of columns). Reading all of them works too but takes ~25 s, all of it in
     * gw_table_add_*_take, whose duplicate-name check is a linear search per column (core/
     * table.c; quadratic in p). Until that has an index, the full read is tested with 10,000. */
    for (int pass = 0; pass < 2; pass++) {
        const size_t p = pass == 0 ? 100000 : 10000;
        size_t cap = p * 24 + 64, k = 0;
        char *buf = malloc(cap);
        assert_non_null(buf);
        for (int row = 0; row < 3; row++) {
            for (size_t j = 0; j < p; j++)
                k += (size_t)snprintf(buf + k, cap - k, row == 0 ? "%sv%zu" : "%s%zu", j ? "," : "",
                                      j + (size_t)row);
            buf[k++] = '\n';
        }
        gw_table *t = NULL;
        if (pass == 0) {
            const char *const pick[] = {"v5", "v99999"};
            gw_csv_opts o = {.columns = pick, .ncolumns = 2};
            assert_int_equal(gw_csv_read_mem(buf, k, "wide", &o, &t), GW_OK);
            assert_int_equal(gw_table_ncols(t), 2);
            gw_assert_close(gw_table_numeric(t, 0)[0], 6.0, 0.0, 0.0);
            gw_assert_close(gw_table_numeric(t, 1)[1], (double)(p + 1), 0.0, 0.0);
        } else {
            assert_int_equal(gw_csv_read_mem(buf, k, "wide", NULL, &t), GW_OK);
            assert_int_equal(gw_table_ncols(t), p);
            gw_assert_close(gw_table_numeric(t, p - 1)[1], (double)(p + 1), 0.0, 0.0);
        }
        assert_int_equal(gw_table_nrows(t), 2);
        gw_table_free(t);
        free(buf);
    }

    /* A 10 MB quoted field with escaped quotes, and a 100,000-digit number. */
    const size_t big = (size_t)10 << 20, nd = 100000;
    char *buf = malloc(2 * big + nd + 64);
    size_t k;
    gw_table *t = NULL;
    assert_non_null(buf);
    k = (size_t)snprintf(buf, 64, "s,x\n\"");
    for (size_t i = 0; i < big; i++) {
        if (i % 1000 == 999) {
            buf[k++] = '"';
            buf[k++] = '"';
        } else {
            buf[k++] = 'a';
        }
    }
    k += (size_t)snprintf(buf + k, 64, "a\",");
    size_t num = k;
    buf[k++] = '0';
    buf[k++] = '.';
    for (size_t i = 0; i < nd; i++)
        buf[k++] = (char)('0' + (i % 10 == 0));
    buf[k] = '\0';
    double want = strtod(buf + num, NULL);
    buf[k++] = '\n';
    assert_int_equal(gw_csv_read_mem(buf, k, "long", NULL, &t), GW_OK);
    assert_int_equal(gw_table_nrows(t), 1);
    assert_int_equal(strlen(gw_table_level(t, 0, 0)), big + 1);
    assert_same_bits(gw_table_numeric(t, 1)[0], want, "100,000 digits");
    gw_table_free(t);
    /* The same field cut short: a clean error at the opening quote. */
    size_t cut = 4 + big / 2;
    while (buf[cut - 1] == '"')
        cut--;
    assert_int_equal(gw_csv_read_mem(buf, cut, "long", NULL, &t), GW_EFORMAT);
    assert_int_equal(strncmp(gw_last_error(), "long:2:1: unterminated", 22), 0);
    free(buf);
}

/* Random mutations of a valid file (bytes flipped, inserted, deleted; quotes, delimiters, CR,
 * LF and NUL favoured): every result is GW_OK or GW_EFORMAT with a "name:line:col:" message, and
 * nothing crashes or leaks (run under ASan and valgrind in CI). */
static void test_read_random_mutations(void **state)
{
    (void)state;
    static const char seed_text[] =
        "\xEF\xBB\xBFid,\"na,me\",x,y\r\n1,\"a \"\"b\"\"\",1.5,NA\n2,c,-2e-3,.\n3,\"d\ne\",,7\n";
    static const char hot[] = "\",\r\n\0.eE-+0123456789NA ";
    char buf[256];
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = sizeof seed_text - 1;
        memcpy(buf, seed_text, n);
        int edits = 1 + (int)(next_u64() % 4);
        for (int e = 0; e < edits; e++) {
            uint64_t r = next_u64();
            size_t at = n ? (size_t)(r % n) : 0;
            char c = (r >> 40) & 1 ? hot[(r >> 32) % (sizeof hot - 1)] : (char)(r >> 48);
            switch ((r >> 56) % 3) {
            case 0:
                if (n > 0)
                    buf[at] = c;
                break;
            case 1:
                if (n < sizeof buf - 1) {
                    memmove(buf + at + 1, buf + at, n - at);
                    buf[at] = c;
                    n++;
                }
                break;
            default:
                if (n > 0) {
                    memmove(buf + at, buf + at + 1, n - at - 1);
                    n--;
                }
                break;
            }
        }
        gw_table *t = NULL;
        gw_status rc = gw_csv_read_mem(buf, n, "m", NULL, &t);
        if (rc == GW_OK) {
            assert_non_null(t);
            gw_table_free(t);
        } else {
            if (rc != GW_EFORMAT)
                fail_msg("iteration %d: status %d: %s", iter, (int)rc, gw_last_error());
            assert_null(t);
            assert_int_equal(strncmp(gw_last_error(), "m:", 2), 0);
        }
    }
}

/* Allocation failure at every step (effective when built with -DGW_FAULT_INJECTION=ON): each
 * entry point returns GW_ENOMEM, leaves *out NULL and leaks nothing. */
static void test_read_write_out_of_memory(void **state)
{
    (void)state;
    static const char text[] = "a,b,c\n1,x,\"q\"\"\"\n2,y,z\n,x,z\n";
    char path[600];
    snprintf(path, sizeof path, "%s/oom.csv", gwt_tmpdir());
    long k = 0;
    for (; k < 1000; k++) {
        gw_table *t = (gw_table *)1;
        gw_alloc_fail_after(k);
        gw_status rc = gw_csv_read_mem(text, sizeof text - 1, "o", NULL, &t);
        int failed = gw_alloc_failed();
        gw_alloc_fail_after(-1);
        if (!failed) {
            assert_int_equal(rc, GW_OK);
            gw_alloc_fail_after(k);
            rc = gw_csv_write_file(t, path);
            failed = gw_alloc_failed();
            gw_alloc_fail_after(-1);
            gw_table_free(t);
            if (!failed) {
                assert_int_equal(rc, GW_OK);
                break;
            }
            assert_int_equal(rc, GW_ENOMEM);
            continue;
        }
        assert_int_equal(rc, GW_ENOMEM);
        assert_null(t);
    }
#ifdef GW_FAULT_INJECTION
    assert_true(k > 20); /* the sweep went through every allocation of both calls */
#endif
    assert_false(has_temporary(gwt_tmpdir()));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_typed_columns),
        cmocka_unit_test(test_read_quoting),
        cmocka_unit_test(test_read_crlf_bom),
        cmocka_unit_test(test_read_missing_spellings),
        cmocka_unit_test(test_read_levels_byte_order),
        cmocka_unit_test(test_read_column_subset),
        cmocka_unit_test(test_read_header_only),
        cmocka_unit_test(test_read_bad_input),
        cmocka_unit_test(test_read_delimiter_detection),
        cmocka_unit_test(test_read_bad_arguments),
        cmocka_unit_test(test_read_file_errors),
        cmocka_unit_test(test_number_forms),
        cmocka_unit_test(test_number_fast_path_matches_strtod),
        cmocka_unit_test(test_number_eisel_lemire_round_trip),
        cmocka_unit_test(test_number_edge_cases),
        cmocka_unit_test(test_read_parallel_same_result),
        cmocka_unit_test(test_read_clean_marks),
        cmocka_unit_test(test_read_subset_block),
        cmocka_unit_test(test_read_parallel_first_error),
        cmocka_unit_test(test_write_round_trip),
        cmocka_unit_test(test_write_atomic_failure),
        cmocka_unit_test(test_read_large_shapes),
        cmocka_unit_test(test_read_random_mutations),
        cmocka_unit_test(test_read_write_out_of_memory),
    };
    return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}
