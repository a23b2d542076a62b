/* test_fit_vcov.c -- gw_fit_vcov_canonical (api/gw_fit.h): the one reading of a --vcov text
 * that gw_fit_prepare, the panel, out-of-core and labelling paths share. */
#include "gw_test.h"

#include <string.h>

#include "gw_alloc.h"
#include "gw_fit.h"

static void expect(const char *text, const char *want)
{
    char *c = NULL;
    assert_int_equal(gw_fit_vcov_canonical(text, &c), GW_OK);
    if (want == NULL) {
        assert_null(c);
        return;
    }
    assert_non_null(c);
    if (strcmp(c, want) != 0)
        fail_msg("'%s' -> '%s', want '%s'", text, c, want);
    gw_free(c);
}

static void test_vcov_canonical(void **state)
{
    (void)state;
    expect(NULL, NULL);
    expect("iid", "iid");
    expect("IID", "iid");
    expect("HC1", "hc1");
    expect("hC2", "hc2");
    expect("robust", "hc1");
    expect("Robust", "hc1");
    expect("HETERO", "hc1");
    expect("cluster:Worker", "cluster:Worker");
    expect("Cluster:worker", "cluster:worker");
    expect("CLUSTER:A+b", "cluster:A+b");
    expect("DK:2", "dk:2");
    expect("Nw:0", "nw:0");
    /* unknown kinds stay as written, for the message that names them */
    expect("HC4", "HC4");
    expect("robustt", "robustt");
    expect("", "");
    expect("Clust:x", "Clust:x");
    assert_int_equal(gw_fit_vcov_canonical("hc1", NULL), GW_EINVAL);
}

/* gw_fit_prepare reads the canonical text: the kind and the cluster names as written. */
static void test_prepare_uses_canonical(void **state)
{
    (void)state;
    gw_fit_opts o = {0};
    gw_fit_prep p;
    o.vcov = "Robust";
    assert_int_equal(gw_fit_prepare(&o, &p), GW_OK);
    assert_int_equal(p.ols.vcov, GW_VCOV_HC1);
    assert_string_equal(p.vcov, "hc1");
    gw_fit_prep_clear(&p);
    o.vcov = "CLUSTER:Firm+year";
    assert_int_equal(gw_fit_prepare(&o, &p), GW_OK);
    assert_int_equal(p.ols.vcov, GW_VCOV_CLUSTER);
    assert_string_equal(p.cluster[0], "Firm");
    assert_string_equal(p.cluster[1], "year");
    gw_fit_prep_clear(&p);
    o.vcov = "HC9";
    assert_int_equal(gw_fit_prepare(&o, &p), GW_EINVAL);
    assert_non_null(strstr(gw_last_error(), "'HC9'"));
    gw_fit_prep_clear(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vcov_canonical),
        cmocka_unit_test(test_prepare_uses_canonical),
    };
    return cmocka_run_group_tests_name("fit_vcov", tests, NULL, NULL);
}
