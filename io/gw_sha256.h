/* gw_sha256.h -- SHA-256 of a file's bytes, for the data_sha256 provenance of results. */
#ifndef GW_SHA256_H
#define GW_SHA256_H

#include "gw_export.h"
#include "gw_status.h"

/* gw_sha256_file -- the SHA-256 digest of the bytes of the file path, as 64 lowercase hex
 * digits and a NUL in hex (caller's buffer of 65 bytes). Computed with OpenSSL's EVP interface
 * (libcrypto), reading 1 MiB at a time.
 *
 * Returns GW_OK; GW_EIO (cannot open or read the file: the errno text); GW_EINTERNAL (libcrypto
 * failed); GW_ENOMEM. On failure hex is "". Complexity: O(file size). */
GW_API gw_status gw_sha256_file(const char *path, char hex[65]);

#endif
