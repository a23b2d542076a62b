/* csv_write.c -- the atomic CSV writer (the format is specified in gw_csv.h).
 *
 * The file is written to a temporary name in the target's directory (so that rename() cannot
 * cross file systems), fsync'd, and renamed over the target: a reader sees either the old file
 * or the complete new one, never a partial one, and a crash leaves at worst a stray temporary.
 * The temporary is created with O_EXCL and mode 0666, so the umask applies as for any new file,
 * and a name already taken (another writer) is skipped rather than overwritten. */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core_int.h"
#include "csv_int.h"
#include "gw_alloc.h"
#include "gw_csv.h"
#include "gw_strbuf.h"

/* A buffered writer on a file descriptor; the first error sticks in err (an errno value). */
typedef struct {
    int fd;
    int err;
    size_t n;
    gw_strbuf *sb; /* not NULL: the text goes to memory (gw_csv_write_text), not to fd */
    char buf[1 << 16];
} wbuf;

static void wflush(wbuf *w)
{
    size_t off = 0;
    if (w->sb != NULL) {
        gw_strbuf_put(w->sb, w->buf, w->n);
        if (w->sb->oom)
            w->err = ENOMEM;
        w->n = 0;
        return;
    }
    while (w->err == 0 && off < w->n) {
        ssize_t r = write(w->fd, w->buf + off, w->n - off);
        if (r < 0) {
            if (errno != EINTR)
                w->err = errno;
            continue;
        }
        off += (size_t)r;
    }
    w->n = 0;
}

static void wput(wbuf *w, const char *s, size_t n)
{
    while (n > 0 && w->err == 0) {
        if (w->n == sizeof w->buf)
            wflush(w);
        size_t k = sizeof w->buf - w->n;
        if (k > n)
            k = n;
        memcpy(w->buf + w->n, s, k);
        w->n += k;
        s += k;
        n -= k;
    }
}

static void wchar(wbuf *w, char c) { wput(w, &c, 1); }

/* Does a header name need quotes to read back verbatim? */
static int name_needs_quotes(const char *s)
{
    return s[0] == '\0' || s[0] == '"' || strpbrk(s, ",\"\r\n") != NULL;
}

/* Does a level string need quotes to read back as the same text (not missing, not a number)?
 * The reader trims blanks only when it looks for numbers and missing spellings, so a level that
 * starts or ends with a blank is quoted too. */
static int level_needs_quotes(const char *s)
{
    size_t n = strlen(s);
    double x;
    if (n == 0 || strpbrk(s, ",\"\r\n") != NULL)
        return 1;
    if (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t')
        return 1;
    if (strcmp(s, "NA") == 0 || strcmp(s, "NaN") == 0 || strcmp(s, ".") == 0)
        return 1;
    return gwi_csv_number(s, n, &x, NULL) != GWI_NUM_TEXT;
}

static void wstring(wbuf *w, const char *s, int quote)
{
    if (!quote) {
        wput(w, s, strlen(s));
        return;
    }
    wchar(w, '"');
    for (const char *q; (q = strchr(s, '"')) != NULL; s = q + 1) {
        wput(w, s, (size_t)(q - s) + 1);
        wchar(w, '"');
    }
    wput(w, s, strlen(s));
    wchar(w, '"');
}

/* The shortest of %.15g, %.16g, %.17g that reads back to x (17 digits always do). */
static void wnumber(wbuf *w, double x)
{
    char b[40];
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(b, sizeof b, "%.*g", prec, x);
        if (prec == 17 || strtod(b, NULL) == x)
            break;
    }
    wput(w, b, (size_t)n);
}

/* Writes the whole table to w. GW_ENONFINITE for an infinity; I/O errors stay in w->err. */
static gw_status write_table(wbuf *w, const gw_table *t)
{
    size_t p = gw_table_ncols(t), n = gw_table_nrows(t);
    for (size_t j = 0; j < p; j++) {
        const char *name = gw_table_colname(t, j);
        if (j > 0)
            wchar(w, ',');
        wstring(w, name, name_needs_quotes(name));
    }
    wchar(w, '\n');
    for (size_t i = 0; i < n && w->err == 0; i++) {
        for (size_t j = 0; j < p; j++) {
            if (j > 0)
                wchar(w, ',');
            if (gw_table_coltype(t, j) == GW_COL_NUMERIC) {
                double x = gw_table_numeric(t, j)[i];
                if (isnan(x)) {
                    if (p == 1)
                        wput(w, "NA", 2);
                } else if (isinf(x)) {
                    return gwi_fail(GW_ENONFINITE,
                                    "column '%s', row %zu: %s cannot be written to CSV",
                                    gw_table_colname(t, j), i + 1, x > 0 ? "+inf" : "-inf");
                } else {
                    wnumber(w, x);
                }
            } else {
                int32_t code = gw_table_codes(t, j)[i];
                if (code < 0) {
                    if (p == 1)
                        wput(w, "NA", 2);
                } else {
                    const char *lv = gw_table_level(t, j, (size_t)code);
                    wstring(w, lv, level_needs_quotes(lv));
                }
            }
        }
        wchar(w, '\n');
    }
    return GW_OK;
}

/* Best effort: make the rename durable by syncing the directory. Failure is not an error: the
 * data itself is already on disk. */
static void sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = NULL;
    if (slash == NULL) {
        dir = gw_strdup(".");
    } else {
        size_t n = slash == path ? 1 : (size_t)(slash - path);
        dir = gw_malloc(n + 1);
        if (dir != NULL) {
            memcpy(dir, path, n);
            dir[n] = '\0';
        }
    }
    if (dir == NULL)
        return;
    int fd = open(dir, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    gw_free(dir);
}

static _Thread_local unsigned tmp_counter;

gw_status gw_csv_write_file(const gw_table *t, const char *path)
{
    gw_status rc = GW_OK;
    char err[128];
    char *tmp = NULL;
    wbuf *w = NULL;
    int fd = -1, slot = -1;
    locale_t cloc = (locale_t)0, old = (locale_t)0;
    if (t == NULL || path == NULL)
        return gwi_fail(GW_EINVAL, "gw_csv_write_file: NULL argument");
    if (gw_table_ncols(t) == 0)
        return gwi_fail(GW_EINVAL, "%s: a table with no columns cannot be written as CSV", path);
    size_t tlen = strlen(path) + 64;
    tmp = gw_malloc(tlen);
    w = gw_malloc(sizeof *w);
    cloc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (tmp == NULL || w == NULL || cloc == (locale_t)0) {
        rc = gwi_fail(GW_ENOMEM, "%s: cannot allocate the writer", path);
        goto done;
    }
    old = uselocale(cloc); /* %g and strtod in the "C" locale whatever the caller's */
    for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
        snprintf(tmp, tlen, "%s.tmp.%ld.%u", path, (long)getpid(), tmp_counter++);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        int e = errno;
        strerror_r(e, err, sizeof err);
        rc = gwi_fail(GW_EIO, "%s: cannot create a temporary file: %s", path, err);
        tmp[0] = '\0'; /* nothing to remove */
        goto done;
    }
    /* Recorded once it is ours (created with O_EXCL), for gw_cleanup_on_signal. */
    slot = gwi_cleanup_add_file(tmp);
    w->fd = fd;
    w->err = 0;
    w->n = 0;
    w->sb = NULL;
    rc = write_table(w, t);
    if (rc != GW_OK)
        goto done;
    wflush(w);
    if (w->err == 0 && fsync(fd) != 0)
        w->err = errno;
    if (close(fd) != 0 && w->err == 0)
        w->err = errno;
    fd = -1;
    if (w->err == 0 && rename(tmp, path) != 0)
        w->err = errno;
    if (w->err != 0) {
        strerror_r(w->err, err, sizeof err);
        rc = gwi_fail(GW_EIO, "%s: cannot write: %s", path, err);
        goto done;
    }
    tmp[0] = '\0'; /* renamed: nothing to remove */
    sync_dir(path);
done:
    if (fd >= 0)
        close(fd);
    if (tmp != NULL && tmp[0] != '\0' && rc != GW_OK)
        (void)unlink(tmp);
    gwi_cleanup_remove(slot);
    if (cloc != (locale_t)0) {
        if (old != (locale_t)0)
            uselocale(old);
        freelocale(cloc);
    }
    gw_free(w);
    gw_free(tmp);
    return rc;
}

gw_status gw_csv_write_text(const gw_table *t, char **out)
{
    if (out != NULL)
        *out = NULL;
    if (t == NULL || out == NULL)
        return gwi_fail(GW_EINVAL, "gw_csv_write_text: NULL argument");
    if (gw_table_ncols(t) == 0)
        return gwi_fail(GW_EINVAL, "a table with no columns cannot be written as CSV");
    gw_strbuf sb = {0};
    wbuf *w = gw_malloc(sizeof *w);
    locale_t cloc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0), old = (locale_t)0;
    gw_status rc = GW_OK;
    if (w == NULL || cloc == (locale_t)0) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the writer");
        goto done;
    }
    old = uselocale(cloc); /* as gw_csv_write_file */
    w->fd = -1;
    w->err = 0;
    w->n = 0;
    w->sb = &sb;
    rc = write_table(w, t);
    if (rc == GW_OK)
        wflush(w);
    uselocale(old);
    if (rc == GW_OK)
        rc = gw_strbuf_finish(&sb, out);
    if (rc == GW_ENOMEM)
        rc = gwi_fail(GW_ENOMEM, "out of memory");
done:
    gw_strbuf_free(&sb);
    if (cloc != (locale_t)0)
        freelocale(cloc);
    gw_free(w);
    return rc;
}
