/*
 * dmasim's C runtime, linked into every driver: the memory routines clang
 * calls for struct copies and RtlCopyMemory / RtlZeroMemory, and the Rtl
 * string helpers. Built with -fno-builtin so that the loops below stay loops.
 *
 * Long runs go to the host in one call (DmasimCopyMemory / DmasimFillMemory):
 * where they touch simulated memory that is one CPU-path access per run
 * instead of one per byte; short ones are plain loops whose loads and
 * stores the instrumentation routes like any other.
 */
#include <wdm.h>

#define DMASIM_BULK_MIN 32

void *memcpy(void *dst, const void *src, size_t n) {
    if (n >= DMASIM_BULK_MIN) {
        DmasimCopyMemory(dst, src, n);
        return dst;
    }
    unsigned char *d = (unsigned char *)dst;
    const unsigned char *s = (const unsigned char *)src;
    while (n--) *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
    if (n >= DMASIM_BULK_MIN) {
        DmasimCopyMemory(dst, src, n); /* the host copies through a staging buffer: overlap is fine */
        return dst;
    }
    unsigned char *d = (unsigned char *)dst;
    const unsigned char *s = (const unsigned char *)src;
    if (d == s || n == 0) return dst;
    if (d < s) {
        while (n--) *d++ = *s++;
    } else {
        d += n;
        s += n;
        while (n--) *--d = *--s;
    }
    return dst;
}

void *memset(void *dst, int c, size_t n) {
    if (n >= DMASIM_BULK_MIN) {
        DmasimFillMemory(dst, n, (UCHAR)c);
        return dst;
    }
    unsigned char *d = (unsigned char *)dst;
    while (n--) *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *x = (const unsigned char *)a;
    const unsigned char *y = (const unsigned char *)b;
    for (; n; n--, x++, y++)
        if (*x != *y) return *x < *y ? -1 : 1;
    return 0;
}

size_t strlen(const char *s) {
    const char *p = s;
    while (*p) p++;
    return (size_t)(p - s);
}

SIZE_T RtlCompareMemory(const VOID *Source1, const VOID *Source2, SIZE_T Length) {
    const UCHAR *a = (const UCHAR *)Source1;
    const UCHAR *b = (const UCHAR *)Source2;
    SIZE_T i = 0;
    while (i < Length && a[i] == b[i]) i++;
    return i;
}

VOID RtlInitUnicodeString(PUNICODE_STRING DestinationString, PCWSTR SourceString) {
    SIZE_T n = 0;
    if (SourceString != NULL)
        while (SourceString[n]) n++;
    DestinationString->Buffer = (PWCH)SourceString;
    DestinationString->Length = (USHORT)(n * sizeof(WCHAR));
    DestinationString->MaximumLength = (USHORT)(SourceString == NULL ? 0 : (n + 1) * sizeof(WCHAR));
}

VOID RtlInitAnsiString(PANSI_STRING DestinationString, PCSTR SourceString) {
    SIZE_T n = SourceString == NULL ? 0 : strlen(SourceString);
    DestinationString->Buffer = (PCHAR)SourceString;
    DestinationString->Length = (USHORT)n;
    DestinationString->MaximumLength = (USHORT)(SourceString == NULL ? 0 : n + 1);
}

VOID RtlCopyUnicodeString(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString) {
    if (SourceString == NULL) {
        DestinationString->Length = 0;
        return;
    }
    USHORT n = SourceString->Length < DestinationString->MaximumLength ? SourceString->Length : DestinationString->MaximumLength;
    memmove(DestinationString->Buffer, SourceString->Buffer, n);
    DestinationString->Length = n;
    if (n + sizeof(WCHAR) <= DestinationString->MaximumLength) DestinationString->Buffer[n / sizeof(WCHAR)] = 0;
}
