/* cmd_generate.c -- goodwork generate: the synthetic UK local-authority panel.
 *
 *   goodwork generate [--seed S] [--las N] [--years A-B] --out FILE.csv|FILE.h5
 *                     [--format text|json] [--quiet] [--threads N]
 *
 * CSV holds the panel only; HDF5 holds the panel at /data (with /panel linking to it), /meta,
 * /occupation, /shares and /truth (with /truth/la and /truth/years). --out is required: the
 * CSV writer replaces files atomically by renaming a temporary in the target's directory, which
 * standard output cannot offer, and a binary HDF5 file has no place on a terminal.
 *
 * An HDF5 output is assembled in a temporary file next to the target and renamed over it at
 * the end, so a failure never leaves a partial FILE.h5 (the same promise as the CSV writer). */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "core_int.h"
#include "gw_strbuf.h"
#include "gw_csv.h"
#include "gw_generate.h"
#include "gw_hdf5.h"
#include "gw_sha256.h"

static const char generate_usage[] =
    "usage: goodwork generate [--seed S] [--las N] [--years A-B] --out FILE.csv|FILE.h5\n"
    "                         [--format text|json] [--quiet]\n"
    "\n"
    "Draws the synthetic UK local-authority good-work panel with known ground truth\n"
    "(docs/reference/dataset.md, datasets/README.md): N local authorities x the years A-B of\n"
    "employment, pay, autonomy, automation exposure and wellbeing from a stated true model.\n"
    "The same options give the same bytes. A .csv output holds the panel; a .h5 output holds\n"
    "it at /data (also reachable as /panel) with /meta, /occupation, /shares and /truth.\n"
    "\n"
    "options:\n"
    "  --seed S         random seed, 0..4294967295 (default 20250101, the committed panel)\n"
    "  --las N          number of local authorities, 2..999999 (default 360)\n"
    "  --years A-B      first and last year, 1990..2100 (default 2010-2024)\n"
    "  --out FILE       the output: FILE.csv or FILE.h5 (.hdf5, .he5); required\n"
    "  --format F       summary on standard output: text (default) or json\n"
    "  --quiet          print nothing on success\n"
    "  --threads N      accepted for uniformity; generation is sequential\n"
    "  --help           this text\n"
    "\n"
    "To regenerate the committed files:\n"
    "  goodwork generate --out datasets/uk_la_panel.csv\n"
    "  goodwork generate --out datasets/uk_la_panel.h5\n";

typedef enum { OUT_OTHER, OUT_CSV, OUT_H5 } out_kind;

static out_kind kind_of(const char *path)
{
    if (gw_str_ends_with_ci(path, ".csv"))
        return OUT_CSV;
    if (gw_str_ends_with_ci(path, ".h5") || gw_str_ends_with_ci(path, ".hdf5") ||
        gw_str_ends_with_ci(path, ".he5"))
        return OUT_H5;
    return OUT_OTHER;
}

/* Parses a decimal unsigned integer (digits only) no larger than max. */
static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return 0;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return 0;
    *out = v;
    return 1;
}

/* Parses "A-B" (or a single year "A") into first and last. */
static int parse_years(const char *s, int *first, int *last)
{
    char buf[32];
    size_t n = strlen(s);
    if (n == 0 || n >= sizeof buf)
        return 0;
    memcpy(buf, s, n + 1);
    char *dash = strchr(buf, '-');
    if (dash != NULL)
        *dash = '\0';
    unsigned long long a = 0, b = 0;
    if (!parse_uint(buf, 9999, &a) || (dash != NULL && !parse_uint(dash + 1, 9999, &b)))
        return 0;
    *first = (int)a;
    *last = dash != NULL ? (int)b : (int)a;
    return 1;
}

/* Writes the HDF5 layout into path (a temporary), group by group. */
static gw_status write_h5_groups(const gw_panel *p, const char *path)
{
    static const struct {
        const char *group;
        size_t offset;
    } groups[] = {
        {"/data", offsetof(gw_panel, data)},
        {"/meta", offsetof(gw_panel, meta)},
        {"/occupation", offsetof(gw_panel, occupation)},
        {"/shares", offsetof(gw_panel, shares)},
        {"/truth", offsetof(gw_panel, truth)},
        {"/truth/la", offsetof(gw_panel, truth_la)},
        {"/truth/years", offsetof(gw_panel, truth_years)},
    };
    gw_status s = GW_OK;
    for (size_t k = 0; k < sizeof groups / sizeof groups[0] && s == GW_OK; k++) {
        const gw_table *t = *(gw_table *const *)(const void *)((const char *)p + groups[k].offset);
        s = gw_h5_table_write_ex(t, path, groups[k].group, k == 0 ? 0u : GW_H5_APPEND);
    }
    if (s == GW_OK)
        s = gw_h5_link_soft(path, "/panel", "/data");
    return s;
}

/* Writes the HDF5 output atomically: a temporary next to path, renamed over it. */
static int write_h5(const gw_panel *p, const char *path)
{
    char tmp[4096];
    const char *slash = strrchr(path, '/');
    int len = slash != NULL ? snprintf(tmp, sizeof tmp, "%.*s/.%s.gen.%ld.h5", (int)(slash - path),
                                       path, slash + 1, (long)getpid())
                            : snprintf(tmp, sizeof tmp, ".%s.gen.%ld.h5", path, (long)getpid());
    if (len < 0 || (size_t)len >= sizeof tmp) {
        cli_error("generate: output path too long: %s", path);
        return GW_EXIT_OTHER;
    }
    int slot = gwi_cleanup_add_file(tmp); /* removed on SIGINT/SIGTERM (gw_cleanup.h) */
    gw_status s = write_h5_groups(p, tmp);
    int rc = GW_EXIT_OK;
    if (s != GW_OK) {
        cli_error("%s", gw_last_error());
        unlink(tmp);
        rc = GW_EXIT_OTHER;
    } else if (rename(tmp, path) != 0) {
        cli_error("%s: cannot rename the finished file into place: %s", path, strerror(errno));
        unlink(tmp);
        rc = GW_EXIT_OTHER;
    }
    gwi_cleanup_remove(slot);
    /* The library's writes into tmp locked it through ".<tmp's name>.lock" (output.md, "Several
     * writers"); tmp's name is this process's alone, so nobody else can be using that lock. */
    char lock[4200];
    const char *base = strrchr(tmp, '/');
    if (base != NULL)
        snprintf(lock, sizeof lock, "%.*s/.%s.lock", (int)(base - tmp), tmp, base + 1);
    else
        snprintf(lock, sizeof lock, ".%s.lock", tmp);
    unlink(lock);
    return rc;
}

/* Prints the summary in text or JSON. */
static int print_summary(const gw_generate_opts *o, const gw_panel *p, const char *path,
                         out_kind kind, int json)
{
    char hex[65] = "";
    if (gw_sha256_file(path, hex) != GW_OK) {
        cli_error("%s", gw_last_error());
        return GW_EXIT_OTHER;
    }
    size_t rows = gw_table_nrows(p->data), cols = gw_table_ncols(p->data);
    if (!json) {
        printf("wrote %s (%s): %zu rows x %zu columns, %zu local authorities, %d-%d, seed %lu\n",
               path, kind == OUT_CSV ? "csv" : "hdf5", rows, cols, o->n_las, o->year_first,
               o->year_last, (unsigned long)o->seed);
        printf("sha256 %s\n", hex);
        return GW_EXIT_OK;
    }
    cJSON *root = cJSON_CreateObject();
    cJSON *years = cJSON_CreateArray();
    int ok = root && years && cJSON_AddItemToObject(root, "out", cJSON_CreateString(path)) &&
             cJSON_AddStringToObject(root, "format", kind == OUT_CSV ? "csv" : "hdf5") &&
             cJSON_AddNumberToObject(root, "seed", (double)o->seed) &&
             cJSON_AddNumberToObject(root, "las", (double)o->n_las) &&
             cJSON_AddItemToArray(years, cJSON_CreateNumber(o->year_first)) &&
             cJSON_AddItemToArray(years, cJSON_CreateNumber(o->year_last)) &&
             cJSON_AddItemToObject(root, "years", years) &&
             cJSON_AddNumberToObject(root, "rows", (double)rows) &&
             cJSON_AddNumberToObject(root, "columns", (double)cols) &&
             cJSON_AddStringToObject(root, "sha256", hex);
    if (!ok && years != NULL && (root == NULL || cJSON_GetObjectItem(root, "years") == NULL))
        cJSON_Delete(years);
    char *text = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (text == NULL) {
        cli_error("generate: out of memory");
        return GW_EXIT_OTHER;
    }
    printf("%s\n", text);
    cJSON_free(text);
    return GW_EXIT_OK;
}

int cmd_generate(int argc, char **argv)
{
    const char *seed = NULL, *las = NULL, *years = NULL, *out = NULL, *format = NULL,
               *threads = NULL;
    int quiet = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(generate_usage, stdout);
            return GW_EXIT_OK;
        } else if (strcmp(argv[i], "--quiet") == 0) {
            quiet = 1;
            continue;
        }
        const char *names[] = {"--seed", "--las", "--years", "--out", "--format", "--threads"};
        const char **slots[] = {&seed, &las, &years, &out, &format, &threads};
        size_t k = 0;
        for (; k < sizeof names / sizeof names[0]; k++)
            if (cli_option_at(argc, argv, &i, names[k], &v))
                break;
        if (k == sizeof names / sizeof names[0]) {
            if (argv[i][0] == '-')
                cli_error("generate: unknown option '%s' (try goodwork generate --help)", argv[i]);
            else
                cli_error("generate: unexpected argument '%s' (try goodwork generate --help)",
                          argv[i]);
            return GW_EXIT_USAGE;
        }
        if (v == NULL || v[0] == '\0') {
            cli_error("generate: %s needs a value", names[k]);
            return GW_EXIT_USAGE;
        }
        if (cli_option_value(names[k], slots[k], v, NULL, "generate") != GW_EXIT_OK)
            return GW_EXIT_USAGE;
    }

    gw_generate_opts o;
    gw_generate_opts_default(&o);
    unsigned long long u = 0;
    int json = 0;
    if (seed != NULL) {
        if (!parse_uint(seed, UINT32_MAX, &u)) {
            cli_error("generate: bad --seed '%s' (expected an integer 0..4294967295)", seed);
            return GW_EXIT_USAGE;
        }
        o.seed = (uint32_t)u;
    }
    if (las != NULL) {
        if (!parse_uint(las, GW_GEN_MAX_LAS, &u) || u < 2) {
            cli_error("generate: bad --las '%s' (expected an integer 2..%u)", las, GW_GEN_MAX_LAS);
            return GW_EXIT_USAGE;
        }
        o.n_las = (size_t)u;
    }
    if (years != NULL) {
        if (!parse_years(years, &o.year_first, &o.year_last) || o.year_first > o.year_last ||
            o.year_first < GW_GEN_YEAR_MIN || o.year_last > GW_GEN_YEAR_MAX) {
            cli_error("generate: bad --years '%s' (expected A-B with %d <= A <= B <= %d)", years,
                      GW_GEN_YEAR_MIN, GW_GEN_YEAR_MAX);
            return GW_EXIT_USAGE;
        }
    }
    if (format != NULL) {
        if (strcmp(format, "json") == 0)
            json = 1;
        else if (strcmp(format, "text") != 0) {
            cli_error("generate: bad --format '%s' (expected text or json)", format);
            return GW_EXIT_USAGE;
        }
    }
    if (threads != NULL && !parse_uint(threads, INT_MAX, &u)) {
        cli_error("generate: bad --threads '%s' (expected a non-negative integer)", threads);
        return GW_EXIT_USAGE;
    }
    if (out == NULL) {
        cli_error("generate: --out FILE.csv|FILE.h5 is required (try goodwork generate --help)");
        return GW_EXIT_USAGE;
    }
    out_kind kind = kind_of(out);
    if (kind == OUT_OTHER) {
        cli_error("generate: cannot tell the format of '%s'; use a .csv or .h5 name", out);
        return GW_EXIT_USAGE;
    }

    gw_panel *p = NULL;
    gw_status s = gw_generate(&o, &p);
    if (s != GW_OK) {
        cli_error("generate: %s", gw_last_error());
        return s == GW_EINVAL ? GW_EXIT_USAGE : GW_EXIT_OTHER;
    }
    int rc = GW_EXIT_OK;
    if (kind == OUT_CSV) {
        s = gw_csv_write_file(p->data, out);
        if (s != GW_OK) {
            cli_error("%s", gw_last_error());
            rc = GW_EXIT_OTHER;
        }
    } else {
        rc = write_h5(p, out);
    }
    if (rc == GW_EXIT_OK && !quiet)
        rc = print_summary(&o, p, out, kind, json);
    gw_panel_free(p);
    return rc;
}
