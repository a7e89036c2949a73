/*
 * dmasim's C base: compiler glue for a WDM/KMDF driver built with clang for
 * wasm32, and the ntdef.h-style macros drivers use. Written for dmasim from
 * the WDK documentation; not a copy of any WDK header.
 *
 * wasm32 is an ILP32 target: ULONG and LONG are 4 bytes as on Windows
 * (LLP64), pointers and SIZE_T are 4 bytes (8 on x64). See src/cdriver/ABI.md.
 */
#ifndef DMASIM_BASE_H
#define DMASIM_BASE_H

#if !defined(__wasm32__)
#error "dmasim's headers target wasm32 (clang --target=wasm32); build with dmasim's toolchain"
#endif
#if __WCHAR_MAX__ > 0xFFFF
#error "dmasim's headers need a 2-byte WCHAR: compile with -fshort-wchar"
#endif

#include <stddef.h>
#include <stdarg.h>
#include <dmasim/sal.h>

#ifdef __cplusplus
#define EXTERN_C extern "C"
#define DMASIM_BEGIN_C extern "C" {
#define DMASIM_END_C }
#else
#define EXTERN_C extern
#define DMASIM_BEGIN_C
#define DMASIM_END_C
#endif

/* A kernel routine the dmasim host provides: the link names the import, so a missing one is a link error. */
#define DMASIM_IMPORT(name) __attribute__((import_module("dmasim"), import_name(#name)))

/* Calling conventions mean nothing on wasm32: one convention for all. */
#define NTAPI
#define NTAPI_INLINE
#define WINAPI
#define STDCALL
#define CDECL
#define FASTCALL
#define NTSYSAPI
#define NTSYSCALLAPI
#define NTKERNELAPI
#define NTHALAPI
#define DECLSPEC_IMPORT
#define DECLSPEC_EXPORT
#define DECLSPEC_NORETURN __attribute__((noreturn))
#define DECLSPEC_NOINLINE __attribute__((noinline))
#define DECLSPEC_ALIGN(x) __attribute__((aligned(x)))
#define DECLSPEC_CACHEALIGN DECLSPEC_ALIGN(64)
#define DECLSPEC_SELECTANY __attribute__((weak))
#define DECLSPEC_NOTHROW
#define DECLSPEC_DEPRECATED_DDK
#define POINTER_ALIGNMENT
#define UNALIGNED
#define ALIGNED
#define RESTRICTED_POINTER
#ifndef FORCEINLINE
#define FORCEINLINE static __inline__ __attribute__((always_inline))
#endif
#ifndef __forceinline
#define __forceinline __inline__ __attribute__((always_inline))
#endif
#define NOP_FUNCTION ((void)0)

#ifndef NULL
#define NULL ((void *)0)
#endif
#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif
#define CONST const
#define IN
#define OUT
#define OPTIONAL

/* A checked (debug) build unless the driver says otherwise: ASSERT is live. */
#ifndef DBG
#define DBG 1
#endif
#define NTDDI_WIN10 0x0A000000
#ifndef NTDDI_VERSION
#define NTDDI_VERSION NTDDI_WIN10
#endif
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0A00
#endif
#ifndef WINVER
#define WINVER 0x0A00
#endif
#define _KERNEL_MODE 1
#define DMASIM 1

#define NT_SUCCESS(Status) (((NTSTATUS)(Status)) >= 0)
#define NT_INFORMATION(Status) ((((ULONG)(Status)) >> 30) == 1)
#define NT_WARNING(Status) ((((ULONG)(Status)) >> 30) == 2)
#define NT_ERROR(Status) ((((ULONG)(Status)) >> 30) == 3)

#define UNREFERENCED_PARAMETER(P) ((void)(P))
#define DBG_UNREFERENCED_PARAMETER(P) ((void)(P))
#define DBG_UNREFERENCED_LOCAL_VARIABLE(V) ((void)(V))
#define C_ASSERT(e) _Static_assert((e), #e)
#define FIELD_OFFSET(type, field) ((LONG)offsetof(type, field))
#define RTL_FIELD_SIZE(type, field) (sizeof(((type *)0)->field))
#define RTL_SIZEOF_THROUGH_FIELD(type, field) (FIELD_OFFSET(type, field) + RTL_FIELD_SIZE(type, field))
#define CONTAINING_RECORD(address, type, field) ((type *)((PCHAR)(address) - (ULONG_PTR)(&((type *)0)->field)))
#define RTL_NUMBER_OF(a) (sizeof(a) / sizeof((a)[0]))
#define ARRAYSIZE(a) RTL_NUMBER_OF(a)
#define _countof(a) RTL_NUMBER_OF(a)
#ifndef min
#define min(a, b) (((a) < (b)) ? (a) : (b))
#endif
#ifndef max
#define max(a, b) (((a) > (b)) ? (a) : (b))
#endif
#define MAXUCHAR 0xff
#define MAXUSHORT 0xffff
#define MAXULONG 0xffffffffUL
#define MAXLONG 0x7fffffffL
#define MAXLONGLONG (0x7fffffffffffffffLL)
#define MAXULONG_PTR (~((ULONG_PTR)0))
#define ANYSIZE_ARRAY 1

#define CTL_CODE(DeviceType, Function, Method, Access) (((DeviceType) << 16) | ((Access) << 14) | ((Function) << 2) | (Method))
#define DEVICE_TYPE_FROM_CTL_CODE(ctrlCode) (((ULONG)(ctrlCode & 0xffff0000)) >> 16)
#define METHOD_FROM_CTL_CODE(ctrlCode) ((ULONG)(ctrlCode & 3))

#define BYTE_OFFSET(Va) ((ULONG)((ULONG_PTR)(Va) & (PAGE_SIZE - 1)))
#define PAGE_ALIGN(Va) ((PVOID)((ULONG_PTR)(Va) & ~(PAGE_SIZE - 1)))
#define BYTES_TO_PAGES(Size) (((Size) >> PAGE_SHIFT) + (((Size) & (PAGE_SIZE - 1)) != 0))
#define ROUND_TO_PAGES(Size) (((ULONG_PTR)(Size) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define ADDRESS_AND_SIZE_TO_SPAN_PAGES(Va, Size) ((BYTE_OFFSET(Va) + ((SIZE_T)(Size)) + (PAGE_SIZE - 1)) >> PAGE_SHIFT)
#define COMPUTE_PAGES_SPANNED(Va, Size) ADDRESS_AND_SIZE_TO_SPAN_PAGES(Va, Size)

#define RTL_CONSTANT_STRING(s) { sizeof(s) - sizeof((s)[0]), sizeof(s), (PWCH)(s) }
#define DECLARE_CONST_UNICODE_STRING(_var, _string) const UNICODE_STRING _var = RTL_CONSTANT_STRING(_string)
#define DECLARE_UNICODE_STRING_SIZE(_var, _size) WCHAR _var##_buffer[_size]; UNICODE_STRING _var = { 0, (_size) * sizeof(WCHAR), _var##_buffer }

/* GUIDs: see dmasim/guid.h (included again by initguid.h). */
#include <dmasim/guid.h>

/* Code placement and paging: one section on wasm32; PAGED_CODE documents the rule only. */
#define PAGED_CODE() NOP_FUNCTION
#define PAGED_CODE_LOCKED() NOP_FUNCTION
#define ALLOC_PRAGMA 1
#define ALLOC_DATA_PRAGMA 1

#endif /* DMASIM_BASE_H */
