/* cmd_convert.c -- goodwork convert: data tables between CSV and HDF5.
 *
 *   goodwork convert IN.csv OUT.h5 [--table GROUP]
 *   goodwork convert IN.h5 OUT.csv [--table GROUP]
 *
 * The direction comes from the file extensions (.csv; .h5, .hdf5, .he5). Both writers replace
 * OUT atomically, so a failed conversion never leaves a partial OUT. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "gw_csv.h"
#include "gw_hdf5.h"
#include "gw_table.h"

static const char convert_usage[] =
    "usage: goodwork convert IN.csv OUT.h5 [--table GROUP] [--delim C]\n"
    "       goodwork convert IN.h5 OUT.csv [--table GROUP]\n"
    "\n"
    "Converts a data table between CSV (header row, comma separated, RFC 4180 quoting; missing:\n"
    "empty, NA, NaN, .) and a goodwork HDF5 data table (one 1-D dataset per column: float64\n"
    "with NaN for missing, int32 codes with a 'levels' attribute for text columns).\n"
    "\n"
    "options:\n"
    "  --table GROUP   the HDF5 group to write or read (default /data)\n"
    "  --delim C       the CSV input's field delimiter, one character or tab (default: the\n"
    "                  most frequent of , tab ; | in the header line)\n"
    "IN may be gzip-compressed (.csv.gz, .tsv.gz); .tsv is read as CSV too.\n"
    "  --help          this text\n";

typedef enum { KIND_OTHER, KIND_CSV, KIND_H5 } file_kind;

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    if (n < m)
        return 0;
    for (size_t i = 0; i < m; i++) {
        char c = s[n - m + i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != suffix[i])
            return 0;
    }
    return 1;
}

static file_kind kind_of(const char *path)
{
    if (ends_with(path, ".csv") || ends_with(path, ".csv.gz") || ends_with(path, ".tsv") ||
        ends_with(path, ".tsv.gz"))
        return KIND_CSV;
    if (ends_with(path, ".h5") || ends_with(path, ".hdf5") || ends_with(path, ".he5"))
        return KIND_H5;
    return KIND_OTHER;
}

int cmd_convert(int argc, char **argv)
{
    const char *files[2] = {NULL, NULL}, *group = NULL;
    size_t nfiles = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(convert_usage, stdout);
            return GW_EXIT_OK;
        } else if (strcmp(argv[i], "--table") == 0) {
            if (i + 1 >= argc) {
                cli_error("convert: --table needs a group name");
                return GW_EXIT_USAGE;
            }
            group = argv[++i];
        } else if (strncmp(argv[i], "--table=", 8) == 0) {
            group = argv[i] + 8;
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
    if (!((in == KIND_CSV && out == KIND_H5) || (in == KIND_H5 && out == KIND_CSV))) {
        cli_error("convert: cannot tell the direction from '%s' and '%s'; use IN.csv OUT.h5 or "
                  "IN.h5 OUT.csv",
                  files[0], files[1]);
        return GW_EXIT_USAGE;
    }
    if (strcmp(files[0], files[1]) == 0) {
        cli_error("convert: IN and OUT are the same file");
        return GW_EXIT_USAGE;
    }
    gw_table *t = NULL;
    gw_status s = in == KIND_CSV ? cli_read_csv(files[0], NULL, 0, &t)
                                 : gw_h5_table_read(files[0], group, NULL, 0, &t);
    if (s != GW_OK) {
        cli_error("%s", gw_last_error());
        /* Reading: an unreadable input is a data error whatever the status says. */
        return s == GW_ENOMEM ? GW_EXIT_OTHER : cli_exit_code(s);
    }
    s = out == KIND_H5 ? gw_h5_table_write(t, files[1], group) : gw_csv_write_file(t, files[1]);
    gw_table_free(t);
    if (s != GW_OK) {
        cli_error("%s", gw_last_error());
        /* Writing: failure to write the output is "anything else" (exit 1), except values that
         * the output format cannot hold (infinities in CSV, a column name with a slash in HDF5),
         * which are the input's problem. */
        return s == GW_ENONFINITE || s == GW_EINVAL ? GW_EXIT_DATA : GW_EXIT_OTHER;
    }
    return GW_EXIT_OK;
}
