/* hdf5_chunks.c -- whole 1-D columns read chunk by chunk on several threads (hdf5_int.h).
 *
 * Why not H5Dread: libhdf5 (Debian's serial build) decodes a dataset's chunks one after the
 * other on the calling thread, and is not thread-safe, so a 10^7-row shuffle+deflate column
 * costs about 0.2-0.3 s of single-threaded inflate; fourteen of them take seconds. Here the
 * HDF5 library is asked only where each chunk lies (H5Dget_chunk_info_by_coord: address, stored
 * size and filter mask), once per chunk, on the calling thread. The chunks' bytes are then read
 * with pread(2) from HDF5's own file descriptor (the sec2 driver's, so it is the same open file)
 * and decoded -- inflate (zlib, the library HDF5's deflate filter itself calls), unshuffle,
 * conversion to double -- by the worker threads of gw_par.h, each chunk into its own rows of
 * the destination. No HDF5 function is called from a worker. Unfiltered chunks of the
 * destination's element type are read straight into the destination, so an unfiltered float64
 * column is read at the speed of the page cache on every thread at once. (What remains is the
 * kernel's: the copy from the page cache and the first-touch faults of the fresh destination,
 * about half each by perf on a 10^7 x 14 table. Asking for transparent huge pages with madvise
 * was measured and dropped: on this VM its median over 12 runs was no better, 0.61 s against
 * 0.65 s on 2 threads, with outliers of 2-3 s spent zeroing huge pages.)
 *
 * The result is the same bytes whatever the thread count (each chunk is decoded alone into its
 * own rows), and the same bytes H5Dread gives: the same decompressor, the inverse of HDF5's
 * shuffle, and C conversions from int32/int64 to double as HDF5's hard conversions do them.
 *
 * Anything this reader does not handle exactly is left to H5Dread (GW_EUNSUPPORTED, no
 * message): contiguous or compact layout, a filter other than shuffle and deflate (fletcher32,
 * szip, nbit, scale-offset, plugins), big-endian or unusual element types, chunks not yet
 * allocated (HDF5 supplies the fill value), a file with a user block or opened through another
 * driver. What it does handle is checked: a stored size that cannot be right, a chunk beyond
 * the end of the file, data that does not inflate to exactly one chunk are GW_EFORMAT naming the
 * column and the chunk, never a crash and never a silently wrong value. */
#include <limits.h>
#include <omp.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_par.h"
#include "hdf5_int.h"

/* Element types of a column's dataset that are decoded here. */
typedef enum { ELT_F64, ELT_I32, ELT_I64 } elt_kind;

/* What a worker found wrong with a chunk (reported by the calling thread, in chunk order, so
 * that the message does not depend on the thread count). */
typedef enum { CK_OK = 0, CK_READ, CK_INFLATE, CK_LENGTH } ck_err;

typedef struct {
    int fd;          /* HDF5's descriptor of the file (borrowed) */
    uint64_t fsize;  /* bytes of the file */
    size_t n;        /* rows of the column */
    size_t chunk;    /* rows per chunk */
    size_t esize;    /* bytes per element in the file */
    elt_kind kind;   /* element type in the file */
    int shuffle_at;  /* index of the shuffle filter in the pipeline, -1 when absent */
    int deflate_at;  /* index of the deflate filter, -1 when absent */
    size_t nchunks;  /* ceil(n / chunk) */
    uint64_t *addr;  /* file offset of each chunk */
    uint64_t *size;  /* stored bytes of each chunk */
    unsigned *mask;  /* filter mask of each chunk: bit i set = filter i was skipped */
    size_t max_size; /* largest stored size */
} col_plan;

static void plan_free(col_plan *p)
{
    gw_free(p->addr);
    gw_free(p->size);
    gw_free(p->mask);
}

/* The element kind of ftype, or -1 when it is not one decoded here (little-endian IEEE double,
 * little-endian two's complement int32/int64). */
static int elt_of(hid_t ftype, size_t *esize)
{
    H5T_class_t cls = H5Tget_class(ftype);
    size_t sz = H5Tget_size(ftype);
    if (H5Tget_order(ftype) != H5T_ORDER_LE)
        return -1;
    *esize = sz;
    if (cls == H5T_FLOAT)
        return H5Tequal(ftype, H5T_IEEE_F64LE) > 0 ? ELT_F64 : -1;
    if (cls == H5T_INTEGER && H5Tget_sign(ftype) == H5T_SGN_2)
        return sz == 4 ? ELT_I32 : sz == 8 ? ELT_I64 : -1;
    return -1;
}

/* Reads the filter pipeline of dcpl into p. 0 when it holds anything but shuffle then deflate
 * (each optional), or a shuffle whose element size is not the dataset's. */
static int plan_filters(hid_t dcpl, col_plan *p)
{
    int nf = H5Pget_nfilters(dcpl);
    p->shuffle_at = p->deflate_at = -1;
    if (nf < 0 || nf > 2)
        return 0;
    for (int i = 0; i < nf; i++) {
        unsigned flags = 0, cd[8] = {0};
        size_t ncd = 8;
        H5Z_filter_t id = H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, cd, 0, NULL, NULL);
        if (id == H5Z_FILTER_SHUFFLE && p->deflate_at < 0 && p->shuffle_at < 0 &&
            (ncd == 0 || cd[0] == p->esize))
            p->shuffle_at = i;
        else if (id == H5Z_FILTER_DEFLATE && p->deflate_at < 0)
            p->deflate_at = i;
        else
            return 0;
    }
    return 1;
}

/* The descriptor of the sec2 driver through which `file` was opened, or -1 (another driver, a
 * user block: chunk addresses would then not be plain file offsets). */
static int file_fd(hid_t file)
{
    int fd = -1;
    hid_t fapl = H5Fget_access_plist(file), fcpl = H5Fget_create_plist(file);
    hsize_t ub = 1;
    void *handle = NULL;
    if (fapl >= 0 && fcpl >= 0 && H5Pget_driver(fapl) == H5FD_SEC2 &&
        H5Pget_userblock(fcpl, &ub) >= 0 && ub == 0 &&
        H5Fget_vfd_handle(file, fapl, &handle) >= 0 && handle != NULL)
        fd = *(int *)handle;
    if (fcpl >= 0)
        H5Pclose(fcpl);
    if (fapl >= 0)
        H5Pclose(fapl);
    return fd;
}

/* Fills p for dataset ds of n rows: layout, type, filters and every chunk's place.
 * GW_EUNSUPPORTED (leave the column to H5Dread), GW_EFORMAT (a chunk that cannot be right),
 * GW_ENOMEM. */
static gw_status plan_column(hid_t file, hid_t ds, size_t n, const char *what, const char *name,
                             col_plan *p)
{
    gw_status rc = GW_EUNSUPPORTED;
    hid_t dcpl = H5Dget_create_plist(ds), ftype = H5Dget_type(ds);
    hsize_t ch[1] = {0};
    struct stat st;
    int kind = -1;
    memset(p, 0, sizeof *p);
    p->n = n;
    if (dcpl < 0 || ftype < 0 || H5Pget_layout(dcpl) != H5D_CHUNKED ||
        H5Pget_chunk(dcpl, 1, ch) != 1 || ch[0] == 0 || (kind = elt_of(ftype, &p->esize)) < 0 ||
        !plan_filters(dcpl, p) || (p->fd = file_fd(file)) < 0 || fstat(p->fd, &st) != 0)
        goto done;
    p->kind = (elt_kind)kind;
    p->chunk = (size_t)ch[0];
    p->fsize = (uint64_t)st.st_size;
    /* A chunk over 64 MiB is no table of ours (goodwork writes 512 KiB; 1 Mi rows is 8 MiB)
     * and may be a corrupt chunk dimension: H5Dread then decides what to make of it, and this
     * reader never allocates scratch for a chunk size it cannot trust. */
    if (p->chunk > ((size_t)64 << 20) / p->esize)
        goto done;
    p->nchunks = (n + p->chunk - 1) / p->chunk;
    p->addr = gw_alloc_array(p->nchunks + 1, sizeof *p->addr);
    p->size = gw_alloc_array(p->nchunks + 1, sizeof *p->size);
    p->mask = gw_alloc_array(p->nchunks + 1, sizeof *p->mask);
    if (p->addr == NULL || p->size == NULL || p->mask == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot plan the chunks of %s/%s", what, name);
        goto done;
    }
    /* The largest a stored chunk can honestly be: its raw bytes, or zlib's bound on them. */
    size_t raw = p->chunk * p->esize;
    uint64_t limit = p->deflate_at >= 0 ? (uint64_t)compressBound((uLong)raw) : (uint64_t)raw;
    for (size_t k = 0; k < p->nchunks; k++) {
        hsize_t off[1] = {(hsize_t)(k * p->chunk)}, size = 0;
        haddr_t addr = HADDR_UNDEF;
        if (H5Dget_chunk_info_by_coord(ds, off, &p->mask[k], &addr, &size) < 0 ||
            addr == HADDR_UNDEF)
            goto done; /* unallocated (fill value) or unreadable index: H5Dread decides */
        int filtered = p->deflate_at >= 0 && !(p->mask[k] & (1u << p->deflate_at));
        if (size == 0 || (uint64_t)size > (filtered ? limit : (uint64_t)raw) ||
            (!filtered && (uint64_t)size != (uint64_t)raw) || (uint64_t)addr > p->fsize ||
            (uint64_t)size > p->fsize - (uint64_t)addr) {
            rc = gwi_fail(GW_EFORMAT,
                          "%s/%s: chunk %zu (%llu bytes at byte %llu) does not fit a chunk of "
                          "%zu rows or the file's %llu bytes (truncated or corrupt?)",
                          what, name, k + 1, (unsigned long long)size, (unsigned long long)addr,
                          p->chunk, (unsigned long long)p->fsize);
            goto done;
        }
        p->addr[k] = (uint64_t)addr;
        p->size[k] = (uint64_t)size;
        if ((size_t)size > p->max_size)
            p->max_size = (size_t)size;
    }
    rc = GW_OK;
done:
    H5Eclear2(H5E_DEFAULT);
    if (ftype >= 0)
        H5Tclose(ftype);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    return rc;
}

/* pread of exactly len bytes at off; 0 on a short read or an error. */
static int read_at(int fd, void *dst, size_t len, uint64_t off)
{
    unsigned char *d = dst;
    while (len > 0) {
        ssize_t r = pread(fd, d, len, (off_t)off);
        if (r <= 0)
            return 0;
        d += r;
        len -= (size_t)r;
        off += (uint64_t)r;
    }
    return 1;
}

/* HDF5's shuffle filter stores byte b of element i at b*count + i; this puts it back. */
static void unshuffle(const unsigned char *src, unsigned char *dst, size_t count, size_t esize)
{
    for (size_t b = 0; b < esize; b++) {
        const unsigned char *s = src + b * count;
        for (size_t i = 0; i < count; i++)
            dst[i * esize + b] = s[i];
    }
}

/* Converts m decoded elements of the file's kind into the destination. */
static void convert(const col_plan *p, const unsigned char *src, size_t m, int want_codes,
                    void *dst)
{
    if (want_codes || p->kind == ELT_F64) {
        memcpy(dst, src, m * p->esize);
    } else if (p->kind == ELT_I32) {
        double *d = dst;
        for (size_t i = 0; i < m; i++) {
            int32_t v;
            memcpy(&v, src + 4 * i, 4);
            d[i] = (double)v;
        }
    } else {
        double *d = dst;
        for (size_t i = 0; i < m; i++) {
            int64_t v;
            memcpy(&v, src + 8 * i, 8);
            d[i] = (double)v;
        }
    }
}

/* 1 when every one of the m doubles at d is finite. Run on a chunk just decoded, while it is
 * in the cache, so that building a frame need not read the column again to look for NaN and
 * infinity. Branch-free integer arithmetic that the compiler vectorises: the exponent field
 * plus one carries into the sign bit only when it is all ones (NaN or infinity). */
static int all_finite(const double *d, size_t m)
{
    const uint64_t exp = UINT64_C(0x7ff0000000000000), one = UINT64_C(1) << 52;
    uint64_t bad = 0;
    for (size_t i = 0; i < m; i++) {
        uint64_t b;
        memcpy(&b, d + i, sizeof b);
        bad |= (b & exp) + one;
    }
    return (bad >> 63) == 0;
}

/* Decodes chunk k into its rows of dst, with raw (max_size bytes) and tmp (two chunks of
 * raw bytes) as scratch. Returns CK_OK or what went wrong. */
static ck_err decode_chunk(const col_plan *p, size_t k, int want_codes, void *dst,
                           unsigned char *raw, unsigned char *tmp)
{
    size_t first = k * p->chunk, m = p->n - first < p->chunk ? p->n - first : p->chunk;
    size_t bytes = p->chunk * p->esize, dsize = want_codes ? 4 : 8;
    unsigned char *out = (unsigned char *)dst + first * dsize;
    int inflate_on = p->deflate_at >= 0 && !(p->mask[k] & (1u << p->deflate_at));
    int shuffle_on = p->shuffle_at >= 0 && !(p->mask[k] & (1u << p->shuffle_at));
    int same = want_codes || p->kind == ELT_F64; /* file bytes are destination bytes */
    if (!inflate_on && !shuffle_on && same && m == p->chunk)
        return read_at(p->fd, out, bytes, p->addr[k]) ? CK_OK : CK_READ;
    if (!read_at(p->fd, raw, (size_t)p->size[k], p->addr[k]))
        return CK_READ;
    const unsigned char *cur = raw;
    if (inflate_on) {
        uLongf len = (uLongf)bytes;
        int z = uncompress(tmp, &len, raw, (uLong)p->size[k]);
        if (z != Z_OK)
            return CK_INFLATE;
        if ((size_t)len != bytes)
            return CK_LENGTH;
        cur = tmp;
    }
    if (shuffle_on) {
        unsigned char *to = cur == tmp ? tmp + bytes : tmp;
        if (same && m == p->chunk)
            to = out;
        unshuffle(cur, to, p->chunk, p->esize);
        if (to == out)
            return CK_OK;
        cur = to;
    }
    convert(p, cur, m, want_codes, out);
    return CK_OK;
}

/* Reads every chunk of p into dst on the worker threads; the first failing chunk (in chunk
 * order) is reported. */
static gw_status decode_all(const col_plan *p, int want_codes, void *dst, const char *what,
                            const char *name, int *finite)
{
    gw_status rc = GW_OK;
    int nt = gw_threads_get();
    if ((size_t)nt > p->nchunks)
        nt = p->nchunks > 0 ? (int)p->nchunks : 1;
    size_t bytes = p->chunk * p->esize, per = p->max_size + 2 * bytes;
    /* Scratch for every thread, allocated here: gw_alloc's fault injection counts per thread. */
    unsigned char *scratch = gw_alloc_array((size_t)nt, per);
    unsigned char *err = gw_calloc(2 * p->nchunks + 1, 1), *bad = err + p->nchunks;
    if (scratch == NULL || err == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate %d chunk buffers for %s/%s", nt, what, name);
        goto done;
    }
    const long nch = (long)p->nchunks;
#pragma omp parallel num_threads(nt)
    {
        unsigned char *raw = scratch + (size_t)omp_get_thread_num() * per;
#pragma omp for schedule(dynamic, 1)
        for (long k = 0; k < nch; k++) {
            err[k] =
                (unsigned char)decode_chunk(p, (size_t)k, want_codes, dst, raw, raw + p->max_size);
            size_t first = (size_t)k * p->chunk;
            size_t m = p->n - first < p->chunk ? p->n - first : p->chunk;
            bad[k] = !want_codes && err[k] == CK_OK && !all_finite((double *)dst + first, m);
        }
    }
    *finite = !want_codes;
    for (size_t k = 0; k < p->nchunks; k++)
        *finite &= !bad[k];
    for (size_t k = 0; k < p->nchunks && rc == GW_OK; k++) {
        if (err[k] == CK_OK)
            continue;
        rc = gwi_fail(err[k] == CK_READ ? GW_EIO : GW_EFORMAT,
                      "%s/%s: chunk %zu (rows %zu..%zu): %s", what, name, k + 1, k * p->chunk + 1,
                      k * p->chunk + p->chunk < p->n ? k * p->chunk + p->chunk : p->n,
                      err[k] == CK_READ      ? "cannot read its bytes (truncated file?)"
                      : err[k] == CK_INFLATE ? "corrupt deflate data"
                                             : "inflates to the wrong length (corrupt?)");
    }
done:
    gw_free(err);
    gw_free(scratch);
    return rc;
}

gw_status gwi_h5_read_column(hid_t file, hid_t ds, size_t n, int want_codes, void *dst,
                             const char *what, const char *name, int *finite)
{
    col_plan p;
    *finite = 0;
    if (n == 0)
        return GW_OK;
    gw_status rc = plan_column(file, ds, n, what, name, &p);
    if (rc == GW_OK && want_codes && p.kind != ELT_I32)
        rc = GW_EUNSUPPORTED;
    if (rc == GW_OK)
        rc = decode_all(&p, want_codes, dst, what, name, finite);
    plan_free(&p);
    return rc;
}
