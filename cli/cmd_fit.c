/* cmd_fit.c -- goodwork fit: read the data, build the model frame, fit, print one result.
 *
 * Order of work, so that every failure is reported before any output: options (usage errors,
 * exit 2, before touching a file), formula (syntax errors, exit 2, before reading data), data
 * (exit 3), model frame (unknown variables exit 2, bad values exit 3, nothing left exit 4),
 * estimation (exit 4 for numerical failures), rendering. Standard output is written once, at
 * the very end, so a failure never leaves partial output. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core_int.h"
#include "fit_ext.h"
#include "fit_panel.h"
#include "gw_alloc.h"
#include "gw_formula.h"
#include "gw_frame.h"
#include "gw_hdf5.h"
#include "gw_hdfe.h"
#include "gw_ols.h"
#include "gw_output.h"
#include "gw_par.h"
#include "gw_result.h"
#include "gw_sha256.h"
#include "gw_table.h"

static const char fit_usage[] =
    "usage: goodwork fit --data FILE --model FORMULA [options]\n"
    "\n"
    "Fit one model and print its results to standard output.\n"
    "\n"
    "required:\n"
    "  --data FILE          data table: .csv (header row; missing: empty, NA, NaN, .) or\n"
    "                       .h5/.hdf5 (a goodwork data table; --table PATH picks the group)\n"
    "  --model FORMULA      e.g. \"y ~ x1 + log(x2) + x1:x2 | firm + year\"\n"
    "\n"
    "options:\n"
    "  --estimator E        ols (default; with \"| fe\" the within estimator), re, fd, between,\n"
    "                       logit, probit, poisson (maximum likelihood by IRLS)\n"
    "  --vcov V             iid (default), hc0, hc1, hc2, hc3, cluster:VAR, cluster:VAR1+VAR2,\n"
    "                       dk:LAGS (Driscoll-Kraay), nw:LAGS (Newey-West; both need --panel)\n"
    "  --weights VAR        analytic weights (weighted least squares)\n"
    "  --panel ID,TIME      panel identifier and time variables\n"
    "  --hausman            with --panel: also the Hausman test of fixed against random\n"
    "                       effects (classical and cluster-robust regression form)\n"
    "  --keep-singletons    keep singleton fixed-effect groups (dropped by default)\n"
    "  --ssc P              small-sample conventions with fixed effects: goodwork (default),\n"
    "                       stata (reghdfe/xtreg), fixest, statsmodels (dummy variables)\n"
    "  --save-residuals     with --out: also store residuals and fitted values\n"
    "  --format F           text (default), json, markdown, latex, csv\n"
    "  --threads N          worker threads (default: all cores); results do not depend on N\n"
    "  --out RESULTS.h5     also store the fit in a results file (with --name NAME)\n"
    "  --name NAME          the model's name in RESULTS.h5 (default model1, model2, ...)\n"
    "  --table PATH         group of an HDF5 data table (default /data)\n"
    "  --delim C            CSV field delimiter, one character or tab (default: the most\n"
    "                       frequent of , tab ; | in the header line); .csv.gz is read too\n"
    "  --ame                logit/probit: also the average marginal effects (delta method)\n"
    "  --maxiter N          iteration limit of IRLS (logit, probit, poisson)\n"
    "  --tol X              convergence tolerance of IRLS (relative deviance change)\n"
    "  --fe-tol X           absorbed fixed effects: tolerance of the iterative demeaning, in\n"
    "                       (0, 1) (default 1.2e-10; e.g. 1e-14 to compare fits to 1e-12)\n"
    "  --fe-maxiter N       absorbed fixed effects: iteration limit of the demeaning (default\n"
    "                       10000); not converging is exit 4\n"
    "  --memory-limit SIZE  e.g. 512M, 4G: fit an .h5 table out of core (streaming its chunks)\n"
    "                       when holding it in memory would exceed SIZE\n"
    "  --scratch DIR        out-of-core fits: keep the built design blocks in a temporary file\n"
    "                       in DIR (unlinked at once) so that passes after the first read it\n"
    "                       instead of rebuilding them (default: none, every pass rebuilds)\n"
    "  --timings            print to standard error the seconds spent reading the data,\n"
    "                       factorising grouping variables, building the model frame,\n"
    "                       estimating and writing the results\n"
    "  --help               show this help\n"
    "\n"
    "Options also take the form --option=value. Exit codes: 0 success, 2 usage (bad option,\n"
    "formula or variable), 3 data (unreadable or malformed input), 4 numerical (no\n"
    "observations left, singular), 1 anything else.\n";

typedef struct {
    const char *name;
    size_t offset; /* of the const char * field in fit_args, or of the int flag */
    int takes_value;
} option_spec;

#define OPT(field, v)                                                                              \
    {                                                                                              \
        "--" #field, offsetof(fit_args, field), v                                                  \
    }
static const option_spec options[] = {
    OPT(data, 1),
    OPT(model, 1),
    OPT(estimator, 1),
    OPT(vcov, 1),
    OPT(weights, 1),
    OPT(panel, 1),
    OPT(format, 1),
    OPT(threads, 1),
    OPT(out, 1),
    OPT(name, 1),
    OPT(table, 1),
    OPT(ssc, 1),
    OPT(maxiter, 1),
    OPT(tol, 1),
    OPT(scratch, 1),
    OPT(help, 0),
    {"--memory-limit", offsetof(fit_args, memory_limit), 1},
    {"--fe-tol", offsetof(fit_args, fe_tol), 1},
    {"--fe-maxiter", offsetof(fit_args, fe_maxiter), 1},
    {"--ame", offsetof(fit_args, ame), 0},
    {"--keep-singletons", offsetof(fit_args, keep_singletons), 0},
    {"--save-residuals", offsetof(fit_args, save_residuals), 0},
    {"--hausman", offsetof(fit_args, hausman), 0},
    {"--timings", offsetof(fit_args, timings), 0},
    {"-h", offsetof(fit_args, help), 0},
};
#undef OPT

/* Stage marks of --timings: t[0] start, t[1] data read, t[2] frame built, t[3] estimated,
 * t[4] written. A stage not reached keeps the previous mark (0 seconds). */
static void print_timings(double t[5], double factorise, int streamed)
{
    for (int k = 1; k < 5; k++)
        if (t[k] < t[k - 1])
            t[k] = t[k - 1];
    double frame = t[2] - t[1] - factorise;
    fprintf(stderr,
            "goodwork: timings (s): read %.3f  factorise %.3f  frame %.3f  estimate %.3f  "
            "write %.3f  total %.3f%s\n",
            t[1] - t[0], factorise, frame > 0.0 ? frame : 0.0, t[3] - t[2], t[4] - t[3],
            t[4] - t[0], streamed ? "  (out of core or distributed: reading, frame and "
                                    "estimation are interleaved, all counted as estimate)"
                                  : "");
}

/* Parses argv[1..argc-1] into a; prints the problem and returns GW_EXIT_USAGE on error. */
static int parse_args(int argc, char **argv, fit_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
        size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
        const option_spec *spec = NULL;
        for (size_t k = 0; k < sizeof options / sizeof options[0]; k++)
            if (strlen(options[k].name) == nlen && strncmp(options[k].name, arg, nlen) == 0)
                spec = &options[k];
        if (spec == NULL) {
            if (arg[0] == '-')
                cli_error("unknown option '%.*s' (try goodwork fit --help)", (int)nlen, arg);
            else
                cli_error("unexpected argument '%s' (try goodwork fit --help)", arg);
            return GW_EXIT_USAGE;
        }
        char *field = (char *)a + spec->offset;
        if (!spec->takes_value) {
            if (eq != NULL) {
                cli_error("option %s takes no value", spec->name);
                return GW_EXIT_USAGE;
            }
            *(int *)(void *)field = 1;
            continue;
        }
        const char *value = NULL;
        if (eq != NULL)
            value = eq + 1;
        else if (i + 1 < argc)
            value = argv[++i];
        if (value == NULL) {
            cli_error("option %s needs a value", spec->name);
            return GW_EXIT_USAGE;
        }
        *(const char **)(void *)field = value;
    }
    return GW_EXIT_OK;
}

/* The variance request of --vcov, checked before any work. */
typedef struct {
    gw_vcov_kind kind;
    char *cluster[GW_FRAME_MAX_CLUSTER]; /* owned copies of the cluster variable names */
    size_t ncluster;
} vcov_spec;

static void vcov_spec_clear(vcov_spec *v)
{
    for (size_t c = 0; c < GW_FRAME_MAX_CLUSTER; c++)
        gw_free(v->cluster[c]);
    memset(v, 0, sizeof *v);
}

/* --fe-tol: a finite number in (0, 1), nothing else (no trailing characters). */
static int parse_fe_tol(const char *s, double *out)
{
    if (s == NULL || *s == '\0')
        return 0;
    errno = 0;
    char *end = NULL;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v > 0.0 && v < 1.0))
        return 0;
    *out = v;
    return 1;
}

/* A non-negative decimal integer that fits an int, nothing else. */
static int parse_count(const char *s, int *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return 0;
    errno = 0;
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > INT_MAX)
        return 0;
    *out = (int)v;
    return 1;
}

static int parse_vcov(const char *text, vcov_spec *v)
{
    static const char expected[] =
        "(expected iid, hc0, hc1, hc2, hc3, cluster:VAR, cluster:VAR1+VAR2, dk:LAGS or nw:LAGS)";
    static const struct {
        const char *name;
        gw_vcov_kind kind;
    } simple[] = {{"iid", GW_VCOV_IID},
                  {"hc0", GW_VCOV_HC0},
                  {"hc1", GW_VCOV_HC1},
                  {"hc2", GW_VCOV_HC2},
                  {"hc3", GW_VCOV_HC3}};
    memset(v, 0, sizeof *v);
    for (size_t k = 0; k < sizeof simple / sizeof simple[0]; k++)
        if (strcmp(text, simple[k].name) == 0) {
            v->kind = simple[k].kind;
            return GW_EXIT_OK;
        }
    if (strncmp(text, "cluster:", 8) == 0) {
        const char *p = text + 8;
        while (1) {
            const char *plus = strchr(p, '+');
            size_t len = plus ? (size_t)(plus - p) : strlen(p);
            if (len == 0 || v->ncluster == GW_FRAME_MAX_CLUSTER) {
                cli_error("bad --vcov '%s': %s %s", text,
                          len == 0 ? "empty cluster variable name"
                                   : "at most two cluster variables",
                          expected);
                vcov_spec_clear(v);
                return GW_EXIT_USAGE;
            }
            char *name = gw_malloc(len + 1);
            if (name == NULL) {
                cli_error("out of memory");
                vcov_spec_clear(v);
                return GW_EXIT_OTHER;
            }
            memcpy(name, p, len);
            name[len] = '\0';
            v->cluster[v->ncluster++] = name;
            if (plus == NULL)
                break;
            p = plus + 1;
        }
        if (v->ncluster == 2 && strcmp(v->cluster[0], v->cluster[1]) == 0) {
            cli_error("bad --vcov '%s': the same cluster variable twice", text);
            vcov_spec_clear(v);
            return GW_EXIT_USAGE;
        }
        v->kind = GW_VCOV_CLUSTER;
        return GW_EXIT_OK;
    }
    int lags = 0;
    if ((strncmp(text, "dk:", 3) == 0 || strncmp(text, "nw:", 3) == 0)) {
        if (!parse_count(text + 3, &lags)) {
            cli_error("bad --vcov '%s': LAGS must be a non-negative integer", text);
            return GW_EXIT_USAGE;
        }
        v->kind = GW_VCOV_IID; /* the panel path (cli/fit_panel.c) reads the text */
        return GW_EXIT_OK;
    }
    cli_error("bad --vcov '%s' %s", text, expected);
    return GW_EXIT_USAGE;
}

/* A growing list of distinct column names (borrowed strings). */
typedef struct {
    const char **names;
    size_t n, cap;
} name_list;

static int names_add(name_list *l, const char *name)
{
    if (name == NULL)
        return 1;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->names[i], name) == 0)
            return 1;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        const char **p = gw_realloc(l->names, cap * sizeof *p);
        if (p == NULL)
            return 0;
        l->names = p;
        l->cap = cap;
    }
    l->names[l->n++] = name;
    return 1;
}

static int names_add_term(name_list *l, const gw_formula_term *t)
{
    for (size_t k = 0; k < t->nfactors; k++)
        if (!names_add(l, t->factors[k].var))
            return 0;
    return 1;
}

/* Every column the model reads: response, regressors, fixed effects, IV parts, weights,
 * clusters and panel. Returns 0 on allocation failure. */
/* The columns a fit reads, in the order the design's X takes them (main terms, then endogenous
 * ones), then the response and the rest: an .h5 reader puts them side by side in that order, so
 * that the frame can take X without a copy (gw_frame_build_consume). */
static int used_columns(const gw_formula *f, const gw_frame_opts *fo, name_list *l)
{
    int ok = 1;
    for (size_t k = 0; ok && k < gw_formula_nterms(f); k++)
        ok = names_add_term(l, gw_formula_term_at(f, k));
    for (size_t k = 0; ok && k < gw_formula_nendog(f); k++)
        ok = names_add_term(l, gw_formula_endog(f, k));
    ok = ok && names_add(l, gw_formula_response(f)->var);
    for (size_t k = 0; ok && k < gw_formula_nfe(f); k++)
        ok = names_add(l, gw_formula_fe(f, k));
    for (size_t k = 0; ok && k < gw_formula_ninst(f); k++)
        ok = names_add_term(l, gw_formula_inst(f, k));
    ok = ok && names_add(l, fo->weights);
    for (size_t c = 0; ok && c < GW_FRAME_MAX_CLUSTER; c++)
        ok = names_add(l, fo->cluster[c]);
    ok = ok && names_add(l, fo->panel_id) && names_add(l, fo->panel_time);
    return ok;
}

/* Prints a library failure as "goodwork: error: [context: ]detail" and returns its exit code. */
static int lib_error(gw_status s, const char *context)
{
    const char *detail = gw_last_error();
    if (detail[0] == '\0')
        detail = gw_status_str(s);
    const char *oom = s == GW_ENOMEM ? " (out of memory)" : "";
    if (context != NULL)
        cli_error("%s: %s%s", context, detail, oom);
    else
        cli_error("%s%s", detail, oom);
    return cli_exit_code(s);
}

/* Writes all of text to standard output; 1 on success. */
static int write_stdout(const char *text)
{
    size_t n = strlen(text);
    if (fwrite(text, 1, n, stdout) != n || fflush(stdout) != 0) {
        cli_error("cannot write to standard output");
        return 0;
    }
    return 1;
}

/* Appends the fit to --out with its provenance. The name exists already -> exit 2 (usage);
 * a failure to write is "anything else" (exit 1) per the contract, not a data error. */
static int store_result(const fit_args *a, const gw_result *result)
{
    char hex[65];
    gw_status s = gw_sha256_file(a->data, hex);
    if (s != GW_OK) {
        cli_error("%s", gw_last_error());
        return GW_EXIT_OTHER;
    }
    gw_provenance prov = {0};
    prov.command_line = cli_command_line;
    prov.data_sha256 = hex;
    prov.blas = gw_blas_info();
    char used[256];
    s = gw_results_append_ex(a->out, a->name, result, &prov, 0, used, sizeof used);
    if (s != GW_OK) {
        cli_error("%s", gw_last_error());
        return s == GW_EINVAL ? GW_EXIT_USAGE : GW_EXIT_OTHER;
    }
    return GW_EXIT_OK;
}

int cmd_fit(int argc, char **argv)
{
    fit_args a;
    vcov_spec vs = {0};
    gw_formula *formula = NULL;
    gw_table *table = NULL;
    gw_design *design = NULL;
    gw_result *result = NULL;
    name_list cols = {0};
    char *text = NULL, *panel_id = NULL;
    gw_output_format fmt = GW_OUT_TEXT;
    int threads = 0;
    gw_status s;
    double tm[5] = {gwi_seconds(), 0.0, 0.0, 0.0, 0.0};
    int streamed = 0;
    int rc = parse_args(argc, argv, &a);
    if (rc != GW_EXIT_OK)
        goto done;
    if (a.help) {
        rc = write_stdout(fit_usage) ? GW_EXIT_OK : GW_EXIT_OTHER;
        goto done;
    }

    /* Usage checks, all before reading anything. */
    rc = GW_EXIT_USAGE;
    if (a.data == NULL || a.data[0] == '\0') {
        cli_error("missing --data FILE (try goodwork fit --help)");
        goto done;
    }
    if (a.model == NULL || a.model[0] == '\0') {
        cli_error("missing --model FORMULA (try goodwork fit --help)");
        goto done;
    }
    int glm = cli_glm_requested(a.estimator);
    if (a.estimator != NULL && strcmp(a.estimator, "ols") != 0 && !glm &&
        !cli_panel_requested(a.estimator, NULL)) {
        cli_error("unknown --estimator '%s' (expected ols, re, fd, between, logit, probit or "
                  "poisson)",
                  a.estimator);
        goto done;
    }
    if (!glm && (a.ame || a.maxiter != NULL || a.tol != NULL)) {
        cli_error("%s applies only to --estimator logit, probit or poisson", a.ame ? "--ame"
                                                                             : a.maxiter != NULL
                                                                                 ? "--maxiter"
                                                                                 : "--tol");
        goto done;
    }
    double fe_tol = 0.0;
    int fe_maxiter = 0;
    if (a.fe_tol != NULL && !parse_fe_tol(a.fe_tol, &fe_tol)) {
        cli_error("bad --fe-tol '%s' (expected a number between 0 and 1, exclusive, e.g. 1e-14)",
                  a.fe_tol);
        goto done;
    }
    if (a.fe_maxiter != NULL && (!parse_count(a.fe_maxiter, &fe_maxiter) || fe_maxiter < 1)) {
        cli_error("bad --fe-maxiter '%s' (expected an integer from 1 to %d)", a.fe_maxiter,
                  INT_MAX);
        goto done;
    }
    if (a.format != NULL && gw_output_format_parse(a.format, &fmt) != GW_OK) {
        cli_error("bad --format: %s", gw_last_error());
        goto done;
    }
    if (a.threads != NULL && (!parse_count(a.threads, &threads) || threads < 1)) {
        cli_error("bad --threads '%s' (expected a positive integer)", a.threads);
        goto done;
    }
    if (a.weights != NULL && a.weights[0] == '\0') {
        cli_error("empty --weights variable name");
        goto done;
    }
    gw_frame_opts fo = {0};
    fo.weights = a.weights;
    if (a.panel != NULL) {
        const char *comma = strchr(a.panel, ',');
        if (comma == NULL || comma == a.panel || comma[1] == '\0' || strchr(comma + 1, ',')) {
            cli_error("bad --panel '%s' (expected ID,TIME)", a.panel);
            goto done;
        }
        panel_id = gw_malloc((size_t)(comma - a.panel) + 1);
        if (panel_id == NULL) {
            cli_error("out of memory");
            rc = GW_EXIT_OTHER;
            goto done;
        }
        memcpy(panel_id, a.panel, (size_t)(comma - a.panel));
        panel_id[comma - a.panel] = '\0';
        fo.panel_id = panel_id;
        fo.panel_time = comma + 1;
    }
    if (a.name != NULL && a.out == NULL) {
        cli_error("--name needs --out RESULTS.h5");
        goto done;
    }
    if (a.save_residuals && a.out == NULL) {
        cli_error("--save-residuals needs --out RESULTS.h5");
        goto done;
    }
    gw_ssc ssc = GW_SSC_GOODWORK;
    if (a.ssc != NULL) {
        static const char *const profiles[] = {"goodwork", "stata", "fixest", "statsmodels"};
        size_t k = 0;
        while (k < sizeof profiles / sizeof profiles[0] && strcmp(a.ssc, profiles[k]) != 0)
            k++;
        if (k == sizeof profiles / sizeof profiles[0]) {
            cli_error("bad --ssc '%s' (expected goodwork, stata, fixest or statsmodels)", a.ssc);
            goto done;
        }
        ssc = (gw_ssc)k;
    }
    if ((rc = parse_vcov(a.vcov ? a.vcov : "iid", &vs)) != GW_EXIT_OK)
        goto done;
    if ((rc = cli_panel_check(a.estimator, a.vcov, a.panel)) != GW_EXIT_OK)
        goto done;
    if (a.hausman && a.panel == NULL) {
        cli_error("--hausman needs --panel ID,TIME");
        rc = GW_EXIT_USAGE;
        goto done;
    }
    for (size_t c = 0; c < vs.ncluster; c++)
        fo.cluster[c] = vs.cluster[c];

    gw_threads_set(threads);

    if ((s = gw_formula_parse(a.model, &formula)) != GW_OK) {
        rc = lib_error(s, "bad --model");
        goto done;
    }
    /* The demeaning options mean nothing without absorbed fixed effects: refused like --tol
     * outside GLMs, rather than silently ignored. */
    if ((a.fe_tol != NULL || a.fe_maxiter != NULL) && gw_formula_nfe(formula) == 0) {
        cli_error("%s applies only to models with absorbed fixed effects (\"y ~ x | fe\")",
                  a.fe_tol != NULL ? "--fe-tol" : "--fe-maxiter");
        rc = GW_EXIT_USAGE;
        goto done;
    }
    if (!used_columns(formula, &fo, &cols)) {
        cli_error("out of memory");
        rc = GW_EXIT_OTHER;
        goto done;
    }
    gw_ols_opts oo = {0};
    oo.vcov = vs.kind;
    oo.ssc = ssc;
    oo.fe_tol = fe_tol;                 /* 0: GW_HDFE_TOL */
    oo.fe_maxiter = (size_t)fe_maxiter; /* 0: GW_HDFE_MAXITER */
    if (a.keep_singletons)
        oo.flags |= GW_OLS_KEEP_SINGLETONS;
    if (a.save_residuals)
        oo.flags |= GW_OLS_KEEP_RESIDUALS | GW_OLS_KEEP_FITTED;
    /* Distributed (under mpirun) and out-of-core fits read the data themselves, in row ranges
     * or chunks; each says whether it took the fit. */
    int handled = 0;
    if ((rc = cli_fit_mpi(&a, formula, &fo, &oo, &handled, &result)) != GW_EXIT_OK)
        goto done;
    if (!handled && (rc = cli_fit_stream(&a, formula, &fo, &oo, &handled, &result)) != GW_EXIT_OK)
        goto done;
    if (handled) {
        streamed = 1;
        tm[3] = gwi_seconds();
        goto finish;
    }
    if ((rc = cli_load_table(a.data, a.table, cols.names, cols.n, &table)) != GW_EXIT_OK)
        goto done;
    tm[1] = gwi_seconds();
    /* The table serves only this frame: its columns are released as the design takes them. */
    if ((s = gw_frame_build_consume(table, formula, &fo, &design)) != GW_OK) {
        rc = lib_error(s, NULL);
        goto done;
    }
    gw_table_free(table);
    table = NULL;
    tm[2] = gwi_seconds();
    if (design->p == 0) {
        cli_error("the model has no regressors (\"%s\"): nothing to estimate", a.model);
        rc = GW_EXIT_USAGE;
        goto done;
    }
    /* With absorbed fixed effects the design is demeaned in place (it is not used afterwards):
     * no copy of the regressors. */
    if (gw_formula_has_iv(formula)) {
        if ((rc = cli_fit_iv(design, &a, &oo, &result)) != GW_EXIT_OK)
            goto done;
        s = GW_OK;
    } else if (glm) {
        if ((rc = cli_fit_glm(design, &a, &oo, &result)) != GW_EXIT_OK)
            goto done;
        s = GW_OK;
    } else if (cli_panel_requested(a.estimator, a.vcov) || a.hausman) {
        /* With absorbed fixed effects only dk/nw with ols is accepted (the within fit with a
         * HAC variance); cli_fit_panel refuses the rest. */
        if ((rc = cli_fit_panel(design, a.estimator, a.vcov, &oo, a.hausman, &result)) !=
            GW_EXIT_OK)
            goto done;
        s = GW_OK;
    } else {
        s = design->nfe > 0 ? gw_ols_fit_fe_inplace(design, &oo, &result)
                            : gw_ols_fit(design, &oo, &result);
    }
    if (s != GW_OK) {
        rc = lib_error(s, NULL);
        goto done;
    }
    if (result->k == 0) {
        /* The library reports every column as aliased and returns; for a command that was
         * asked for estimates this is the contract's "singular after dropping" (exit 4). */
        char list[512] = "";
        size_t used = 0;
        for (size_t j = 0; j < result->ndropped && used + 1 < sizeof list; j++) {
            int w = snprintf(list + used, sizeof list - used, "%s%s", j ? ", " : "",
                             result->dropped_collinear[j]);
            used += w > 0 ? (size_t)w : 0;
        }
        cli_error("no estimable coefficient: every regressor is exactly collinear (dropped: %s)",
                  list);
        rc = GW_EXIT_NUMERIC;
        goto done;
    }
    tm[3] = gwi_seconds();
finish:
    /* What only the command line knows: the formula and variance as written. */
    if (gw_result_set_str(&result->formula, a.model) != GW_OK ||
        (result->vcov_type == NULL &&
         gw_result_set_str(&result->vcov_type, a.vcov ? a.vcov : "iid") != GW_OK) ||
        (result->estimator == NULL && gw_result_set_str(&result->estimator, "ols") != GW_OK) ||
        (a.weights != NULL && gw_result_set_str(&result->weights, a.weights) != GW_OK)) {
        rc = lib_error(GW_ENOMEM, NULL);
        goto done;
    }
    if ((s = gw_output_render(result, fmt, &text)) != GW_OK) {
        rc = lib_error(s, "cannot render the results");
        goto done;
    }
    /* The results file is written before anything is printed: a failed write leaves no
     * half-reported run (and, being atomic, never a damaged results file). */
    if (a.out != NULL && (rc = store_result(&a, result)) != GW_EXIT_OK)
        goto done;
    rc = write_stdout(text) ? GW_EXIT_OK : GW_EXIT_OTHER;
    tm[4] = gwi_seconds();
    if (rc == GW_EXIT_OK && a.timings)
        print_timings(tm, design != NULL ? design->seconds_factorise : 0.0, streamed);
done:
    gw_free(text);
    gw_result_free(result);
    gw_design_free(design);
    gw_table_free(table);
    gw_formula_free(formula);
    gw_free(cols.names);
    gw_free(panel_id);
    vcov_spec_clear(&vs);
    return rc;
}
