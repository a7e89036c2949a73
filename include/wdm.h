/*
 * dmasim's wdm.h: the WDM types, constants and routines dmasim implements,
 * for drivers compiled to wasm32 and run on its simulated machine. Written
 * for dmasim from the WDK documentation; not the WDK's header.
 */
#ifndef DMASIM_WDM_H
#define DMASIM_WDM_H
#include <dmasim/base.h>
#include <dmasim/generated.h>
#include <dmasim/routines.h>
#include <dmasim/inline.h>
#endif
