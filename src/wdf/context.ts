/**
 * Typed object contexts, the WDF_DECLARE_CONTEXT_TYPE way: a driver declares
 * its context type once and gets the type info to put in
 * WDF_OBJECT_ATTRIBUTES (WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE) and an
 * accessor that returns the driver's own type for a handle
 * (WdfObjectGetTypedContextWorker). A C driver's context is a zero-filled
 * area of sizeof(type); here `create` makes the context's initial value.
 *
 *   const DeviceContext = WDF_DECLARE_CONTEXT_TYPE_WITH_NAME("DEVICE_CONTEXT", () => ({ regs: 0, rings: null as WdfCommonBuffer | null }));
 *   const attrs = WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(DeviceContext);
 *   ... WdfDeviceCreate(init, attrs, out); DeviceContext.get(device).regs = va;
 */
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { FxValidateObjectAttributes, validHandle, type WDF_OBJECT_ATTRIBUTES, WDF_OBJECT_ATTRIBUTES_INIT, WDF_OBJECT_CONTEXT_TYPE_INFO_SIZE, type WDF_OBJECT_CONTEXT_TYPE_INFO, WdfObject } from "./object.ts";

/** A declared context type: its type info and its accessor. */
export interface WdfContextType<T> {
  readonly info: WDF_OBJECT_CONTEXT_TYPE_INFO;
  /** The accessor (GetDeviceContext(handle) in C): the context of this type, a TypeError when the object has none. */
  get(Handle: WdfObject): T;
}

/**
 * WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(type, accessor): `name` is the type's
 * name (ContextName), `create` its initial value, `size` sizeof(type) (the
 * ContextSize that ContextSizeOverride may not go below; 8 by default).
 */
export function WDF_DECLARE_CONTEXT_TYPE_WITH_NAME<T>(name: string, create: () => T, size = 8): WdfContextType<T> {
  if (typeof name !== "string" || name.length === 0) throw new TypeError("WDF_DECLARE_CONTEXT_TYPE_WITH_NAME: the context type needs a name");
  if (typeof create !== "function") throw new TypeError(`WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(${name}): create must make the context's initial value`);
  if (!Number.isSafeInteger(size) || size <= 0) throw new RangeError(`WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(${name}): size must be a positive byte count, got ${String(size)}`);
  const info: WDF_OBJECT_CONTEXT_TYPE_INFO = { Size: WDF_OBJECT_CONTEXT_TYPE_INFO_SIZE, ContextName: name, ContextSize: size, create };
  return {
    info,
    get(Handle: WdfObject): T {
      const c = WdfObjectGetTypedContextWorker(Handle, info);
      if (c === null) throw new TypeError(`${name} accessor: ${String(Handle)} has no ${name} context (it was created without WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(${name}) and never given one with WdfObjectAllocateContext)`);
      return c as T;
    },
  };
}

/** WDF_DECLARE_CONTEXT_TYPE: the same, named after the type. */
export const WDF_DECLARE_CONTEXT_TYPE = WDF_DECLARE_CONTEXT_TYPE_WITH_NAME;

/** WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(&attributes, type): attributes that give the object a context of this type. */
export function WDF_OBJECT_ATTRIBUTES_INIT_CONTEXT_TYPE(type: WdfContextType<unknown>, fields: Partial<WDF_OBJECT_ATTRIBUTES> = {}): WDF_OBJECT_ATTRIBUTES {
  return WDF_OBJECT_ATTRIBUTES_INIT({ ...fields, ContextTypeInfo: type.info });
}

/** WdfObjectGetTypedContextWorker(Handle, TypeInfo): the object's context of that type, or NULL. */
export function WdfObjectGetTypedContextWorker(Handle: WdfObject, TypeInfo: WDF_OBJECT_CONTEXT_TYPE_INFO): unknown {
  const o = validHandle(Handle, WdfObject, "WdfObjectGetTypedContextWorker");
  return o.typedContexts.has(TypeInfo) ? o.typedContexts.get(TypeInfo) : null;
}

/**
 * WdfObjectAllocateContext(Handle, ContextAttributes, Context): one more
 * context on an existing object. STATUS_OBJECT_NAME_EXISTS when it already
 * has one of that type (the existing one is returned); attributes without a
 * context type, or with a parent, are STATUS_INVALID_PARAMETER /
 * STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED as FxValidateObjectAttributes says.
 */
export function WdfObjectAllocateContext(Handle: WdfObject, ContextAttributes: WDF_OBJECT_ATTRIBUTES, Context: { value: unknown } | null): NTSTATUS {
  const o = validHandle(Handle, WdfObject, "WdfObjectAllocateContext");
  if (Context !== null) Context.value = null;
  if (ContextAttributes?.ParentObject != null) return STATUS.WDF_PARENT_ASSIGNMENT_NOT_ALLOWED;
  const st = FxValidateObjectAttributes(ContextAttributes);
  if (!NT_SUCCESS(st)) return st;
  const info = ContextAttributes.ContextTypeInfo;
  if (info === null) return STATUS.INVALID_PARAMETER;
  if (o.typedContexts.has(info)) {
    if (Context !== null) Context.value = o.typedContexts.get(info);
    return STATUS.OBJECT_NAME_EXISTS;
  }
  const c = info.create?.() ?? {};
  o.typedContexts.set(info, c);
  if (Context !== null) Context.value = c;
  return STATUS.SUCCESS;
}
