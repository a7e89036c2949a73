/*
 * SAL (the Microsoft source-code annotation language) for dmasim's headers:
 * every annotation is an empty macro, as it is for any compiler other than
 * the WDK's Code Analysis. An annotation missing here is a compile error
 * naming it ("use of undeclared identifier" or "expected ';'"): add it.
 */
#ifndef DMASIM_SAL_H
#define DMASIM_SAL_H

#define _In_
#define _In_opt_
#define _In_z_
#define _In_opt_z_
#define _Out_
#define _Out_opt_
#define _Out_z_
#define _Inout_
#define _Inout_opt_
#define _Inout_z_
#define _Inout_opt_z_
#define _Outptr_
#define _Outptr_opt_
#define _Outptr_result_maybenull_
#define _Outptr_opt_result_maybenull_
#define _Outptr_result_nullonfailure_
#define _Outptr_opt_result_nullonfailure_
#define _COM_Outptr_
#define _COM_Outptr_opt_
#define _Deref_out_
#define _Deref_out_opt_
#define _Deref_in_
#define _Deref_inout_
#define _Ret_
#define _Ret_maybenull_
#define _Ret_notnull_
#define _Ret_null_
#define _Ret_z_
#define _Ret_opt_z_
#define _Must_inspect_result_
#define _Check_return_
#define _Success_ok_
#define _Pre_
#define _Post_
#define _Pre_notnull_
#define _Pre_maybenull_
#define _Pre_null_
#define _Pre_valid_
#define _Pre_opt_valid_
#define _Pre_invalid_
#define _Post_valid_
#define _Post_invalid_
#define _Post_ptr_invalid_
#define _Post_notnull_
#define _Post_maybenull_
#define _Post_null_
#define _Post_z_
#define _Notnull_
#define _Maybenull_
#define _Null_
#define _Null_terminated_
#define _NullNull_terminated_
#define _Valid_
#define _Notvalid_
#define _Const_
#define _Literal_
#define _Notliteral_
#define _Reserved_
#define _Printf_format_string_
#define _Scanf_format_string_
#define _Use_decl_annotations_
#define _Frees_ptr_
#define _Frees_ptr_opt_
#define _Post_satisfies_
#define _Points_to_data_
#define _Strict_type_match_
#define _Maybe_raises_SEH_exception_
#define _Raises_SEH_exception_
#define _Kernel_float_saved_
#define _Kernel_float_restored_
#define _Kernel_float_used_
#define _IRQL_saves_
#define _IRQL_restores_
#define _IRQL_requires_same_
#define _IRQL_uses_cancel_
#define _IRQL_is_cancel_
#define _IRQL_limited_to_
#define _Interlocked_
#define _Interlocked_operand_
#define _Analysis_noreturn_
#define _Analysis_suppress_lock_checking_
#define _Benign_race_begin_
#define _Benign_race_end_
#define _No_competing_thread_
#define _No_competing_thread_begin_
#define _No_competing_thread_end_
#define _Field_z_
#define _Field_range_
#define _Out_writes_z_
#define _In_reads_z_
#define _Deref2_pre_readonly_
#define _Readable_elements_
#define _Ret_range_
#define _Outptr_result_z_
#define _Flt_CompletionContext_Outptr_
#define _Requires_no_locks_held_
#define _Struct_size_bytes_
#define _Must_inspect_impl_
#define _Always_impl_
#define _Kernel_IoGetDmaAdapter_
#define _Kernel_clear_do_init_
#define _Kernel_requires_resource_held_
#define _Kernel_requires_resource_not_held_
#define _Kernel_acquires_resource_
#define _Kernel_releases_resource_
#define __in
#define __out
#define __inout
#define __in_opt
#define __out_opt
#define __inout_opt
#define __deref_out
#define __deref_out_opt
#define __checkReturn
#define __nullterminated
#define __reserved
#define __drv_aliasesMem
#define __drv_sameIRQL
#define __drv_savesIRQL
#define __drv_restoresIRQL
#define __drv_inTry
#define __drv_useCancelIRQL
#define __drv_isObjectPointer
#define __drv_Mode_impl
#define __drv_isCancelIRQL
#define __drv_clearDoInit
#define __drv_dispatchType_other
#define __drv_floatSaved
#define __drv_floatRestored
#define __drv_floatUsed
#define __drv_interlocked
#define __drv_notInTry
#define __drv_maxFunctionIRQL
#define __drv_minFunctionIRQL
#define __drv_nonConstant
#define __drv_freesMem_impl
#define __drv_innerMustHoldGlobal
#define __drv_innerReleasesGlobal
#define __drv_innerAcquiresGlobal
#define __drv_out_deref
#define __drv_in_deref
#define __drv_deref
#define __drv_preferredFunction_impl
#define __drv_reportError_impl
#define __analysis_noreturn
#define __bound
#define __notnull
#define __maybenull
#define __readonly
#define __valid
#define __notvalid
#define __override
#define __callback
#define __fallthrough
#define __user_code
#define __kernel_code
#define __drv_functionClass_impl
#define __field_bcount_impl
#define __post
#define __pre
#define __exceptthat
#define __refparam
#define _In_reads_(x)
#define _In_reads_bytes_(x)
#define _In_reads_opt_(x)
#define _In_reads_bytes_opt_(x)
#define _In_reads_or_z_(x)
#define _In_range_(x)
#define _Out_range_(x)
#define _Out_writes_(x)
#define _Out_writes_bytes_(x)
#define _Out_writes_opt_(x)
#define _Out_writes_bytes_opt_(x)
#define _Out_writes_all_(x)
#define _Out_writes_bytes_all_(x)
#define _Out_writes_all_opt_(x)
#define _Out_writes_bytes_all_opt_(x)
#define _Out_writes_opt_z_(x)
#define _Inout_updates_(x)
#define _Inout_updates_bytes_(x)
#define _Inout_updates_opt_(x)
#define _Inout_updates_bytes_opt_(x)
#define _Inout_updates_z_(x)
#define _Inout_updates_all_(x)
#define _Inout_updates_bytes_all_(x)
#define _Outptr_result_buffer_(x)
#define _Outptr_result_bytebuffer_(x)
#define _Outptr_opt_result_buffer_(x)
#define _Outptr_opt_result_bytebuffer_(x)
#define _Outptr_result_buffer_maybenull_(x)
#define _Outptr_result_bytebuffer_maybenull_(x)
#define _Ret_writes_(x)
#define _Ret_writes_bytes_(x)
#define _Ret_writes_maybenull_(x)
#define _Ret_writes_bytes_maybenull_(x)
#define _Ret_writes_z_(x)
#define _Ret_writes_maybenull_z_(x)
#define _Ret_reallocated_bytes_(x)
#define _Field_size_(x)
#define _Field_size_bytes_(x)
#define _Field_size_opt_(x)
#define _Field_size_bytes_opt_(x)
#define _Field_size_full_(x)
#define _Field_size_bytes_full_(x)
#define _Field_size_full_opt_(x)
#define _Field_size_bytes_full_opt_(x)
#define _Success_(x)
#define _Return_type_success_(x)
#define _Analysis_assume_(x)
#define _Analysis_mode_(x)
#define _Function_class_(x)
#define _Dispatch_type_(x)
#define _IRQL_requires_(x)
#define _IRQL_requires_max_(x)
#define _IRQL_requires_min_(x)
#define _IRQL_raises_(x)
#define _IRQL_always_function_max_(x)
#define _IRQL_always_function_min_(x)
#define _IRQL_lowers_(x)
#define _IRQL_restores_global_(x)
#define _IRQL_saves_global_(x)
#define _Requires_lock_held_(x)
#define _Requires_lock_not_held_(x)
#define _Requires_exclusive_lock_held_(x)
#define _Requires_shared_lock_held_(x)
#define _Acquires_lock_(x)
#define _Releases_lock_(x)
#define _Acquires_exclusive_lock_(x)
#define _Releases_exclusive_lock_(x)
#define _Acquires_shared_lock_(x)
#define _Releases_shared_lock_(x)
#define _Acquires_nonreentrant_lock_(x)
#define _Releases_nonreentrant_lock_(x)
#define _Post_equal_to_(x)
#define _Pre_satisfies_(x)
#define _Satisfies_(x)
#define _Always_(x)
#define _On_failure_(x)
#define _Guarded_by_(x)
#define _Write_guarded_by_(x)
#define _Has_lock_kind_(x)
#define _Has_lock_level_(x)
#define _Create_lock_level_(x)
#define _Lock_level_order_(x)
#define _Post_writable_byte_size_(x)
#define _Post_readable_byte_size_(x)
#define _Post_writable_size_(x)
#define _Post_readable_size_(x)
#define _Writable_bytes_(x)
#define _Writable_elements_(x)
#define _Readable_bytes_(x)
#define _Pre_writable_size_(x)
#define _Pre_writable_byte_size_(x)
#define _Pre_readable_size_(x)
#define _Pre_readable_byte_size_(x)
#define _Deref_pre_readonly_(x)
#define _Printf_format_string_params_(x)
#define _Scanf_format_string_params_(x)
#define _Drv_suppress_lock_checking_(x)
#define _Enum_is_bitflag_(x)
#define _When_impl_(x)
#define _Deref_out_range_(x)
#define _Deref_in_range_(x)
#define _Outptr_result_buffer_all_(x)
#define _Outptr_result_bytebuffer_all_(x)
#define _Out_writes_to_ptr_(x)
#define _Out_writes_bytes_to_ptr_(x)
#define _Null_terminated_impl_(x)
#define _Must_inspect_result_impl_(x)
#define _Notref_(x)
#define _Ret_range_impl_(x)
#define _Analysis_assume_nullterminated_(x)
#define __analysis_assume(x)
#define __analysis_assert(x)
#define __drv_dispatchType(x)
#define __drv_maxIRQL(x)
#define __drv_minIRQL(x)
#define __drv_requiresIRQL(x)
#define __drv_raisesIRQL(x)
#define __drv_setsIRQL(x)
#define __drv_restoresIRQLGlobal(x)
#define __drv_savesIRQLGlobal(x)
#define __drv_functionClass(x)
#define __drv_freesMem(x)
#define __drv_allocatesMem(x)
#define __drv_strictTypeMatch(x)
#define __drv_strictType(x)
#define __drv_valueIs(x)
#define __drv_mustHold(x)
#define __drv_mustHoldGlobal(x)
#define __drv_neverHold(x)
#define __drv_neverHoldGlobal(x)
#define __drv_releasesResource(x)
#define __drv_acquiresResource(x)
#define __drv_releasesResourceGlobal(x)
#define __drv_acquiresResourceGlobal(x)
#define __drv_mustHoldCancelSpinLock(x)
#define __drv_neverHoldCancelSpinLock(x)
#define __drv_acquiresCancelSpinLock(x)
#define __drv_releasesCancelSpinLock(x)
#define __drv_acquiresExclusiveResource(x)
#define __drv_releasesExclusiveResource(x)
#define __drv_preferredFunction(x)
#define __drv_reportError(x)
#define __drv_constant(x)
#define __drv_formatString(x)
#define __drv_when(x)
#define __drv_IoGetDmaAdapter(x)
#define __drv_KMDF_RequiredInitializer(x)
#define __success(x)
#define __bcount(x)
#define __ecount(x)
#define __in_bcount(x)
#define __in_ecount(x)
#define __out_bcount(x)
#define __out_ecount(x)
#define __inout_bcount(x)
#define __inout_ecount(x)
#define __in_bcount_opt(x)
#define __in_ecount_opt(x)
#define __out_bcount_opt(x)
#define __out_ecount_opt(x)
#define __field_bcount(x)
#define __field_ecount(x)
#define __field_bcount_opt(x)
#define __field_ecount_opt(x)
#define __deref_out_bcount(x)
#define __deref_out_ecount(x)
#define __out_bcount_part(x)
#define __out_ecount_part(x)
#define __typefix(x)
#define __range(x)
#define __in_range(x)
#define __out_range(x)
#define __format_string(x)
#define __control_entrypoint(x)
#define __drv_innerNeverHoldGlobal(x)
#define _Out_writes_to_(x, y)
#define _Out_writes_bytes_to_(x, y)
#define _Out_writes_to_opt_(x, y)
#define _Out_writes_bytes_to_opt_(x, y)
#define _Inout_updates_to_(x, y)
#define _Inout_updates_bytes_to_(x, y)
#define _Inout_updates_to_opt_(x, y)
#define _Inout_updates_bytes_to_opt_(x, y)
#define _Out_writes_bytes_all_to_(x, y)
#define _Outptr_result_buffer_to_(x, y)
#define _Outptr_result_bytebuffer_to_(x, y)
#define _Outptr_opt_result_buffer_to_(x, y)
#define _Outptr_opt_result_bytebuffer_to_(x, y)
#define _Ret_writes_to_(x, y)
#define _Ret_writes_bytes_to_(x, y)
#define _Ret_writes_to_maybenull_(x, y)
#define _Ret_writes_bytes_to_maybenull_(x, y)
#define _Field_size_part_(x, y)
#define _Field_size_bytes_part_(x, y)
#define _Field_size_part_opt_(x, y)
#define _Field_size_bytes_part_opt_(x, y)
#define _When_(x, y)
#define _At_(x, y)
#define _In_range_impl_(x, y)
#define _Out_range_impl_(x, y)
#define _Field_range_impl_(x, y)
#define _Deref_inrange_(x, y)
#define _Deref_outrange_(x, y)
#define _Outptr_result_buffer_maybenull_to_(x, y)
#define _Post_writable_byte_size_to_(x, y)
#define _IRQL_requires_impl_(x, y)
#define __drv_at(x, y)
#define __drv_when2(x, y)
#define __out_bcount_part_opt(x, y)
#define __out_ecount_part_opt(x, y)
#define __deref_out_bcount_part(x, y)
#define __field_bcount_part(x, y)
#define __field_ecount_part(x, y)
#define __out_range_impl(x, y)
#define __in_range_impl(x, y)
#define _At_buffer_(...)
#define _Group_(...)
#define _Inout_updates_bytes_to_all_(...)
#define __drv_arg(...)
#define __drv_out(...)
#define __drv_in(...)
#define __drv_inout(...)
#define __drv_maxIRQL_all(...)

#endif /* DMASIM_SAL_H */
