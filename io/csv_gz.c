/* csv_gz.c -- inflating a .csv.gz file into memory for the CSV reader (the only file that
 * includes zlib.h, as style.md keeps third-party headers to their own files).
 *
 * The whole file is inflated into one buffer and then parsed like any other input, on all
 * threads: inflating is single-threaded (zlib) and about 300-500 MB/s of output here, so it
 * dominates a .gz read, but the simplicity keeps the messages and the parallel parse identical to
 * those of the uncompressed file (places are in the decompressed text). Concatenated gzip members
 * (what `cat a.gz b.gz` and pigz -i give) are read one after the other, as gunzip does. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "core_int.h"
#include "csv_int.h"
#include "gw_alloc.h"

/* Output grows by doubling from this guess times the compressed size (CSV of numbers compresses
 * 2-4x with gzip -6). */
#define GZ_RATIO 4

gw_status gwi_gz_inflate(const char *path, const unsigned char *in, size_t inlen, char **out,
                         size_t *outlen)
{
    gw_status rc = GW_OK;
    z_stream zs;
    size_t cap = inlen <= SIZE_MAX / GZ_RATIO - 65536 ? inlen * GZ_RATIO + 65536 : inlen, n = 0;
    char *buf = gw_malloc(cap);
    int started = 0;
    *out = NULL;
    *outlen = 0;
    memset(&zs, 0, sizeof zs);
    if (buf == NULL)
        return gwi_fail(GW_ENOMEM, "%s: cannot allocate %zu bytes to decompress", path, cap);
    /* 15 + 16: a gzip wrapper only (a zlib or raw stream is not a .gz file). */
    if (inflateInit2(&zs, 15 + 16) != Z_OK) {
        rc = gwi_fail(GW_ENOMEM, "%s: cannot start zlib", path);
        goto done;
    }
    started = 1;
    size_t pos = 0;
    while (pos < inlen) {
        int zr;
        /* zlib counts in uInt: feed and drain at most 1 GiB at a time. */
        size_t chunk_in = inlen - pos < ((size_t)1 << 30) ? inlen - pos : (size_t)1 << 30;
        zs.next_in = (unsigned char *)(uintptr_t)(in + pos);
        zs.avail_in = (uInt)chunk_in;
        do {
            if (n == cap) {
                size_t nc = cap * 2;
                char *b = nc > cap ? gw_realloc(buf, nc) : NULL;
                if (b == NULL) {
                    rc = gwi_fail(GW_ENOMEM, "%s: cannot allocate %zu bytes to decompress", path,
                                  nc);
                    goto done;
                }
                buf = b;
                cap = nc;
            }
            size_t room = cap - n < ((size_t)1 << 30) ? cap - n : (size_t)1 << 30;
            zs.next_out = (unsigned char *)buf + n;
            zs.avail_out = (uInt)room;
            zr = inflate(&zs, Z_NO_FLUSH);
            n += room - zs.avail_out;
            if (zr == Z_STREAM_END) {
                /* Another member may follow: start over on the rest of the input. */
                pos += chunk_in - zs.avail_in;
                if (pos < inlen && inflateReset(&zs) != Z_OK) {
                    rc = gwi_fail(GW_EINTERNAL, "%s: zlib reset failed", path);
                    goto done;
                }
                break;
            }
            if (zr == Z_MEM_ERROR) {
                rc = gwi_fail(GW_ENOMEM, "%s: zlib is out of memory", path);
                goto done;
            }
            if (zr != Z_OK && zr != Z_BUF_ERROR) {
                rc = gwi_fail(GW_EFORMAT, "%s: corrupt gzip data at compressed byte %zu (%s)", path,
                              pos + (chunk_in - zs.avail_in),
                              zs.msg != NULL ? zs.msg : "zlib error");
                goto done;
            }
            if (zr == Z_BUF_ERROR && zs.avail_in == 0 && zs.avail_out != 0)
                break; /* this piece of input is used up */
        } while (zs.avail_in > 0 || zs.avail_out == 0);
        if (zr != Z_STREAM_END) {
            pos += chunk_in - zs.avail_in;
            if (pos >= inlen) {
                rc = gwi_fail(GW_EFORMAT,
                              "%s: truncated gzip data (the compressed stream ends early, after "
                              "%zu decompressed bytes)",
                              path, n);
                goto done;
            }
        }
    }
done:
    if (started)
        inflateEnd(&zs);
    if (rc != GW_OK) {
        gw_free(buf);
        return rc;
    }
    *out = buf;
    *outlen = n;
    return GW_OK;
}
