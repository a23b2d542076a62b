/* sha256.c -- SHA-256 of a file through OpenSSL's EVP digest interface (a well-kept,
 * constant-checked implementation rather than hand-written code). */
#include "gw_sha256.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"

gw_status gw_sha256_file(const char *path, char hex[65])
{
    enum { CHUNK = 1 << 20 };
    gw_status rc = GW_OK;
    FILE *f = NULL;
    EVP_MD_CTX *ctx = NULL;
    unsigned char *buf = NULL, md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    hex[0] = '\0';
    if ((f = fopen(path, "rb")) == NULL) {
        rc = gwi_fail(GW_EIO, "%s: cannot open: %s", path, strerror(errno));
        goto done;
    }
    if ((buf = gw_malloc(CHUNK)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate a hashing buffer");
        goto done;
    }
    if ((ctx = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        rc = gwi_fail(GW_EINTERNAL, "libcrypto: cannot start a SHA-256 digest");
        goto done;
    }
    for (;;) {
        size_t got = fread(buf, 1, CHUNK, f);
        if (got > 0 && EVP_DigestUpdate(ctx, buf, got) != 1) {
            rc = gwi_fail(GW_EINTERNAL, "libcrypto: SHA-256 update failed");
            goto done;
        }
        if (got < CHUNK) {
            if (ferror(f)) {
                rc = gwi_fail(GW_EIO, "%s: read failed: %s", path, strerror(errno));
                goto done;
            }
            break;
        }
    }
    if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32) {
        rc = gwi_fail(GW_EINTERNAL, "libcrypto: SHA-256 final failed");
        goto done;
    }
    for (unsigned int i = 0; i < mdlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
done:
    EVP_MD_CTX_free(ctx);
    gw_free(buf);
    if (f != NULL)
        fclose(f);
    return rc;
}
