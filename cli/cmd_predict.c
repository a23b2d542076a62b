/* cmd_predict.c -- goodwork predict: fitted values of a stored model on new data (the work is
 * api/gw_predict.h's; this file reads the command line, the model and the table, and writes). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_util.h"
#include "cli.h"
#include "gw_alloc.h"
#include "gw_predict.h"
#include "gw_result.h"

static const char predict_usage[] =
    "usage: goodwork predict --results R.h5 [--name M] --data NEW.csv|NEW.h5 [options]\n"
    "\n"
    "Fitted values of a stored model for the rows of a new table (CSV to standard output or\n"
    "--out): row (1-based row of the new table), fit, and with --se: se, ci_low, ci_high.\n"
    "A row with a missing regressor, or a level the fit never saw, gets an empty fit.\n"
    "\n"
    "  --results R.h5       the results file (goodwork fit --out)\n"
    "  --name M             the model (default: the file's only model)\n"
    "  --data FILE          the new data: .csv or .h5 (--table PATH picks the group)\n"
    "  --out F.csv          write the CSV to F.csv instead of standard output\n"
    "  --se                 also the standard error of the linear prediction and an interval\n"
    "  --level L            interval level, in (0, 1) (default 0.95)\n"
    "  --type T             logit, probit, poisson: response (the mean; default) or link\n"
    "  --help               show this help\n"
    "\n"
    "Exit codes: 0 success, 2 usage (bad option, unknown model or variable, a model with\n"
    "absorbed fixed effects), 3 data (unreadable file, log of a non-positive value), 4 no row\n"
    "with every regressor, 1 anything else.\n";

typedef struct {
    const char *results, *name, *data, *table, *out, *level, *type;
    int se, help;
} predict_args;

static int parse_args(int argc, char **argv, predict_args *a)
{
    memset(a, 0, sizeof *a);
    const cli_option opts[] = {
        {"--results", &a->results, NULL, NULL}, {"--name", &a->name, NULL, NULL},
        {"--data", &a->data, NULL, NULL},       {"--table", &a->table, NULL, NULL},
        {"--out", &a->out, NULL, NULL},         {"--level", &a->level, NULL, NULL},
        {"--type", &a->type, NULL, NULL},       {"--se", NULL, &a->se, NULL},
        {"--help", NULL, &a->help, NULL},       {"-h", NULL, &a->help, NULL},
    };
    return cli_parse_options(argc, argv, opts, sizeof opts / sizeof opts[0], "predict");
}

/* The options into o; prints the problem and returns an exit code. */
static int check_args(const predict_args *a, gw_predict_opts *o)
{
    memset(o, 0, sizeof *o);
    if (a->results == NULL || a->data == NULL) {
        cli_error("missing %s (try goodwork predict --help)",
                  a->results == NULL ? "--results R.h5" : "--data FILE");
        return GW_EXIT_USAGE;
    }
    if (a->level != NULL) {
        char *end = NULL;
        errno = 0;
        o->level = strtod(a->level, &end);
        if (errno != 0 || end == a->level || *end != '\0' || !(o->level > 0.0 && o->level < 1.0)) {
            cli_error("bad --level '%s' (expected a number between 0 and 1, e.g. 0.9)", a->level);
            return GW_EXIT_USAGE;
        }
    }
    if (a->type != NULL && strcmp(a->type, "link") != 0 && strcmp(a->type, "response") != 0) {
        cli_error("bad --type '%s' (expected response or link)", a->type);
        return GW_EXIT_USAGE;
    }
    o->flags = a->se ? GW_PREDICT_SE : 0u;
    return GW_EXIT_OK;
}

/* What was not predicted, on standard error (the CSV says it too, with empty fields). */
static void note_missing(const gw_prediction *p)
{
    if (p->n_missing == 0 && p->n_unseen == 0)
        return;
    const size_t cat = p->n_unseen - p->n_unseen_fe;
    fprintf(stderr, "goodwork: predict: %zu of %zu rows not predicted", p->n_missing + p->n_unseen,
            p->n);
    if (p->n_missing > 0)
        fprintf(stderr, "; %zu with a missing value", p->n_missing);
    if (cat > 0) {
        fprintf(stderr, "; %zu with a level the fit never saw (", cat);
        for (size_t i = 0; i < p->n_unseen_names && i < 10; i++)
            fprintf(stderr, "%s%s", i ? ", " : "", p->unseen[i]);
        fprintf(stderr, "%s)", p->n_unseen_names > 10 ? ", ..." : "");
    }
    if (p->n_unseen_fe > 0)
        fprintf(stderr, "; %zu with a fixed-effect level that has no estimate", p->n_unseen_fe);
    fprintf(stderr, "\n");
}

static int run(const predict_args *a, gw_predict_opts *o)
{
    gw_result *r = NULL;
    gw_table *t = NULL;
    gw_prediction *p = NULL;
    char *text = NULL, *name = NULL;
    gw_status s;
    int rc = cli_read_model(a->results, a->name, &r, &name);
    if (rc == GW_EXIT_OK && r->link != NULL && (a->type == NULL || !strcmp(a->type, "response")))
        o->flags |= GW_PREDICT_RESPONSE;
    if (rc == GW_EXIT_OK && r->link == NULL && a->type != NULL) {
        cli_error("--type applies to logit, probit and poisson models; '%s' is linear", name);
        rc = GW_EXIT_USAGE;
    }
    if (rc == GW_EXIT_OK)
        rc = cli_load_table(a->data, a->table, NULL, 0, &t);
    if (rc == GW_EXIT_OK && (s = gw_predict_table(r, t, o, &p)) != GW_OK)
        rc = an_lib_error((int)s, name);
    if (rc == GW_EXIT_OK && (s = gw_predict_render_csv(p, &text)) != GW_OK)
        rc = an_lib_error((int)s, NULL);
    if (rc == GW_EXIT_OK)
        rc = a->out != NULL ? an_write_file(a->out, text, "predict") : an_write_stdout(text);
    if (rc == GW_EXIT_OK)
        note_missing(p);
    gw_free(text);
    gw_free(name);
    gw_prediction_free(p);
    gw_table_free(t);
    gw_result_free(r);
    return rc;
}

int cmd_predict(int argc, char **argv)
{
    predict_args a;
    gw_predict_opts o;
    int rc = parse_args(argc, argv, &a);
    if (rc != GW_EXIT_OK)
        return rc;
    if (a.help) {
        fputs(predict_usage, stdout);
        return GW_EXIT_OK;
    }
    if ((rc = check_args(&a, &o)) != GW_EXIT_OK)
        return rc;
    return run(&a, &o);
}
