/* dmasim: the TRACE_LEVEL_* values are in wdm.h. */
#include <wdm.h>
