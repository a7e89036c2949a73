/* dmasim: after this, DEFINE_GUID defines each GUID (weakly, so several files may). */
#ifndef INITGUID
#define INITGUID
#endif
#include <dmasim/base.h>
#include <dmasim/guid.h>
