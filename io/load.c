/* load.c -- reading a data table by the file's extension (gw_load.h).
 *
 * Only the columns asked for are converted. A requested column that the file lacks is left
 * out rather than reported here: the model frame reports it with its context (the formula
 * with a caret under the name, or "unknown weights variable"), which a reader cannot do. To
 * know which names the file has, the CSV header record is read and parsed first (the same
 * reader on the header's bytes, so quoting and a byte order mark are handled alike); when that
 * fails the whole file is read as asked, so the reader reports the error with its place. */
#include <string.h>
#include <zlib.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_csv.h"
#include "gw_hdf5.h"
#include "gw_load.h"
#include "gw_strbuf.h"

/* A header record longer than this is not pre-read (the column filter is then skipped): 64 MiB
 * is far beyond any real header and bounds the memory an adversarial file can take here. */
#define HEADER_MAX ((size_t)64 << 20)

/* Reads the first CSV record of path (up to and including the first "\n" outside quotes, or the
 * whole file if none) and parses it into a table of 0 rows whose columns are the header's
 * names. zlib's gz* calls read .csv.gz files decompressed and other files as they are. Returns
 * NULL when the file cannot be read or the header does not parse; the caller then reads the
 * file unfiltered and the reader reports the problem. */
static gw_table *read_header(const char *path, char delim)
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
    gw_csv_opts opts = {NULL, 0, delim};
    if (buf != NULL && len > 0 && gw_csv_read_mem(buf, len, path, &opts, &t) != GW_OK)
        t = NULL;
    gw_free(buf);
    return t;
}

static gw_status load_csv(const char *path, const gw_load_opts *o, gw_table **out)
{
    gw_csv_opts opts = {NULL, 0, o->delim};
    const char **present = NULL;
    gw_table *header = NULL;
    gw_status s = gw_csv_check_file(path); /* not CSV: one line naming the format */
    if (s != GW_OK)
        return s == GW_EIO ? s : GW_EFORMAT;
    if (o->columns != NULL && o->ncolumns > 0) {
        header = read_header(path, o->delim);
        if (header != NULL) {
            present = gw_calloc(o->ncolumns, sizeof *present);
            if (present == NULL) {
                s = gwi_fail(GW_ENOMEM, "out of memory");
                goto done;
            }
            size_t k = 0;
            for (size_t j = 0; j < o->ncolumns; j++)
                if (gw_table_find(header, o->columns[j]) >= 0)
                    present[k++] = o->columns[j];
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
            opts.columns = o->columns;
            opts.ncolumns = o->ncolumns;
        }
    }
    s = gw_csv_read_file(path, &opts, out);
done:
    gw_table_free(header);
    gw_free(present);
    return s;
}

/* Reads the requested columns of an HDF5 data table. As with CSV, columns the group lacks are
 * left out so that the model frame reports the unknown name with its context: on GW_ENOVAR
 * each requested column is probed alone (an error path only, so its cost does not matter). */
static gw_status load_h5(const char *path, const gw_load_opts *o, gw_table **out)
{
    const char **present = NULL;
    const char *const *cols = o->columns;
    size_t nc = o->ncolumns;
    gw_status s = gw_h5_table_read(path, o->group, cols, nc, out);
    if (s == GW_ENOVAR && cols != NULL && nc > 0) {
        present = gw_calloc(nc, sizeof *present);
        if (present == NULL)
            return gwi_fail(GW_ENOMEM, "out of memory");
        size_t k = 0;
        for (size_t j = 0; j < nc; j++) {
            gw_table *one = NULL;
            gw_status sj = gw_h5_table_read(path, o->group, &cols[j], 1, &one);
            gw_table_free(one);
            if (sj == GW_OK)
                present[k++] = cols[j];
            else if (sj != GW_ENOVAR) {
                s = sj;
                goto done;
            }
        }
        /* With none present, read a zero-column view: the frame then names the first unknown. */
        s = k ? gw_h5_table_read(path, o->group, present, k, out) : gw_table_new(0, out);
    }
done:
    gw_free(present);
    return s;
}

int gw_data_is_h5(const char *path)
{
    return path != NULL &&
           (gw_str_ends_with_ci(path, ".h5") || gw_str_ends_with_ci(path, ".hdf5") ||
            gw_str_ends_with_ci(path, ".he5"));
}

gw_status gw_data_load(const char *path, const gw_load_opts *opts, gw_table **out)
{
    static const gw_load_opts none = {NULL, 0, NULL, 0};
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_data_load: out is NULL");
    *out = NULL;
    if (path == NULL || path[0] == '\0')
        return gwi_fail(GW_EINVAL, "no data file given");
    if (opts == NULL)
        opts = &none;
    /* Everything but HDF5 is read as CSV (.csv, but also .txt and extension-less files); a file
     * that is not CSV fails in the reader with its place. */
    return gw_data_is_h5(path) ? load_h5(path, opts, out) : load_csv(path, opts, out);
}
