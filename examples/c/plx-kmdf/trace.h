/* WPP tracing: the control GUID and flag bits (names only on dmasim). */
#define WPP_CONTROL_GUIDS                                                          \
    WPP_DEFINE_CONTROL_GUID(PlxKmdfTraceGuid, (4d2c6a10, 8e3b, 4f07, a1c9, 2b7e5d903f64), \
        WPP_DEFINE_BIT(DBG_INIT)                                                   \
        WPP_DEFINE_BIT(DBG_PNP)                                                    \
        WPP_DEFINE_BIT(DBG_IO)                                                     \
        WPP_DEFINE_BIT(DBG_DPC))
