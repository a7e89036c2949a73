/* dmasim: ntddk.h brings in the same declarations as wdm.h. */
#include <wdm.h>
