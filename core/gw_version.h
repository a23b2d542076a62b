/* gw_version.h -- the library's version. */
#ifndef GW_VERSION_H
#define GW_VERSION_H

#include "gw_export.h"

/* gw_version -- static text "MAJOR.MINOR.PATCH" of the libgoodwork that is running (the
 * "goodwork_version" of every output and results file). */
GW_API const char *gw_version(void);

#endif
