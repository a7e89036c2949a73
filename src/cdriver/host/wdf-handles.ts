/**
 * The C driver's view of framework objects: each WDFxxx handle is a small
 * block in the driver's memory standing for one object of dmasim's KMDF
 * (src/wdf/), so handles are distinct non-NULL pointers as on Windows. An
 * object's typed contexts (WDF_DECLARE_CONTEXT_TYPE) are zeroed blocks in
 * the driver's own memory, keyed by the address of the context type's
 * WDF_OBJECT_CONTEXT_TYPE_INFO; they and the handle are freed when the
 * framework destroys the object. The structure readers turn the driver's
 * WDF_OBJECT_ATTRIBUTES into the framework's, with callbacks that call the
 * driver through its function table.
 */
import { BugCheckError, BUGCHECK } from "../../core/bugcheck.ts";
import { WDF_OBJECT_ATTRIBUTES_SIZE, WDF_OBJECT_CONTEXT_TYPE_INFO_SIZE, type WDF_OBJECT_ATTRIBUTES, type WDF_OBJECT_CONTEXT_TYPE_INFO, type WdfObject } from "../../wdf/object.ts";
import type { CDriverHost } from "./driver-host.ts";
import { fields } from "./layouts.ts";

/** WDF_OBJECT_ATTRIBUTES offsets (wasm32). */
export const ATTR = fields("WDF_OBJECT_ATTRIBUTES", ["Size", "EvtCleanupCallback", "EvtDestroyCallback", "ExecutionLevel", "SynchronizationScope", "ParentObject", "ContextSizeOverride", "ContextTypeInfo"]);
/** WDF_OBJECT_CONTEXT_TYPE_INFO offsets (wasm32). */
export const TYPEINFO = fields("WDF_OBJECT_CONTEXT_TYPE_INFO", ["Size", "ContextName", "ContextSize", "UniqueType"]);

/** A C structure's Size as the framework's: the wasm32 size of a known KMDF layout becomes that layout's x64 size; anything else passes as it is (the framework refuses it). */
export function frameworkSize(cSize: number, layouts: readonly (readonly [wasm32: number, x64: number])[]): number {
  for (const [c, x] of layouts) if (cSize === c) return x;
  return cSize;
}

/** The handle type's C name for a framework class ("WdfIoQueue" is a WDFQUEUE). */
function typeNameOf(cls: string): string {
  return cls === "WdfIoQueue" ? "WDFQUEUE" : cls.replace(/^Wdf/, "WDF").toUpperCase();
}

/** Handles, contexts and attributes of one C KMDF driver. */
export class WdfHandles {
  private readonly host: CDriverHost;
  private readonly objects = new Map<number, object>();
  private readonly handleOf = new Map<object, number>();
  private readonly contexts = new Map<number, Map<number, number>>();
  private readonly typeInfos = new Map<number, WDF_OBJECT_CONTEXT_TYPE_INFO>();

  constructor(host: CDriverHost) {
    this.host = host;
  }

  /** The handle of a framework object (made on first use); 0 for null. */
  handle(o: object | null): number {
    if (o === null) return 0;
    const known = this.handleOf.get(o);
    if (known !== undefined) return known;
    const at = this.host.heap.alloc(8, "WDF handle");
    this.objects.set(at, o);
    this.handleOf.set(o, at);
    return at;
  }

  /** The object behind a handle, checked to be an instance of `cls`; a bad handle stops the machine as KMDF's verifier does (0x10D). */
  object<T extends object>(h: number, cls: abstract new (...args: never[]) => T, routine: string): T {
    const o = this.objects.get(h >>> 0);
    if (o instanceof cls) return o;
    throw new BugCheckError(BUGCHECK.WDF_VIOLATION, 0x4, h >>> 0, 0, 0, `${routine}: 0x${(h >>> 0).toString(16)} is not a ${typeNameOf(cls.name)} handle${o === undefined ? "" : ` (it is a ${(o as { typeName?: string }).typeName ?? "different object"})`}`);
  }

  /** The object behind a handle, any type (null for 0). */
  any(h: number): object | null {
    return h === 0 ? null : (this.objects.get(h >>> 0) ?? null);
  }

  /** Forget an object (its handle block and contexts freed). */
  drop(o: object): void {
    const h = this.handleOf.get(o);
    if (h === undefined) return;
    for (const at of this.contexts.get(h)?.values() ?? []) this.host.heap.release(at);
    this.contexts.delete(h);
    this.objects.delete(h);
    this.handleOf.delete(o);
    this.host.heap.release(h);
  }

  /** The context of type `typeInfo` (the address of its WDF_OBJECT_CONTEXT_TYPE_INFO) of the object behind `h`, or 0. */
  context(h: number, typeInfo: number): number {
    return this.contexts.get(h >>> 0)?.get(typeInfo >>> 0) ?? 0;
  }

  /** Give the object behind `h` a zeroed context described by the attributes at `attrs` (nothing when they name no type). */
  allocateContext(h: number, attrs: number): number {
    const m = this.host.mem;
    if (attrs === 0) return 0;
    const info = m.u32At(attrs + ATTR.ContextTypeInfo);
    if (info === 0) return 0;
    const unique = m.u32At(info + TYPEINFO.UniqueType) || info;
    const size = Math.max(m.u32At(info + TYPEINFO.ContextSize), m.u32At(attrs + ATTR.ContextSizeOverride));
    let byType = this.contexts.get(h);
    if (byType === undefined) this.contexts.set(h, (byType = new Map<number, number>()));
    const known = byType.get(unique);
    if (known !== undefined) return known;
    const at = this.host.heap.alloc(Math.max(size, 1), `${m.cString(m.u32At(info + TYPEINFO.ContextName))} context`);
    byType.set(unique, at);
    return at;
  }

  /**
   * The framework's attributes for the driver's WDF_OBJECT_ATTRIBUTES at `p`
   * (null for WDF_NO_OBJECT_ATTRIBUTES): its callbacks call the driver; the
   * destroy callback also frees the handle and contexts.
   */
  attributes(p: number, routine: string): WDF_OBJECT_ATTRIBUTES | null {
    if (p === 0) return null;
    const m = this.host.mem;
    const cleanup = m.u32At(p + ATTR.EvtCleanupCallback);
    const destroy = m.u32At(p + ATTR.EvtDestroyCallback);
    const parent = m.u32At(p + ATTR.ParentObject);
    const info = m.u32At(p + ATTR.ContextTypeInfo);
    return {
      Size: frameworkSize(m.u32At(p + ATTR.Size), [[ATTR.SIZE, WDF_OBJECT_ATTRIBUTES_SIZE]]),
      EvtCleanupCallback: cleanup === 0 ? null : (o: WdfObject) => void this.host.call(cleanup, [this.handle(o)], "EvtCleanupCallback"),
      EvtDestroyCallback: (o: WdfObject) => {
        if (destroy !== 0) this.host.call(destroy, [this.handle(o)], "EvtDestroyCallback");
        this.drop(o);
      },
      ExecutionLevel: m.u32At(p + ATTR.ExecutionLevel),
      SynchronizationScope: m.u32At(p + ATTR.SynchronizationScope),
      ParentObject: parent === 0 ? null : (this.any(parent) as WdfObject | null) ?? this.badParent(parent, routine),
      ContextSizeOverride: m.u32At(p + ATTR.ContextSizeOverride),
      ContextTypeInfo: info === 0 ? null : this.typeInfo(info),
    };
  }

  private badParent(parent: number, routine: string): never {
    throw new BugCheckError(BUGCHECK.WDF_VIOLATION, 0x4, parent, 0, 0, `${routine}: the attributes' ParentObject 0x${parent.toString(16)} is not a framework object handle`);
  }

  private typeInfo(p: number): WDF_OBJECT_CONTEXT_TYPE_INFO {
    const known = this.typeInfos.get(p);
    if (known !== undefined) return known;
    const m = this.host.mem;
    const name = m.u32At(p + TYPEINFO.ContextName);
    const t: WDF_OBJECT_CONTEXT_TYPE_INFO = { Size: frameworkSize(m.u32At(p + TYPEINFO.Size), [[TYPEINFO.SIZE, WDF_OBJECT_CONTEXT_TYPE_INFO_SIZE]]), ContextName: name === 0 ? null : m.cString(name), ContextSize: m.u32At(p + TYPEINFO.ContextSize) };
    this.typeInfos.set(p, t);
    return t;
  }
}
