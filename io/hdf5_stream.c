/* hdf5_stream.c -- chunked reading of an HDF5 data table (gw_h5stream.h).
 *
 * The table is opened once: every column's dataset stays open (with a chunk cache large enough
 * for a few of its chunks, so that reads of consecutive row ranges inside one chunk decompress
 * it once), and the levels of categorical columns are read up front. A read is one hyperslab
 * selection of the file space and a contiguous memory space of b - a elements. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_h5stream.h"
#include "hdf5_int.h"

typedef struct {
    char *name;
    hid_t ds;
    int categorical;
    char **levels;
    size_t nlevels;
    size_t chunk;
} h5col;

struct gw_h5stream {
    hid_t file, grp;
    size_t nrows, ncols, file_bytes;
    h5col *col;
    char what[1100];
};

static void col_free(h5col *c)
{
    if (c->ds >= 0)
        H5Dclose(c->ds);
    gwi_strv_free(c->levels, c->nlevels);
    gw_free(c->name);
}

void gw_h5stream_close(gw_h5stream *s)
{
    if (s == NULL)
        return;
    gwi_h5_quiet q;
    gwi_h5_quiet_begin(&q);
    for (size_t j = 0; j < s->ncols; j++)
        col_free(&s->col[j]);
    gw_free(s->col);
    if (s->grp >= 0)
        H5Gclose(s->grp);
    if (s->file >= 0)
        H5Fclose(s->file);
    gwi_h5_quiet_end(&q);
    gw_free(s);
}

/* The column names: the `columns` attribute's order first, then unlisted datasets (as
 * gw_h5_table_read lists them). */
static gw_status list_names(gw_h5stream *s, char ***names, size_t *n)
{
    gw_status rc = GW_OK;
    char **attr = NULL, **found = NULL, **all = NULL;
    size_t nattr = 0, nfound = 0, m = 0;
    htri_t has = H5Aexists(s->grp, "columns");
    if (has < 0)
        return gwi_h5_fail(GW_EFORMAT, "%s: cannot read its attributes", s->what);
    if (has > 0) {
        hid_t a = H5Aopen(s->grp, "columns", H5P_DEFAULT);
        if (a < 0)
            return gwi_h5_fail(GW_EFORMAT, "%s attribute 'columns': cannot open", s->what);
        rc = gwi_read_strs(a, 1, "attribute 'columns'", &attr, &nattr);
        H5Aclose(a);
        if (rc != GW_OK)
            return rc;
    }
    if ((rc = gwi_h5_list_members(s->grp, H5I_DATASET, s->what, &found, &nfound)) != GW_OK)
        goto done;
    if ((all = gw_calloc(nattr + nfound + 1, sizeof *all)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot list %zu columns", nattr + nfound);
        goto done;
    }
    for (size_t i = 0; i < nattr; i++) {
        for (size_t j = 0; j < m; j++)
            if (strcmp(attr[i], all[j]) == 0) {
                rc = gwi_fail(GW_EFORMAT, "%s attribute 'columns' names '%s' twice", s->what,
                              attr[i]);
                goto done;
            }
        all[m++] = attr[i];
        attr[i] = NULL;
    }
    for (size_t j = 0; j < nfound; j++) {
        size_t i = 0;
        while (i < m && strcmp(all[i], found[j]) != 0)
            i++;
        if (i == m) {
            all[m++] = found[j];
            found[j] = NULL;
        }
    }
    *names = all;
    *n = m;
    all = NULL;
done:
    gwi_strv_free(all, m);
    gwi_strv_free(attr, nattr);
    gwi_strv_free(found, nfound);
    return rc;
}

/* Open column c (name already set): dataset with its own chunk cache, type, levels, length. */
static gw_status open_col(gw_h5stream *s, h5col *c, size_t *len)
{
    gw_status rc = GW_OK;
    hid_t dapl = -1, ftype = -1, space = -1, dcpl = -1, la = -1;
    if ((dapl = H5Pcreate(H5P_DATASET_ACCESS)) < 0 ||
        H5Pset_chunk_cache(dapl, 101, (size_t)1 << 20, 1.0) < 0) {
        rc = gwi_h5_fail(GW_ENOMEM, "%s/%s: cannot set up the chunk cache", s->what, c->name);
        goto done;
    }
    if ((c->ds = H5Dopen2(s->grp, c->name, dapl)) < 0 || (ftype = H5Dget_type(c->ds)) < 0 ||
        (space = H5Dget_space(c->ds)) < 0) {
        rc = gwi_h5_fail(GW_EFORMAT, "%s/%s: cannot open", s->what, c->name);
        goto done;
    }
    int rank = H5Sget_simple_extent_ndims(space);
    if (rank != 1) {
        rc = gwi_fail(GW_EFORMAT, "%s/%s has %d dimensions; a column must be 1-D", s->what, c->name,
                      rank);
        goto done;
    }
    hsize_t dims[1] = {0};
    H5Sget_simple_extent_dims(space, dims, NULL);
    *len = (size_t)dims[0];
    H5T_class_t cls = H5Tget_class(ftype);
    if (cls != H5T_INTEGER && cls != H5T_FLOAT) {
        rc = gwi_fail(GW_EFORMAT,
                      "%s/%s is not numeric; a column must be float64 or int32 codes with "
                      "'levels'",
                      s->what, c->name);
        goto done;
    }
    if (cls == H5T_INTEGER && H5Aexists(c->ds, "levels") > 0) {
        char lwhat[1300];
        snprintf(lwhat, sizeof lwhat, "%s/%s attribute 'levels'", s->what, c->name);
        if ((la = H5Aopen(c->ds, "levels", H5P_DEFAULT)) < 0) {
            rc = gwi_h5_fail(GW_EFORMAT, "%s: cannot open", lwhat);
            goto done;
        }
        if ((rc = gwi_read_strs(la, 1, lwhat, &c->levels, &c->nlevels)) != GW_OK)
            goto done;
        c->categorical = 1;
    }
    if ((dcpl = H5Dget_create_plist(c->ds)) >= 0 && H5Pget_layout(dcpl) == H5D_CHUNKED) {
        hsize_t ch[1] = {0};
        if (H5Pget_chunk(dcpl, 1, ch) == 1)
            c->chunk = (size_t)ch[0];
    }
    H5Eclear2(H5E_DEFAULT);
done:
    if (la >= 0)
        H5Aclose(la);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    if (ftype >= 0)
        H5Tclose(ftype);
    if (dapl >= 0)
        H5Pclose(dapl);
    return rc;
}

gw_status gw_h5stream_open(const char *path, const char *group, gw_h5stream **out)
{
    gw_status rc = GW_OK;
    gwi_h5_quiet q;
    gw_h5stream *s = NULL;
    char **names = NULL;
    size_t nnames = 0;
    if (out == NULL || path == NULL)
        return gwi_fail(GW_EINVAL, "gw_h5stream_open: NULL argument");
    *out = NULL;
    if (group == NULL)
        group = "/data";
    if ((s = gw_calloc(1, sizeof *s)) == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate a table reader");
    s->file = s->grp = -1;
    snprintf(s->what, sizeof s->what, "%s: %s%s", gwi_base(path), group[0] == '/' ? "" : "/",
             group);
    struct stat st;
    if (stat(path, &st) == 0)
        s->file_bytes = (size_t)st.st_size;
    gwi_h5_quiet_begin(&q);
    if ((rc = gwi_h5_open_read(path, &s->file)) != GW_OK)
        goto done;
    if ((s->grp = H5Gopen2(s->file, group, H5P_DEFAULT)) < 0) {
        rc = gwi_h5_fail(GW_EFORMAT, "%s: no such group (not a goodwork data table?)", s->what);
        goto done;
    }
    if ((rc = gwi_h5_check_group_heaps(s->grp, path, s->what)) != GW_OK)
        goto done;
    if ((rc = list_names(s, &names, &nnames)) != GW_OK)
        goto done;
    if ((s->col = gw_calloc(nnames ? nnames : 1, sizeof *s->col)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu columns", nnames);
        goto done;
    }
    for (size_t j = 0; j < nnames; j++) {
        h5col *c = &s->col[j];
        size_t len = 0;
        c->ds = -1;
        c->name = names[j];
        names[j] = NULL;
        s->ncols = j + 1;
        if ((rc = open_col(s, c, &len)) != GW_OK)
            goto done;
        if (j == 0) {
            s->nrows = len;
        } else if (len != s->nrows) {
            rc = gwi_fail(GW_EFORMAT, "%s/%s has %zu rows, %s/%s has %zu", s->what, s->col[0].name,
                          s->nrows, s->what, c->name, len);
            goto done;
        }
    }
    *out = s;
    s = NULL;
done:
    gwi_strv_free(names, nnames);
    gwi_h5_quiet_end(&q);
    gw_h5stream_close(s);
    return rc;
}

size_t gw_h5stream_nrows(const gw_h5stream *s) { return s->nrows; }
size_t gw_h5stream_ncols(const gw_h5stream *s) { return s->ncols; }
const char *gw_h5stream_colname(const gw_h5stream *s, size_t j) { return s->col[j].name; }
gw_coltype gw_h5stream_coltype(const gw_h5stream *s, size_t j)
{
    return s->col[j].categorical ? GW_COL_CATEGORICAL : GW_COL_NUMERIC;
}
size_t gw_h5stream_nlevels(const gw_h5stream *s, size_t j) { return s->col[j].nlevels; }
const char *const *gw_h5stream_levels(const gw_h5stream *s, size_t j)
{
    return (const char *const *)s->col[j].levels;
}
size_t gw_h5stream_chunk_rows(const gw_h5stream *s, size_t j) { return s->col[j].chunk; }
size_t gw_h5stream_file_bytes(const gw_h5stream *s) { return s->file_bytes; }

ptrdiff_t gw_h5stream_find(const gw_h5stream *s, const char *name)
{
    for (size_t j = 0; j < s->ncols; j++)
        if (strcmp(s->col[j].name, name) == 0)
            return (ptrdiff_t)j;
    return -1;
}

/* One hyperslab read of rows [a, b) of column j as mtype into dst. */
static gw_status read_rows(gw_h5stream *s, size_t j, size_t a, size_t b, hid_t mtype, void *dst)
{
    gw_status rc = GW_OK;
    gwi_h5_quiet q;
    hid_t fspace = -1, mspace = -1;
    if (b == a)
        return GW_OK;
    gwi_h5_quiet_begin(&q);
    hsize_t start[1] = {a}, count[1] = {b - a};
    if ((fspace = H5Dget_space(s->col[j].ds)) < 0 ||
        H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
        (mspace = H5Screate_simple(1, count, NULL)) < 0) {
        rc = gwi_h5_fail(GW_EIO, "%s/%s: cannot select rows %zu..%zu", s->what, s->col[j].name,
                         a + 1, b);
        goto done;
    }
    if (H5Dread(s->col[j].ds, mtype, mspace, fspace, H5P_DEFAULT, dst) < 0)
        rc = gwi_h5_fail(GW_EIO, "%s/%s: cannot read rows %zu..%zu (truncated or corrupt?)",
                         s->what, s->col[j].name, a + 1, b);
done:
    if (mspace >= 0)
        H5Sclose(mspace);
    if (fspace >= 0)
        H5Sclose(fspace);
    gwi_h5_quiet_end(&q);
    return rc;
}

static gw_status check_range(const gw_h5stream *s, size_t j, size_t a, size_t b, int cat)
{
    if (s == NULL || j >= s->ncols)
        return gwi_fail(GW_EINVAL, "column %zu out of range", j);
    if (a > b || b > s->nrows)
        return gwi_fail(GW_EINVAL, "rows [%zu, %zu) outside the table's %zu rows", a, b, s->nrows);
    if (s->col[j].categorical != cat)
        return gwi_fail(GW_EINVAL, "%s/%s is %s", s->what, s->col[j].name,
                        cat ? "numeric, not categorical" : "categorical, not numeric");
    return GW_OK;
}

gw_status gw_h5stream_read_f64(gw_h5stream *s, size_t j, size_t a, size_t b, double *dst)
{
    gw_status rc = check_range(s, j, a, b, 0);
    if (rc != GW_OK)
        return rc;
    return read_rows(s, j, a, b, H5T_NATIVE_DOUBLE, dst);
}

gw_status gw_h5stream_read_codes(gw_h5stream *s, size_t j, size_t a, size_t b, int32_t *dst)
{
    gw_status rc = check_range(s, j, a, b, 1);
    if (rc != GW_OK || (rc = read_rows(s, j, a, b, H5T_NATIVE_INT32, dst)) != GW_OK)
        return rc;
    const int32_t nl = (int32_t)s->col[j].nlevels;
    for (size_t i = 0; i < b - a; i++)
        if (dst[i] < -1 || dst[i] >= nl)
            return gwi_fail(GW_EFORMAT, "%s/%s: code %ld at row %zu is not -1 or 0..%ld", s->what,
                            s->col[j].name, (long)dst[i], a + i + 1, (long)nl - 1);
    return GW_OK;
}

/* ---- the chunked writer ------------------------------------------------------------------- */

struct gw_h5writer {
    hid_t file, grp;
    size_t nrows, ncols;
    hid_t *ds;
    int *cat;
};

gw_status gw_h5writer_close(gw_h5writer *w)
{
    gw_status rc = GW_OK;
    if (w == NULL)
        return GW_OK;
    gwi_h5_quiet q;
    gwi_h5_quiet_begin(&q);
    for (size_t j = 0; j < w->ncols; j++)
        if (w->ds[j] >= 0 && H5Dclose(w->ds[j]) < 0)
            rc = gwi_h5_fail(GW_EIO, "cannot close column %zu", j);
    if (w->grp >= 0)
        H5Gclose(w->grp);
    if (w->file >= 0 && H5Fclose(w->file) < 0)
        rc = gwi_h5_fail(GW_EIO, "cannot finish writing the table");
    gwi_h5_quiet_end(&q);
    gw_free(w->ds);
    gw_free(w->cat);
    gw_free(w);
    return rc;
}

gw_status gw_h5writer_create(const char *path, const char *group, size_t nrows, size_t ncols,
                             const char *const *names, const char *const *const *levels,
                             const size_t *nlevels, unsigned deflate, gw_h5writer **out)
{
    gw_status rc = GW_OK;
    gwi_h5_quiet q;
    hid_t fapl = -1, lcpl = -1, space = -1, dcpl = -1;
    if (out == NULL || path == NULL || names == NULL || ncols == 0 || deflate > 9)
        return gwi_fail(GW_EINVAL, "gw_h5writer_create: bad argument");
    *out = NULL;
    gw_h5writer *w = gw_calloc(1, sizeof *w);
    if (w == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate a table writer");
    w->file = w->grp = -1;
    w->nrows = nrows;
    w->ds = gw_alloc_array(ncols, sizeof *w->ds);
    w->cat = gw_calloc(ncols, sizeof *w->cat);
    if (w->ds == NULL || w->cat == NULL) {
        gw_free(w->ds);
        gw_free(w->cat);
        gw_free(w);
        return gwi_fail(GW_ENOMEM, "cannot allocate a table writer");
    }
    for (size_t j = 0; j < ncols; j++)
        w->ds[j] = -1;
    w->ncols = ncols;
    if (group == NULL)
        group = "/data";
    gwi_h5_quiet_begin(&q);
    hsize_t dims[1] = {nrows}, chunk[1] = {nrows < 65536 ? (nrows ? nrows : 1) : 65536};
    if ((fapl = gwi_h5_fapl()) < 0 ||
        (w->file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl)) < 0 ||
        (lcpl = H5Pcreate(H5P_LINK_CREATE)) < 0 || H5Pset_create_intermediate_group(lcpl, 1) < 0 ||
        (w->grp = H5Gcreate2(w->file, group, lcpl, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
        (space = H5Screate_simple(1, dims, NULL)) < 0 ||
        (dcpl = H5Pcreate(H5P_DATASET_CREATE)) < 0 || H5Pset_obj_track_times(dcpl, 0) < 0 ||
        H5Pset_chunk(dcpl, 1, chunk) < 0 ||
        (deflate > 0 && (H5Pset_shuffle(dcpl) < 0 || H5Pset_deflate(dcpl, deflate) < 0))) {
        rc = gwi_h5_fail(GW_EIO, "%s: cannot create the table", path);
        goto done;
    }
    for (size_t j = 0; j < ncols; j++) {
        w->cat[j] = levels != NULL && levels[j] != NULL;
        w->ds[j] = H5Dcreate2(w->grp, names[j], w->cat[j] ? H5T_STD_I32LE : H5T_IEEE_F64LE, space,
                              H5P_DEFAULT, dcpl, H5P_DEFAULT);
        if (w->ds[j] < 0 ||
            (w->cat[j] && gwi_attr_strs(w->ds[j], "levels", levels[j], nlevels[j]) < 0)) {
            rc = gwi_h5_fail(GW_EIO, "%s: cannot create column %s", path, names[j]);
            goto done;
        }
    }
    if (gwi_attr_strs(w->grp, "columns", names, ncols) < 0)
        rc = gwi_h5_fail(GW_EIO, "%s: cannot write the column list", path);
done:
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    if (lcpl >= 0)
        H5Pclose(lcpl);
    if (fapl >= 0)
        H5Pclose(fapl);
    gwi_h5_quiet_end(&q);
    if (rc != GW_OK) {
        (void)gw_h5writer_close(w);
        return rc;
    }
    *out = w;
    return GW_OK;
}

static gw_status write_rows(gw_h5writer *w, size_t j, size_t a, size_t b, int cat, const void *src)
{
    gw_status rc = GW_OK;
    gwi_h5_quiet q;
    hid_t fspace = -1, mspace = -1;
    if (w == NULL || j >= w->ncols || a > b || b > w->nrows || w->cat[j] != cat)
        return gwi_fail(GW_EINVAL, "gw_h5writer: bad column %zu or rows [%zu, %zu)", j, a, b);
    if (a == b)
        return GW_OK;
    gwi_h5_quiet_begin(&q);
    hsize_t start[1] = {a}, count[1] = {b - a};
    if ((fspace = H5Dget_space(w->ds[j])) < 0 ||
        H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
        (mspace = H5Screate_simple(1, count, NULL)) < 0 ||
        H5Dwrite(w->ds[j], cat ? H5T_NATIVE_INT32 : H5T_NATIVE_DOUBLE, mspace, fspace, H5P_DEFAULT,
                 src) < 0)
        rc = gwi_h5_fail(GW_EIO, "cannot write rows %zu..%zu of column %zu", a + 1, b, j);
    if (mspace >= 0)
        H5Sclose(mspace);
    if (fspace >= 0)
        H5Sclose(fspace);
    gwi_h5_quiet_end(&q);
    return rc;
}

gw_status gw_h5writer_f64(gw_h5writer *w, size_t j, size_t a, size_t b, const double *src)
{
    return write_rows(w, j, a, b, 0, src);
}

gw_status gw_h5writer_codes(gw_h5writer *w, size_t j, size_t a, size_t b, const int32_t *src)
{
    return write_rows(w, j, a, b, 1, src);
}
