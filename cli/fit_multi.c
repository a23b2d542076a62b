/* fit_multi.c -- goodwork fit with several models in one call (fit_ext.h, cli_fit_multi):
 * repeated --model, stepwise formulas and several responses (the library's gw_stepwise_expand),
 * --split VAR (gw_split), one read of the data, one atomic write of every model
 * (gw_results_append_many), one printout with one combined table (gw_etable_render).
 *
 * Order of work, as cmd_fit.c's, so that every failure comes before any output: usage (exit 2:
 * formulas, --name count, what several models cannot do), the formulas' checks, the data (read
 * once), the --split variable, every fit (the first failure stops the call: nothing is written
 * or printed), the names, rendering, the results file, standard output. */
#include <stdio.h>
#include <string.h>

#include "analysis_util.h"
#include "cJSON.h"
#include "cli.h"
#include "cli_mpi.h"
#include "core_int.h"
#include "fit_ext.h"
#include "gw_alloc.h"
#include "gw_etable.h"
#include "gw_hdf5.h"
#include "gw_load.h"
#include "gw_output.h"
#include "gw_split.h"
#include "gw_stepwise.h"
#include "gw_strbuf.h"
#include "gw_version.h"

/* The models of the call: formula k of each sample, samples in order (the full sample first
 * with --fsplit, then --split's groups); fit i is sample i / nf, formula i % nf. */
typedef struct {
    char **formulas; /* nf expanded formulas, owned */
    size_t nf;
    gw_split *split; /* --split's groups, or NULL */
    size_t nsamples;
    char **names;        /* nf * nsamples, owned */
    gw_result **results; /* nf * nsamples, owned */
    gw_table *table;
} multi;

/* A library failure: "goodwork: error: [context: ]detail", and its exit code. */
static int multi_error(gw_status s, const char *context) { return an_lib_error((int)s, context); }

static void multi_clear(multi *m)
{
    size_t n = m->nf * m->nsamples;
    for (size_t i = 0; m->names != NULL && i < n; i++)
        gw_free(m->names[i]);
    for (size_t i = 0; m->results != NULL && i < n; i++)
        gw_result_free(m->results[i]);
    gw_free(m->names);
    gw_free(m->results);
    gw_stepwise_free(m->formulas, m->nf);
    gw_split_free(m->split);
    gw_table_free(m->table);
}

/* Every --model expanded, in order, into m->formulas. */
static int expand_models(const fit_args *a, multi *m)
{
    for (size_t i = 0; i < a->models.n; i++) {
        char **list = NULL;
        size_t n = 0;
        gw_status s = gw_stepwise_expand(a->models.v[i], &list, &n);
        if (s != GW_OK)
            return multi_error(s, "bad --model");
        char **all = gw_realloc(m->formulas, (m->nf + n) * sizeof *all);
        if (all == NULL) {
            gw_stepwise_free(list, n);
            cli_error("out of memory");
            return GW_EXIT_OTHER;
        }
        m->formulas = all;
        memcpy(all + m->nf, list, n * sizeof *list);
        m->nf += n;
        gw_free(list); /* the strings now belong to m->formulas */
    }
    return GW_EXIT_OK;
}

/* What several models cannot do, and --name's count. */
static int check_usage(const fit_args *a, const multi *m)
{
    if (cli_mpi_active() && cli_mpi_size() > 1) {
        cli_error("several models in one call are not supported by distributed fits (mpirun "
                  "-np %d); run one goodwork fit per model",
                  cli_mpi_size());
        return GW_EXIT_USAGE;
    }
    if (a->memory_limit != NULL) {
        cli_error("--memory-limit fits one model per call (several models hold the data in "
                  "memory, read once)");
        return GW_EXIT_USAGE;
    }
    if (a->names.n != 0 && a->names.n != m->nf) {
        gw_strbuf b = {0};
        for (size_t i = 0; i < m->nf && i < 8; i++)
            gw_strbuf_printf(&b, "%s'%s'", i ? ", " : "", m->formulas[i]);
        cli_error("--name given %zu time%s for %zu model%s (%s%s): give one --name per model, in "
                  "order, or none",
                  a->names.n, a->names.n == 1 ? "" : "s", m->nf, m->nf == 1 ? "" : "s",
                  b.s != NULL ? b.s : "", m->nf > 8 ? ", ..." : "");
        gw_strbuf_free(&b);
        return GW_EXIT_USAGE;
    }
    for (size_t i = 0; i < a->names.n; i++) /* before the data are read */
        for (size_t j = 0; j < i; j++)
            if (strcmp(a->names.v[i], a->names.v[j]) == 0) {
                cli_error("model name '%s' given twice (every model needs its own --name)",
                          a->names.v[i]);
                return GW_EXIT_USAGE;
            }
    return GW_EXIT_OK;
}

/* The formulas' own checks, and the union of the columns they read (with --split's variable),
 * then the data, read once. */
static int read_data(const fit_args *a, const gw_fit_opts *o, const gw_fit_prep *p, multi *m)
{
    gw_formula **f = gw_calloc(m->nf, sizeof *f);
    const char **cols = NULL;
    size_t ncols = 0;
    int rc = f != NULL ? GW_EXIT_OK : GW_EXIT_OTHER;
    for (size_t k = 0; rc == GW_EXIT_OK && k < m->nf; k++) {
        gw_status s = gw_formula_parse(m->formulas[k], &f[k]);
        if (s != GW_OK || (s = gw_fit_check_formula(f[k], o)) != GW_OK) {
            rc = multi_error(s, s == GW_ESYNTAX ? "bad --model" : NULL);
            break;
        }
        const char **c = NULL;
        size_t nc = 0;
        const char **grown = NULL;
        if (gw_fit_columns(f[k], p, &c, &nc) != GW_OK ||
            (grown = gw_realloc(cols, (ncols + nc + 1) * sizeof *cols)) == NULL) {
            gw_free(c);
            cli_error("out of memory");
            rc = GW_EXIT_OTHER;
            break;
        }
        cols = grown;
        for (size_t j = 0; j < nc; j++) { /* distinct names: each column is read once */
            size_t i = 0;
            while (i < ncols && strcmp(cols[i], c[j]) != 0)
                i++;
            if (i == ncols)
                cols[ncols++] = c[j];
        }
        gw_free(c);
    }
    if (rc == GW_EXIT_OK && a->split != NULL)
        cols[ncols++] = a->split; /* room left by the + 1 above */
    if (rc == GW_EXIT_OK) {
        gw_load_opts lo = {cols, ncols, o->group, o->delim};
        gw_status s = gw_data_load(a->data, &lo, &m->table);
        if (s != GW_OK)
            rc = multi_error(s, NULL);
    }
    if (f == NULL)
        cli_error("out of memory");
    for (size_t k = 0; f != NULL && k < m->nf; k++)
        gw_formula_free(f[k]);
    gw_free(f);
    gw_free(cols);
    return rc;
}

/* The name of model k of sample smp: the given --name or the first "modelK" free in the file
 * and in this call; "|VAR=VALUE" for a group of --split. */
static int make_names(const fit_args *a, multi *m, const gw_results *existing)
{
    size_t n = m->nf * m->nsamples, next = 1;
    int full = m->split == NULL || a->fsplit;
    char **base = gw_calloc(m->nf, sizeof *base);
    if (base == NULL || (m->names = gw_calloc(n, sizeof *m->names)) == NULL) {
        gw_free(base);
        cli_error("out of memory");
        return GW_EXIT_OTHER;
    }
    int rc = GW_EXIT_OK;
    for (size_t k = 0; rc == GW_EXIT_OK && k < m->nf; k++) {
        char buf[32];
        if (a->names.n != 0) {
            base[k] = gw_strdup(a->names.v[k]);
        } else {
            for (int taken = 1; taken; next++) { /* "model7" is taken by model7, model7|... */
                snprintf(buf, sizeof buf, "model%zu", next);
                size_t len = strlen(buf), nm = existing ? gw_results_nmodels(existing) : 0;
                taken = 0;
                for (size_t i = 0; i < nm && !taken; i++) {
                    const char *e = gw_results_model_name(existing, i);
                    taken = strncmp(e, buf, len) == 0 && (e[len] == '\0' || e[len] == '|');
                }
            }
            base[k] = gw_strdup(buf);
        }
        if (base[k] == NULL)
            rc = GW_EXIT_OTHER;
    }
    for (size_t i = 0; rc == GW_EXIT_OK && i < n; i++) {
        size_t smp = i / m->nf, k = i % m->nf;
        gw_strbuf b = {0};
        gw_strbuf_cat(&b, base[k]);
        if (!(full && smp == 0))
            gw_strbuf_printf(&b, "|%s=%s", gw_split_var(m->split),
                             gw_split_label(m->split, smp - (size_t)full));
        if (gw_strbuf_finish(&b, &m->names[i]) != GW_OK)
            rc = GW_EXIT_OTHER;
    }
    for (size_t i = 0; rc == GW_EXIT_OK && i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->names[i], m->names[j]) == 0) {
                cli_error("model name '%s' given twice (every model needs its own --name)",
                          m->names[i]);
                rc = GW_EXIT_USAGE;
                break;
            }
    if (rc == GW_EXIT_OTHER)
        cli_error("out of memory");
    for (size_t k = 0; k < m->nf; k++)
        gw_free(base[k]);
    gw_free(base);
    return rc;
}

/* The names, numbered after the models --out already holds (an --out that cannot be read is
 * reported by the write). */
static int name_models(const fit_args *a, multi *m)
{
    gw_results *res = NULL;
    FILE *fp = a->out != NULL && a->names.n == 0 ? fopen(a->out, "rb") : NULL;
    if (fp != NULL) {
        fclose(fp);
        if (gw_results_open(a->out, &res) != GW_OK)
            res = NULL;
    }
    int rc = make_names(a, m, res);
    gw_results_close(res);
    return rc;
}

/* Every fit, samples outermost (fixest's order); the first failure stops. */
static int fit_all(const fit_args *a, const gw_fit_opts *o, multi *m)
{
    size_t n = m->nf * m->nsamples, nrows = gw_table_nrows(m->table);
    int full = m->split == NULL || a->fsplit;
    unsigned char *keep = m->split != NULL ? gw_malloc(nrows ? nrows : 1) : NULL;
    if ((m->results = gw_calloc(n, sizeof *m->results)) == NULL ||
        (m->split != NULL && keep == NULL)) {
        gw_free(keep);
        cli_error("out of memory");
        return GW_EXIT_OTHER;
    }
    gw_fit_opts oo = *o;
    int rc = GW_EXIT_OK;
    for (size_t i = 0; rc == GW_EXIT_OK && i < n; i++) {
        size_t smp = i / m->nf, k = i % m->nf;
        if (k == 0) {
            oo.keep = full && smp == 0 ? NULL : keep;
            if (oo.keep != NULL)
                gw_split_mask(m->split, smp - (size_t)full, keep);
        }
        gw_status s = gw_fit_table(m->table, m->formulas[k], &oo, &m->results[i]);
        if (s != GW_OK) {
            char ctx[1400];
            if (oo.keep != NULL)
                snprintf(ctx, sizeof ctx, "model '%s' (%s = %s)", m->formulas[k],
                         gw_split_var(m->split), gw_split_label(m->split, smp - (size_t)full));
            else
                snprintf(ctx, sizeof ctx, "model '%s'", m->formulas[k]);
            rc = multi_error(s, ctx);
        }
    }
    gw_free(keep);
    return rc;
}

/* A JSON string (quoted, escaped) appended to b. */
static void put_json_string(gw_strbuf *b, const char *s)
{
    cJSON *j = cJSON_CreateString(s);
    char *t = j != NULL ? cJSON_PrintUnformatted(j) : NULL;
    if (t == NULL)
        b->oom = 1;
    else
        gw_strbuf_cat(b, t);
    cJSON_free(t);
    cJSON_Delete(j);
}

/* One model's JSON object with its name and sample first: {"name":..,"split":..,<as alone>}. */
static void put_json_model(gw_strbuf *b, const multi *m, size_t i, int full, const char *one)
{
    size_t smp = i / m->nf;
    gw_strbuf_cat(b, "{\"name\":");
    put_json_string(b, m->names[i]);
    if (m->split == NULL || (full && smp == 0)) {
        gw_strbuf_cat(b, ",\"split\":null,");
    } else {
        gw_strbuf_cat(b, ",\"split\":{\"var\":");
        put_json_string(b, gw_split_var(m->split));
        gw_strbuf_cat(b, ",\"value\":");
        put_json_string(b, gw_split_label(m->split, smp - (size_t)full));
        gw_strbuf_cat(b, "},");
    }
    size_t len = strlen(one);
    while (len > 0 && one[len - 1] == '\n')
        len--;
    gw_strbuf_put(b, one + 1, len > 0 ? len - 1 : 0); /* without its "{" */
}

/* The printout: each model under a header line, then all of them in one table (text,
 * markdown); the table alone (latex, csv); {"goodwork_version", "models": [...]} (json). */
static int render(const fit_args *a, const multi *m, gw_output_format fmt, char **out)
{
    size_t n = m->nf * m->nsamples;
    int full = m->split == NULL || a->fsplit;
    gw_strbuf b = {0};
    gw_status s = GW_OK;
    if (fmt == GW_OUT_JSON) {
        gw_strbuf_cat(&b, "{\"goodwork_version\":");
        put_json_string(&b, gw_version());
        gw_strbuf_cat(&b, ",\"models\":[");
    }
    for (size_t i = 0; s == GW_OK && i < n && fmt != GW_OUT_LATEX && fmt != GW_OUT_CSV; i++) {
        char *one = NULL;
        if ((s = gw_output_render(m->results[i], fmt, &one)) != GW_OK)
            break;
        if (fmt == GW_OUT_JSON) {
            gw_strbuf_cat(&b, i ? "," : "");
            put_json_model(&b, m, i, full, one);
        } else {
            gw_strbuf_printf(&b, fmt == GW_OUT_MARKDOWN ? "## %s: `%s`\n\n" : "== %s: %s ==\n",
                             m->names[i], m->results[i]->formula);
            gw_strbuf_cat(&b, one);
            gw_strbuf_cat(&b, "\n");
        }
        gw_free(one);
    }
    if (fmt == GW_OUT_JSON) {
        gw_strbuf_cat(&b, "]}\n");
    } else if (s == GW_OK) {
        char *table = NULL;
        if (fmt == GW_OUT_TEXT || fmt == GW_OUT_MARKDOWN)
            gw_strbuf_cat(&b, fmt == GW_OUT_TEXT ? "== All models ==\n" : "## All models\n\n");
        s = gw_etable_render((const gw_result *const *)m->results, (const char *const *)m->names, n,
                             fmt, &table);
        if (s == GW_OK)
            gw_strbuf_cat(&b, table);
        gw_free(table);
    }
    if (s != GW_OK) {
        gw_strbuf_free(&b);
        return multi_error(s, "cannot render the results");
    }
    if (gw_strbuf_finish(&b, out) != GW_OK) {
        cli_error("out of memory");
        return GW_EXIT_OTHER;
    }
    return GW_EXIT_OK;
}

/* Every model into --out in one atomic write, with cmd_fit's provenance. */
static int store_all(const fit_args *a, const multi *m)
{
    char hex[65];
    gw_provenance prov;
    int rc = an_provenance(a->data, 0, 0, hex, &prov);
    if (rc != GW_EXIT_OK)
        return rc;
    gw_status s = gw_results_append_many(a->out, m->nf * m->nsamples, (const char *const *)m->names,
                                         (const gw_result *const *)m->results, &prov,
                                         a->replace ? GW_RESULTS_REPLACE : 0u);
    return s == GW_OK ? GW_EXIT_OK : an_store_error(s);
}

/* The fits after the checks: data, groups, fits, names, printout, file, standard output. */
static int run(const fit_args *a, const gw_fit_opts *o, const gw_fit_prep *p, gw_output_format fmt,
               multi *m)
{
    double t0 = gwi_seconds();
    char *text = NULL;
    int rc = read_data(a, o, p, m);
    double t1 = gwi_seconds();
    if (rc == GW_EXIT_OK && a->split != NULL) {
        gw_status s = gw_split_new(m->table, a->split, &m->split);
        if (s != GW_OK)
            rc = multi_error(s, NULL);
    }
    m->nsamples = m->split != NULL ? gw_split_ngroups(m->split) + (a->fsplit != 0) : 1;
    if (rc == GW_EXIT_OK)
        rc = fit_all(a, o, m);
    double t2 = gwi_seconds();
    if (rc == GW_EXIT_OK)
        rc = name_models(a, m);
    if (rc == GW_EXIT_OK)
        rc = render(a, m, fmt, &text);
    if (rc == GW_EXIT_OK && a->out != NULL)
        rc = store_all(a, m);
    if (rc == GW_EXIT_OK && !a->quiet)
        rc = an_write_stdout(text);
    if (rc == GW_EXIT_OK && a->timings)
        fprintf(stderr,
                "goodwork: timings (s): read %.3f  fit %.3f (%zu models)  write %.3f  total "
                "%.3f\n",
                t1 - t0, t2 - t1, m->nf * m->nsamples, gwi_seconds() - t2, gwi_seconds() - t0);
    gw_free(text);
    return rc;
}

int cli_fit_multi(const fit_args *a, const gw_fit_opts *o, const gw_fit_prep *p, int fmt,
                  int *handled)
{
    multi m;
    memset(&m, 0, sizeof m);
    *handled = 0;
    if (a->fsplit && a->split == NULL) {
        *handled = 1;
        cli_error("--fsplit needs --split VAR (the full sample next to the groups)");
        return GW_EXIT_USAGE;
    }
    if (a->split != NULL && a->split[0] == '\0') {
        *handled = 1;
        cli_error("empty --split variable name");
        return GW_EXIT_USAGE;
    }
    int rc = expand_models(a, &m);
    /* One formula that expands to another text (`y ~ sw(x)`) is not cmd_fit's to parse. */
    int several = m.nf > 1 || a->names.n > 1 || a->split != NULL ||
                  (m.nf == 1 && strcmp(m.formulas[0], a->models.v[0]) != 0);
    if (rc == GW_EXIT_OK && !several) {
        multi_clear(&m); /* one plain model: cmd_fit's own path, unchanged */
        return GW_EXIT_OK;
    }
    *handled = 1;
    if (rc == GW_EXIT_OK)
        rc = check_usage(a, &m);
    if (rc == GW_EXIT_OK)
        rc = run(a, o, p, (gw_output_format)fmt, &m);
    multi_clear(&m);
    return rc;
}
