/**
 * The KMDF object model: every WDF handle is a WdfObject with a parent, a
 * list of children, a reference count and the driver's cleanup / destroy
 * callbacks. Deletion follows the framework's state machine
 * (Windows-Driver-Frameworks src/framework/shared/object/fxobjectstatemachine.cpp):
 *
 *   1. dispose: children first, deepest first and in creation order, each
 *      child's own Dispose (e.g. a common buffer's FreeCommonBuffer) then its
 *      EvtCleanupCallback; then the object's own Dispose and EvtCleanupCallback;
 *   2. destroy: children drop their final reference (EvtDestroyCallback when
 *      their count reaches zero), then the object drops its own. A child holds
 *      a reference on its parent, so a parent is destroyed after its children,
 *      and an object with outstanding WdfObjectReference counts is destroyed
 *      only when the last one is released.
 */
import { BugCheckError, BUGCHECK } from "../core/bugcheck.ts";
import { removeAt } from "../core/array-edit.ts";
import { STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { machineSlot } from "../kernel/kernel.ts";
import type { WdfDriverGlobals } from "./globals.ts";

/** WDF_EXECUTION_LEVEL (wdfobject.h): the highest IRQL the object's callbacks run at. 0 is invalid (the attributes are refused). */
export const WdfExecutionLevelInvalid = 0;
/** The parent's execution level (the default, WDF_OBJECT_ATTRIBUTES_INIT). */
export const WdfExecutionLevelInheritFromParent = 1;
/** Callbacks at PASSIVE_LEVEL. */
export const WdfExecutionLevelPassive = 2;
/** Callbacks at up to DISPATCH_LEVEL. */
export const WdfExecutionLevelDispatch = 3;

/** WDF_SYNCHRONIZATION_SCOPE (wdfobject.h): which callbacks the framework serialises. 0 is invalid (the attributes are refused). */
export const WdfSynchronizationScopeInvalid = 0;
/** The parent's scope (the default, WDF_OBJECT_ATTRIBUTES_INIT). */
export const WdfSynchronizationScopeInheritFromParent = 1;
/** One lock for the device: its queues' and file objects' callbacks never run at once. */
export const WdfSynchronizationScopeDevice = 2;
/** One lock per queue: a queue's callbacks never run at once. */
export const WdfSynchronizationScopeQueue = 3;
/** No serialisation by the framework. */
export const WdfSynchronizationScopeNone = 4;

/** sizeof(WDF_OBJECT_ATTRIBUTES) on x64 (0x38). */
export const WDF_OBJECT_ATTRIBUTES_SIZE = 0x38;
/** sizeof(WDF_OBJECT_CONTEXT_TYPE_INFO) on x64, and the KMDF 1.0 layout's size. */
export const WDF_OBJECT_CONTEXT_TYPE_INFO_SIZE = 0x28;
export const WDF_OBJECT_CONTEXT_TYPE_INFO_V1_0_SIZE = 0x20;

/** EvtCleanupCallback: the object is being deleted (children first); release what the driver attached to it. <= DISPATCH_LEVEL. */
export type EVT_WDF_OBJECT_CONTEXT_CLEANUP = (Object: WdfObject) => void;
/** EvtDestroyCallback: the last reference is gone; the context memory goes after this. <= DISPATCH_LEVEL. */
export type EVT_WDF_OBJECT_CONTEXT_DESTROY = (Object: WdfObject) => void;

/** WDF_OBJECT_CONTEXT_TYPE_INFO: a context type's name and size (WDF_DECLARE_CONTEXT_TYPE); see context.ts. */
export interface WDF_OBJECT_CONTEXT_TYPE_INFO {
  Size: number;
  ContextName: string | null;
  ContextSize: number;
  /** What the framework's zero-filled context area is in TypeScript: the context's initial value (context.ts, WDF_DECLARE_CONTEXT_TYPE). */
  readonly create?: () => unknown;
}

/**
 * WDF_OBJECT_ATTRIBUTES: what every Wdf*Create takes — cleanup and destroy
 * callbacks, execution level and synchronisation scope, a parent (where the
 * object type allows one), a context type. Start from WDF_OBJECT_ATTRIBUTES_INIT;
 * FxValidateObjectAttributes gives the framework's status for a bad one.
 */
export interface WDF_OBJECT_ATTRIBUTES {
  Size: number;
  EvtCleanupCallback: EVT_WDF_OBJECT_CONTEXT_CLEANUP | null;
  EvtDestroyCallback: EVT_WDF_OBJECT_CONTEXT_DESTROY | null;
  ExecutionLevel: number;
  SynchronizationScope: number;
  ParentObject: WdfObject | null;
  ContextSizeOverride: number;
  ContextTypeInfo: WDF_OBJECT_CONTEXT_TYPE_INFO | null;
}

/** WDF_OBJECT_ATTRIBUTES_INIT: zeroed, Size set, both levels "inherit from parent". */
export function WDF_OBJECT_ATTRIBUTES_INIT(fields: Partial<WDF_OBJECT_ATTRIBUTES> = {}): WDF_OBJECT_ATTRIBUTES {
  return {
    Size: WDF_OBJECT_ATTRIBUTES_SIZE,
    EvtCleanupCallback: null,
    EvtDestroyCallback: null,
    ExecutionLevel: WdfExecutionLevelInheritFromParent,
    SynchronizationScope: WdfSynchronizationScopeInheritFromParent,
    ParentObject: null,
    ContextSizeOverride: 0,
    ContextTypeInfo: null,
    ...fields,
  };
}

/** WDF_NO_OBJECT_ATTRIBUTES. */
export const WDF_NO_OBJECT_ATTRIBUTES = null;

/** FX_VALIDATE_OPTION_* flags of FxValidateObjectAttributes. */
export const FX_VALIDATE_OPTION_NONE_SPECIFIED = 0x0;
export const FX_VALIDATE_OPTION_PARENT_NOT_ALLOWED = 0x1;
export const FX_VALIDATE_OPTION_EXECUTION_LEVEL_ALLOWED = 0x2;
export const FX_VALIDATE_OPTION_SYNCHRONIZATION_SCOPE_ALLOWED = 0x4;
export const FX_VALIDATE_OPTION_ATTRIBUTES_REQUIRED = 0x8;
export const FX_VALIDATE_OPTION_PARENT_REQUIRED_FLAG = 0x10;

/**
 * FxValidateObjectAttributes, check for check in the framework's order:
 * size, context type info, context size override, parent rule, enum ranges,
 * then whether this object type allows a synchronization scope / execution level.
 */
export function FxValidateObjectAttributes(Attributes: WDF_OBJECT_ATTRIBUTES | null, Flags = FX_VALIDATE_OPTION_NONE_SPECIFIED): NTSTATUS {
  if (Attributes === null) return (Flags & FX_VALIDATE_OPTION_ATTRIBUTES_REQUIRED) !== 0 ? STATUS.WDF_PARENT_NOT_SPECIFIED : STATUS.SUCCESS;
  if (Attributes.Size !== WDF_OBJECT_ATTRIBUTES_SIZE) return STATUS.INFO_LENGTH_MISMATCH;
  const info = Attributes.ContextTypeInfo;
  if (info !== null) {
    if (info.Size !== WDF_OBJECT_CONTEXT_TYPE_INFO_SIZE && info.Size !== WDF_OBJECT_CONTEXT_TYPE_INFO_V1_0_SIZE) return STATUS.INFO_LENGTH_MISMATCH;
    if (info.ContextSize > 0 && info.ContextName === null) return STATUS.WDF_OBJECT_ATTRIBUTES_INVALID;
  }
  if (Attributes.ContextSizeOverride > 0) {
    if (info === null || Attributes.ContextSizeOverride < info.ContextSize) return STATUS.WDF_OBJECT_ATTRIBUTES_INVALID;
  }
  if ((Flags & FX_VALIDATE_OPTION_PARENT_NOT_ALLOWED) !== 0) {
    if (Attributes.ParentObject !== null) return STATUS.WDF_PARENT_ASSIGNMENT_NOT_ALLOWED;
  } else if ((Flags & FX_VALIDATE_OPTION_PARENT_REQUIRED_FLAG) !== 0 && Attributes.ParentObject === null) {
    return STATUS.WDF_PARENT_NOT_SPECIFIED;
  }
  if (Attributes.ExecutionLevel === WdfExecutionLevelInvalid || Attributes.ExecutionLevel > WdfExecutionLevelDispatch) return STATUS.WDF_OBJECT_ATTRIBUTES_INVALID;
  if (Attributes.SynchronizationScope === WdfSynchronizationScopeInvalid || Attributes.SynchronizationScope > WdfSynchronizationScopeNone) return STATUS.WDF_OBJECT_ATTRIBUTES_INVALID;
  if ((Flags & FX_VALIDATE_OPTION_SYNCHRONIZATION_SCOPE_ALLOWED) === 0 && Attributes.SynchronizationScope !== WdfSynchronizationScopeInheritFromParent && Attributes.SynchronizationScope !== WdfSynchronizationScopeNone) {
    return STATUS.WDF_SYNCHRONIZATION_SCOPE_INVALID;
  }
  if ((Flags & FX_VALIDATE_OPTION_EXECUTION_LEVEL_ALLOWED) === 0 && Attributes.ExecutionLevel !== WdfExecutionLevelInheritFromParent) return STATUS.WDF_EXECUTION_LEVEL_INVALID;
  return STATUS.SUCCESS;
}

/** Where an object is in its life (a reduced FxObjectState). */
export type WdfObjectState = "created" | "disposed" | "deleted" | "destroyed";

/** WDF_VIOLATION (0x10D) parameter-1 codes used here (bug-check-0x10d docs). */
export const WDF_VIOLATION_NULL_PARAMETER = 0x4;
export const WDF_VIOLATION_BAD_HANDLE = 0x5;
export const WDF_VIOLATION_DEREFERENCE_DELETE = 0x7;
export const WDF_VIOLATION_DMA_TRANSACTION_STATE = 0x8;

/** Next fake handle value per machine, so that the same run gives the same handles (and bug-check parameters). */
const HANDLES = machineSlot<{ next: number }>("wdf handles", () => ({ next: 0x1000 }));

/** The children of every childless object (never written: commit makes an object its own list). */
const NO_CHILDREN: readonly WdfObject[] = Object.freeze([]);

/**
 * Base of every framework object. Subclasses override `dispose()` to release
 * what they own (FxObject::Dispose); `noDeleteDdi` marks objects the driver
 * may not delete with WdfObjectDelete (a PnP WDFDEVICE, the WDFDRIVER).
 */
export abstract class WdfObject {
  /** The object type's WDK handle name ("WDFDEVICE", ...). */
  abstract readonly typeName: string;
  readonly globals: WdfDriverGlobals;
  /** A stable fake handle value for messages and bug-check parameters. */
  readonly handle: number;
  parent: WdfObject | null = null;
  /** Made when the first child is added: most objects (every request) never get one. */
  private children_: WdfObject[] | null = null;
  /** The object's children, in creation order. */
  get children(): readonly WdfObject[] {
    return this.children_ ?? NO_CHILDREN;
  }
  state: WdfObjectState = "created";
  /** References: 1 for the object's own, +1 per child, +1 per WdfObjectReference. */
  refCount = 1;
  deleteCalled = false;
  private context_: Record<string, unknown> | null = null;
  /** Per-object driver context (what WdfObjectGetTypedContext returns); made on first use, as most objects (every request) never touch it. */
  get context(): Record<string, unknown> {
    return (this.context_ ??= {});
  }
  /** Made on first use: most objects (every request) never get a typed context, and a Map each is garbage. */
  private typedContexts_: Map<WDF_OBJECT_CONTEXT_TYPE_INFO, unknown> | null = null;
  /** Typed context areas by their type (WDF_OBJECT_ATTRIBUTES.ContextTypeInfo, WdfObjectAllocateContext). */
  get typedContexts(): Map<WDF_OBJECT_CONTEXT_TYPE_INFO, unknown> {
    return (this.typedContexts_ ??= new Map());
  }
  protected readonly noDeleteDdi: boolean = false;
  private cleanup: EVT_WDF_OBJECT_CONTEXT_CLEANUP | null = null;
  private destroy: EVT_WDF_OBJECT_CONTEXT_DESTROY | null = null;

  constructor(globals: WdfDriverGlobals, attributes: WDF_OBJECT_ATTRIBUTES | null) {
    this.globals = globals;
    const handles = (globals.handles ??= globals.kernel.slot(HANDLES));
    this.handle = handles.next;
    handles.next += 0x10;
    if (attributes !== null) {
      this.cleanup = attributes.EvtCleanupCallback;
      this.destroy = attributes.EvtDestroyCallback;
      const info = attributes.ContextTypeInfo;
      if (info !== null) this.typedContexts.set(info, info.create?.() ?? {});
    }
  }

  /** Commit: attach to the parent (which gains a reference). */
  commit(parent: WdfObject | null): void {
    if (parent !== null) {
      this.parent = parent;
      (parent.children_ ??= []).push(this);
      parent.refCount++;
    }
  }

  /** Release what the object owns (FxObject::Dispose). Default: nothing. */
  protected dispose(): void {
    // Plain objects own nothing outside the framework.
  }

  /** True for objects the driver may not delete with WdfObjectDelete (WDFDRIVER, a PnP WDFDEVICE, a default queue): the framework deletes them. */
  get isNoDeleteDdi(): boolean {
    return this.noDeleteDdi;
  }

  /** Dispose phase: children first (deepest first), then own Dispose and cleanup callback. */
  disposeTree(): void {
    if (this.state !== "created") return;
    this.state = "disposed";
    const children = this.children_;
    if (children !== null && children.length > 0) for (const c of [...children]) c.disposeTree();
    this.dispose();
    const cb = this.cleanup;
    this.cleanup = null;
    if (cb !== null) cb(this);
  }

  /** Delete: dispose the subtree, then let children and self drop their final references. */
  deleteObject(): void {
    if (this.deleteCalled) return;
    this.deleteCalled = true;
    if (this.parent !== null && this.parent.state === "created") {
      // Leave the parent's child list (RemoveChildObjectInternal); the parent keeps no reference then.
      this.detachFromParent();
    }
    this.disposeTree();
    this.deletedAndDisposed();
  }

  /** Parent deleted us (ParentDeleteEvent): drop our own reference after the subtree. */
  private deletedAndDisposed(): void {
    if (this.state === "deleted" || this.state === "destroyed") return;
    this.state = "deleted";
    const children = this.children_;
    if (children !== null && children.length > 0) {
      for (const c of [...children]) {
        c.deleteCalled = true;
        c.deletedAndDisposed();
      }
    }
    this.release();
  }

  private detachFromParent(): void {
    const p = this.parent;
    if (p === null) return;
    const siblings = p.children_;
    const i = siblings === null ? -1 : siblings.indexOf(this);
    if (siblings !== null && i >= 0) removeAt(siblings, i);
    this.parent = null;
    p.release();
  }

  /** One more reference (WdfObjectReference): the object outlives its deletion until release(). */
  addRef(): void {
    this.refCount++;
  }

  /** Drop one reference; at zero the object is destroyed (EvtDestroyCallback) and leaves its parent. */
  release(): void {
    this.refCount--;
    if (this.refCount > 0) return;
    this.state = "destroyed";
    const cb = this.destroy;
    this.destroy = null;
    if (cb !== null) cb(this);
    this.detachFromParent();
  }

  /**
   * DeleteFromFailedCreate: a half-built object goes away without the driver
   * seeing it — its cleanup and destroy callbacks are cleared first (the
   * driver never initialised it), then it is deleted.
   */
  deleteFromFailedCreate(): void {
    this.cleanup = null;
    this.destroy = null;
    this.deleteObject();
  }

  /** The type and handle, as KMDF traces name objects: "WDFDEVICE 0x1010". */
  toString(): string {
    return `${this.typeName} 0x${this.handle.toString(16).toUpperCase()}`;
  }
}

/**
 * FxObjectHandleGetPtr: a handle of the wrong type, a destroyed object or
 * NULL stops the machine with WDF_VIOLATION (0x10D), P1 = 0x5 (bad handle) or
 * 0x4 (NULL). On Windows a destroyed handle is freed pool; dmasim makes it the
 * bad-handle stop rather than silent corruption.
 */
export function validHandle<T extends WdfObject>(obj: unknown, cls: abstract new (...args: never[]) => T, routine: string): T {
  if (obj === null || obj === undefined) throw new BugCheckError(BUGCHECK.WDF_VIOLATION, WDF_VIOLATION_NULL_PARAMETER, 0, 0, 0, `${routine}: NULL handle`);
  if (!(obj instanceof cls)) {
    const h = obj instanceof WdfObject ? obj.handle : 0;
    throw new BugCheckError(BUGCHECK.WDF_VIOLATION, WDF_VIOLATION_BAD_HANDLE, h, 0, 0, `${routine}: ${obj instanceof WdfObject ? String(obj) : typeof obj} is not a ${cls.name.replace(/^Wdf/, "WDF").toUpperCase()}`);
  }
  if (obj.state === "destroyed") throw new BugCheckError(BUGCHECK.WDF_VIOLATION, WDF_VIOLATION_BAD_HANDLE, obj.handle, 0, 0, `${routine}: ${String(obj)} was already destroyed`);
  return obj;
}

/** A general-purpose framework object (WdfObjectCreate). */
export class WdfGeneralObject extends WdfObject {
  readonly typeName = "WDFOBJECT";
}
