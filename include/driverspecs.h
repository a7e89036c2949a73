/* dmasim: driverspecs.h: the SAL annotations, as empty macros. */
#include <dmasim/sal.h>
