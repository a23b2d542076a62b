/* cmd_synergy.c -- goodwork synergy: correlation matrices of good-work dimensions and
 * wellbeing by year and by period, partial correlations, correlations of changes, and the
 * links that switched sign between periods (models/gw_synergy.h has the conventions). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_util.h"
#include "cli.h"
#include "gw_alloc.h"
#include "gw_par.h"
#include "gw_strbuf.h"
#include "gw_synergy.h"
#include "gw_version.h"

static const char synergy_usage[] =
    "usage: goodwork synergy --data FILE --vars a,b,c --time VAR [--id VAR] [options]\n"
    "\n"
    "Correlations of the chosen variables (\"synergies\" between the dimensions of good work\n"
    "and wellbeing): by year, by period (pooled, within-year demeaned by default), partial\n"
    "correlations controlling for --controls, correlations of year-on-year changes within\n"
    "each --id, each with a Fisher-z confidence interval and a t-test p-value; and the links\n"
    "that switched sign between periods (significant in both with opposite signs).\n"
    "\n"
    "required:\n"
    "  --data FILE          .csv or .h5 data table (--table PATH picks the HDF5 group)\n"
    "  --vars LIST          comma-separated columns (at least 2); log(x) takes logs\n"
    "  --time VAR           time variable (year)\n"
    "\n"
    "options:\n"
    "  --id VAR             area identifier (enables the correlations of changes)\n"
    "  --controls LIST      control variables for partial correlations\n"
    "  --breaks LIST        period breaks (default 2020,2022: pre-2020, 2020-2021, 2022+)\n"
    "  --raw                pool periods on raw values (default: demeaned within year, so\n"
    "                       that common trends do not create correlation)\n"
    "  --conf LEVEL         confidence level (default 0.95); also the significance used for\n"
    "                       sign switches (p < 1 - LEVEL)\n"
    "  --by-year            also print every year's matrix in the text output\n"
    "  --format F           text (default) or json\n"
    "  --out RESULTS.h5     also store the matrices as /analyses/NAME (with provenance)\n"
    "  --name NAME          the group's name (default synergy)\n"
    "  --threads N          accepted; the computation is sequential\n"
    "  --quiet              print nothing on success\n"
    "  --help               show this help\n"
    "\n"
    "Rows with any of the variables missing are left out of a matrix (listwise). Stars: *\n"
    "p < 0.05, ** p < 0.01, *** p < 0.001. Exit codes: 0 success, 2 usage, 3 data,\n"
    "4 numerical, 1 anything else.\n";

typedef struct {
    const char *data, *vars, *time, *id, *controls, *breaks, *conf, *format, *out, *name, *threads,
        *table;
    int raw, by_year, quiet, help;
} syn_args;

static cJSON *mat_json(const double *m, size_t p)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < p; i++) {
        cJSON *row = cJSON_CreateArray();
        for (size_t j = 0; row && j < p; j++)
            cJSON_AddItemToArray(row, an_num(m[i * p + j]));
        cJSON_AddItemToArray(a, row);
    }
    return a;
}

static cJSON *cormat_json(const gw_cormat *c, size_t p)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    cJSON_AddStringToObject(o, "label", c->label);
    cJSON_AddItemToObject(o, "from", an_num(c->from));
    cJSON_AddItemToObject(o, "to", an_num(c->to));
    cJSON_AddNumberToObject(o, "n", (double)c->n);
    cJSON_AddItemToObject(o, "r", mat_json(c->r, p));
    cJSON_AddItemToObject(o, "ci_low", mat_json(c->ci_low, p));
    cJSON_AddItemToObject(o, "ci_high", mat_json(c->ci_high, p));
    cJSON_AddItemToObject(o, "p_value", mat_json(c->p_value, p));
    return o;
}

static cJSON *cormats_json(const gw_cormat *c, size_t m, size_t p)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < m; i++)
        cJSON_AddItemToArray(a, cormat_json(&c[i], p));
    return a;
}

static const char *stars(double pv)
{
    return isnan(pv) ? "" : pv < 0.001 ? "***" : pv < 0.01 ? "**" : pv < 0.05 ? "*" : "";
}

/* Text output is built in a core/gw_strbuf.h buffer. */
typedef gw_strbuf sbuf;
#define sb_put gw_strbuf_printf

/* One lower-triangular table with stars. */
static void put_matrix(sbuf *b, const char *title, const gw_cormat *c, const an_var *v, size_t p)
{
    sb_put(b, "\n%s [%s] (n = %zu)\n", title, c->label, c->n);
    sb_put(b, "%-28s", "");
    for (size_t j = 0; j + 1 < p; j++)
        sb_put(b, " %11.11s", v[j].spec);
    sb_put(b, "\n");
    for (size_t i = 1; i < p; i++) {
        sb_put(b, "%-28.28s", v[i].spec);
        for (size_t j = 0; j < i; j++) {
            double r = c->r[i * p + j];
            if (isnan(r))
                sb_put(b, " %11s", ".");
            else
                sb_put(b, " %8.3f%-3s", r, stars(c->p_value[i * p + j]));
        }
        sb_put(b, "\n");
    }
}

int cmd_synergy(int argc, char **argv)
{
    syn_args a;
    memset(&a, 0, sizeof a);
    const an_option opts[] = {
        {"--data", &a.data, NULL},
        {"--vars", &a.vars, NULL},
        {"--time", &a.time, NULL},
        {"--id", &a.id, NULL},
        {"--controls", &a.controls, NULL},
        {"--breaks", &a.breaks, NULL},
        {"--conf", &a.conf, NULL},
        {"--format", &a.format, NULL},
        {"--out", &a.out, NULL},
        {"--name", &a.name, NULL},
        {"--threads", &a.threads, NULL},
        {"--table", &a.table, NULL},
        {"--raw", NULL, &a.raw},
        {"--by-year", NULL, &a.by_year},
        {"--quiet", NULL, &a.quiet},
        {"--help", NULL, &a.help},
        {"-h", NULL, &a.help},
    };
    an_list vl = {0}, cl = {0}, bl = {0};
    an_var *v = NULL, *cv = NULL;
    gw_table *t = NULL;
    gw_synergy *s = NULL;
    double *X = NULL, *C = NULL, *id = NULL, *time = NULL, breaks[GW_SYNERGY_MAX_BREAKS];
    const char **cols = NULL;
    char *text = NULL;
    sbuf sb = {0};
    size_t threads = 0, n = 0, p = 0, k = 0;
    gw_synergy_opts so = {0};
    int json = 0;
    int rc = an_parse(argc, argv, opts, sizeof opts / sizeof opts[0], "synergy");
    if (rc != GW_EXIT_OK)
        goto done;
    if (a.help) {
        rc = an_write_stdout(synergy_usage);
        goto done;
    }
    rc = GW_EXIT_USAGE;
    if (an_missing(a.data, 0, "--data FILE", "synergy"))
        goto done;
    if (an_missing(a.vars, 1, "--vars a,b,c", "synergy"))
        goto done;
    if (an_missing(a.time, 0, "--time VAR", "synergy"))
        goto done;
    if (an_check_output_opts(a.format, a.threads, a.name, a.out, &json, &threads) != GW_EXIT_OK)
        goto done;
    so.conf_level = 0.95;
    if (a.conf != NULL && (!an_parse_double(a.conf, &so.conf_level) || !(so.conf_level > 0.0) ||
                           !(so.conf_level < 1.0))) {
        cli_error("bad --conf '%s' (expected a number between 0 and 1)", a.conf);
        goto done;
    }
    so.demean_time = a.raw ? -1 : 1;
    if (a.breaks != NULL) {
        if ((rc = an_split(a.breaks, "--breaks", &bl)) != GW_EXIT_OK)
            goto done;
        rc = GW_EXIT_USAGE;
        if (bl.n > GW_SYNERGY_MAX_BREAKS) {
            cli_error("--breaks: at most %d breaks", GW_SYNERGY_MAX_BREAKS);
            goto done;
        }
        for (size_t j = 0; j < bl.n; j++)
            if (!an_parse_double(bl.s[j], &breaks[j]) || (j > 0 && !(breaks[j] > breaks[j - 1]))) {
                cli_error("bad --breaks '%s' (expected increasing numbers)", a.breaks);
                goto done;
            }
        so.breaks = breaks;
        so.nbreaks = bl.n;
    }
    if ((rc = an_split(a.vars, "--vars", &vl)) != GW_EXIT_OK ||
        (rc = an_vars_parse(&vl, &v)) != GW_EXIT_OK)
        goto done;
    p = vl.n;
    if (p < 2) {
        cli_error("--vars needs at least 2 variables");
        rc = GW_EXIT_USAGE;
        goto done;
    }
    if (a.controls != NULL && ((rc = an_split(a.controls, "--controls", &cl)) != GW_EXIT_OK ||
                               (rc = an_vars_parse(&cl, &cv)) != GW_EXIT_OK))
        goto done;
    k = cl.n;
    gw_threads_set((int)threads);

    if ((cols = gw_calloc(p + k + 2, sizeof *cols)) == NULL) {
        cli_error("out of memory");
        rc = GW_EXIT_OTHER;
        goto done;
    }
    size_t nc = 0;
    for (size_t j = 0; j < p; j++)
        cols[nc++] = v[j].base;
    for (size_t j = 0; j < k; j++)
        cols[nc++] = cv[j].base;
    cols[nc++] = a.time;
    if (a.id)
        cols[nc++] = a.id;
    if ((rc = cli_load_table(a.data, a.table, cols, nc, &t)) != GW_EXIT_OK)
        goto done;
    n = gw_table_nrows(t);
    X = gw_alloc_array(n * p + 1, sizeof *X);
    C = gw_alloc_array(n * k + 1, sizeof *C);
    id = gw_alloc_array(n + 1, sizeof *id);
    time = gw_alloc_array(n + 1, sizeof *time);
    if (X == NULL || C == NULL || id == NULL || time == NULL) {
        cli_error("out of memory");
        rc = GW_EXIT_OTHER;
        goto done;
    }
    for (size_t j = 0; j < p; j++)
        if ((rc = an_column(t, v[j].base, v[j].log, X + j * n)) != GW_EXIT_OK)
            goto done;
    for (size_t j = 0; j < k; j++)
        if ((rc = an_column(t, cv[j].base, cv[j].log, C + j * n)) != GW_EXIT_OK)
            goto done;
    if ((rc = an_column(t, a.time, 0, time)) != GW_EXIT_OK ||
        (a.id && (rc = an_column(t, a.id, 0, id)) != GW_EXIT_OK))
        goto done;
    gw_status st = gw_synergy_compute(n, p, X, k, k ? C : NULL, a.id ? id : NULL, time, &so, &s);
    if (st != GW_OK) {
        rc = an_lib_error(st, "synergy");
        goto done;
    }

    if (json) {
        cJSON *root = cJSON_CreateObject();
        if (root != NULL) {
            cJSON_AddStringToObject(root, "goodwork_version", gw_version());
            cJSON *vars = cJSON_AddArrayToObject(root, "variables");
            for (size_t j = 0; vars && j < p; j++)
                cJSON_AddItemToArray(vars, cJSON_CreateString(v[j].spec));
            cJSON *ctl = cJSON_AddArrayToObject(root, "controls");
            for (size_t j = 0; ctl && j < k; j++)
                cJSON_AddItemToArray(ctl, cJSON_CreateString(cv[j].spec));
            cJSON_AddNumberToObject(root, "conf_level", s->conf_level);
            cJSON_AddStringToObject(root, "pooling", a.raw ? "raw" : "demeaned_within_time");
            cJSON_AddItemToObject(root, "all", cormat_json(&s->all, p));
            cJSON_AddItemToObject(root, "by_year", cormats_json(s->by_time, s->ntime, p));
            cJSON_AddItemToObject(root, "by_period", cormats_json(s->by_period, s->nperiod, p));
            if (s->partial)
                cJSON_AddItemToObject(root, "partial", cormats_json(s->partial, s->nperiod, p));
            if (s->changes)
                cJSON_AddItemToObject(root, "changes", cormats_json(s->changes, s->nperiod, p));
            cJSON *sw = cJSON_AddArrayToObject(root, "sign_switches");
            for (size_t q = 0; sw && q < s->nswitches; q++) {
                const gw_sign_switch *w = &s->switches[q];
                cJSON *o = cJSON_CreateObject();
                cJSON_AddStringToObject(o, "a", v[w->i].spec);
                cJSON_AddStringToObject(o, "b", v[w->j].spec);
                cJSON_AddStringToObject(o, "period_a", s->by_period[w->a].label);
                cJSON_AddStringToObject(o, "period_b", s->by_period[w->b].label);
                cJSON_AddItemToObject(o, "r_a", an_num(w->r_a));
                cJSON_AddItemToObject(o, "r_b", an_num(w->r_b));
                cJSON_AddItemToObject(o, "p_a", an_num(w->p_a));
                cJSON_AddItemToObject(o, "p_b", an_num(w->p_b));
                cJSON_AddItemToArray(sw, o);
            }
            char *js = cJSON_PrintUnformatted(root);
            if (js != NULL) {
                sb_put(&sb, "%s\n", js);
                cJSON_free(js);
            } else {
                sb.oom = 1;
            }
            cJSON_Delete(root);
        } else {
            sb.oom = 1;
        }
    } else {
        sb_put(&sb,
               "Synergies: correlations of %zu variables; periods pooled %s; %.0f%% "
               "Fisher-z intervals in JSON/HDF5 output\n",
               p, a.raw ? "on raw values" : "within-year demeaned", 100.0 * s->conf_level);
        sb_put(&sb, "* p < 0.05, ** p < 0.01, *** p < 0.001 (t test of r = 0)\n");
        for (size_t q = 0; q < s->nperiod; q++)
            put_matrix(&sb, "Correlations", &s->by_period[q], v, p);
        for (size_t q = 0; s->partial && q < s->nperiod; q++)
            put_matrix(&sb, "Partial correlations", &s->partial[q], v, p);
        for (size_t q = 0; s->changes && q < s->nperiod; q++)
            put_matrix(&sb, "Correlations of year-on-year changes", &s->changes[q], v, p);
        for (size_t q = 0; a.by_year && q < s->ntime; q++)
            put_matrix(&sb, "Correlations", &s->by_time[q], v, p);
        sb_put(&sb, "\nLinks that switched sign between periods (significant in both): %zu\n",
               s->nswitches);
        for (size_t q = 0; q < s->nswitches; q++) {
            const gw_sign_switch *w = &s->switches[q];
            sb_put(&sb, "  %s ~ %s: %+.3f (%s) -> %+.3f (%s)\n", v[w->i].spec, v[w->j].spec, w->r_a,
                   s->by_period[w->a].label, w->r_b, s->by_period[w->b].label);
        }
    }
    if (sb.oom) {
        cli_error("out of memory");
        rc = GW_EXIT_OTHER;
        goto done;
    }
    if (a.out != NULL) {
        /* Each matrix as a p x p dataset per statistic, under by_period/LABEL/, by_year/T/,
         * partial/LABEL/, changes/LABEL/ and all/. */
        size_t nm = 1 + s->ntime +
                    s->nperiod * (1 + (size_t)(s->partial != NULL) + (size_t)(s->changes != NULL));
        gw_h5_item *items = gw_calloc(nm * 5 + 2, sizeof *items);
        char *names = gw_malloc((nm * 5 + 2) * 96);
        const char **vn = gw_calloc(p + k + 1, sizeof *vn);
        double *nn = gw_calloc(nm, sizeof *nn);
        if (items == NULL || names == NULL || vn == NULL || nn == NULL) {
            gw_free(items);
            gw_free(names);
            gw_free(vn);
            gw_free(nn);
            cli_error("out of memory");
            rc = GW_EXIT_OTHER;
            goto done;
        }
        size_t ni = 0, mi = 0;
        for (size_t j = 0; j < p; j++)
            vn[j] = v[j].spec;
        items[ni++] = (gw_h5_item){"variables", GW_H5_STR, p, 0, NULL, NULL, vn};
        for (size_t j = 0; j < k; j++)
            vn[p + j] = cv[j].spec;
        items[ni++] = (gw_h5_item){"controls", GW_H5_STR, k, 0, NULL, NULL, vn + p};
        const struct {
            const char *dir;
            const gw_cormat *m;
            size_t cnt;
        } sets[] = {{"all", &s->all, 1},
                    {"by_year", s->by_time, s->ntime},
                    {"by_period", s->by_period, s->nperiod},
                    {"partial", s->partial, s->partial ? s->nperiod : 0},
                    {"changes", s->changes, s->changes ? s->nperiod : 0}};
        for (size_t q = 0; q < sizeof sets / sizeof sets[0]; q++)
            for (size_t i = 0; i < sets[q].cnt; i++) {
                const gw_cormat *c = &sets[q].m[i];
                const double *stat[4] = {c->r, c->ci_low, c->ci_high, c->p_value};
                const char *sn[4] = {"r", "ci_low", "ci_high", "p_value"};
                for (int z = 0; z < 4; z++) {
                    char *nm_ = names + ni * 96;
                    if (q == 0)
                        snprintf(nm_, 96, "all/%s", sn[z]);
                    else
                        snprintf(nm_, 96, "%s/%s/%s", sets[q].dir, c->label, sn[z]);
                    items[ni++] = (gw_h5_item){nm_, GW_H5_F64, p, p, stat[z], NULL, NULL};
                }
                char *nm_ = names + ni * 96;
                nn[mi] = (double)c->n;
                if (q == 0)
                    snprintf(nm_, 96, "all/n");
                else
                    snprintf(nm_, 96, "%s/%s/n", sets[q].dir, c->label);
                items[ni++] = (gw_h5_item){nm_, GW_H5_F64, 1, 0, &nn[mi++], NULL, NULL};
            }
        char group[300];
        snprintf(group, sizeof group, "/analyses/%s", a.name ? a.name : "synergy");
        gw_h5_attr at[4] = {
            {"analysis", GW_H5_STR, 0, 0, "synergy"},
            {"conf_level", GW_H5_F64, s->conf_level, 0, NULL},
            {"pooling", GW_H5_STR, 0, 0, a.raw ? "raw" : "demeaned_within_time"},
            {"sign_switches", GW_H5_I64, 0, (int64_t)s->nswitches, NULL},
        };
        rc = an_store(a.out, a.data, group, items, ni, at, 4, 0, 0);
        gw_free(items);
        gw_free(names);
        gw_free(vn);
        gw_free(nn);
        if (rc != GW_EXIT_OK)
            goto done;
    }
    text = sb.s;
    sb.s = NULL;
    rc = a.quiet ? GW_EXIT_OK : an_write_stdout(text);
done:
    gw_free(sb.s);
    gw_free(text);
    gw_synergy_free(s);
    gw_free(X);
    gw_free(C);
    gw_free(id);
    gw_free(time);
    gw_free(cols);
    gw_table_free(t);
    an_vars_free(v, vl.n);
    an_vars_free(cv, cl.n);
    an_list_free(&vl);
    an_list_free(&cl);
    an_list_free(&bl);
    return rc;
}
