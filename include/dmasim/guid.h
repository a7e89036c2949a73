/*
 * DEFINE_GUID: where INITGUID is defined, defines the GUID (weakly, as
 * __declspec(selectany) would, so several files may); else declares it.
 * No include guard: <initguid.h> defines INITGUID and includes this again.
 */
#undef DEFINE_GUID
#ifdef __cplusplus
#define DMASIM_GUID_LINKAGE extern "C"
#else
#define DMASIM_GUID_LINKAGE
#endif
#ifdef INITGUID
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) DMASIM_GUID_LINKAGE const GUID __attribute__((weak)) name = { l, w1, w2, { b1, b2, b3, b4, b5, b6, b7, b8 } }
#else
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) EXTERN_C const GUID name
#endif
