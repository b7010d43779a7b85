/*
 * nmapi.c - libnmapi.so, the Linux counterpart of Nmapi.dll.
 *
 * The library is assembled from the static core layers (src/CMakeLists.txt
 * links them whole).  This file only carries the library's identity; every
 * exported function lives in the layer that owns it.
 */
#include <nmexpert/host.h>

NMX_EXPORT const char *nmx_version(void)
{
    return NMX_VERSION_STRING;
}
