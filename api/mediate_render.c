/* mediate_render.c -- gw_mediate_run_render (gw_mediate_run.h): a mediation as the command line
 * prints it, text or one line of JSON, so that the C API and the Python and R packages print
 * the same bytes as `goodwork mediate`. */
#include <math.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "analysis_int.h"
#include "core_int.h"
#include "gw_alloc.h"
#include "gw_mediate_run.h"
#include "gw_strbuf.h"
#include "gw_version.h"

/* A number, or null when it is not finite (JSON has no NaN). The command line's an_num (cli/
 * analysis_util.c), kept here because the library does not link the command line. */
static cJSON *effect_json(const gw_mediate_effect *e, int bca)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    cJSON_AddItemToObject(o, "estimate", gwi_json_num(e->estimate));
    cJSON_AddItemToObject(o, "ci_low", gwi_json_num(e->ci_low));
    cJSON_AddItemToObject(o, "ci_high", gwi_json_num(e->ci_high));
    cJSON_AddItemToObject(o, "se", gwi_json_num(e->se_delta));
    cJSON_AddItemToObject(o, "boot_se", gwi_json_num(e->boot_se));
    cJSON *p = cJSON_AddArrayToObject(o, "percentile");
    cJSON_AddItemToArray(p, gwi_json_num(e->pct_low));
    cJSON_AddItemToArray(p, gwi_json_num(e->pct_high));
    if (bca) {
        cJSON *q = cJSON_AddArrayToObject(o, "bca");
        cJSON_AddItemToArray(q, gwi_json_num(e->bca_low));
        cJSON_AddItemToArray(q, gwi_json_num(e->bca_high));
        cJSON_AddItemToObject(o, "bca_z0", gwi_json_num(e->z0));
        cJSON_AddItemToObject(o, "bca_acceleration", gwi_json_num(e->accel));
    }
    cJSON *dl = cJSON_AddArrayToObject(o, "delta");
    cJSON_AddItemToArray(dl, gwi_json_num(e->delta_low));
    cJSON_AddItemToArray(dl, gwi_json_num(e->delta_high));
    return o;
}

static cJSON *names_json(char *const *s, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(s[i]));
    return a;
}

/* One path coefficient: {"estimate": .., "std_error": ..} under name in parent. */
static void path_json(cJSON *parent, const char *name, double est, double se)
{
    cJSON *x = cJSON_AddObjectToObject(parent, name);
    cJSON_AddItemToObject(x, "estimate", gwi_json_num(est));
    cJSON_AddItemToObject(x, "std_error", gwi_json_num(se));
}

/* The JSON document of r (owned by the caller, cJSON_Delete); NULL on allocation failure. */
static cJSON *result_json(const gw_mediate_run *r)
{
    const gw_mediate_result *res = r->fit;
    const int bca = res->ci == GW_MED_CI_BCA;
    const size_t k = r->nmediators;
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
    cJSON_AddStringToObject(root, "goodwork_version", gw_version());
    cJSON_AddStringToObject(root, "treatment", r->treatment);
    cJSON_AddItemToObject(root, "mediators", names_json(r->mediators, k));
    cJSON_AddStringToObject(root, "outcome", r->outcome);
    cJSON_AddItemToObject(root, "controls", names_json(r->controls, r->ncontrols));
    if (r->separate_mediator_controls)
        cJSON_AddItemToObject(root, "mediator_controls",
                              names_json(r->mediator_controls, r->nmediator_controls));
    cJSON_AddItemToObject(root, "fixed_effects", names_json(r->fe, r->nfe));
    if (r->cluster)
        cJSON_AddStringToObject(root, "cluster", r->cluster);
    else
        cJSON_AddNullToObject(root, "cluster");
    cJSON_AddNumberToObject(root, "nobs", (double)res->nobs);
    cJSON_AddNumberToObject(root, "nobs_dropped_missing", (double)r->nobs_dropped_missing);
    cJSON_AddNumberToObject(root, "singletons_dropped", (double)res->singletons_dropped);
    cJSON_AddNumberToObject(root, "n_clusters", (double)res->nclusters);
    cJSON_AddStringToObject(root, "method", gw_mediate_run_ci_name(res->ci));
    cJSON_AddNumberToObject(root, "conf_level", res->conf_level);
    cJSON_AddNumberToObject(root, "boot", (double)res->boot);
    cJSON_AddNumberToObject(root, "boot_failed", (double)res->boot_failed);
    cJSON_AddNumberToObject(root, "seed", (double)res->seed);
    cJSON_AddItemToObject(root, "indirect", effect_json(&res->indirect, bca));
    cJSON_AddItemToObject(root, "direct", effect_json(&res->direct, bca));
    cJSON_AddItemToObject(root, "total", effect_json(&res->total, bca));
    cJSON_AddItemToObject(root, "proportion_mediated", effect_json(&res->proportion, bca));
    if (k > 1) {
        cJSON *by = cJSON_AddObjectToObject(root, "indirect_by_mediator");
        for (size_t i = 0; i < k; i++)
            cJSON_AddItemToObject(by, r->mediators[i], effect_json(&res->indirect_by[i], bca));
    }
    cJSON *paths = cJSON_AddObjectToObject(root, "paths");
    cJSON *pa = cJSON_AddObjectToObject(paths, "a");
    cJSON *pb = cJSON_AddObjectToObject(paths, "b");
    for (size_t i = 0; i < k; i++) {
        path_json(pa, r->mediators[i], res->a[i], res->a_se[i]);
        path_json(pb, r->mediators[i], res->b[i], res->b_se[i]);
    }
    path_json(paths, "c_prime", res->c_prime, res->c_prime_se);
    path_json(paths, "total_regression", res->total_regression, res->total_regression_se);
    return root;
}

static void text_effect(gw_strbuf *b, const char *label, const gw_mediate_effect *e, double scale)
{
    gw_strbuf_printf(b, "  %-28s %12.6g  [%11.6g, %11.6g]   se %.3g\n", label, scale * e->estimate,
                     scale * e->ci_low, scale * e->ci_high, scale * e->se_delta);
}

/* The heading of the text summary: roles, data and intervals. The controls and fixed effects as
 * the caller gave them (control_list, fe_list), as the command's flags were echoed. */
static void text_heading(const gw_mediate_run *r, gw_strbuf *b)
{
    const gw_mediate_result *res = r->fit;
    gw_strbuf_printf(b, "Mediation: %s -> ", r->treatment);
    for (size_t i = 0; i < r->nmediators; i++)
        gw_strbuf_printf(b, "%s%s", i ? ", " : "", r->mediators[i]);
    gw_strbuf_printf(b, " -> %s\n", r->outcome);
    gw_strbuf_printf(b, "  controls: %s%s%s\n", r->ncontrols ? r->control_list : "(none)",
                     r->separate_mediator_controls ? "; mediator equations: " : "",
                     r->separate_mediator_controls ? r->mediator_control_list : "");
    gw_strbuf_printf(b, "  fixed effects: %s; cluster: %s (%zu clusters)\n",
                     r->nfe ? r->fe_list : "(none, intercept)",
                     r->cluster ? r->cluster : "observations", res->nclusters);
    gw_strbuf_printf(b, "  observations: %zu (%zu dropped missing, %zu singletons)\n", res->nobs,
                     r->nobs_dropped_missing, res->singletons_dropped);
    if (res->boot > 0)
        gw_strbuf_printf(b,
                         "  intervals: %.0f%% %s, cluster bootstrap B = %zu (%zu failed), seed "
                         "%llu\n",
                         100.0 * res->conf_level, gw_mediate_run_ci_name(res->ci), res->boot,
                         res->boot_failed, (unsigned long long)res->seed);
    else
        gw_strbuf_printf(b, "  intervals: %.0f%% delta method (no bootstrap)\n",
                         100.0 * res->conf_level);
}

/* The text summary of r. */
static void result_text(const gw_mediate_run *r, gw_strbuf *b)
{
    const gw_mediate_result *res = r->fit;
    const size_t k = r->nmediators;
    const char *t = r->treatment;
    text_heading(r, b);
    gw_strbuf_printf(b, "\n  %-28s %12s  %-26s se (delta)\n", "effect", "estimate", "   interval");
    text_effect(b, "indirect (sum a*b)", &res->indirect, 1.0);
    for (size_t i = 0; i < k && k > 1; i++) {
        char lab[64];
        snprintf(lab, sizeof lab, "  via %s", r->mediators[i]);
        text_effect(b, lab, &res->indirect_by[i], 1.0);
    }
    text_effect(b, "direct (c')", &res->direct, 1.0);
    text_effect(b, "total", &res->total, 1.0);
    text_effect(b, "proportion mediated (%)", &res->proportion, 100.0);
    gw_strbuf_printf(b, "\n  paths (cluster-robust SE):\n");
    for (size_t i = 0; i < k; i++)
        gw_strbuf_printf(b, "    a: %s on %s = %.6g (%.3g); b: %s in outcome = %.6g (%.3g)\n",
                         r->mediators[i], t, res->a[i], res->a_se[i], r->mediators[i], res->b[i],
                         res->b_se[i]);
    gw_strbuf_printf(b,
                     "    c': %s in outcome = %.6g (%.3g); total regression (without mediators) "
                     "= %.6g (%.3g)\n",
                     t, res->c_prime, res->c_prime_se, res->total_regression,
                     res->total_regression_se);
    gw_strbuf_printf(b,
                     "\n  Reading: a one-unit rise in %s changes %s by %.4g in total, of which "
                     "%.4g (%.1f%%) runs through the mediator%s.\n",
                     t, r->outcome, res->total.estimate, res->indirect.estimate,
                     100.0 * res->proportion.estimate, k > 1 ? "s" : "");
}

gw_status gw_mediate_run_render(const gw_mediate_run *r, int json, char **out)
{
    if (out == NULL || r == NULL || r->fit == NULL) {
        if (out != NULL)
            *out = NULL;
        return gwi_fail(GW_EINVAL, "gw_mediate_run_render: NULL argument");
    }
    gw_strbuf b = {0};
    if (json) {
        cJSON *root = result_json(r);
        char *js = root ? cJSON_PrintUnformatted(root) : NULL;
        if (js != NULL)
            gw_strbuf_printf(&b, "%s\n", js);
        else
            b.oom = 1;
        cJSON_free(js);
        cJSON_Delete(root);
    } else {
        result_text(r, &b);
    }
    return gw_strbuf_finish(&b, out);
}
