/* cmd_index.c -- goodwork index: the composite Good Work index per area and time.
 *
 * Order of work (as goodwork fit): options (exit 2 before touching a file), data (exit 3,
 * unknown variables exit 2), computation (exit 4 for numerical failures), results file, then
 * standard output, written once at the end. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_util.h"
#include "cli.h"
#include "gw_alloc.h"
#include "gw_index.h"
#include "gw_par.h"
#include "gw_version.h"

static const char index_usage[] =
    "usage: goodwork index --data FILE --indicators a,b,c --id VAR [--time VAR] [options]\n"
    "\n"
    "A composite Good Work index per area (and year): each indicator normalised, turned so\n"
    "that higher is better, weighted and aggregated; ranks per year (1 = best) and year-on-year\n"
    "rank changes; optionally a Monte Carlo sensitivity analysis of the ranks to the weights.\n"
    "\n"
    "required:\n"
    "  --data FILE            .csv or .h5 data table (--table PATH picks the HDF5 group)\n"
    "  --indicators LIST      comma-separated columns; log(x) takes logs (x > 0)\n"
    "  --id VAR               area identifier\n"
    "\n"
    "options:\n"
    "  --time VAR             time variable (ranks are per time value)\n"
    "  --invert LIST          indicators where lower is better (e.g. anxiety)\n"
    "  --normalise N          minmax (default), z or rank\n"
    "  --within-time          normalise within each time value (default: over the pooled\n"
    "                         panel, so that changes over time show in the index)\n"
    "  --weights W            equal (default), pca (first principal component of the\n"
    "                         normalised indicators' correlations, sign fixed so that the\n"
    "                         weights sum to 1), or a list of numbers (normalised to sum 1)\n"
    "  --aggregate A          arithmetic (default) or geometric (indicators shifted to a\n"
    "                         minimum of 1 first)\n"
    "  --sensitivity N        N Monte Carlo draws of Dirichlet-perturbed weights: each\n"
    "                         area-year's median rank and 5%-95% rank interval\n"
    "  --concentration C      Dirichlet concentration (default 20; larger = smaller changes)\n"
    "  --seed S               random seed of the sensitivity analysis (default 1)\n"
    "  --format F             text (default) or json\n"
    "  --out RESULTS.h5       also store the index as /analyses/NAME (with provenance)\n"
    "  --name NAME            the group's name (default index)\n"
    "  --threads N            worker threads; results do not depend on N\n"
    "  --quiet                print nothing on success\n"
    "  --help                 show this help\n"
    "\n"
    "An area-year with any indicator missing gets a null index (never imputed). Exit codes:\n"
    "0 success, 2 usage, 3 data, 4 numerical, 1 anything else.\n";

typedef struct {
    const char *data, *indicators, *invert, *normalise, *weights, *aggregate, *id, *time,
        *sensitivity, *concentration, *seed, *format, *out, *name, *threads, *table;
    int within, quiet, help;
} index_args;

/* The time value whose rows the text summary lists: the latest. */
static double latest_time(size_t n, const double *time)
{
    double t = NAN;
    for (size_t i = 0; i < n; i++)
        if (!isnan(time[i]) && (isnan(t) || time[i] > t))
            t = time[i];
    return t;
}

typedef struct {
    double rank;
    size_t row;
} rank_row;

static int cmp_rank_row(const void *a, const void *b)
{
    const rank_row *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

/* The text report: weights, then the top and bottom 10 of the latest time value. */
static char *render_text(const index_args *a, const gw_table *t, const an_var *v, const gw_index *x,
                         const double *time, int has_time)
{
    size_t cap = 1 << 16, len = 0, n = x->n;
    char *buf = gw_malloc(cap);
    rank_row *rr = gw_alloc_array(n, sizeof *rr);
    if (buf == NULL || rr == NULL) {
        gw_free(buf);
        gw_free(rr);
        return NULL;
    }
#define PUT(...)                                                                                   \
    do {                                                                                           \
        int w_ = snprintf(buf + len, cap - len, __VA_ARGS__);                                      \
        if (w_ > 0)                                                                                \
            len += (size_t)w_ < cap - len ? (size_t)w_ : cap - len - 1;                            \
    } while (0)
    PUT("Good Work index: %zu indicators, %s normalisation (%s), %s weights, %s mean\n", x->p,
        a->normalise ? a->normalise : "minmax", a->within ? "within time" : "pooled panel",
        a->weights
            ? (strcmp(a->weights, "pca") == 0 || strcmp(a->weights, "equal") == 0 ? a->weights
                                                                                  : "user")
            : "equal",
        a->aggregate ? a->aggregate : "arithmetic");
    PUT("%zu of %zu rows have an index (the rest miss an indicator: null index)\n\n", x->nused, n);
    PUT("%-32s %10s\n", "indicator", "weight");
    for (size_t j = 0; j < x->p; j++)
        PUT("%-32s %10.4f\n", v[j].spec, x->weights[j]);
    if (!isnan(x->pca_share))
        PUT("(first principal component explains %.1f%% of the variance)\n", 100.0 * x->pca_share);
    double tl = has_time ? latest_time(n, time) : (double)NAN;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x->rank[i]) && (!has_time || time[i] == tl))
            rr[m++] = (rank_row){x->rank[i], i};
    qsort(rr, m, sizeof *rr, cmp_rank_row);
    for (int part = 0; part < 2; part++) {
        if (has_time)
            PUT("\n%s 10 in %.10g\n", part == 0 ? "Top" : "Bottom", tl);
        else
            PUT("\n%s 10\n", part == 0 ? "Top" : "Bottom");
        PUT("%5s  %-20s %10s %8s%s\n", "rank", "id", "index", has_time ? "change" : "",
            x->sens_median ? "   median [5%, 95%] rank" : "");
        size_t from = part == 0 ? 0 : (m > 10 ? m - 10 : 0), to = part == 0 ? (m < 10 ? m : 10) : m;
        for (size_t q = from; q < to; q++) {
            size_t i = rr[q].row;
            char ch[32] = "";
            if (has_time)
                snprintf(ch, sizeof ch, isnan(x->rank_change[i]) ? "" : "%+.0f", x->rank_change[i]);
            PUT("%5.0f  %-20s %10.4f %8s", x->rank[i], an_key_text(t, a->id, i), x->value[i], ch);
            if (x->sens_median)
                PUT("   %6.1f [%.1f, %.1f]", x->sens_median[i], x->sens_q05[i], x->sens_q95[i]);
            PUT("\n");
        }
    }
#undef PUT
    gw_free(rr);
    return buf;
}

int cmd_index(int argc, char **argv)
{
    index_args a;
    memset(&a, 0, sizeof a);
    const an_option opts[] = {
        {"--data", &a.data, NULL},
        {"--indicators", &a.indicators, NULL},
        {"--invert", &a.invert, NULL},
        {"--normalise", &a.normalise, NULL},
        {"--normalize", &a.normalise, NULL},
        {"--weights", &a.weights, NULL},
        {"--aggregate", &a.aggregate, NULL},
        {"--id", &a.id, NULL},
        {"--time", &a.time, NULL},
        {"--sensitivity", &a.sensitivity, NULL},
        {"--concentration", &a.concentration, NULL},
        {"--seed", &a.seed, NULL},
        {"--format", &a.format, NULL},
        {"--out", &a.out, NULL},
        {"--name", &a.name, NULL},
        {"--threads", &a.threads, NULL},
        {"--table", &a.table, NULL},
        {"--within-time", NULL, &a.within},
        {"--quiet", NULL, &a.quiet},
        {"--help", NULL, &a.help},
        {"-h", NULL, &a.help},
    };
    an_list ind = {0}, inv = {0}, wl = {0};
    an_var *v = NULL;
    gw_table *t = NULL;
    gw_index *x = NULL;
    double *X = NULL, *id = NULL, *time = NULL, *uw = NULL;
    int *invert = NULL, json = 0;
    char *text = NULL;
    const char **cols = NULL;
    gw_index_opts io = {0};
    size_t threads = 0, n = 0, p = 0;
    int rc = an_parse(argc, argv, opts, sizeof opts / sizeof opts[0], "index");
    if (rc != GW_EXIT_OK)
        goto done;
    if (a.help) {
        rc = an_write_stdout(index_usage);
        goto done;
    }
    rc = GW_EXIT_USAGE;
    if (an_missing(a.data, 0, "--data FILE", "index"))
        goto done;
    if (an_missing(a.indicators, 1, "--indicators a,b,c", "index"))
        goto done;
    if (an_missing(a.id, 0, "--id VAR", "index"))
        goto done;
    if (an_check_output_opts(a.format, a.threads, a.name, a.out, &json, &threads) != GW_EXIT_OK)
        goto done;
    if (a.normalise == NULL || strcmp(a.normalise, "minmax") == 0)
        io.norm = GW_NORM_MINMAX;
    else if (strcmp(a.normalise, "z") == 0)
        io.norm = GW_NORM_Z;
    else if (strcmp(a.normalise, "rank") == 0)
        io.norm = GW_NORM_RANK;
    else {
        cli_error("bad --normalise '%s' (expected minmax, z or rank)", a.normalise);
        goto done;
    }
    if (a.aggregate == NULL || strcmp(a.aggregate, "arithmetic") == 0)
        io.agg = GW_AGG_ARITHMETIC;
    else if (strcmp(a.aggregate, "geometric") == 0)
        io.agg = GW_AGG_GEOMETRIC;
    else {
        cli_error("bad --aggregate '%s' (expected arithmetic or geometric)", a.aggregate);
        goto done;
    }
    io.within_time = a.within;
    if ((rc = an_split(a.indicators, "--indicators", &ind)) != GW_EXIT_OK ||
        (rc = an_vars_parse(&ind, &v)) != GW_EXIT_OK)
        goto done;
    rc = GW_EXIT_USAGE;
    p = ind.n;
    for (size_t j = 0; j < p; j++)
        for (size_t k = 0; k < j; k++)
            if (strcmp(ind.s[j], ind.s[k]) == 0) {
                cli_error("indicator '%s' given twice", ind.s[j]);
                goto done;
            }
    if ((invert = gw_calloc(p, sizeof *invert)) == NULL ||
        (uw = gw_calloc(p, sizeof *uw)) == NULL) {
        cli_error("out of memory");
        rc = GW_EXIT_OTHER;
        goto done;
    }
    if (a.invert != NULL) {
        if ((rc = an_split(a.invert, "--invert", &inv)) != GW_EXIT_OK)
            goto done;
        rc = GW_EXIT_USAGE;
        for (size_t k = 0; k < inv.n; k++) {
            size_t j = 0;
            while (j < p && strcmp(ind.s[j], inv.s[k]) != 0 && strcmp(v[j].base, inv.s[k]) != 0)
                j++;
            if (j == p) {
                cli_error("--invert '%s' is not one of the --indicators", inv.s[k]);
                goto done;
            }
            invert[j] = 1;
        }
    }
    io.invert = invert;
    if (a.weights == NULL || strcmp(a.weights, "equal") == 0)
        io.weighting = GW_WEIGHTS_EQUAL;
    else if (strcmp(a.weights, "pca") == 0)
        io.weighting = GW_WEIGHTS_PCA;
    else {
        if ((rc = an_split(a.weights, "--weights", &wl)) != GW_EXIT_OK)
            goto done;
        rc = GW_EXIT_USAGE;
        if (wl.n != p) {
            cli_error("--weights has %zu numbers for %zu indicators (or use equal or pca)", wl.n,
                      p);
            goto done;
        }
        for (size_t j = 0; j < p; j++)
            if (!an_parse_double(wl.s[j], &uw[j]) || uw[j] < 0.0) {
                cli_error("bad --weights '%s': '%s' is not a non-negative number", a.weights,
                          wl.s[j]);
                goto done;
            }
        io.weighting = GW_WEIGHTS_USER;
        io.user_weights = uw;
    }
    if (a.sensitivity != NULL && !an_parse_size(a.sensitivity, 1, &io.draws)) {
        cli_error("bad --sensitivity '%s' (expected a number of draws, 0..100000000)",
                  a.sensitivity);
        goto done;
    }
    io.seed = 1;
    if (a.seed != NULL && !an_parse_u64(a.seed, &io.seed)) {
        cli_error("bad --seed '%s' (expected a non-negative integer)", a.seed);
        goto done;
    }
    if (a.concentration != NULL &&
        (!an_parse_double(a.concentration, &io.concentration) || !(io.concentration > 0.0))) {
        cli_error("bad --concentration '%s' (expected a positive number)", a.concentration);
        goto done;
    }
    gw_threads_set((int)threads);

    /* Data. */
    if ((cols = gw_calloc(p + 2, sizeof *cols)) == NULL) {
        cli_error("out of memory");
        rc = GW_EXIT_OTHER;
        goto done;
    }
    size_t nc = 0;
    for (size_t j = 0; j < p; j++)
        cols[nc++] = v[j].base;
    cols[nc++] = a.id;
    if (a.time != NULL)
        cols[nc++] = a.time;
    if ((rc = cli_load_table(a.data, a.table, cols, nc, &t)) != GW_EXIT_OK)
        goto done;
    n = gw_table_nrows(t);
    X = gw_alloc_array(n * p + 1, sizeof *X);
    id = gw_alloc_array(n + 1, sizeof *id);
    time = gw_alloc_array(n + 1, sizeof *time);
    if (X == NULL || id == NULL || time == NULL) {
        cli_error("out of memory");
        rc = GW_EXIT_OTHER;
        goto done;
    }
    for (size_t j = 0; j < p; j++)
        if ((rc = an_column(t, v[j].base, v[j].log, X + j * n)) != GW_EXIT_OK)
            goto done;
    if ((rc = an_column(t, a.id, 0, id)) != GW_EXIT_OK ||
        (a.time != NULL && (rc = an_column(t, a.time, 0, time)) != GW_EXIT_OK))
        goto done;
    for (size_t j = 0; j < p; j++)
        if (gw_table_numeric(t, (size_t)gw_table_find(t, v[j].base)) == NULL) {
            cli_error("indicator '%s' is not numeric", v[j].base);
            rc = GW_EXIT_USAGE;
            goto done;
        }
    gw_status s = gw_index_compute(n, p, X, id, a.time ? time : NULL, &io, &x);
    if (s != GW_OK) {
        rc = an_lib_error(s, "index");
        goto done;
    }

    /* Output. */
    if (json) {
        cJSON *root = cJSON_CreateObject(), *w = cJSON_CreateObject(), *arr = cJSON_CreateArray();
        int ok = root && w && arr;
        if (ok) {
            cJSON_AddStringToObject(root, "goodwork_version", gw_version());
            for (size_t j = 0; j < p; j++)
                cJSON_AddItemToObject(w, v[j].spec, an_num(x->weights[j]));
            cJSON_AddItemToObject(root, "weights", w);
            cJSON_AddStringToObject(root, "normalise", a.normalise ? a.normalise : "minmax");
            cJSON_AddStringToObject(root, "normalise_over", a.within ? "time" : "pooled");
            cJSON_AddStringToObject(root, "weighting",
                                    io.weighting == GW_WEIGHTS_PCA    ? "pca"
                                    : io.weighting == GW_WEIGHTS_USER ? "user"
                                                                      : "equal");
            cJSON_AddStringToObject(root, "aggregate", a.aggregate ? a.aggregate : "arithmetic");
            cJSON_AddItemToObject(root, "pca_variance_share", an_num(x->pca_share));
            cJSON *invj = cJSON_AddArrayToObject(root, "inverted");
            for (size_t j = 0; invj && j < p; j++)
                if (invert[j])
                    cJSON_AddItemToArray(invj, cJSON_CreateString(v[j].spec));
            cJSON_AddNumberToObject(root, "nobs", (double)x->nused);
            cJSON_AddNumberToObject(root, "nobs_missing", (double)(n - x->nused));
            if (io.draws > 0) {
                cJSON_AddNumberToObject(root, "sensitivity_draws", (double)io.draws);
                cJSON_AddNumberToObject(root, "seed", (double)io.seed);
                cJSON_AddNumberToObject(root, "concentration",
                                        io.concentration > 0 ? io.concentration : 20.0);
            }
            for (size_t i = 0; i < n && ok; i++) {
                cJSON *o = cJSON_CreateObject();
                ok = o != NULL;
                if (!ok)
                    break;
                cJSON_AddItemToObject(o, "id", an_key_json(t, a.id, i));
                if (a.time)
                    cJSON_AddItemToObject(o, "time", an_num(time[i]));
                cJSON_AddItemToObject(o, "value", an_num(x->value[i]));
                cJSON_AddItemToObject(o, "rank", an_num(x->rank[i]));
                if (a.time)
                    cJSON_AddItemToObject(o, "rank_change", an_num(x->rank_change[i]));
                if (x->sens_median) {
                    cJSON_AddItemToObject(o, "rank_median", an_num(x->sens_median[i]));
                    cJSON_AddItemToObject(o, "rank_q05", an_num(x->sens_q05[i]));
                    cJSON_AddItemToObject(o, "rank_q95", an_num(x->sens_q95[i]));
                }
                cJSON_AddItemToArray(arr, o);
            }
            cJSON_AddItemToObject(root, "index", arr);
            arr = w = NULL;
        }
        char *js = ok ? cJSON_PrintUnformatted(root) : NULL;
        cJSON_Delete(root);
        cJSON_Delete(w);
        cJSON_Delete(arr);
        if (js != NULL) {
            size_t L = strlen(js);
            text = gw_malloc(L + 2);
            if (text) {
                memcpy(text, js, L);
                text[L] = '\n';
                text[L + 1] = '\0';
            }
            cJSON_free(js);
        }
    } else {
        text = render_text(&a, t, v, x, time, a.time != NULL);
    }
    if (text == NULL) {
        cli_error("out of memory");
        rc = GW_EXIT_OTHER;
        goto done;
    }
    if (a.out != NULL) {
        char group[300];
        snprintf(group, sizeof group, "/analyses/%s", a.name ? a.name : "index");
        const char **ids = gw_calloc(n + 1, sizeof *ids);
        char *idbuf = gw_malloc(n * 128 + 1);
        if (ids == NULL || idbuf == NULL) {
            gw_free(ids);
            gw_free(idbuf);
            cli_error("out of memory");
            rc = GW_EXIT_OTHER;
            goto done;
        }
        for (size_t i = 0; i < n; i++) {
            snprintf(idbuf + i * 128, 128, "%s", an_key_text(t, a.id, i));
            ids[i] = idbuf + i * 128;
        }
        const char **names = (const char **)gw_calloc(p, sizeof *names);
        for (size_t j = 0; names && j < p; j++)
            names[j] = v[j].spec;
        gw_h5_item items[10] = {
            {"indicators", GW_H5_STR, p, 0, NULL, NULL, names},
            {"weights", GW_H5_F64, p, 0, x->weights, NULL, NULL},
            {"id", GW_H5_STR, n, 0, NULL, NULL, ids},
            {"value", GW_H5_F64, n, 0, x->value, NULL, NULL},
            {"rank", GW_H5_F64, n, 0, x->rank, NULL, NULL},
            {"rank_change", GW_H5_F64, n, 0, x->rank_change, NULL, NULL},
            {"time", GW_H5_F64, n, 0, time, NULL, NULL},
        };
        size_t ni = a.time ? 7 : 5;
        if (x->sens_median) {
            items[ni++] = (gw_h5_item){"rank_median", GW_H5_F64, n, 0, x->sens_median, NULL, NULL};
            items[ni++] = (gw_h5_item){"rank_q05", GW_H5_F64, n, 0, x->sens_q05, NULL, NULL};
            items[ni++] = (gw_h5_item){"rank_q95", GW_H5_F64, n, 0, x->sens_q95, NULL, NULL};
        }
        gw_h5_attr at[6] = {
            {"analysis", GW_H5_STR, 0, 0, "index"},
            {"normalise", GW_H5_STR, 0, 0, a.normalise ? a.normalise : "minmax"},
            {"normalise_over", GW_H5_STR, 0, 0, a.within ? "time" : "pooled"},
            {"weighting", GW_H5_STR, 0, 0, a.weights ? a.weights : "equal"},
            {"aggregate", GW_H5_STR, 0, 0, a.aggregate ? a.aggregate : "arithmetic"},
            {"sensitivity_draws", GW_H5_I64, 0, (int64_t)io.draws, NULL},
        };
        rc = names ? an_store(a.out, a.data, group, items, ni, at, 6, io.draws > 0, io.seed)
                   : GW_EXIT_OTHER;
        gw_free(names);
        gw_free(ids);
        gw_free(idbuf);
        if (rc != GW_EXIT_OK)
            goto done;
    }
    rc = a.quiet ? GW_EXIT_OK : an_write_stdout(text);
done:
    gw_free(text);
    gw_index_free(x);
    gw_free(X);
    gw_free(id);
    gw_free(time);
    gw_free(uw);
    gw_free(invert);
    gw_free(cols);
    gw_table_free(t);
    an_vars_free(v, ind.n);
    an_list_free(&ind);
    an_list_free(&inv);
    an_list_free(&wl);
    return rc;
}
