/* cluster_render.c -- gw_cluster_run_render (gw_cluster_run.h): the text and JSON
 * `goodwork cluster` prints, so that the Python and R packages print the same. */
#include <math.h>
#include <stdio.h>

#include "analysis_int.h"
#include "core_int.h"
#include "gw_cluster_run.h"
#include "gw_strbuf.h"
#include "gw_version.h"

/* The engine's default number of restarts (gw_kmeans_opts: 0 means 50), as reported. */
static size_t restarts_used(const gw_cluster_run_opts *o)
{
    return o->kmeans.restarts ? o->kmeans.restarts : 50;
}

static cJSON *matrix_json(const size_t *m, size_t k)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < k; i++) {
        cJSON *row = cJSON_CreateArray();
        for (size_t j = 0; row && j < k; j++)
            cJSON_AddItemToArray(row, cJSON_CreateNumber((double)m[i * k + j]));
        cJSON_AddItemToArray(a, row);
    }
    return a;
}

/* The JSON fields of the units: variables, units, the silhouettes and the assignments. */
static void json_units(cJSON *root, const gw_cluster_run *r, const gw_cluster_spec *spec)
{
    cJSON_AddStringToObject(root, "goodwork_version", gw_version());
    cJSON_AddStringToObject(root, "method", r->method == GW_CLUSTER_WARD ? "ward" : "kmeans");
    cJSON *vars = cJSON_AddArrayToObject(root, "variables");
    for (size_t j = 0; vars && j < r->p; j++)
        cJSON_AddItemToArray(vars, cJSON_CreateString(spec->vars[j]));
    cJSON_AddStringToObject(root, "units", spec->has_at ? "time" : spec->time ? "means" : "rows");
    if (spec->has_at)
        cJSON_AddNumberToObject(root, "at", spec->at);
    cJSON_AddNumberToObject(root, "n", (double)r->m);
    cJSON_AddNumberToObject(root, "n_dropped", (double)r->n_dropped);
    cJSON_AddNumberToObject(root, "k", (double)r->k);
    cJSON *sil = cJSON_AddObjectToObject(root, "silhouette");
    for (size_t q = 2; sil && q <= r->kmax; q++) {
        char key[32];
        snprintf(key, sizeof key, "%zu", q);
        cJSON_AddItemToObject(sil, key, gwi_json_num(r->silhouette[q]));
    }
    cJSON *as = cJSON_AddArrayToObject(root, "assignments");
    for (size_t i = 0; as && i < r->m; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "id", gwi_json_key(&r->id, i));
        cJSON_AddNumberToObject(o, "cluster", (double)(r->assign[i] + 1));
        cJSON_AddItemToArray(as, o);
    }
}

/* The JSON fields of the fit: ARIs, the k-means summary, profiles, stability, transitions. */
static void json_fit(cJSON *root, const gw_cluster_run *r, const gw_cluster_spec *spec,
                     const gw_cluster_run_opts *o)
{
    size_t p = r->p, k = r->k;
    const gw_kmeans *km = r->kmeans;
    if (spec->truth) {
        cJSON_AddItemToObject(root, "ari", gwi_json_num(r->ari));
        cJSON_AddItemToObject(root, "ari_kmeans", gwi_json_num(r->ari_kmeans));
        cJSON_AddItemToObject(root, "ari_ward", gwi_json_num(r->ari_ward));
    }
    cJSON_AddItemToObject(root, "ari_kmeans_vs_ward", gwi_json_num(r->ari_kmeans_vs_ward));
    cJSON_AddNumberToObject(root, "within_ss", km->within_ss);
    cJSON_AddNumberToObject(root, "total_ss", km->total_ss);
    cJSON_AddNumberToObject(root, "iterations", (double)km->iterations);
    cJSON_AddBoolToObject(root, "converged", km->converged);
    cJSON_AddNumberToObject(root, "restarts", (double)restarts_used(o));
    cJSON_AddNumberToObject(root, "restarts_converged", (double)km->n_converged);
    cJSON_AddNumberToObject(root, "seed", (double)o->kmeans.seed);
    cJSON *pr = cJSON_AddArrayToObject(root, "profiles");
    for (size_t cl = 0; pr && cl < k; cl++) {
        cJSON *x = cJSON_CreateObject(), *mn = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "cluster", (double)(cl + 1));
        cJSON_AddNumberToObject(x, "size", (double)r->sizes[cl]);
        for (size_t j = 0; mn && j < p; j++)
            cJSON_AddItemToObject(mn, spec->vars[j], gwi_json_num(r->profiles[cl + j * k]));
        cJSON_AddItemToObject(x, "means", mn);
        if (r->jaccard)
            cJSON_AddItemToObject(x, "jaccard", gwi_json_num(r->jaccard[cl]));
        cJSON_AddItemToArray(pr, x);
    }
    if (o->boot) {
        cJSON *bs = cJSON_AddObjectToObject(root, "stability");
        cJSON_AddNumberToObject(bs, "replicates", (double)o->boot);
        cJSON_AddItemToObject(bs, "mean_ari", gwi_json_num(r->boot_mean_ari));
    }
    if (r->nts > 1) {
        cJSON *tr = cJSON_AddArrayToObject(root, "transitions");
        for (size_t q = 0; tr && q + 1 < r->nts; q++) {
            cJSON *x = cJSON_CreateObject();
            cJSON_AddNumberToObject(x, "from", r->ts[q]);
            cJSON_AddNumberToObject(x, "to", r->ts[q + 1]);
            cJSON_AddItemToObject(x, "matrix", matrix_json(r->transitions + q * k * k, k));
            cJSON_AddItemToArray(tr, x);
        }
    }
}

/* The text's cluster profiles and membership transitions. */
static void text_profiles(gw_strbuf *sb, const gw_cluster_run *r, const gw_cluster_spec *spec)
{
    size_t p = r->p, k = r->k;
    gw_strbuf_printf(sb, "\nCluster profiles (means in the variables' own units)\n%-8s %6s",
                     "cluster", "size");
    for (size_t j = 0; j < p; j++)
        gw_strbuf_printf(sb, " %12.12s", spec->vars[j]);
    if (r->jaccard)
        gw_strbuf_printf(sb, " %8s", "jaccard");
    gw_strbuf_printf(sb, "\n");
    for (size_t cl = 0; cl < k; cl++) {
        gw_strbuf_printf(sb, "%-8zu %6zu", cl + 1, r->sizes[cl]);
        for (size_t j = 0; j < p; j++)
            gw_strbuf_printf(sb, " %12.4g", r->profiles[cl + j * k]);
        if (r->jaccard)
            gw_strbuf_printf(sb, " %8.3f", r->jaccard[cl]);
        gw_strbuf_printf(sb, "\n");
    }
    if (r->nts <= 1)
        return;
    gw_strbuf_printf(sb, "\nMembership transitions (each year clustered, matched to these "
                         "clusters): share staying in the same cluster\n");
    for (size_t q = 0; q + 1 < r->nts; q++) {
        size_t stay = 0, tot = 0;
        for (size_t f = 0; f < k; f++)
            for (size_t g = 0; g < k; g++) {
                tot += r->transitions[(q * k + f) * k + g];
                stay += f == g ? r->transitions[(q * k + f) * k + g] : 0;
            }
        gw_strbuf_printf(sb, "  %.10g -> %.10g: %.3f (%zu areas)\n", r->ts[q], r->ts[q + 1],
                         tot ? (double)stay / (double)tot : (double)NAN, tot);
    }
}

/* The text report: silhouettes, the k-means summary, ARIs, profiles, transitions. */
static void render_text(gw_strbuf *sb, const gw_cluster_run *r, const gw_cluster_spec *spec,
                        const gw_cluster_run_opts *o)
{
    const gw_kmeans *km = r->kmeans;
    gw_strbuf_printf(sb, "Good work communities: %s on %zu standardised variables, %zu areas (%s)",
                     r->method == GW_CLUSTER_WARD ? "Ward" : "k-means", r->p, r->m,
                     spec->has_at ? "values at --at"
                     : spec->time ? "means over time"
                                  : "rows");
    if (r->n_dropped)
        gw_strbuf_printf(sb, ", %zu dropped for missing values", r->n_dropped);
    gw_strbuf_printf(sb, "\n\nSilhouette by k (mean width; higher is better):\n");
    for (size_t q = 2; q <= r->kmax; q++)
        gw_strbuf_printf(sb, "  k = %2zu  %.4f%s\n", q, r->silhouette[q],
                         q == r->best_k ? "  <- best" : "");
    gw_strbuf_printf(sb,
                     "\nk = %zu%s; k-means: %zu restarts (seed %llu), best within-SS %.4g of "
                     "total %.4g (%.1f%% between), %s after %zu iterations\n",
                     r->k, r->k_given ? " (given)" : " (best silhouette)", restarts_used(o),
                     (unsigned long long)o->kmeans.seed, km->within_ss, km->total_ss,
                     100.0 * (1.0 - km->within_ss / km->total_ss),
                     km->converged ? "converged" : "NOT converged", km->iterations);
    gw_strbuf_printf(sb, "Ward vs k-means: adjusted Rand index %.4f\n", r->ari_kmeans_vs_ward);
    if (spec->truth)
        gw_strbuf_printf(sb, "Against %s: adjusted Rand index %.4f (k-means %.4f, Ward %.4f)\n",
                         spec->truth, r->ari, r->ari_kmeans, r->ari_ward);
    if (o->boot)
        gw_strbuf_printf(sb, "Bootstrap stability (%zu replicates): mean ARI %.4f\n", o->boot,
                         r->boot_mean_ari);
    text_profiles(sb, r, spec);
}

gw_status gw_cluster_run_render(const gw_cluster_run *r, const gw_cluster_spec *spec,
                                const gw_cluster_run_opts *opts, gw_output_format fmt, char **out)
{
    gw_status s = gwi_render_check(r, fmt, out, "cluster");
    if (s != GW_OK)
        return s;
    if (spec == NULL || spec->vars == NULL || spec->p != r->p)
        return gwi_fail(GW_EINVAL, "cluster: the spec is not the run's (%zu variables)", r->p);
    gw_cluster_run_opts defaults = {0};
    const gw_cluster_run_opts *o = opts != NULL ? opts : &defaults;
    if (fmt == GW_OUT_JSON) {
        cJSON *root = cJSON_CreateObject();
        if (root != NULL) {
            json_units(root, r, spec);
            json_fit(root, r, spec, o);
        }
        return gwi_json_finish(root, out);
    }
    gw_strbuf sb = {0};
    render_text(&sb, r, spec, o);
    return gw_strbuf_finish(&sb, out) == GW_OK ? GW_OK : gwi_fail(GW_ENOMEM, "out of memory");
}
