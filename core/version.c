/* version.c -- the version string, set by CMake from the project's VERSION. */
#include "gw_version.h"

const char *gw_version(void) { return GW_VERSION; }
