/*
 * dmasim's wdf.h: the Kernel-Mode Driver Framework (KMDF) types, structure
 * INIT helpers, context macros and routines dmasim implements, for drivers
 * compiled to wasm32 and run on its simulated machine. Written for dmasim
 * from the WDK documentation; not the WDK's header.
 */
#ifndef DMASIM_WDF_H
#define DMASIM_WDF_H
#include <wdm.h>
#include <dmasim/wdf.h>
#endif
