/*
 * The SB16 WDM example driver's common header. (The sources include it as
 * "precomp.h": dmasim resolves includes ignoring case, as Windows does.)
 */
#include <ntddk.h>
#include "sb16.h"
#include "trace.h"
