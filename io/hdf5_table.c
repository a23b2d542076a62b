/* hdf5_table.c -- data tables in HDF5: one 1-D dataset per column (gw_hdf5.h). */
#include <math.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_hdf5.h"
#include "hdf5_int.h"

/* Deflate level 4: measured on the synthetic panel it compresses within a few percent of
 * level 9 at about a third of the time; shuffle first groups the bytes of each float so that
 * exponents and high mantissa bytes compress together. */
#define DEFLATE_LEVEL 4u

/* ---- writing ------------------------------------------------------------------------------ */

/* The dataset creation property list of a column of n rows. */
static hid_t column_dcpl(size_t n)
{
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (dcpl < 0)
        return dcpl;
    hsize_t chunk[1] = {n < GW_H5_CHUNK_ROWS ? (n ? n : 1) : GW_H5_CHUNK_ROWS};
    /* No modification times: the same table must give the same bytes (reproducible files). */
    if (H5Pset_obj_track_times(dcpl, 0) < 0 || H5Pset_chunk(dcpl, 1, chunk) < 0 ||
        H5Pset_shuffle(dcpl) < 0 || H5Pset_deflate(dcpl, DEFLATE_LEVEL) < 0) {
        H5Pclose(dcpl);
        return -1;
    }
    return dcpl;
}

/* Writes column j of t as dataset `name` of grp. */
static gw_status write_column(hid_t grp, const gw_table *t, size_t j, const char *path,
                              const char *group)
{
    gw_status rc = GW_OK;
    size_t n = gw_table_nrows(t);
    const char *name = gw_table_colname(t, j);
    int cat = gw_table_coltype(t, j) == GW_COL_CATEGORICAL;
    hsize_t dims[1] = {n};
    hid_t space = -1, dcpl = -1, ds = -1;
    const char **levels = NULL;
    if ((space = H5Screate_simple(1, dims, NULL)) < 0 || (dcpl = column_dcpl(n)) < 0) {
        rc = gwi_h5_fail(GW_EIO, "%s: cannot set up %s/%s", path, group, name);
        goto done;
    }
    ds = H5Dcreate2(grp, name, cat ? H5T_STD_I32LE : H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl,
                    H5P_DEFAULT);
    if (ds < 0) {
        rc = gwi_h5_fail(GW_EIO, "%s: cannot create %s/%s", path, group, name);
        goto done;
    }
    herr_t st = 0;
    if (n > 0)
        st = cat ? H5Dwrite(ds, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                            gw_table_codes(t, j))
                 : H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                            gw_table_numeric(t, j));
    if (st < 0) {
        rc = gwi_h5_fail(GW_EIO, "%s: cannot write %s/%s", path, group, name);
        goto done;
    }
    if (cat) {
        size_t nl = gw_table_nlevels(t, j);
        if ((levels = gw_calloc(nl ? nl : 1, sizeof *levels)) == NULL) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu levels", nl);
            goto done;
        }
        for (size_t l = 0; l < nl; l++)
            levels[l] = gw_table_level(t, j, l);
        if (gwi_attr_strs(ds, "levels", levels, nl) < 0) {
            rc = gwi_h5_fail(GW_EIO, "%s: cannot write the levels of %s/%s", path, group, name);
            goto done;
        }
    }
done:
    gw_free(levels);
    if (ds >= 0 && H5Dclose(ds) < 0 && rc == GW_OK)
        rc = gwi_h5_fail(GW_EIO, "%s: cannot close %s/%s", path, group, name);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

/* Writes t as group `group` into the open file. */
static gw_status write_group(hid_t file, const gw_table *t, const char *path, const char *group,
                             int append)
{
    gw_status rc = GW_OK;
    hid_t lcpl = -1, gcpl = -1, grp = -1;
    const char **names = NULL;
    size_t p = gw_table_ncols(t);
    if (append && strcmp(group, "/") != 0) {
        /* H5Lexists fails on missing intermediate groups; an H5Oexists-like walk is overkill
         * here, so a failed open of the object is taken as "absent". */
        hid_t o = H5Oopen(file, group, H5P_DEFAULT);
        if (o >= 0) {
            H5Oclose(o);
            rc = gwi_fail(GW_EINVAL, "%s: %s exists already", path, group);
            goto done;
        }
        H5Eclear2(H5E_DEFAULT);
    }
    if ((lcpl = H5Pcreate(H5P_LINK_CREATE)) < 0 || H5Pset_create_intermediate_group(lcpl, 1) < 0 ||
        (gcpl = H5Pcreate(H5P_GROUP_CREATE)) < 0 || H5Pset_obj_track_times(gcpl, 0) < 0 ||
        H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0) {
        rc = gwi_h5_fail(GW_EIO, "%s: cannot make property lists", path);
        goto done;
    }
    if (strcmp(group, "/") == 0)
        grp = H5Gopen2(file, "/", H5P_DEFAULT);
    else
        grp = H5Gcreate2(file, group, lcpl, gcpl, H5P_DEFAULT);
    if (grp < 0) {
        rc = gwi_h5_fail(GW_EIO, "%s: cannot create group %s", path, group);
        goto done;
    }
    if ((names = gw_calloc(p ? p : 1, sizeof *names)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu column names", p);
        goto done;
    }
    for (size_t j = 0; j < p; j++) {
        names[j] = gw_table_colname(t, j);
        if (strchr(names[j], '/') != NULL || strcmp(names[j], ".") == 0) {
            rc = gwi_fail(GW_EINVAL, "%s: column name '%s' cannot be an HDF5 dataset name", path,
                          names[j]);
            goto done;
        }
    }
    if (gwi_attr_strs(grp, "columns", names, p) < 0) {
        rc = gwi_h5_fail(GW_EIO, "%s: cannot write the columns attribute of %s", path, group);
        goto done;
    }
    for (size_t j = 0; j < p && rc == GW_OK; j++)
        rc = write_column(grp, t, j, path, group);
done:
    gw_free(names);
    if (grp >= 0 && H5Gclose(grp) < 0 && rc == GW_OK)
        rc = gwi_h5_fail(GW_EIO, "%s: cannot close group %s", path, group);
    if (gcpl >= 0)
        H5Pclose(gcpl);
    if (lcpl >= 0)
        H5Pclose(lcpl);
    return rc;
}

gw_status gw_h5_table_write_ex(const gw_table *t, const char *path, const char *group,
                               unsigned flags)
{
    gw_status rc = GW_OK;
    gwi_h5_quiet q;
    char tmp[GWI_PATH_MAX] = "";
    hid_t fapl = -1, fcpl = -1, file = -1;
    int existed = 0, append = (flags & GW_H5_APPEND) != 0;
    if (t == NULL || path == NULL)
        return gwi_fail(GW_EINVAL, "gw_h5_table_write: NULL table or path");
    if (group == NULL)
        group = GW_H5_DEFAULT_GROUP;
    gwi_h5_quiet_begin(&q);
    if ((rc = gwi_atomic_begin(path, append, tmp, &existed)) != GW_OK)
        goto done;
    if ((fapl = gwi_h5_fapl()) < 0) {
        rc = gwi_h5_fail(GW_EIO, "%s: cannot make a file access property list", path);
        goto done;
    }
    /* The root group, too, without modification times. */
    if ((fcpl = H5Pcreate(H5P_FILE_CREATE)) < 0 || H5Pset_obj_track_times(fcpl, 0) < 0) {
        rc = gwi_h5_fail(GW_EIO, "%s: cannot make a file creation property list", path);
        goto done;
    }
    if (append && existed)
        file = H5Fopen(tmp, H5F_ACC_RDWR, fapl);
    else
        file = H5Fcreate(tmp, H5F_ACC_TRUNC, fcpl, fapl);
    if (file < 0) {
        rc = gwi_h5_fail(GW_EIO, "%s: cannot %s", path,
                         append && existed ? "open the existing file as HDF5" : "create");
        goto done;
    }
    rc = write_group(file, t, path, group, append && existed);
    herr_t st = H5Fclose(file);
    file = -1;
    if (st < 0 && rc == GW_OK)
        rc = gwi_h5_fail(GW_EIO, "%s: cannot finish writing", path);
    if (rc == GW_OK) {
        rc = gwi_atomic_commit(tmp, path);
        tmp[0] = '\0';
    }
done:
    if (file >= 0)
        H5Fclose(file);
    if (fcpl >= 0)
        H5Pclose(fcpl);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (rc != GW_OK)
        gwi_atomic_abort(tmp);
    gwi_h5_quiet_end(&q);
    return rc;
}

gw_status gw_h5_table_write(const gw_table *t, const char *path, const char *group)
{
    return gw_h5_table_write_ex(t, path, group, 0);
}

gw_status gw_h5_link_soft(const char *path, const char *link, const char *target)
{
    gw_status rc = GW_OK;
    gwi_h5_quiet q;
    char tmp[GWI_PATH_MAX] = "";
    hid_t fapl = -1, file = -1, lcpl = -1;
    int existed = 0;
    if (path == NULL || link == NULL || target == NULL)
        return gwi_fail(GW_EINVAL, "gw_h5_link_soft: NULL argument");
    gwi_h5_quiet_begin(&q);
    if ((rc = gwi_atomic_begin(path, 1, tmp, &existed)) != GW_OK)
        goto done;
    if (!existed) {
        rc = gwi_fail(GW_EIO, "%s: no such file", path);
        goto done;
    }
    if ((fapl = gwi_h5_fapl()) < 0 || (file = H5Fopen(tmp, H5F_ACC_RDWR, fapl)) < 0) {
        rc = gwi_h5_fail(GW_EIO, "%s: cannot open the existing file as HDF5", path);
        goto done;
    }
    /* As in write_group: a failed open of the object is taken as "absent". */
    hid_t o = H5Oopen(file, link, H5P_DEFAULT);
    if (o >= 0 || H5Lexists(file, link, H5P_DEFAULT) > 0) {
        if (o >= 0)
            H5Oclose(o);
        rc = gwi_fail(GW_EINVAL, "%s: %s exists already", path, link);
        goto done;
    }
    H5Eclear2(H5E_DEFAULT);
    if ((lcpl = H5Pcreate(H5P_LINK_CREATE)) < 0 || H5Pset_create_intermediate_group(lcpl, 1) < 0 ||
        H5Lcreate_soft(target, file, link, lcpl, H5P_DEFAULT) < 0) {
        rc = gwi_h5_fail(GW_EIO, "%s: cannot link %s to %s", path, link, target);
        goto done;
    }
    herr_t st = H5Fclose(file);
    file = -1;
    if (st < 0) {
        rc = gwi_h5_fail(GW_EIO, "%s: cannot finish writing", path);
        goto done;
    }
    rc = gwi_atomic_commit(tmp, path);
    tmp[0] = '\0';
done:
    if (lcpl >= 0)
        H5Pclose(lcpl);
    if (file >= 0)
        H5Fclose(file);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (rc != GW_OK)
        gwi_atomic_abort(tmp);
    gwi_h5_quiet_end(&q);
    return rc;
}

/* ---- reading ------------------------------------------------------------------------------ */

/* Lists the columns of grp: the names of its `columns` attribute first, in that order, then any
 * dataset the attribute does not name (one added by another tool), by creation order when the
 * group tracks it, else by name. Every name listed by the attribute must be a dataset (checked
 * by the caller when it opens it). */
static gw_status list_columns(hid_t grp, const char *what, char ***names, size_t *n)
{
    gw_status rc = GW_OK;
    char **attr = NULL;
    size_t nattr = 0;
    char **found = NULL;
    size_t nfound = 0;
    *names = NULL;
    *n = 0;
    htri_t has = H5Aexists(grp, "columns");
    if (has < 0)
        return gwi_h5_fail(GW_EFORMAT, "%s: cannot read its attributes", what);
    if (has > 0) {
        char buf[1200];
        snprintf(buf, sizeof buf, "%s attribute 'columns'", what);
        hid_t a = H5Aopen(grp, "columns", H5P_DEFAULT);
        if (a < 0)
            return gwi_h5_fail(GW_EFORMAT, "%s: cannot open", buf);
        rc = gwi_read_strs(a, 1, buf, &attr, &nattr);
        H5Aclose(a);
        if (rc != GW_OK)
            return rc;
    }
    if ((rc = gwi_h5_list_members(grp, H5I_DATASET, what, &found, &nfound)) != GW_OK)
        goto done;
    /* Merge: the attribute's names, then the unlisted datasets (moved, not copied). */
    char **all = gw_calloc(nattr + nfound + 1, sizeof *all);
    if (all == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot list %zu columns", nattr + nfound);
        goto done;
    }
    size_t m = 0;
    for (size_t i = 0; i < nattr; i++) {
        for (size_t j = 0; j < i; j++)
            if (strcmp(attr[i], all[j]) == 0) {
                gwi_free_strs(all, m);
                rc = gwi_fail(GW_EFORMAT, "%s attribute 'columns' names '%s' twice", what, attr[i]);
                goto done;
            }
        all[m++] = attr[i];
        attr[i] = NULL;
    }
    for (size_t j = 0; j < nfound; j++) {
        size_t i = 0;
        while (i < nattr && strcmp(all[i], found[j]) != 0)
            i++;
        if (i == nattr) {
            all[m++] = found[j];
            found[j] = NULL;
        }
    }
    *names = all;
    *n = m;
done:
    gwi_free_strs(attr, nattr);
    gwi_free_strs(found, nfound);
    return rc;
}

/* Checks that dataset `name` of grp is 1-D and returns its length. */
static gw_status column_length(hid_t grp, const char *name, const char *what, size_t *len)
{
    gw_status rc = GW_OK;
    hid_t ds = H5Dopen2(grp, name, H5P_DEFAULT);
    hid_t space = -1;
    if (ds < 0) {
        rc = gwi_h5_fail(GW_EFORMAT, "%s/%s: no such dataset", what, name);
        goto done;
    }
    if ((space = H5Dget_space(ds)) < 0) {
        rc = gwi_h5_fail(GW_EFORMAT, "%s/%s: cannot read its shape", what, name);
        goto done;
    }
    int rank = H5Sget_simple_extent_ndims(space);
    if (rank != 1) {
        rc =
            gwi_fail(GW_EFORMAT, "%s/%s has %d dimensions; a column must be 1-D", what, name, rank);
        goto done;
    }
    hsize_t dims[1] = {0};
    H5Sget_simple_extent_dims(space, dims, NULL);
    *len = (size_t)dims[0];
done:
    if (space >= 0)
        H5Sclose(space);
    if (ds >= 0)
        H5Dclose(ds);
    return rc;
}

/* Reads all n rows of ds as doubles (codes 0) or int32 codes (codes 1) into dst: chunk by
 * chunk on the worker threads where hdf5_chunks.c handles the layout, else by one H5Dread. */
static gw_status read_data(hid_t file, hid_t ds, size_t n, int codes, void *dst, const char *what,
                           const char *name)
{
    gw_status rc = gwi_h5_read_column(file, ds, n, codes, dst, what, name);
    if (rc != GW_EUNSUPPORTED)
        return rc;
    if (n > 0 && H5Dread(ds, codes ? H5T_NATIVE_INT32 : H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                         H5P_DEFAULT, dst) < 0)
        return gwi_h5_fail(GW_EFORMAT, "%s/%s: cannot read (truncated or corrupt?)", what, name);
    return GW_OK;
}

/* Reads dataset `name` of grp (n rows) and adds it to t. */
static gw_status read_column(hid_t file, hid_t grp, const char *name, const char *what, size_t n,
                             gw_table *t)
{
    gw_status rc = GW_OK;
    hid_t ds = -1, ftype = -1, la = -1;
    double *values = NULL;
    int32_t *codes = NULL;
    char **levels = NULL;
    size_t nl = 0;
    char lwhat[1200];
    if ((ds = H5Dopen2(grp, name, H5P_DEFAULT)) < 0 || (ftype = H5Dget_type(ds)) < 0) {
        rc = gwi_h5_fail(GW_EFORMAT, "%s/%s: cannot open", what, name);
        goto done;
    }
    H5T_class_t cls = H5Tget_class(ftype);
    htri_t has_levels = H5Aexists(ds, "levels");
    if (cls == H5T_INTEGER && has_levels > 0) {
        snprintf(lwhat, sizeof lwhat, "%s/%s attribute 'levels'", what, name);
        if ((la = H5Aopen(ds, "levels", H5P_DEFAULT)) < 0) {
            rc = gwi_h5_fail(GW_EFORMAT, "%s: cannot open", lwhat);
            goto done;
        }
        if ((rc = gwi_read_strs(la, 1, lwhat, &levels, &nl)) != GW_OK)
            goto done;
        if ((codes = gw_alloc_array(n, sizeof *codes)) == NULL) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu codes for %s", n, name);
            goto done;
        }
        if ((rc = read_data(file, ds, n, 1, codes, what, name)) != GW_OK)
            goto done;
        for (size_t i = 0; i < n; i++) {
            if (codes[i] < -1 || (codes[i] >= 0 && (size_t)codes[i] >= nl)) {
                rc = gwi_fail(GW_EFORMAT, "%s/%s: code %ld at row %zu is not -1 or 0..%zu", what,
                              name, (long)codes[i], i + 1, nl ? nl - 1 : 0);
                goto done;
            }
        }
        rc = gw_table_add_categorical_take(t, name, codes, levels, nl);
        codes = NULL;
        levels = NULL;
        goto done;
    }
    if (cls != H5T_INTEGER && cls != H5T_FLOAT) {
        rc = gwi_fail(GW_EFORMAT,
                      "%s/%s is a %s dataset; a column must be float64 or int32 codes with "
                      "'levels'",
                      what, name,
                      cls == H5T_STRING     ? "string"
                      : cls == H5T_COMPOUND ? "compound"
                      : cls == H5T_ENUM     ? "enum"
                                            : "non-numeric");
        goto done;
    }
    if ((values = gw_alloc_array(n, sizeof *values)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu values for %s", n, name);
        goto done;
    }
    if ((rc = read_data(file, ds, n, 0, values, what, name)) != GW_OK)
        goto done;
    rc = gw_table_add_numeric_take(t, name, values);
    values = NULL;
done:
    gw_free(values);
    gw_free(codes);
    gwi_free_strs(levels, nl);
    if (la >= 0)
        H5Aclose(la);
    if (ftype >= 0)
        H5Tclose(ftype);
    if (ds >= 0)
        H5Dclose(ds);
    return rc;
}

gw_status gw_h5_table_read(const char *path, const char *group, const char *const *columns,
                           size_t ncolumns, gw_table **out)
{
    gw_status rc = GW_OK;
    gwi_h5_quiet q;
    hid_t file = -1, grp = -1;
    char **names = NULL;
    size_t nnames = 0, nrows = 0;
    gw_table *t = NULL;
    char what[1100];
    *out = NULL;
    if (path == NULL)
        return gwi_fail(GW_EINVAL, "gw_h5_table_read: NULL path");
    if (group == NULL)
        group = GW_H5_DEFAULT_GROUP;
    if (columns == NULL)
        ncolumns = 0;
    for (size_t a = 0; a < ncolumns; a++)
        for (size_t b = 0; b < a; b++)
            if (strcmp(columns[a], columns[b]) == 0)
                return gwi_fail(GW_EINVAL, "column '%s' requested twice", columns[a]);
    snprintf(what, sizeof what, "%s: %s%s", gwi_base(path), group[0] == '/' ? "" : "/", group);
    gwi_h5_quiet_begin(&q);
    if ((rc = gwi_h5_open_read(path, &file)) != GW_OK)
        goto done;
    if ((grp = H5Gopen2(file, group, H5P_DEFAULT)) < 0) {
        rc = gwi_h5_fail(GW_EFORMAT, "%s: no such group (not a goodwork data table?)", what);
        goto done;
    }
    /* Before any string is read: libhdf5 1.10.8 hangs on a corrupt global heap. The columns'
     * raw data is left out of the scan (it was a full extra pass over the file). */
    if ((rc = gwi_h5_check_group_heaps(grp, path, what)) != GW_OK)
        goto done;
    if ((rc = list_columns(grp, what, &names, &nnames)) != GW_OK)
        goto done;
    /* All columns must be 1-D and of one length, requested or not: a malformed table is
     * reported as such whichever columns a model happens to use. */
    const char *first = NULL;
    for (size_t j = 0; j < nnames; j++) {
        size_t len = 0;
        if ((rc = column_length(grp, names[j], what, &len)) != GW_OK)
            goto done;
        if (first == NULL) {
            first = names[j];
            nrows = len;
        } else if (len != nrows) {
            rc = gwi_fail(GW_EFORMAT, "%s/%s has %zu rows, %s/%s has %zu", what, first, nrows,
                          what + strlen(gwi_base(path)) + 2, names[j], len);
            goto done;
        }
    }
    if ((rc = gw_table_new(nrows, &t)) != GW_OK)
        goto done;
    if (ncolumns == 0) {
        for (size_t j = 0; j < nnames && rc == GW_OK; j++)
            rc = read_column(file, grp, names[j], what, nrows, t);
    } else {
        for (size_t c = 0; c < ncolumns && rc == GW_OK; c++) {
            size_t j = 0;
            while (j < nnames && strcmp(names[j], columns[c]) != 0)
                j++;
            if (j == nnames)
                rc = gwi_fail(GW_ENOVAR, "%s has no column '%s'", what, columns[c]);
            else
                rc = read_column(file, grp, names[j], what, nrows, t);
        }
    }
done:
    gwi_free_strs(names, nnames);
    if (grp >= 0)
        H5Gclose(grp);
    if (file >= 0)
        H5Fclose(file);
    gwi_h5_quiet_end(&q);
    if (rc != GW_OK) {
        gw_table_free(t);
        return rc;
    }
    *out = t;
    return GW_OK;
}
