/* fit_and_read.c -- goodwork from C: fit a model on a data file, look its numbers up by name,
 * store it in a results file with its provenance, and read it back.
 *
 * Build against an installed goodwork (see examples/README.md):
 *   cc -std=c11 fit_and_read.c $(pkg-config --cflags --libs goodwork) -o fit_and_read
 * Run:
 *   ./fit_and_read datasets/grunfeld.csv "inv ~ value + capital | firm + year" firm out.h5 */
#include <stdio.h>
#include <stdlib.h>

#include <goodwork.h>

/* Prints the library's message for a failed call and returns 1. */
static int fail(const char *what, gw_status s)
{
    fprintf(stderr, "%s: %s (%s)\n", what, gw_last_error(), gw_status_str(s));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s DATA FORMULA CLUSTER RESULTS.h5\n", argv[0]);
        return 2;
    }
    char vcov[256];
    snprintf(vcov, sizeof vcov, "cluster:%s", argv[3]);
    gw_fit_opts opts = {.vcov = vcov};
    gw_result *fit = NULL, *back = NULL;
    gw_results *file = NULL;
    gw_status s = gw_fit_file(argv[1], argv[2], &opts, &fit, NULL);
    if (s != GW_OK)
        return fail("fit", s);

    /* The fit answers by name. */
    double r2 = 0.0, nobs = 0.0;
    gw_result_scalar(fit, "nobs", &nobs);
    if (gw_result_scalar(fit, "r2_within", &r2) != GW_OK)
        gw_result_scalar(fit, "r2", &r2);
    printf("%s: %s, %.0f observations, R2 %.6f\n", gw_result_string(fit, "formula"),
           gw_result_string(fit, "vcov_type"), nobs, r2);
    for (size_t j = 0; j < fit->k; j++) {
        double b = 0.0, se = 0.0;
        gw_result_coef(fit, fit->terms[j], "estimate", &b);
        gw_result_coef(fit, fit->terms[j], "std_error", &se);
        printf("  %-12s %12.6f  (%.6f)\n", fit->terms[j], b, se);
    }

    /* Stored with its provenance, then read back bit for bit. */
    gw_provenance prov = {0};
    prov.command_line = "examples/fit_and_read";
    if ((s = gw_results_append(argv[4], "example", fit, &prov)) != GW_OK) {
        gw_result_free(fit);
        return fail("store", s);
    }
    if ((s = gw_results_open(argv[4], &file)) != GW_OK ||
        (s = gw_results_get(file, "example", &back)) != GW_OK) {
        gw_results_close(file);
        gw_result_free(fit);
        return fail("read back", s);
    }
    int same = back->k == fit->k;
    for (size_t j = 0; same && j < fit->k; j++)
        same = back->estimate[j] == fit->estimate[j] && back->std_error[j] == fit->std_error[j];
    printf("read back from %s: %zu models, 'example' %s\n", argv[4], gw_results_nmodels(file),
           same ? "identical" : "DIFFERENT");
    gw_results_close(file);
    gw_result_free(back);
    gw_result_free(fit);
    return same ? 0 : 1;
}
