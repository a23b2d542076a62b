/* hdf5_util.c -- the HDF5 helpers of hdf5_int.h: quiet error handling, atomic replacement,
 * attributes and strings.
 *
 * Why a copy-then-rename protocol rather than writing in place: HDF5 updates metadata in many
 * places of a file, so a process killed in the middle of H5Fclose leaves a file that may not open
 * at all. Every write goes to a private temporary file in the target's directory (so rename(2)
 * is atomic: same file system), which is flushed to disk before being renamed over the target.
 * A crash before the rename leaves the old file untouched; a crash after it leaves the new one.
 * Only a stale temporary can remain, named after the dead process, and the next write to the
 * same target deletes it (a process ended by SIGINT or SIGTERM in a program that calls
 * gw_cleanup_on_signal leaves none). Writers of one target are serialised by a lock on a file
 * beside it (take_lock), held from before the copy until after the rename, so that two
 * processes appending at once both keep their models. */
#include "hdf5_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "core_int.h"
#include "gw_alloc.h"

void gwi_h5_quiet_begin(gwi_h5_quiet *q)
{
    /* HDF5 closes whatever is still open in an atexit handler, and when it cannot (a corrupt
     * file whose metadata cache entries fail their checksums stays open after H5Fclose fails)
     * it prints "HDF5: infinite loop closing library" to stderr at exit. Every function here
     * closes its files before returning, so nothing is lost by not registering the handler.
     * H5dont_atexit only takes effect before HDF5's first initialisation; if a host program
     * has already used HDF5 it fails harmlessly and the host's choice stands. */
    static int atexit_done;
    if (!atexit_done) {
        atexit_done = 1;
        H5dont_atexit();
    }
    q->func = NULL;
    q->data = NULL;
    H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void gwi_h5_quiet_end(const gwi_h5_quiet *q) { H5Eset_auto2(H5E_DEFAULT, q->func, q->data); }

/* H5Ewalk2 visits the stack from the innermost frame (where HDF5 detected the problem) when
 * walking upward; that frame's description ("truncated file: eof = ...", "file signature not
 * found") is the most specific, so the walk keeps only the first one. */
static herr_t first_desc(unsigned n, const H5E_error2_t *err, void *data)
{
    char *buf = data;
    (void)n;
    if (buf[0] == '\0' && err->desc != NULL)
        snprintf(buf, 256, "%s", err->desc);
    return 0;
}

gw_status gwi_h5_fail(gw_status s, const char *fmt, ...)
{
    char what[1024], desc[256] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, first_desc, desc);
    if (desc[0] != '\0')
        return gwi_fail(s, "%s (HDF5: %s)", what, desc);
    return gwi_fail(s, "%s", what);
}

hid_t gwi_h5_fapl(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0)
        return fapl;
    if (H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18) < 0) {
        H5Pclose(fapl);
        return -1;
    }
#if H5_VERSION_GE(1, 10, 7)
    /* Locking protects against a concurrent HDF5 writer; on file systems without flock (some
     * network mounts) it would make every open fail, so it is kept but not required. */
    H5Pset_file_locking(fapl, 1, 1);
#endif
    return fapl;
}

const char *gwi_base(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

gw_status gwi_h5_open_read(const char *path, hid_t *file)
{
    gw_status rc = GW_OK;
    hid_t fapl = -1;
    *file = -1;
    /* Opening the file ourselves first separates "cannot read it" (GW_EIO, with errno's
     * reason) from "not an HDF5 file" (GW_EFORMAT), which HDF5 reports alike. */
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return gwi_fail(GW_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return gwi_fail(GW_EIO, "%s: not a regular file", path);
    }
    close(fd);
    if ((fapl = gwi_h5_fapl()) < 0) {
        rc = gwi_h5_fail(GW_EINTERNAL, "%s: cannot make a file access property list", path);
        goto done;
    }
#if H5_VERSION_GE(1, 12, 0)
    htri_t is = H5Fis_accessible(path, fapl);
#else
    htri_t is = H5Fis_hdf5(path);
#endif
    if (is <= 0) {
        rc = gwi_h5_fail(GW_EFORMAT, "%s: not an HDF5 file", path);
        goto done;
    }
    *file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    if (*file < 0)
        rc = gwi_h5_fail(GW_EFORMAT, "%s: cannot open as HDF5 (truncated or corrupt?)", path);
done:
    if (fapl >= 0)
        H5Pclose(fapl);
    return rc;
}

/* ---- atomic replacement ---------------------------------------------------------------- */

/* Splits path into its directory ("." when none) and base name. */
static gw_status split_path(const char *path, char *dir, const char **base)
{
    const char *slash = strrchr(path, '/');
    size_t len = strlen(path);
    if (len == 0 || len + 64 >= GWI_PATH_MAX)
        return gwi_fail(GW_EINVAL, "output path '%s' is empty or too long", path);
    if (slash == NULL) {
        strcpy(dir, ".");
        *base = path;
    } else if (slash == path) {
        strcpy(dir, "/");
        *base = slash + 1;
    } else {
        memcpy(dir, path, (size_t)(slash - path));
        dir[slash - path] = '\0';
        *base = slash + 1;
    }
    if ((*base)[0] == '\0')
        return gwi_fail(GW_EINVAL, "output path '%s' names a directory", path);
    return GW_OK;
}

/* Deletes "<dir>/.<base>.tmp.<pid>" files whose process is gone (kill(pid, 0) says ESRCH):
 * what a writer killed between creating its temporary and renaming it leaves behind. Best
 * effort: failures are ignored, a live process's temporary is never touched. */
static void remove_stale(const char *dir, const char *base)
{
    char prefix[GWI_PATH_MAX], full[GWI_PATH_MAX];
    snprintf(prefix, sizeof prefix, ".%s.tmp.", base);
    size_t plen = strlen(prefix);
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, plen) != 0)
            continue;
        char *end = NULL;
        long pid = strtol(e->d_name + plen, &end, 10);
        if (end == e->d_name + plen || *end != '\0' || pid <= 0 || pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        if ((size_t)snprintf(full, sizeof full, "%s/%s", dir, e->d_name) < sizeof full)
            unlink(full);
    }
    closedir(d);
}

/* Copies src to a new file dst (created exclusively, with src's permission bits). */
static gw_status copy_file(const char *src, const char *dst)
{
    gw_status rc = GW_OK;
    int in = -1, out = -1;
    char *buf = NULL;
    struct stat st;
    if ((in = open(src, O_RDONLY)) < 0 || fstat(in, &st) != 0) {
        rc = gwi_fail(GW_EIO, "%s: cannot read: %s", src, strerror(errno));
        goto done;
    }
    if ((out = open(dst, O_WRONLY | O_CREAT | O_EXCL, st.st_mode & 07777)) < 0) {
        rc = gwi_fail(GW_EIO, "%s: cannot create: %s", dst, strerror(errno));
        goto done;
    }
    enum { CHUNK = 1 << 20 };
    if ((buf = gw_malloc(CHUNK)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate a copy buffer");
        goto done;
    }
    for (;;) {
        ssize_t got = read(in, buf, CHUNK);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = gwi_fail(GW_EIO, "%s: read failed: %s", src, strerror(errno));
            goto done;
        }
        if (got == 0)
            break;
        for (ssize_t off = 0; off < got;) {
            ssize_t put = write(out, buf + off, (size_t)(got - off));
            if (put < 0 && errno == EINTR)
                continue;
            if (put < 0) {
                rc = gwi_fail(GW_EIO, "%s: write failed: %s", dst, strerror(errno));
                goto done;
            }
            off += put;
        }
    }
done:
    gw_free(buf);
    if (in >= 0)
        close(in);
    if (out >= 0 && close(out) != 0 && rc == GW_OK)
        rc = gwi_fail(GW_EIO, "%s: close failed: %s", dst, strerror(errno));
    return rc;
}

/* The longest wait for another writer's lock, in seconds: GW_LOCK_TIMEOUT, else 60 (long enough
 * for any append of a fitted model, short enough that a stuck pipeline says so). */
static gw_status lock_timeout(double *secs)
{
    const char *e = getenv("GW_LOCK_TIMEOUT");
    *secs = 60;
    if (e == NULL || e[0] == '\0')
        return GW_OK;
    char *end = NULL;
    double v = strtod(e, &end);
    if (end == e || *end != '\0' || !(v >= 0 && v <= 1e6))
        return gwi_fail(GW_EINVAL,
                        "GW_LOCK_TIMEOUT='%s' is not a number of seconds between 0 and 1e6", e);
    *secs = v;
    return GW_OK;
}

/* Takes the exclusive lock on "<dir>/.<base>.lock" for path; *fd receives the descriptor, or -1
 * when the file system has no locks (then writers are not serialised, as before locks existed).
 * Why flock on a lock file beside the target, not on the target: the target is replaced by
 * rename, so a writer waiting on its old inode would get a lock nobody else sees, and a target
 * that does not exist yet has nothing to lock; and libhdf5 itself flocks the files it opens, so
 * a lock held on the target would make readers fail instead of read the old version. flock (not
 * fcntl) because its locks belong to the open file description: two threads of one process
 * exclude each other, and closing another descriptor of the file cannot drop the lock. The
 * kernel releases it when its holder dies, SIGKILL included, so a killed writer never blocks
 * others. The lock file is never deleted: deleting it would let a waiter holding the old inode
 * and a newcomer creating a new one both hold "the" lock. Waiting polls (1 ms doubling to
 * 10 ms) because a blocking flock cannot be given a time limit without signals. */
static gw_status take_lock(const char *dir, const char *base, const char *path, const char *noun,
                           int *fd)
{
    char lock[GWI_PATH_MAX];
    double timeout = 0;
    gw_status rc = lock_timeout(&timeout);
    *fd = -1;
    if (rc != GW_OK)
        return rc;
    if ((size_t)snprintf(lock, sizeof lock, "%s/.%s.lock", dir, base) >= sizeof lock)
        return gwi_fail(GW_EINVAL, "output path '%s' is too long", path);
    /* Read-only is enough for flock, and lets a writer lock a lock file another user made. */
    int f = open(lock, O_RDONLY | O_CREAT | O_CLOEXEC, 0666);
    if (f < 0)
        return gwi_fail(GW_EIO, "%s: cannot create the lock file %s: %s", path, lock,
                        strerror(errno));
    double t0 = gwi_seconds();
    long pause_ns = 1000000;
    for (;;) {
        if (flock(f, LOCK_EX | LOCK_NB) == 0) {
            *fd = f;
            return GW_OK;
        }
        if (errno == EINTR)
            continue;
        if (errno != EWOULDBLOCK) {
            close(f); /* no locks on this file system (ENOLCK, EOPNOTSUPP): go on unlocked */
            return GW_OK;
        }
        double waited = gwi_seconds() - t0;
        if (waited >= timeout) {
            close(f);
            return gwi_fail(GW_EIO,
                            "%s: %s busy: another process has held its lock (%s) for more "
                            "than %g s (GW_LOCK_TIMEOUT sets how many seconds to wait)",
                            path, noun, gwi_base(lock), timeout);
        }
        struct timespec ts = {0, pause_ns};
        nanosleep(&ts, NULL);
        pause_ns = pause_ns < 5000000 ? 2 * pause_ns : 10000000;
    }
}

/* Releases what w holds: the cleanup slot, then the lock (tmp is the caller's to unlink). */
static void release(gwi_atomic *w)
{
    gwi_cleanup_remove(w->slot);
    w->slot = -1;
    w->tmp[0] = '\0';
    if (w->lock_fd >= 0)
        close(w->lock_fd); /* closing the last descriptor releases the flock */
    w->lock_fd = -1;
}

gw_status gwi_atomic_begin(gwi_atomic *w, const char *path, const char *noun, int copy_existing,
                           int *existed)
{
    char dir[GWI_PATH_MAX];
    const char *base = NULL;
    *existed = 0;
    w->tmp[0] = '\0';
    w->lock_fd = w->slot = -1;
    gw_status rc = split_path(path, dir, &base);
    if (rc == GW_OK)
        rc = take_lock(dir, base, path, noun, &w->lock_fd);
    if (rc != GW_OK)
        return rc;
    remove_stale(dir, base);
    if ((size_t)snprintf(w->tmp, GWI_PATH_MAX, "%s/.%s.tmp.%ld", dir, base, (long)getpid()) >=
        GWI_PATH_MAX) {
        release(w);
        return gwi_fail(GW_EINVAL, "output path '%s' is too long", path);
    }
    /* Recorded before the file exists: a signal in between only unlinks a name not yet made. */
    w->slot = gwi_cleanup_add_file(w->tmp);
    /* A leftover of our own pid (an earlier failure of this process) is ours to replace. */
    unlink(w->tmp);
    struct stat st;
    if (stat(path, &st) == 0) {
        if (!S_ISREG(st.st_mode))
            rc = gwi_fail(GW_EIO, "%s: exists and is not a regular file", path);
        *existed = 1;
    } else if (errno != ENOENT) {
        rc = gwi_fail(GW_EIO, "%s: %s", path, strerror(errno));
    }
    if (rc == GW_OK && copy_existing && *existed)
        rc = copy_file(path, w->tmp);
    if (rc != GW_OK)
        gwi_atomic_abort(w);
    return rc;
}

gw_status gwi_atomic_commit(gwi_atomic *w, const char *path)
{
    gw_status rc = GW_OK;
    int fd = open(w->tmp, O_RDWR | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        rc = gwi_fail(GW_EIO, "%s: cannot sync: %s", w->tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        gwi_atomic_abort(w);
        return rc;
    }
    close(fd);
    if (rename(w->tmp, path) != 0) {
        rc = gwi_fail(GW_EIO, "%s: cannot rename into place: %s", path, strerror(errno));
        gwi_atomic_abort(w);
        return rc;
    }
    /* The rename itself is durable only once the directory is synced; the lock is released
     * after that, so the next writer copies what is on disk. */
    char dir[GWI_PATH_MAX];
    const char *base = NULL;
    if (split_path(path, dir, &base) == GW_OK && (fd = open(dir, O_RDONLY | O_CLOEXEC)) >= 0) {
        fsync(fd);
        close(fd);
    }
    release(w);
    return GW_OK;
}

void gwi_atomic_abort(gwi_atomic *w)
{
    if (w->tmp[0] != '\0')
        unlink(w->tmp);
    release(w);
}

/* ---- attributes and strings ------------------------------------------------------------ */

hid_t gwi_h5_vlen_str_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0)
        return t;
    if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/* Creates attribute name on loc (deleting an older one) and writes buf of mem type. */
static herr_t write_attr(hid_t loc, const char *name, hid_t ftype, hid_t mtype, hid_t space,
                         const void *buf)
{
    htri_t ex = H5Aexists(loc, name);
    if (ex < 0 || (ex > 0 && H5Adelete(loc, name) < 0))
        return -1;
    hid_t a = H5Acreate2(loc, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0)
        return -1;
    herr_t st = H5Awrite(a, mtype, buf);
    if (H5Aclose(a) < 0)
        st = -1;
    return st;
}

herr_t gwi_attr_str(hid_t loc, const char *name, const char *value)
{
    hid_t t = gwi_h5_vlen_str_type(), s = H5Screate(H5S_SCALAR);
    herr_t st = -1;
    if (t >= 0 && s >= 0)
        st = write_attr(loc, name, t, t, s, &value);
    if (s >= 0)
        H5Sclose(s);
    if (t >= 0)
        H5Tclose(t);
    return st;
}

herr_t gwi_attr_strs(hid_t loc, const char *name, const char *const *values, size_t n)
{
    hsize_t dims[1] = {n};
    hid_t t = gwi_h5_vlen_str_type(), s = H5Screate_simple(1, dims, NULL);
    herr_t st = -1;
    if (t >= 0 && s >= 0)
        st = write_attr(loc, name, t, t, s, n ? (const void *)values : (const void *)"");
    if (s >= 0)
        H5Sclose(s);
    if (t >= 0)
        H5Tclose(t);
    return st;
}

herr_t gwi_attr_f64(hid_t loc, const char *name, double value)
{
    hid_t s = H5Screate(H5S_SCALAR);
    herr_t st = -1;
    if (s >= 0)
        st = write_attr(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, s, &value);
    if (s >= 0)
        H5Sclose(s);
    return st;
}

herr_t gwi_attr_u64s(hid_t loc, const char *name, const uint64_t *values, size_t n)
{
    hsize_t dims[1] = {n};
    hid_t s = n == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, dims, NULL);
    herr_t st = -1;
    if (s >= 0)
        st = write_attr(loc, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, s, values);
    if (s >= 0)
        H5Sclose(s);
    return st;
}

herr_t gwi_attr_i32(hid_t loc, const char *name, int32_t value)
{
    hid_t s = H5Screate(H5S_SCALAR);
    herr_t st = -1;
    if (s >= 0)
        st = write_attr(loc, name, H5T_STD_I32LE, H5T_NATIVE_INT32, s, &value);
    if (s >= 0)
        H5Sclose(s);
    return st;
}

gw_status gwi_read_strs(hid_t obj, int is_attr, const char *what, char ***out, size_t *n)
{
    gw_status rc = GW_OK;
    hid_t ftype = -1, space = -1, mtype = -1;
    char **vbuf = NULL, *fbuf = NULL, **strs = NULL;
    size_t count = 0;
    int reclaim = 0;
    *out = NULL;
    *n = 0;
    ftype = is_attr ? H5Aget_type(obj) : H5Dget_type(obj);
    space = is_attr ? H5Aget_space(obj) : H5Dget_space(obj);
    if (ftype < 0 || space < 0) {
        rc = gwi_h5_fail(GW_EFORMAT, "%s: cannot read its type", what);
        goto done;
    }
    if (H5Tget_class(ftype) != H5T_STRING) {
        rc = gwi_fail(GW_EFORMAT, "%s is not a string %s", what, is_attr ? "attribute" : "dataset");
        goto done;
    }
    int rank = H5Sget_simple_extent_ndims(space);
    H5S_class_t sclass = H5Sget_simple_extent_type(space);
    if (rank > 1 || rank < 0) {
        rc = gwi_fail(GW_EFORMAT, "%s has %d dimensions; expected a list of strings", what, rank);
        goto done;
    }
    hssize_t np = sclass == H5S_NULL ? 0 : H5Sget_simple_extent_npoints(space);
    if (np < 0) {
        rc = gwi_h5_fail(GW_EFORMAT, "%s: cannot read its size", what);
        goto done;
    }
    count = (size_t)np;
    if ((strs = gw_calloc(count ? count : 1, sizeof *strs)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu strings", count);
        goto done;
    }
    if (count == 0)
        goto done;
    htri_t var = H5Tis_variable_str(ftype);
    if (var > 0) {
        mtype = H5Tcopy(H5T_C_S1);
        if (mtype < 0 || H5Tset_size(mtype, H5T_VARIABLE) < 0 ||
            H5Tset_cset(mtype, H5Tget_cset(ftype)) < 0) {
            rc = gwi_h5_fail(GW_EFORMAT, "%s: cannot make a string type", what);
            goto done;
        }
        if ((vbuf = gw_calloc(count, sizeof *vbuf)) == NULL) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu strings", count);
            goto done;
        }
        herr_t st = is_attr ? H5Aread(obj, mtype, vbuf)
                            : H5Dread(obj, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, vbuf);
        if (st < 0) {
            rc = gwi_h5_fail(GW_EFORMAT, "%s: cannot read its strings", what);
            goto done;
        }
        reclaim = 1;
        for (size_t i = 0; i < count; i++) {
            if ((strs[i] = gw_strdup(vbuf[i] ? vbuf[i] : "")) == NULL) {
                rc = gwi_fail(GW_ENOMEM, "cannot copy a string");
                goto done;
            }
        }
    } else {
        size_t size = H5Tget_size(ftype);
        if (size == 0 || (mtype = H5Tcopy(ftype)) < 0) {
            rc = gwi_h5_fail(GW_EFORMAT, "%s: bad string type", what);
            goto done;
        }
        if ((fbuf = gw_alloc_array(count, size)) == NULL) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu strings", count);
            goto done;
        }
        herr_t st = is_attr ? H5Aread(obj, mtype, fbuf)
                            : H5Dread(obj, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, fbuf);
        if (st < 0) {
            rc = gwi_h5_fail(GW_EFORMAT, "%s: cannot read its strings", what);
            goto done;
        }
        for (size_t i = 0; i < count; i++) {
            const char *src = fbuf + i * size;
            size_t len = 0;
            while (len < size && src[len] != '\0')
                len++;
            /* Space-padded strings (Fortran style) lose their padding. */
            if (H5Tget_strpad(ftype) == H5T_STR_SPACEPAD)
                while (len > 0 && src[len - 1] == ' ')
                    len--;
            if ((strs[i] = gw_malloc(len + 1)) == NULL) {
                rc = gwi_fail(GW_ENOMEM, "cannot copy a string");
                goto done;
            }
            memcpy(strs[i], src, len);
            strs[i][len] = '\0';
        }
    }
done:
    if (reclaim) {
#if H5_VERSION_GE(1, 12, 0)
        H5Treclaim(mtype, space, H5P_DEFAULT, vbuf);
#else
        H5Dvlen_reclaim(mtype, space, H5P_DEFAULT, vbuf);
#endif
    }
    gw_free(vbuf);
    gw_free(fbuf);
    if (mtype >= 0)
        H5Tclose(mtype);
    if (space >= 0)
        H5Sclose(space);
    if (ftype >= 0)
        H5Tclose(ftype);
    if (rc != GW_OK) {
        gwi_strv_free(strs, count);
        return rc;
    }
    *out = strs;
    *n = count;
    return GW_OK;
}

/* The state of gwi_h5_list_members's iteration. */
typedef struct {
    H5I_type_t type;
    char **names;
    size_t n, cap;
    gw_status rc;
} member_list;

static herr_t collect_member(hid_t loc, const char *name, const H5L_info_t *info, void *data)
{
    member_list *l = data;
    if (info->type != H5L_TYPE_HARD)
        return 0;
    hid_t o = H5Oopen(loc, name, H5P_DEFAULT);
    if (o < 0)
        return -1;
    H5I_type_t type = H5Iget_type(o);
    H5Oclose(o);
    if (type != l->type)
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        char **p = gw_realloc(l->names, cap * sizeof *p);
        if (p == NULL) {
            l->rc = gwi_fail(GW_ENOMEM, "cannot list %zu members", cap);
            return -1;
        }
        l->names = p;
        l->cap = cap;
    }
    if ((l->names[l->n] = gw_strdup(name)) == NULL) {
        l->rc = gwi_fail(GW_ENOMEM, "cannot copy a member name");
        return -1;
    }
    l->n++;
    return 0;
}

gw_status gwi_h5_list_members(hid_t grp, H5I_type_t type, const char *what, char ***names,
                              size_t *n)
{
    member_list l = {type, NULL, 0, 0, GW_OK};
    unsigned crt = 0;
    *names = NULL;
    *n = 0;
    hid_t gcpl = H5Gget_create_plist(grp);
    if (gcpl >= 0) {
        if (H5Pget_link_creation_order(gcpl, &crt) < 0)
            crt = 0;
        H5Pclose(gcpl);
    }
    H5_index_t index = (crt & H5P_CRT_ORDER_TRACKED) ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
    hsize_t idx = 0;
    if (H5Literate(grp, index, H5_ITER_INC, &idx, collect_member, &l) < 0) {
        gw_status rc =
            l.rc != GW_OK ? l.rc : gwi_h5_fail(GW_EFORMAT, "%s: cannot list its members", what);
        gwi_strv_free(l.names, l.n);
        return rc;
    }
    *names = l.names;
    *n = l.n;
    return GW_OK;
}

/* ---- validation of global heap collections (gwi_h5_check_global_heaps) ------------------- */

#define GCOL_MINSIZE 4096u
#define GCOL_CHUNK ((size_t)1 << 20)

static uint64_t le_uint(const unsigned char *p, size_t len)
{
    uint64_t v = 0;
    for (size_t i = len; i > 0; i--)
        v = (v << 8) | p[i - 1];
    return v;
}

/* Size of lengths (bytes) from a superblock at offset 0, 512, 1024, ... (8 if not found). */
static size_t sizeof_lengths(int fd, uint64_t fsize)
{
    static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    unsigned char b[16];
    for (uint64_t off = 0; off + sizeof b <= fsize; off = off ? off * 2 : 512) {
        if (pread(fd, b, sizeof b, (off_t)off) != (ssize_t)sizeof b)
            break;
        if (memcmp(b, sig, 8) == 0) {
            size_t len = b[8] >= 2 ? b[10] : b[14];
            return (len == 2 || len == 4 || len == 8) ? len : 8;
        }
        if (off > ((uint64_t)1 << 40))
            break;
    }
    return 8;
}

/* Walks the collection at byte o (header already checked plausible, size csize): returns 0 when
 * libhdf5 would walk it safely, else 1 and *bad the offset of the offending object header. */

/* The bytes a global heap object with header h (ohdr bytes; sizes of L bytes) occupies when
 * `room` bytes of the collection remain at its start: the header plus its size rounded up to 8
 * for an object (idx > 0), the free space's size for object 0; room + 1 when the object
 * overruns the collection (the callers flag it). */
static uint64_t heap_obj_span(const unsigned char *h, size_t L, uint64_t ohdr, uint64_t room)
{
    const unsigned idx = (unsigned)le_uint(h, 2);
    const uint64_t size = le_uint(h + 8, L);
    if (idx == 0)
        return size;
    return size > room ? room + 1 : ohdr + ((size + 7) & ~(uint64_t)7);
}

/* Whether libhdf5 would load a collection whose header h ("GCOL", version, 3 reserved bytes,
 * size) starts at byte o of a file of fsize bytes. The reserved bytes are not tested: libhdf5
 * does not read them, and a fuzzed file with them non-zero hung it in H5HG_read while this check
 * passed it over (tests/fuzz/known_hdf5/timeout-H5HG_read-columns-3.h5). */
static int gcol_loadable(const unsigned char *h, uint64_t csize, uint64_t o, uint64_t fsize)
{
    return h[4] == 1 && csize >= GCOL_MINSIZE && csize <= fsize - o;
}

static int walk_collection(int fd, uint64_t o, uint64_t csize, size_t L, uint64_t *bad)
{
    const uint64_t end = o + csize, ohdr = 8 + L;
    uint64_t p = o + 8 + L;
    unsigned char h[16];
    while (p < end) {
        if (p + ohdr > end)
            return 0; /* the tail is free space */
        if (pread(fd, h, (size_t)ohdr, (off_t)p) != (ssize_t)ohdr) {
            *bad = p;
            return 1;
        }
        const uint64_t need = heap_obj_span(h, L, ohdr, end - p);
        if (need == 0 || need > end - p) {
            *bad = p;
            return 1;
        }
        p += need;
    }
    return 0;
}

gw_status gwi_h5_check_global_heaps(const char *path, const char *what)
{
    gw_status rc = GW_OK;
    unsigned char *buf = NULL;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return gwi_fail(GW_EIO, "%s: %s", what, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return GW_OK; /* not a regular file: the HDF5 open reports it */
    }
    const uint64_t fsize = (uint64_t)st.st_size;
    const size_t L = sizeof_lengths(fd, fsize);
    if ((buf = gw_malloc(GCOL_CHUNK + 16)) == NULL) {
        close(fd);
        return gwi_fail(GW_ENOMEM, "cannot allocate a %zu-byte read buffer", GCOL_CHUNK);
    }
    /* Chunks overlap by 7 bytes so that a signature across a boundary is found. */
    uint64_t base = 0;
    while (base < fsize && rc == GW_OK) {
        ssize_t got = pread(fd, buf, GCOL_CHUNK + 7, (off_t)base);
        if (got < 0) {
            rc = gwi_fail(GW_EIO, "%s: %s", what, strerror(errno));
            break;
        }
        if (got < 4)
            break;
        size_t ng = (size_t)got;
        for (size_t i = 0; i + 4 <= ng && rc == GW_OK; i++) {
            unsigned char *q = memchr(buf + i, 'G', ng - i - 3);
            if (q == NULL)
                break;
            i = (size_t)(q - buf);
            if (memcmp(q, "GCOL", 4) != 0)
                continue;
            uint64_t o = base + i;
            unsigned char h[16];
            if (o + 8 + L > fsize || pread(fd, h, 8 + L, (off_t)o) != (ssize_t)(8 + L))
                continue;
            uint64_t csize = le_uint(h + 8, L);
            if (!gcol_loadable(h, csize, o, fsize))
                continue;
            uint64_t bad = 0;
            if (walk_collection(fd, o, csize, L, &bad))
                rc = gwi_fail(GW_EFORMAT,
                              "%s: corrupt global heap (variable-length strings) at byte %llu",
                              what, (unsigned long long)bad);
        }
        if ((size_t)got < GCOL_CHUNK + 7)
            break;
        base += GCOL_CHUNK;
    }
    gw_free(buf);
    close(fd);
    return rc;
}

/* ---- the same check outside known raw-data ranges (gwi_h5_check_global_heaps_except) ------- */

static int cmp_range(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : x[1] > y[1];
}

/* walk_collection reading through the window w (GCOL_CHUNK bytes) rather than one pread per
 * object: a collection of many short strings (20,000 levels) costs one read per MiB. */
static int walk_collection_buf(int fd, uint64_t o, uint64_t csize, size_t L, unsigned char *w,
                               uint64_t *bad)
{
    const uint64_t end = o + csize, ohdr = 8 + L;
    uint64_t p = o + 8 + L, wb = 0, wl = 0;
    while (p < end) {
        if (p + ohdr > end)
            return 0; /* the tail is free space */
        if (p < wb || p + ohdr > wb + wl) {
            uint64_t want = end - p < GCOL_CHUNK ? end - p : GCOL_CHUNK;
            ssize_t got = pread(fd, w, (size_t)want, (off_t)p);
            if (got < (ssize_t)ohdr) {
                *bad = p;
                return 1;
            }
            wb = p;
            wl = (uint64_t)got;
        }
        const unsigned char *h = w + (p - wb);
        const uint64_t need = heap_obj_span(h, L, ohdr, end - p);
        if (need == 0 || need > end - p) {
            *bad = p;
            return 1;
        }
        p += need;
    }
    return 0;
}

/* Looks for collections starting in [lo, hi) (reads up to 3 bytes past hi for a signature that
 * starts before it) and walks each plausible one; buf holds GCOL_CHUNK + 16 bytes, win (the
 * walk's window) GCOL_CHUNK. */
static gw_status scan_segment(int fd, uint64_t fsize, size_t L, unsigned char *buf,
                              unsigned char *win, uint64_t lo, uint64_t hi, const char *what)
{
    for (uint64_t base = lo; base < hi;) {
        uint64_t span = hi - base < GCOL_CHUNK ? hi - base : GCOL_CHUNK;
        uint64_t want = span + 3 <= fsize - base ? span + 3 : fsize - base;
        ssize_t got = pread(fd, buf, (size_t)want, (off_t)base);
        if (got < 0)
            return gwi_fail(GW_EIO, "%s: %s", what, strerror(errno));
        if (got < 4)
            return GW_OK;
        size_t ng = (size_t)got, nstart = (size_t)span < ng - 3 ? (size_t)span : ng - 3;
        for (size_t i = 0; i < nstart; i++) {
            unsigned char *q = memchr(buf + i, 'G', nstart - i);
            if (q == NULL)
                break;
            i = (size_t)(q - buf);
            if (memcmp(q, "GCOL", 4) != 0)
                continue;
            uint64_t o = base + i;
            unsigned char h[16];
            if (o + 8 + L > fsize || pread(fd, h, 8 + L, (off_t)o) != (ssize_t)(8 + L))
                continue;
            uint64_t csize = le_uint(h + 8, L), bad = 0;
            if (!gcol_loadable(h, csize, o, fsize))
                continue;
            if (walk_collection_buf(fd, o, csize, L, win, &bad))
                return gwi_fail(GW_EFORMAT,
                                "%s: corrupt global heap (variable-length strings) at byte %llu",
                                what, (unsigned long long)bad);
        }
        if ((uint64_t)got < want)
            return GW_OK;
        base += span;
    }
    return GW_OK;
}

gw_status gwi_h5_check_global_heaps_except(const char *path, const char *what, const uint64_t *skip,
                                           size_t nskip)
{
    gw_status rc = GW_OK;
    unsigned char *buf = NULL, *win = NULL;
    uint64_t *r = NULL;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return gwi_fail(GW_EIO, "%s: %s", what, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        goto done; /* not a regular file: the HDF5 open reports it */
    const uint64_t fsize = (uint64_t)st.st_size;
    const size_t L = sizeof_lengths(fd, fsize);
    if ((buf = gw_malloc(GCOL_CHUNK + 16)) == NULL || (win = gw_malloc(GCOL_CHUNK)) == NULL ||
        (nskip > 0 && (r = gw_alloc_array(nskip, 2 * sizeof *r)) == NULL)) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the buffers of a heap check");
        goto done;
    }
    if (nskip > 0) {
        memcpy(r, skip, nskip * 2 * sizeof *r);
        qsort(r, nskip, 2 * sizeof *r, cmp_range);
    }
    /* The complement of the accepted ranges: a range is skipped only when it lies inside the
     * file and after the previous skipped one (overlaps are scanned). */
    uint64_t pos = 0;
    for (size_t k = 0; k < nskip && rc == GW_OK; k++) {
        uint64_t off = r[2 * k], len = r[2 * k + 1];
        if (len == 0 || off < pos || off > fsize || len > fsize - off)
            continue;
        rc = scan_segment(fd, fsize, L, buf, win, pos, off, what);
        pos = off + len;
    }
    if (rc == GW_OK)
        rc = scan_segment(fd, fsize, L, buf, win, pos, fsize, what);
done:
    gw_free(r);
    gw_free(win);
    gw_free(buf);
    close(fd);
    return rc;
}

/* ---- heap check of a table group ------------------------------------------------------- */

/* A growing list of (offset, length) pairs of raw data in the file. */
typedef struct {
    uint64_t *r;
    size_t n, cap;
} range_list;

static int range_add(range_list *l, haddr_t addr, hsize_t size)
{
    if (addr == HADDR_UNDEF || size == 0)
        return 1;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        uint64_t *p = gw_realloc(l->r, cap * 2 * sizeof *p);
        if (p == NULL)
            return 0;
        l->r = p;
        l->cap = cap;
    }
    l->r[2 * l->n] = (uint64_t)addr;
    l->r[2 * l->n + 1] = (uint64_t)size;
    l->n++;
    return 1;
}

/* Adds the byte ranges of dataset ds's raw data (its allocated chunks, or its contiguous
 * storage) to l. Only 1-D numeric datasets count: their bytes are never parsed as metadata.
 * Anything HDF5 cannot tell adds nothing (those bytes are then scanned). 0: out of memory. */
static int data_ranges(hid_t ds, range_list *l)
{
    int ok = 1;
    hid_t ftype = H5Dget_type(ds), space = H5Dget_space(ds), dcpl = H5Dget_create_plist(ds);
    hsize_t dims[1] = {0}, ch[1] = {0};
    H5T_class_t cls = ftype >= 0 ? H5Tget_class(ftype) : H5T_NO_CLASS;
    if (dcpl < 0 || space < 0 || (cls != H5T_INTEGER && cls != H5T_FLOAT) ||
        H5Sget_simple_extent_ndims(space) != 1 || H5Sget_simple_extent_dims(space, dims, NULL) < 0)
        goto done;
    H5D_layout_t layout = H5Pget_layout(dcpl);
    if (layout == H5D_CONTIGUOUS) {
        ok = range_add(l, H5Dget_offset(ds), H5Dget_storage_size(ds));
    } else if (layout == H5D_CHUNKED && H5Pget_chunk(dcpl, 1, ch) == 1 && ch[0] > 0) {
        /* One B-tree lookup per chunk (H5Dget_chunk_info would walk the index from the start
         * for each one). */
        for (hsize_t off[1] = {0}; ok && off[0] < dims[0]; off[0] += ch[0]) {
            unsigned mask = 0;
            haddr_t addr = HADDR_UNDEF;
            hsize_t size = 0;
            if (H5Dget_chunk_info_by_coord(ds, off, &mask, &addr, &size) < 0)
                break;
            ok = range_add(l, addr, size);
        }
    }
done:
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (space >= 0)
        H5Sclose(space);
    if (ftype >= 0)
        H5Tclose(ftype);
    H5Eclear2(H5E_DEFAULT);
    return ok;
}

/* Why: libhdf5 1.10.8 loops forever reading a variable-length string (the `columns` and
 * `levels` attributes) from a corrupt global heap collection; gwi_h5_check_global_heaps finds
 * such collections first, but reads the whole file. Here the raw data of the table's numeric
 * datasets (located through their chunk index, without reading any attribute) is left out of
 * the scan, so that its cost is that of the metadata and heaps, not of the data. */
gw_status gwi_h5_check_group_heaps(hid_t grp, const char *path, const char *what)
{
    gw_status rc = GW_OK;
    char **names = NULL;
    size_t n = 0;
    range_list l = {0};
    if ((rc = gwi_h5_list_members(grp, H5I_DATASET, what, &names, &n)) != GW_OK)
        return rc;
    for (size_t j = 0; j < n; j++) {
        hid_t ds = H5Dopen2(grp, names[j], H5P_DEFAULT);
        if (ds < 0)
            continue; /* reported when the column is opened */
        int ok = data_ranges(ds, &l);
        H5Dclose(ds);
        if (!ok) {
            rc = gwi_fail(GW_ENOMEM, "cannot list the chunks of %s", what);
            goto done;
        }
    }
    H5Eclear2(H5E_DEFAULT);
    rc = gwi_h5_check_global_heaps_except(path, gwi_base(path), l.r, l.n);
done:
    gw_free(l.r);
    gwi_strv_free(names, n);
    return rc;
}
