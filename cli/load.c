/* load.c -- reading the data table of a command (--data FILE), by the file's extension.
 *
 * Only the columns a model uses are converted. A requested column that the file lacks is left
 * out rather than reported here: the model frame reports it with its context (the formula
 * with a caret under the name, or "unknown weights variable"), which a reader cannot do. To
 * know which names the file has, the CSV header record is read and parsed first (the same
 * reader on the header's bytes, so quoting and a byte order mark are handled alike); when that
 * fails the whole file is read as asked, so the reader reports the error with its place. */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "cli.h"
#include "gw_strbuf.h"
#include "gw_alloc.h"
#include "gw_csv.h"
#include "gw_hdf5.h"

/* A header record longer than this is not pre-read (the column filter is then skipped): 64 MiB
 * is far beyond any real header and bounds the memory an adversarial file can take here. */
#define HEADER_MAX ((size_t)64 << 20)

/* The --delim delimiter; 0: detected by the reader. */
static char csv_delim;

int cli_take_delim(int *argc, char **argv)
{
    int k = 2;
    for (int i = 2; i < *argc; i++) {
        const char *v = NULL;
        if (strcmp(argv[i], "--delim") == 0) {
            if (i + 1 >= *argc) {
                cli_error("option --delim needs a value (one character, or tab)");
                return GW_EXIT_USAGE;
            }
            v = argv[++i];
        } else if (strncmp(argv[i], "--delim=", 8) == 0) {
            v = argv[i] + 8;
        } else {
            argv[k++] = argv[i];
            continue;
        }
        if (strcmp(v, "tab") == 0 || strcmp(v, "\\t") == 0)
            v = "\t";
        if (strlen(v) != 1 || strchr("\"\r\n .+-eE0123456789", v[0]) != NULL) {
            cli_error("--delim '%s': give one character other than a quote, a space, a digit, "
                      "'+', '-', '.', 'e' or 'E' (or tab)",
                      v);
            return GW_EXIT_USAGE;
        }
        csv_delim = v[0];
    }
    argv[k] = NULL;
    *argc = k;
    return GW_EXIT_OK;
}

gw_status cli_read_csv(const char *path, const char *const *columns, size_t ncolumns,
                       gw_table **out)
{
    gw_csv_opts opts = {columns, ncolumns, csv_delim};
    return gw_csv_read_file(path, &opts, out);
}

/* Reads the first CSV record of path (up to and including the first "\n" outside quotes, or the
 * whole file if none) and parses it into a table of 0 rows whose columns are the header's
 * names. zlib's gz* calls read .csv.gz files decompressed and other files as they are. Returns
 * NULL when the file cannot be read or the header does not parse; the caller then reads the
 * file unfiltered and the reader reports the problem. */
static gw_table *read_header(const char *path)
{
    gzFile f = gzopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = gw_malloc(cap);
    int in_quote = 0, done = 0;
    gw_table *t = NULL;
    while (buf != NULL && !done) {
        if (len == cap) {
            char *p = cap < HEADER_MAX ? gw_realloc(buf, 2 * cap) : NULL;
            if (p == NULL) {
                gw_free(buf);
                buf = NULL;
                break;
            }
            buf = p;
            cap *= 2;
        }
        int c = gzgetc(f);
        if (c < 0)
            break;
        buf[len++] = (char)c;
        if (c == '"')
            in_quote = !in_quote; /* "" inside quotes toggles twice: still inside */
        else if (c == '\n' && !in_quote)
            done = 1;
    }
    gzclose(f);
    gw_csv_opts opts = {NULL, 0, csv_delim};
    if (buf != NULL && len > 0 && gw_csv_read_mem(buf, len, path, &opts, &t) != GW_OK)
        t = NULL;
    gw_free(buf);
    return t;
}

static int load_csv(const char *path, const char *const *columns, size_t ncolumns, gw_table **out)
{
    gw_csv_opts opts = {NULL, 0, csv_delim};
    const char **present = NULL;
    gw_table *header = NULL;
    int rc = GW_EXIT_OK;
    if (gw_csv_check_file(path) != GW_OK) { /* not CSV: one line naming the format */
        cli_error("%s", gw_last_error());
        return GW_EXIT_DATA;
    }

    if (columns != NULL && ncolumns > 0) {
        header = read_header(path);
        if (header != NULL) {
            present = gw_calloc(ncolumns, sizeof *present);
            if (present == NULL) {
                cli_error("out of memory");
                rc = GW_EXIT_OTHER;
                goto done;
            }
            size_t k = 0;
            for (size_t j = 0; j < ncolumns; j++)
                if (gw_table_find(header, columns[j]) >= 0)
                    present[k++] = columns[j];
            if (k == 0) {
                /* None of the names exists: the empty header table is all the frame needs to
                 * report the first unknown variable. */
                *out = header;
                header = NULL;
                goto done;
            }
            opts.columns = present;
            opts.ncolumns = k;
        } else {
            opts.columns = columns;
            opts.ncolumns = ncolumns;
        }
    }
    gw_status s = gw_csv_read_file(path, &opts, out);
    if (s != GW_OK) {
        cli_error("%s", gw_last_error());
        rc = cli_exit_code(s);
    }
done:
    gw_table_free(header);
    gw_free(present);
    return rc;
}

/* Reads the requested columns of an HDF5 data table. As with CSV, columns the group lacks are
 * left out so that the model frame reports the unknown name with its context: on GW_ENOVAR
 * each requested column is probed alone (an error path only, so its cost does not matter). */
static int load_h5(const char *path, const char *group, const char *const *columns, size_t ncolumns,
                   gw_table **out)
{
    const char **present = NULL;
    gw_status s = gw_h5_table_read(path, group, columns, ncolumns, out);
    if (s == GW_ENOVAR && columns != NULL && ncolumns > 0) {
        present = gw_calloc(ncolumns, sizeof *present);
        if (present == NULL) {
            cli_error("out of memory");
            return GW_EXIT_OTHER;
        }
        size_t k = 0;
        for (size_t j = 0; j < ncolumns; j++) {
            gw_table *one = NULL;
            gw_status sj = gw_h5_table_read(path, group, &columns[j], 1, &one);
            gw_table_free(one);
            if (sj == GW_OK)
                present[k++] = columns[j];
            else if (sj != GW_ENOVAR) {
                s = sj;
                goto done;
            }
        }
        /* With none present, read a zero-column view: the frame then names the first unknown. */
        s = k ? gw_h5_table_read(path, group, present, k, out) : gw_table_new(0, out);
    }
done:
    gw_free(present);
    if (s != GW_OK) {
        cli_error("%s", gw_last_error());
        return cli_exit_code(s);
    }
    return GW_EXIT_OK;
}

int cli_load_table(const char *path, const char *group, const char *const *columns, size_t ncolumns,
                   gw_table **out)
{
    *out = NULL;
    if (path == NULL || path[0] == '\0') {
        cli_error("no data file given");
        return GW_EXIT_USAGE;
    }
    if (gw_str_ends_with_ci(path, ".h5") || gw_str_ends_with_ci(path, ".hdf5") ||
        gw_str_ends_with_ci(path, ".he5"))
        return load_h5(path, group, columns, ncolumns, out);
    /* Everything else is read as CSV (.csv, but also .txt and extension-less files); a file
     * that is not CSV fails in the reader with its place. */
    return load_csv(path, columns, ncolumns, out);
}
