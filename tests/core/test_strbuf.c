/* test_strbuf.c -- the text helpers of core/gw_strbuf.h: the growing buffer, the file-extension
 * test and the option-value parser gw_str_to_count (its limits, exactly at and one past). */
#include <string.h>

#include "gw_alloc.h"
#include "gw_strbuf.h"
#include "gw_test.h"

static void test_str_to_count(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        unsigned long long max;
        int ok;
        unsigned long long v;
    } cases[] = {
        {"0", 10, 1, 0},
        {"007", 10, 1, 7},
        {"10", 10, 1, 10},
        {"11", 10, 0, 0},
        {"9", 5, 0, 0},
        {"2147483647", 2147483647ULL, 1, 2147483647ULL},
        {"2147483648", 2147483647ULL, 0, 0},
        {"18446744073709551615", ~0ULL, 1, ~0ULL},
        {"18446744073709551616", ~0ULL, 0, 0},
        {"99999999999999999999999", ~0ULL, 0, 0},
        {"", 10, 0, 0},
        {"-1", 10, 0, 0},
        {"+1", 10, 0, 0},
        {" 1", 10, 0, 0},
        {"1 ", 10, 0, 0},
        {"1e3", 10000, 0, 0},
        {"0x10", 100, 0, 0},
        {"1.0", 10, 0, 0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        unsigned long long v = 12345;
        int ok = gw_str_to_count(cases[k].s, cases[k].max, &v);
        if (ok != cases[k].ok || v != (ok ? cases[k].v : 12345ULL))
            fail_msg("'%s' (max %llu): %d, %llu", cases[k].s, cases[k].max, ok, v);
    }
    unsigned long long v = 1;
    assert_int_equal(gw_str_to_count(NULL, 10, &v), 0);
    assert_true(v == 1);
}

static void test_ends_with_ci(void **state)
{
    (void)state;
    assert_int_equal(gw_str_ends_with_ci("data.CSV.gz", ".csv.GZ"), 1);
    assert_int_equal(gw_str_ends_with_ci("data.h5", ".hdf5"), 0);
    assert_int_equal(gw_str_ends_with_ci("h5", ".h5"), 0);
    assert_int_equal(gw_str_ends_with_ci(NULL, ".h5"), 0);
}

static void test_strbuf_builds_text(void **state)
{
    (void)state;
    gw_strbuf b = {0};
    char *out = NULL;
    gw_strbuf_cat(&b, "a");
    gw_strbuf_rep(&b, '-', 3);
    gw_strbuf_printf(&b, "%d|%s", 42, "x");
    gw_strbuf_put(&b, "yzw", 2);
    assert_int_equal(gw_strbuf_finish(&b, &out), GW_OK);
    assert_string_equal(out, "a---42|xyz");
    gw_free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_str_to_count),
        cmocka_unit_test(test_ends_with_ci),
        cmocka_unit_test(test_strbuf_builds_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
