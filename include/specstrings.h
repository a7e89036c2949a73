/* dmasim: specstrings.h: the SAL annotations, as empty macros. */
#include <dmasim/sal.h>
