/* cmd_mediate.c -- goodwork mediate: product-of-coefficients mediation with cluster-bootstrap
 * confidence intervals (models/gw_mediate.h).
 *
 * The command writes the formula "OUTCOME ~ T + M1 + .. + C1 + .. | FE1 + FE2" from its options,
 * builds one design with the model frame (so controls may be log(x), factor(x), ...), names
 * the columns for the library by their term names and runs gw_mediate_fit. Order of work as in
 * goodwork fit: usage errors (exit 2) before reading data, data errors (3), numerical (4);
 * standard output written once at the end. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "analysis_util.h"
#include "cli.h"
#include "gw_alloc.h"
#include "gw_formula.h"
#include "gw_frame.h"
#include "gw_mediate.h"
#include "gw_par.h"
#include "gw_version.h"

/* Seed used when --seed is not given (the generator's default seed: a fixed, documented
 * value, so that two runs without --seed print the same bytes). */
#define MEDIATE_DEFAULT_SEED 20250101u

static const char mediate_usage[] =
    "usage: goodwork mediate --data FILE --treatment T --mediator M[,M2..] --outcome Y\n"
    "                        [--controls a,b] [--fe A+B] [--cluster VAR] [--boot B] [options]\n"
    "\n"
    "Mediation of T through the mediators to Y by the product of coefficients:\n"
    "  M_j ~ T + controls | FE   (a_j)     Y ~ T + M_1 + .. + controls | FE   (c', b_j)\n"
    "indirect = sum a_j b_j, direct = c', total = direct + indirect, proportion = indirect/total,\n"
    "with cluster-bootstrap confidence intervals (clusters resampled with replacement; fixed\n"
    "effects nested in the cluster re-labelled per drawn copy) and delta-method SEs.\n"
    "\n"
    "required:\n"
    "  --data FILE             .csv or .h5 data table (--table PATH picks the HDF5 group)\n"
    "  --treatment T           the treatment (a numeric term: x or log(x))\n"
    "  --mediator M[,M2]       one or more mediators\n"
    "  --outcome Y             the outcome\n"
    "\n"
    "options:\n"
    "  --controls a,b          controls of every equation (terms: x, log(x), factor(x), ...)\n"
    "  --mediator-controls a,b controls of the mediator equations instead of --controls (to\n"
    "                          show omitted-variable bias; total = direct + indirect then no\n"
    "                          longer equals the total-effect regression); \"\" for none\n"
    "  --fe A+B                absorbed fixed effects (within estimator)\n"
    "  --cluster VAR           bootstrap and SE cluster (default: the first --fe variable;\n"
    "                          without --fe: observations)\n"
    "  --boot B                bootstrap replications (default 999)\n"
    "  --seed S                random seed (default 20250101); same seed, same bytes\n"
    "  --ci percentile|bca|delta  interval reported as ci_low/ci_high (default percentile;\n"
    "                          bca adds a delete-one-cluster jackknife)\n"
    "  --level L               confidence level (default 0.95)\n"
    "  --keep-singletons       keep singleton fixed-effect groups\n"
    "  --format text|json      output (default text)\n"
    "  --out RESULTS.h5        also store /analyses/NAME (effects, paths, replicates)\n"
    "  --name NAME             group name under /analyses (default mediate)\n"
    "  --threads N             worker threads; results do not depend on N\n"
    "  --quiet                 no progress on standard error\n"
    "  --help                  show this help\n";

typedef struct {
    const char *data, *treatment, *mediator, *outcome, *controls, *mcontrols, *fe, *cluster, *boot,
        *seed, *ci, *level, *format, *out, *name, *threads, *table;
    int quiet, help, keep_singletons;
} med_args;

/* Copy of s without white space (term names are written without it). Owned. */
static char *squeeze(const char *s)
{
    char *t = gw_malloc(strlen(s) + 1);
    size_t n = 0;
    if (t == NULL)
        return NULL;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            t[n++] = *s;
    t[n] = '\0';
    return t;
}

/* Appends printf text to a growing buffer; 0 on allocation failure. */
typedef struct {
    char *s;
    size_t n, cap;
} sbuf;

static int sb_add(sbuf *b, const char *text)
{
    size_t m = strlen(text);
    if (b->n + m + 1 > b->cap) {
        size_t cap = (b->n + m + 1) * 2;
        char *p = gw_realloc(b->s, cap);
        if (p == NULL)
            return 0;
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->n, text, m + 1);
    b->n += m;
    return 1;
}

static int sb_printf(sbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static int sb_printf(sbuf *b, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    return sb_add(b, line);
}

/* Progress on stderr: a carriage-return line on a terminal (at most 5 per second), otherwise
 * a plain line every 5 seconds; nothing in the first 2 seconds. */
typedef struct {
    double t0, last;
    int tty, printed;
} progress_state;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void progress_cb(void *ctx, size_t done, size_t total)
{
    progress_state *p = ctx;
    double t = now_s();
    if (t - p->t0 < 2.0 && done < total)
        return;
    if (!p->printed && done == total)
        return; /* finished quickly: nothing to report */
    if (t - p->last < (p->tty ? 0.2 : 5.0) && done < total)
        return;
    p->last = t;
    p->printed = 1;
    if (p->tty)
        fprintf(stderr, "\rgoodwork mediate: bootstrap %zu/%zu (%.0f s)%s", done, total, t - p->t0,
                done == total ? "\n" : "");
    else
        fprintf(stderr, "goodwork mediate: bootstrap %zu/%zu (%.0f s)\n", done, total, t - p->t0);
    fflush(stderr);
}

/* Adds the base variables of a parsed term to a list of column names (borrowed). */
static int add_name(const char ***names, size_t *n, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*names)[i], name) == 0)
            return 1;
    const char **p = gw_realloc(*names, (*n + 1) * sizeof *p);
    if (p == NULL)
        return 0;
    p[(*n)++] = name;
    *names = p;
    return 1;
}

/* Index of the column named term, or -1 (-2 when the term expands to several columns). */
static long find_column(const gw_design *d, const char *term)
{
    long hit = -1;
    size_t tl = strlen(term);
    for (size_t j = 0; j < d->p; j++) {
        if (strcmp(d->terms[j], term) == 0)
            return (long)j;
        if (strncmp(d->terms[j], term, tl) == 0 && d->terms[j][tl] == '=')
            hit = -2;
    }
    return hit;
}

/* 1 when column name col belongs to the control term `term` (itself or "term=LEVEL"). */
static int column_of(const char *col, const char *term)
{
    size_t tl = strlen(term);
    return strcmp(col, term) == 0 || (strncmp(col, term, tl) == 0 && col[tl] == '=');
}

static cJSON *effect_json(const gw_mediate_effect *e, int bca)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    cJSON_AddItemToObject(o, "estimate", an_num(e->estimate));
    cJSON_AddItemToObject(o, "ci_low", an_num(e->ci_low));
    cJSON_AddItemToObject(o, "ci_high", an_num(e->ci_high));
    cJSON_AddItemToObject(o, "se", an_num(e->se_delta));
    cJSON_AddItemToObject(o, "boot_se", an_num(e->boot_se));
    cJSON *p = cJSON_AddArrayToObject(o, "percentile");
    cJSON_AddItemToArray(p, an_num(e->pct_low));
    cJSON_AddItemToArray(p, an_num(e->pct_high));
    if (bca) {
        cJSON *q = cJSON_AddArrayToObject(o, "bca");
        cJSON_AddItemToArray(q, an_num(e->bca_low));
        cJSON_AddItemToArray(q, an_num(e->bca_high));
        cJSON_AddItemToObject(o, "bca_z0", an_num(e->z0));
        cJSON_AddItemToObject(o, "bca_acceleration", an_num(e->accel));
    }
    cJSON *dl = cJSON_AddArrayToObject(o, "delta");
    cJSON_AddItemToArray(dl, an_num(e->delta_low));
    cJSON_AddItemToArray(dl, an_num(e->delta_high));
    return o;
}

static const char *ci_name(gw_mediate_ci ci)
{
    return ci == GW_MED_CI_BCA ? "bca" : ci == GW_MED_CI_DELTA ? "delta" : "percentile";
}

static int text_effect(sbuf *b, const char *label, const gw_mediate_effect *e, double scale)
{
    return sb_printf(b, "  %-28s %12.6g  [%11.6g, %11.6g]   se %.3g\n", label, scale * e->estimate,
                     scale * e->ci_low, scale * e->ci_high, scale * e->se_delta);
}

int cmd_mediate(int argc, char **argv)
{
    med_args a;
    memset(&a, 0, sizeof a);
    an_list meds = {0}, ctrls = {0}, mctrls = {0}, fes = {0};
    char **msq = NULL, **csq = NULL, **mcsq = NULL;
    char *tsq = NULL, *ysq = NULL;
    sbuf formula = {0}, text = {0};
    gw_formula *f = NULL;
    gw_table *table = NULL;
    gw_design *d = NULL;
    gw_mediate_result *res = NULL;
    const char **cols = NULL;
    size_t ncols = 0, *mcol = NULL;
    unsigned char *skip_m = NULL, *skip_o = NULL;
    cJSON *root = NULL;
    char *js = NULL;
    double *tab = NULL;
    const char **effnames = NULL;
    char **effown = NULL;
    size_t boot = 0, threads = 0;
    uint64_t seed = MEDIATE_DEFAULT_SEED;
    double level = 0.95;
    gw_mediate_ci ci = GW_MED_CI_PERCENTILE;
    int json = 0;
    gw_status s;
    const an_option opts[] = {
        {"--data", &a.data, NULL},
        {"--treatment", &a.treatment, NULL},
        {"--mediator", &a.mediator, NULL},
        {"--mediators", &a.mediator, NULL},
        {"--outcome", &a.outcome, NULL},
        {"--controls", &a.controls, NULL},
        {"--mediator-controls", &a.mcontrols, NULL},
        {"--fe", &a.fe, NULL},
        {"--cluster", &a.cluster, NULL},
        {"--boot", &a.boot, NULL},
        {"--seed", &a.seed, NULL},
        {"--ci", &a.ci, NULL},
        {"--level", &a.level, NULL},
        {"--format", &a.format, NULL},
        {"--out", &a.out, NULL},
        {"--name", &a.name, NULL},
        {"--threads", &a.threads, NULL},
        {"--table", &a.table, NULL},
        {"--quiet", NULL, &a.quiet},
        {"--keep-singletons", NULL, &a.keep_singletons},
        {"--help", NULL, &a.help},
        {"-h", NULL, &a.help},
    };
    int rc = an_parse(argc, argv, opts, sizeof opts / sizeof opts[0], "mediate");
    if (rc != GW_EXIT_OK)
        goto done;
    if (a.help) {
        rc = an_write_stdout(mediate_usage);
        goto done;
    }

    /* Usage checks, before reading anything. */
    rc = GW_EXIT_USAGE;
    if (an_missing(a.data, 0, "--data FILE", "mediate"))
        goto done;
    if (a.treatment == NULL || a.mediator == NULL || a.outcome == NULL) {
        cli_error("missing --%s (try goodwork mediate --help)", a.treatment == NULL  ? "treatment T"
                                                                : a.mediator == NULL ? "mediator M"
                                                                                     : "outcome Y");
        goto done;
    }
    if (a.format != NULL && strcmp(a.format, "json") != 0 && strcmp(a.format, "text") != 0) {
        cli_error("bad --format '%s' (expected text or json)", a.format);
        goto done;
    }
    json = a.format != NULL && strcmp(a.format, "json") == 0;
    if (a.boot != NULL && !an_parse_size(a.boot, 0, &boot)) {
        cli_error("bad --boot '%s' (expected a positive integer)", a.boot);
        goto done;
    }
    if (a.seed != NULL && !an_parse_u64(a.seed, &seed)) {
        cli_error("bad --seed '%s' (expected a non-negative integer)", a.seed);
        goto done;
    }
    if (a.ci != NULL) {
        if (strcmp(a.ci, "percentile") == 0)
            ci = GW_MED_CI_PERCENTILE;
        else if (strcmp(a.ci, "bca") == 0)
            ci = GW_MED_CI_BCA;
        else if (strcmp(a.ci, "delta") == 0)
            ci = GW_MED_CI_DELTA;
        else {
            cli_error("bad --ci '%s' (expected percentile, bca or delta)", a.ci);
            goto done;
        }
    }
    if (a.level != NULL && (!an_parse_double(a.level, &level) || !(level > 0.0 && level < 1.0))) {
        cli_error("bad --level '%s' (expected a number in (0, 1))", a.level);
        goto done;
    }
    if (a.threads != NULL && !an_parse_size(a.threads, 0, &threads)) {
        cli_error("bad --threads '%s' (expected a positive integer)", a.threads);
        goto done;
    }
    if (a.name != NULL && a.out == NULL) {
        cli_error("--name needs --out RESULTS.h5");
        goto done;
    }
    if ((rc = an_split(a.mediator, "--mediator", &meds)) != GW_EXIT_OK ||
        (a.controls && (rc = an_split(a.controls, "--controls", &ctrls)) != GW_EXIT_OK) ||
        (a.mcontrols && a.mcontrols[0] != '\0' &&
         (rc = an_split(a.mcontrols, "--mediator-controls", &mctrls)) != GW_EXIT_OK))
        goto done;
    if (a.fe != NULL) {
        /* "A+B" (commas accepted too). */
        char *tmp = gw_strdup(a.fe);
        if (tmp == NULL)
            goto nomem;
        for (char *p = tmp; *p; p++)
            if (*p == '+')
                *p = ',';
        rc = an_split(tmp, "--fe", &fes);
        gw_free(tmp);
        if (rc != GW_EXIT_OK)
            goto done;
        rc = GW_EXIT_USAGE;
    }
    rc = GW_EXIT_USAGE;
    /* Term names, white space removed; every role distinct. */
    tsq = squeeze(a.treatment);
    ysq = squeeze(a.outcome);
    msq = gw_calloc(meds.n + 1, sizeof *msq);
    csq = gw_calloc(ctrls.n + 1, sizeof *csq);
    mcsq = gw_calloc(mctrls.n + 1, sizeof *mcsq);
    if (!tsq || !ysq || !msq || !csq || !mcsq)
        goto nomem;
    for (size_t i = 0; i < meds.n; i++)
        if ((msq[i] = squeeze(meds.s[i])) == NULL)
            goto nomem;
    for (size_t i = 0; i < ctrls.n; i++)
        if ((csq[i] = squeeze(ctrls.s[i])) == NULL)
            goto nomem;
    for (size_t i = 0; i < mctrls.n; i++)
        if ((mcsq[i] = squeeze(mctrls.s[i])) == NULL)
            goto nomem;
    {
        /* All role names in one list to find a repeat. */
        size_t nall = 2 + meds.n + ctrls.n;
        const char **all = gw_calloc(nall, sizeof *all);
        if (all == NULL)
            goto nomem;
        size_t m = 0;
        all[m++] = ysq;
        all[m++] = tsq;
        for (size_t i = 0; i < meds.n; i++)
            all[m++] = msq[i];
        for (size_t i = 0; i < ctrls.n; i++)
            all[m++] = csq[i];
        const char *dup = NULL;
        for (size_t i = 0; i < m && !dup; i++)
            for (size_t j = 0; j < i && !dup; j++)
                if (strcmp(all[i], all[j]) == 0)
                    dup = all[i];
        gw_free(all);
        if (dup != NULL) {
            cli_error("'%s' has two roles (outcome, treatment, mediators and controls must be "
                      "distinct)",
                      dup);
            goto done;
        }
        for (size_t i = 0; i < mctrls.n; i++) {
            int bad = strcmp(mcsq[i], tsq) == 0 || strcmp(mcsq[i], ysq) == 0;
            for (size_t j = 0; j < meds.n; j++)
                bad |= strcmp(mcsq[i], msq[j]) == 0;
            if (bad) {
                cli_error("--mediator-controls: '%s' is not a control", mcsq[i]);
                goto done;
            }
        }
    }
    /* The formula: outcome ~ T + mediators + controls (+ mediator-only controls) | FE. */
    if (!sb_printf(&formula, "%s ~ %s", ysq, tsq))
        goto nomem;
    for (size_t i = 0; i < meds.n; i++)
        if (!sb_printf(&formula, " + %s", msq[i]))
            goto nomem;
    for (size_t i = 0; i < ctrls.n; i++)
        if (!sb_printf(&formula, " + %s", csq[i]))
            goto nomem;
    for (size_t i = 0; i < mctrls.n; i++) {
        int seen = 0;
        for (size_t j = 0; j < ctrls.n; j++)
            seen |= strcmp(mcsq[i], csq[j]) == 0;
        if (!seen && !sb_printf(&formula, " + %s", mcsq[i]))
            goto nomem;
    }
    for (size_t i = 0; i < fes.n; i++)
        if (!sb_printf(&formula, "%s%s", i ? " + " : " | ", fes.s[i]))
            goto nomem;
    if ((s = gw_formula_parse(formula.s, &f)) != GW_OK) {
        rc = an_lib_error((int)s, "bad variable specification");
        goto done;
    }
    const char *cluster = a.cluster ? a.cluster : (fes.n > 0 ? fes.s[0] : NULL);
    if (!add_name(&cols, &ncols, gw_formula_response(f)->var))
        goto nomem;
    for (size_t t = 0; t < gw_formula_nterms(f); t++) {
        const gw_formula_term *term = gw_formula_term_at(f, t);
        for (size_t q = 0; q < term->nfactors; q++)
            if (!add_name(&cols, &ncols, term->factors[q].var))
                goto nomem;
    }
    for (size_t g = 0; g < gw_formula_nfe(f); g++)
        if (!add_name(&cols, &ncols, gw_formula_fe(f, g)))
            goto nomem;
    if (cluster != NULL && !add_name(&cols, &ncols, cluster))
        goto nomem;

    gw_threads_set((int)threads);
    if ((rc = cli_load_table(a.data, a.table, cols, ncols, &table)) != GW_EXIT_OK)
        goto done;
    gw_frame_opts fo = {0};
    fo.cluster[0] = cluster;
    if ((s = gw_frame_build(table, f, &fo, &d)) != GW_OK) {
        rc = an_lib_error((int)s, NULL);
        goto done;
    }

    /* Name the columns. */
    rc = GW_EXIT_USAGE;
    long tc = find_column(d, tsq);
    if (tc < 0) {
        cli_error("the treatment '%s' must be a single numeric column%s", tsq,
                  tc == -2 ? " (it is categorical)" : "");
        goto done;
    }
    if ((mcol = gw_alloc_array(meds.n + 1, sizeof *mcol)) == NULL)
        goto nomem;
    for (size_t i = 0; i < meds.n; i++) {
        long mc = find_column(d, msq[i]);
        if (mc < 0) {
            cli_error("the mediator '%s' must be a single numeric column%s", msq[i],
                      mc == -2 ? " (it is categorical)" : "");
            goto done;
        }
        mcol[i] = (size_t)mc;
    }
    if (a.mcontrols != NULL) {
        skip_m = gw_calloc(d->p + 1, 1);
        skip_o = gw_calloc(d->p + 1, 1);
        if (skip_m == NULL || skip_o == NULL)
            goto nomem;
        for (size_t j = 0; j < d->p; j++) {
            if ((long)j == tc || strcmp(d->terms[j], "(Intercept)") == 0)
                continue;
            int is_med = 0, in_c = 0, in_mc = 0;
            for (size_t i = 0; i < meds.n; i++)
                is_med |= mcol[i] == j;
            if (is_med)
                continue;
            for (size_t i = 0; i < ctrls.n; i++)
                in_c |= column_of(d->terms[j], csq[i]);
            for (size_t i = 0; i < mctrls.n; i++)
                in_mc |= column_of(d->terms[j], mcsq[i]);
            skip_m[j] = (unsigned char)!in_mc;
            skip_o[j] = (unsigned char)!in_c;
        }
    }
    gw_mediate_spec spec = {0};
    spec.treatment = (size_t)tc;
    spec.mediators = mcol;
    spec.nmediators = meds.n;
    spec.skip_mediator = skip_m;
    spec.skip_outcome = skip_o;
    progress_state ps = {0};
    ps.t0 = ps.last = now_s();
    ps.tty = isatty(2);
    gw_mediate_opts mo = {0};
    mo.boot = boot;
    mo.seed = seed;
    mo.ci = ci;
    mo.conf_level = level;
    mo.flags = (a.keep_singletons ? GW_MED_KEEP_SINGLETONS : 0u) |
               (a.out != NULL ? GW_MED_KEEP_REPLICATES : 0u);
    if (ci == GW_MED_CI_DELTA && a.boot == NULL)
        mo.flags |= GW_MED_NO_BOOT;
    if (!a.quiet) {
        mo.progress = progress_cb;
        mo.progress_ctx = &ps;
    }
    if ((s = gw_mediate_fit(d, &spec, &mo, &res)) != GW_OK) {
        rc = an_lib_error((int)s, "mediation");
        goto done;
    }
    const int bca = ci == GW_MED_CI_BCA;
    const size_t k = meds.n;

    /* Output. */
    if (json) {
        root = cJSON_CreateObject();
        if (root == NULL)
            goto nomem;
        cJSON_AddStringToObject(root, "goodwork_version", gw_version());
        cJSON_AddStringToObject(root, "treatment", tsq);
        cJSON *ml = cJSON_AddArrayToObject(root, "mediators");
        for (size_t i = 0; i < k; i++)
            cJSON_AddItemToArray(ml, cJSON_CreateString(msq[i]));
        cJSON_AddStringToObject(root, "outcome", ysq);
        cJSON *cl = cJSON_AddArrayToObject(root, "controls");
        for (size_t i = 0; i < ctrls.n; i++)
            cJSON_AddItemToArray(cl, cJSON_CreateString(csq[i]));
        if (a.mcontrols != NULL) {
            cJSON *mcl = cJSON_AddArrayToObject(root, "mediator_controls");
            for (size_t i = 0; i < mctrls.n; i++)
                cJSON_AddItemToArray(mcl, cJSON_CreateString(mcsq[i]));
        }
        cJSON *fl = cJSON_AddArrayToObject(root, "fixed_effects");
        for (size_t i = 0; i < fes.n; i++)
            cJSON_AddItemToArray(fl, cJSON_CreateString(fes.s[i]));
        if (cluster)
            cJSON_AddStringToObject(root, "cluster", cluster);
        else
            cJSON_AddNullToObject(root, "cluster");
        cJSON_AddNumberToObject(root, "nobs", (double)res->nobs);
        cJSON_AddNumberToObject(root, "nobs_dropped_missing", (double)d->nobs_dropped_missing);
        cJSON_AddNumberToObject(root, "singletons_dropped", (double)res->singletons_dropped);
        cJSON_AddNumberToObject(root, "n_clusters", (double)res->nclusters);
        cJSON_AddStringToObject(root, "method", ci_name(ci));
        cJSON_AddNumberToObject(root, "conf_level", level);
        cJSON_AddNumberToObject(root, "boot", (double)res->boot);
        cJSON_AddNumberToObject(root, "boot_failed", (double)res->boot_failed);
        cJSON_AddNumberToObject(root, "seed", (double)seed);
        cJSON_AddItemToObject(root, "indirect", effect_json(&res->indirect, bca));
        cJSON_AddItemToObject(root, "direct", effect_json(&res->direct, bca));
        cJSON_AddItemToObject(root, "total", effect_json(&res->total, bca));
        cJSON_AddItemToObject(root, "proportion_mediated", effect_json(&res->proportion, bca));
        if (k > 1) {
            cJSON *by = cJSON_AddObjectToObject(root, "indirect_by_mediator");
            for (size_t i = 0; i < k; i++)
                cJSON_AddItemToObject(by, msq[i], effect_json(&res->indirect_by[i], bca));
        }
        cJSON *paths = cJSON_AddObjectToObject(root, "paths");
        cJSON *pa = cJSON_AddObjectToObject(paths, "a");
        cJSON *pb = cJSON_AddObjectToObject(paths, "b");
        for (size_t i = 0; i < k; i++) {
            cJSON *x = cJSON_AddObjectToObject(pa, msq[i]);
            cJSON_AddItemToObject(x, "estimate", an_num(res->a[i]));
            cJSON_AddItemToObject(x, "std_error", an_num(res->a_se[i]));
            cJSON *y = cJSON_AddObjectToObject(pb, msq[i]);
            cJSON_AddItemToObject(y, "estimate", an_num(res->b[i]));
            cJSON_AddItemToObject(y, "std_error", an_num(res->b_se[i]));
        }
        cJSON *cpj = cJSON_AddObjectToObject(paths, "c_prime");
        cJSON_AddItemToObject(cpj, "estimate", an_num(res->c_prime));
        cJSON_AddItemToObject(cpj, "std_error", an_num(res->c_prime_se));
        cJSON *trj = cJSON_AddObjectToObject(paths, "total_regression");
        cJSON_AddItemToObject(trj, "estimate", an_num(res->total_regression));
        cJSON_AddItemToObject(trj, "std_error", an_num(res->total_regression_se));
        js = cJSON_PrintUnformatted(root);
        if (js == NULL || !sb_add(&text, js) || !sb_add(&text, "\n"))
            goto nomem;
    } else {
        int ok = sb_printf(&text, "Mediation: %s -> ", tsq);
        for (size_t i = 0; i < k && ok; i++)
            ok = sb_printf(&text, "%s%s", i ? ", " : "", msq[i]);
        ok = ok && sb_printf(&text, " -> %s\n", ysq);
        ok = ok &&
             sb_printf(&text, "  controls: %s%s%s\n", a.controls ? a.controls : "(none)",
                       a.mcontrols ? "; mediator equations: " : "", a.mcontrols ? a.mcontrols : "");
        ok = ok && sb_printf(&text, "  fixed effects: %s; cluster: %s (%zu clusters)\n",
                             a.fe ? a.fe : "(none, intercept)", cluster ? cluster : "observations",
                             res->nclusters);
        ok = ok && sb_printf(&text, "  observations: %zu (%zu dropped missing, %zu singletons)\n",
                             res->nobs, d->nobs_dropped_missing, res->singletons_dropped);
        if (res->boot > 0)
            ok = ok && sb_printf(&text,
                                 "  intervals: %.0f%% %s, cluster bootstrap B = %zu (%zu "
                                 "failed), seed %llu\n",
                                 100.0 * level, ci_name(ci), res->boot, res->boot_failed,
                                 (unsigned long long)seed);
        else
            ok = ok && sb_printf(&text, "  intervals: %.0f%% delta method (no bootstrap)\n",
                                 100.0 * level);
        ok = ok && sb_printf(&text, "\n  %-28s %12s  %-26s se (delta)\n", "effect", "estimate",
                             "   interval");
        ok = ok && text_effect(&text, "indirect (sum a*b)", &res->indirect, 1.0);
        for (size_t i = 0; i < k && ok && k > 1; i++) {
            char lab[64];
            snprintf(lab, sizeof lab, "  via %s", msq[i]);
            ok = text_effect(&text, lab, &res->indirect_by[i], 1.0);
        }
        ok = ok && text_effect(&text, "direct (c')", &res->direct, 1.0);
        ok = ok && text_effect(&text, "total", &res->total, 1.0);
        ok = ok && text_effect(&text, "proportion mediated (%)", &res->proportion, 100.0);
        ok = ok && sb_printf(&text, "\n  paths (cluster-robust SE):\n");
        for (size_t i = 0; i < k && ok; i++)
            ok = sb_printf(&text, "    a: %s on %s = %.6g (%.3g); b: %s in outcome = %.6g (%.3g)\n",
                           msq[i], tsq, res->a[i], res->a_se[i], msq[i], res->b[i], res->b_se[i]);
        ok = ok && sb_printf(&text,
                             "    c': %s in outcome = %.6g (%.3g); total regression "
                             "(without mediators) = %.6g (%.3g)\n",
                             tsq, res->c_prime, res->c_prime_se, res->total_regression,
                             res->total_regression_se);
        ok = ok && sb_printf(&text,
                             "\n  Reading: a one-unit rise in %s changes %s by %.4g in total, "
                             "of which %.4g (%.1f%%) runs through the mediator%s.\n",
                             tsq, ysq, res->total.estimate, res->indirect.estimate,
                             100.0 * res->proportion.estimate, k > 1 ? "s" : "");
        if (!ok)
            goto nomem;
    }

    if (a.out != NULL) {
        const size_t ne = res->neffects;
        char group[300];
        snprintf(group, sizeof group, "/analyses/%s", a.name ? a.name : "mediate");
        tab = gw_alloc_array(ne * 11 + 1, sizeof *tab);
        effnames = gw_calloc(ne, sizeof *effnames);
        effown = gw_calloc(ne, sizeof *effown);
        if (!tab || !effnames || !effown)
            goto nomem;
        static const char *const fixed[] = {"indirect", "direct", "total", "proportion_mediated"};
        for (size_t e = 0; e < ne; e++) {
            const gw_mediate_effect *ef = e == 0   ? &res->indirect
                                          : e == 1 ? &res->direct
                                          : e == 2 ? &res->total
                                          : e == 3 ? &res->proportion
                                                   : &res->indirect_by[e - GW_MED_NFIXED];
            if (e < GW_MED_NFIXED) {
                effnames[e] = fixed[e];
            } else {
                size_t len = strlen(msq[e - GW_MED_NFIXED]) + 10;
                if ((effown[e] = gw_malloc(len)) == NULL)
                    goto nomem;
                snprintf(effown[e], len, "indirect:%s", msq[e - GW_MED_NFIXED]);
                effnames[e] = effown[e];
            }
            const double v[11] = {ef->estimate, ef->ci_low,    ef->ci_high,   ef->se_delta,
                                  ef->boot_se,  ef->pct_low,   ef->pct_high,  ef->bca_low,
                                  ef->bca_high, ef->delta_low, ef->delta_high};
            for (int q = 0; q < 11; q++)
                tab[(size_t)q * ne + e] = v[q];
        }
        static const char *const colnames[11] = {"estimate", "ci_low",    "ci_high",   "se_delta",
                                                 "boot_se",  "pct_low",   "pct_high",  "bca_low",
                                                 "bca_high", "delta_low", "delta_high"};
        gw_h5_item items[14];
        size_t ni = 0;
        memset(items, 0, sizeof items);
        items[ni].name = "effect";
        items[ni].kind = GW_H5_STR;
        items[ni].rows = ne;
        items[ni++].str = effnames;
        for (int q = 0; q < 11; q++) {
            items[ni].name = colnames[q];
            items[ni].kind = GW_H5_F64;
            items[ni].rows = ne;
            items[ni++].f64 = tab + (size_t)q * ne;
        }
        if (res->replicates != NULL && res->boot > 0) {
            items[ni].name = "replicates";
            items[ni].kind = GW_H5_F64;
            items[ni].rows = res->boot;
            items[ni].cols = ne;
            items[ni++].f64 = res->replicates;
        }
        gw_h5_attr at[12];
        memset(at, 0, sizeof at);
        size_t na = 0;
        at[na].name = "formula";
        at[na].kind = GW_H5_STR;
        at[na++].str = formula.s;
        at[na].name = "treatment";
        at[na].kind = GW_H5_STR;
        at[na++].str = tsq;
        at[na].name = "outcome";
        at[na].kind = GW_H5_STR;
        at[na++].str = ysq;
        at[na].name = "mediators";
        at[na].kind = GW_H5_STR;
        at[na++].str = a.mediator;
        at[na].name = "cluster";
        at[na].kind = GW_H5_STR;
        at[na++].str = cluster ? cluster : "(observations)";
        at[na].name = "method";
        at[na].kind = GW_H5_STR;
        at[na++].str = ci_name(ci);
        at[na].name = "conf_level";
        at[na].kind = GW_H5_F64;
        at[na++].f64 = level;
        at[na].name = "boot";
        at[na].kind = GW_H5_I64;
        at[na++].i64 = (int64_t)res->boot;
        at[na].name = "boot_failed";
        at[na].kind = GW_H5_I64;
        at[na++].i64 = (int64_t)res->boot_failed;
        at[na].name = "nobs";
        at[na].kind = GW_H5_I64;
        at[na++].i64 = (int64_t)res->nobs;
        at[na].name = "n_clusters";
        at[na].kind = GW_H5_I64;
        at[na++].i64 = (int64_t)res->nclusters;
        if (a.mcontrols != NULL) {
            at[na].name = "mediator_controls";
            at[na].kind = GW_H5_STR;
            at[na++].str = a.mcontrols;
        }
        if ((rc = an_store(a.out, a.data, group, items, ni, at, na, 1, seed)) != GW_EXIT_OK)
            goto done;
    }
    rc = an_write_stdout(text.s);
    goto done;
nomem:
    cli_error("out of memory");
    rc = GW_EXIT_OTHER;
done:
    if (effown != NULL && res != NULL)
        for (size_t e = 0; e < res->neffects; e++)
            gw_free(effown[e]);
    gw_free(effown);
    gw_free(effnames);
    gw_free(tab);
    if (js != NULL)
        cJSON_free(js);
    cJSON_Delete(root);
    gw_mediate_free(res);
    gw_free(skip_m);
    gw_free(skip_o);
    gw_free(mcol);
    gw_free(cols);
    gw_design_free(d);
    gw_table_free(table);
    gw_formula_free(f);
    gw_free(formula.s);
    gw_free(text.s);
    for (size_t i = 0; msq && i < meds.n; i++)
        gw_free(msq[i]);
    for (size_t i = 0; csq && i < ctrls.n; i++)
        gw_free(csq[i]);
    for (size_t i = 0; mcsq && i < mctrls.n; i++)
        gw_free(mcsq[i]);
    gw_free(msq);
    gw_free(csq);
    gw_free(mcsq);
    gw_free(tsq);
    gw_free(ysq);
    an_list_free(&meds);
    an_list_free(&ctrls);
    an_list_free(&mctrls);
    an_list_free(&fes);
    return rc;
}
