/* cmd_convert.c -- goodwork convert: data tables between CSV and HDF5.
 *
 *   goodwork convert IN.csv OUT.h5 [--table GROUP] [--factor A,B,...]
 *   goodwork convert IN.h5 OUT.csv [--table GROUP]
 *
 *   goodwork convert IN.h5 OUT.h5 [--table GROUP] [--factor A,B,...]   (re-encode a table)
 *
 * The direction comes from the file extensions (.csv; .h5, .hdf5, .he5). Both writers replace
 * OUT atomically, so a failed conversion never leaves a partial OUT. --factor names numeric
 * columns to store as categorical codes (gw_h5_table_write_opts); the names are checked
 * against the table before anything is written. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "gw_strbuf.h"
#include "gw_alloc.h"
#include "gw_csv.h"
#include "gw_hdf5.h"
#include "gw_table.h"

static const char convert_usage[] =
    "usage: goodwork convert IN.csv OUT.h5 [--table GROUP] [--factor A,B,...] [--delim C]\n"
    "       goodwork convert IN.h5 OUT.csv [--table GROUP]\n"
    "       goodwork convert IN.h5 OUT.h5 [--table GROUP] [--factor A,B,...]\n"
    "\n"
    "Converts a data table between CSV (header row, comma separated, RFC 4180 quoting; missing:\n"
    "empty, NA, NaN, .) and a goodwork HDF5 data table (one 1-D dataset per column: float64\n"
    "with NaN for missing; int32 or int64 for a numeric column whose values are all integers\n"
    "and none missing (read back as the same numbers); int32 codes with a 'levels' attribute\n"
    "for text columns). A column is compressed (shuffle + deflate) only when that saves at\n"
    "least 15%; random-looking doubles are stored uncompressed, which reads much faster.\n"
    "\n"
    "options:\n"
    "  --table GROUP     the HDF5 group to write or read (default /data)\n"
    "  --factor A,B,...  store these numeric columns as categorical codes with their levels:\n"
    "                    the distinct values sorted numerically, named by their shortest\n"
    "                    decimal text (3, 0.5, 1e+20); missing values get code -1. A model\n"
    "                    using such a column as fixed effects, cluster or factor() gives the\n"
    "                    same results as with the numeric column. Text columns are always\n"
    "                    categorical. Only when writing HDF5.\n"
    "  --delim C         the CSV input's field delimiter, one character or tab (default: the\n"
    "                    most frequent of , tab ; | in the header line)\n"
    "  --help            this text\n"
    "IN may be gzip-compressed (.csv.gz, .tsv.gz); .tsv is read as CSV too.\n";

typedef enum { KIND_OTHER, KIND_CSV, KIND_H5 } file_kind;

static file_kind kind_of(const char *path)
{
    if (gw_str_ends_with_ci(path, ".csv") || gw_str_ends_with_ci(path, ".csv.gz") ||
        gw_str_ends_with_ci(path, ".tsv") || gw_str_ends_with_ci(path, ".tsv.gz"))
        return KIND_CSV;
    if (gw_str_ends_with_ci(path, ".h5") || gw_str_ends_with_ci(path, ".hdf5") ||
        gw_str_ends_with_ci(path, ".he5"))
        return KIND_H5;
    return KIND_OTHER;
}

/* Splits the comma-separated list into *names (pointers into buf, a gw_strdup of list owned by
 * the caller). Empty names are a usage error. Returns GW_EXIT_OK or the exit code. */
static int split_factors(const char *list, char **buf, const char ***names, size_t *n)
{
    size_t cap = 1;
    for (const char *c = list; *c; c++)
        cap += *c == ',';
    *buf = gw_strdup(list);
    *names = gw_calloc(cap, sizeof **names);
    if (*buf == NULL || *names == NULL) {
        cli_error("out of memory");
        return GW_EXIT_OTHER;
    }
    *n = 0;
    for (char *tok = *buf, *next; tok != NULL; tok = next) {
        next = strchr(tok, ',');
        if (next != NULL)
            *next++ = '\0';
        if (tok[0] == '\0') {
            cli_error("convert: --factor needs column names separated by commas (got '%s')", list);
            return GW_EXIT_USAGE;
        }
        (*names)[(*n)++] = tok;
    }
    return GW_EXIT_OK;
}

/* Checks that every --factor name is a column of t (before anything is written), so a typo is
 * a usage error (exit 2) naming the column rather than a failed write. */
static int check_factors(const gw_table *t, const char *in, const char *const *names, size_t n)
{
    for (size_t f = 0; f < n; f++) {
        if (gw_table_find(t, names[f]) < 0) {
            cli_error("convert: --factor: '%s' is not a column of %s", names[f], in);
            return GW_EXIT_USAGE;
        }
        for (size_t g = 0; g < f; g++)
            if (strcmp(names[f], names[g]) == 0) {
                cli_error("convert: --factor names '%s' twice", names[f]);
                return GW_EXIT_USAGE;
            }
    }
    return GW_EXIT_OK;
}

/* Reads IN, writes OUT (the parsed command). */
static int convert_run(const char *const files[2], file_kind in, file_kind out, const char *group,
                       const char *const *factors, size_t nfactors)
{
    gw_table *t = NULL;
    gw_status s = in == KIND_CSV ? cli_read_csv(files[0], NULL, 0, &t)
                                 : gw_h5_table_read(files[0], group, NULL, 0, &t);
    if (s != GW_OK) {
        cli_error("%s", gw_last_error());
        /* Reading: an unreadable input is a data error whatever the status says. */
        return s == GW_ENOMEM ? GW_EXIT_OTHER : cli_exit_code(s);
    }
    int rc = check_factors(t, files[0], factors, nfactors);
    if (rc != GW_EXIT_OK) {
        gw_table_free(t);
        return rc;
    }
    gw_h5_write_opts o = {.factors = factors, .nfactors = nfactors};
    s = out == KIND_H5 ? gw_h5_table_write_opts(t, files[1], group, &o)
                       : gw_csv_write_file(t, files[1]);
    gw_table_free(t);
    if (s != GW_OK) {
        cli_error("%s", gw_last_error());
        /* Writing: failure to write the output is "anything else" (exit 1), except values that
         * the output format cannot hold (infinities in CSV, a column name with a slash in HDF5,
         * a factor of more than 2^31-1 levels), which are the input's problem. */
        return s == GW_ENONFINITE || s == GW_EINVAL ? GW_EXIT_DATA : GW_EXIT_OTHER;
    }
    return GW_EXIT_OK;
}

int cmd_convert(int argc, char **argv)
{
    const char *files[2] = {NULL, NULL}, *group = NULL, *factor_list = NULL;
    size_t nfiles = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(convert_usage, stdout);
            return GW_EXIT_OK;
        } else if (strcmp(argv[i], "--table") == 0 || strcmp(argv[i], "--factor") == 0) {
            if (i + 1 >= argc) {
                cli_error("convert: %s needs %s", argv[i],
                          argv[i][2] == 't' ? "a group name" : "column names");
                return GW_EXIT_USAGE;
            }
            const char *name = argv[i];
            if (cli_option_value(name, name[2] == 't' ? &group : &factor_list, argv[++i], NULL,
                                 "convert") != GW_EXIT_OK)
                return GW_EXIT_USAGE;
        } else if (strncmp(argv[i], "--table=", 8) == 0) {
            if (cli_option_value("--table", &group, argv[i] + 8, NULL, "convert") != GW_EXIT_OK)
                return GW_EXIT_USAGE;
        } else if (strncmp(argv[i], "--factor=", 9) == 0) {
            if (cli_option_value("--factor", &factor_list, argv[i] + 9, NULL, "convert") !=
                GW_EXIT_OK)
                return GW_EXIT_USAGE;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_error("convert: unknown option '%s' (try goodwork convert --help)", argv[i]);
            return GW_EXIT_USAGE;
        } else if (nfiles < 2) {
            files[nfiles++] = argv[i];
        } else {
            cli_error("convert: too many arguments ('%s'); expected IN OUT", argv[i]);
            return GW_EXIT_USAGE;
        }
    }
    if (nfiles != 2) {
        cli_error("convert: expected IN and OUT files (try goodwork convert --help)");
        return GW_EXIT_USAGE;
    }
    if (group != NULL && group[0] == '\0') {
        cli_error("convert: --table needs a group name");
        return GW_EXIT_USAGE;
    }
    file_kind in = kind_of(files[0]), out = kind_of(files[1]);
    /* A .dta, .xlsx, .parquet ... input gets the one line naming its format (a data error). */
    if (in == KIND_OTHER && out == KIND_H5 && gw_csv_check_file(files[0]) != GW_OK) {
        cli_error("%s", gw_last_error());
        return GW_EXIT_DATA;
    }
    if (!((in == KIND_CSV || in == KIND_H5) && out == KIND_H5) &&
        !(in == KIND_H5 && out == KIND_CSV)) {
        cli_error("convert: cannot tell the direction from '%s' and '%s'; use IN.csv OUT.h5, "
                  "IN.h5 OUT.csv or IN.h5 OUT.h5",
                  files[0], files[1]);
        return GW_EXIT_USAGE;
    }
    if (strcmp(files[0], files[1]) == 0) {
        cli_error("convert: IN and OUT are the same file");
        return GW_EXIT_USAGE;
    }
    if (factor_list != NULL && out != KIND_H5) {
        cli_error("convert: --factor applies only when writing HDF5 (OUT.h5)");
        return GW_EXIT_USAGE;
    }
    char *buf = NULL;
    const char **factors = NULL;
    size_t nfactors = 0;
    int rc = factor_list ? split_factors(factor_list, &buf, &factors, &nfactors) : GW_EXIT_OK;
    if (rc == GW_EXIT_OK)
        rc = convert_run(files, in, out, group, factors, nfactors);
    gw_free(factors);
    gw_free(buf);
    return rc;
}
