/* WPP tracing: the control GUID and flag bits (names only on dmasim). */
#define WPP_CONTROL_GUIDS                                                        \
    WPP_DEFINE_CONTROL_GUID(Sb16TraceGuid, (6a6f7c2e, 3b1d, 4c5a, 9e27, 51c4d0e1a2b3), \
        WPP_DEFINE_BIT(DBG_INIT)                                                 \
        WPP_DEFINE_BIT(DBG_PNP)                                                  \
        WPP_DEFINE_BIT(DBG_IO)                                                   \
        WPP_DEFINE_BIT(DBG_DMA))
