/* gw_export.h -- the public-symbol marker.
 *
 * Symbols are hidden by default (-fvisibility=hidden); those meant for callers of libgoodwork
 * carry GW_API, as cJSON does with CJSON_PUBLIC. Cross-file internal functions are named gwi_*
 * and are not exported. */
#ifndef GW_EXPORT_H
#define GW_EXPORT_H

#if defined(__GNUC__)
#define GW_API __attribute__((visibility("default")))
#else
#define GW_API
#endif

#endif
