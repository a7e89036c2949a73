/* WPP tracing: the control GUID and flag bits (names only on dmasim). */
#define WPP_CONTROL_GUIDS                                                          \
    WPP_DEFINE_CONTROL_GUID(NicKmdfTraceGuid, (7a41c2d3, 5b6e, 4c8f, 9d01, 3e5f7a9b2c4d), \
        WPP_DEFINE_BIT(DBG_INIT)                                                   \
        WPP_DEFINE_BIT(DBG_PNP)                                                    \
        WPP_DEFINE_BIT(DBG_IO)                                                     \
        WPP_DEFINE_BIT(DBG_DPC))
