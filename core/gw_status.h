/* gw_status.h -- error codes and the thread-local error detail.
 *
 * Every fallible function of libgoodwork returns a gw_status. On failure it also leaves a
 * human-readable detail (what went wrong and where) that gw_last_error() returns until the
 * next failure on the same thread. The library never prints, exits or aborts. */
#ifndef GW_STATUS_H
#define GW_STATUS_H

#include "gw_export.h"

typedef enum {
    GW_OK = 0,
    GW_EINVAL,       /* an argument is out of range or inconsistent (a usage error)       */
    GW_EDIM,         /* dimensions do not agree                                             */
    GW_ENOMEM,       /* an allocation failed                                                */
    GW_ENONFINITE,   /* a NaN or infinity where finite numbers are required                 */
    GW_ERANK,        /* rank deficient where full rank is required (GW_*_STRICT)            */
    GW_ENOTPD,       /* a matrix is not positive definite                                   */
    GW_EILLCOND,     /* too ill-conditioned for the requested method                        */
    GW_ENOCONV,      /* an iteration did not converge                                       */
    GW_EIO,          /* reading or writing a file failed                                    */
    GW_EFORMAT,      /* malformed input data (CSV, HDF5)                                    */
    GW_EUNSUPPORTED, /* a valid request that this version cannot honour                     */
    GW_EINTERNAL,    /* a bug in libgoodwork (e.g. LAPACK reported an illegal argument)     */
    GW_ESYNTAX,      /* a formula or specification does not parse                           */
    GW_ENOVAR,       /* a formula or option names a variable the data does not have         */
    GW_ENODATA,      /* no observations left (after dropping missing values, singletons)    */
    GW_NSTATUS
} gw_status;

/* gw_status_str -- a short static description of s; never NULL (unknown codes included). */
GW_API const char *gw_status_str(gw_status s);

/* gw_last_error -- the detail message of the last failure on the calling thread, or "" if
 * none. Borrowed: valid until the next libgoodwork call on this thread that fails. */
GW_API const char *gw_last_error(void);

/* gw_clear_error -- forget the last detail message of the calling thread. */
GW_API void gw_clear_error(void);

#endif
