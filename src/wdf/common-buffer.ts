/**
 * WDFCOMMONBUFFER: WdfCommonBufferCreate / WdfCommonBufferCreateWithConfig and
 * the getters, following Windows-Driver-Frameworks fxcommonbufferapi.cpp and
 * fxcommonbuffer.cpp (reference windows-dma.md §4.4):
 *
 * - the alignment mask is the enabler's default (WdfDmaEnablerCreate) or
 *   WDF_COMMON_BUFFER_CONFIG.AlignmentRequirement (not validated);
 * - the raw length is Length + mask only when the mask exceeds PAGE_SIZE - 1
 *   or the driver binds to KMDF < 1.11 (HAL buffers are page aligned anyway);
 * - AllocateCommonBuffer(readAdapter, raw, &rawLA, CacheEnabled = TRUE);
 * - aligned LA = (rawLA + mask) & ~mask; for masks above a page the VA is
 *   rawVA + (alignedLA - rawLA), so VA and LA name the same byte (the LA is
 *   aligned, the VA generally is not);
 * - the parent is always the enabler; an enabler already being deleted (its
 *   device removed, a stale reference kept) refuses the child with
 *   STATUS_DELETE_PENDING before anything is allocated; failure gives
 *   STATUS_INSUFFICIENT_RESOURCES and a NULL handle;
 * - deletion calls FreeCommonBuffer with exactly the raw values.
 */
import { MAXULONG, PAGE_SIZE, type PHYSICAL_ADDRESS } from "../core/address.ts";
import { PASSIVE_LEVEL } from "../core/irql.ts";
import { NT_SUCCESS, STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import type { HandleOut } from "./driver.ts";
import { WdfDmaEnabler } from "./dma-enabler.ts";
import { FX_VALIDATE_OPTION_PARENT_NOT_ALLOWED, FxValidateObjectAttributes, validHandle, type WDF_OBJECT_ATTRIBUTES, WdfObject } from "./object.ts";

/** sizeof(WDF_COMMON_BUFFER_CONFIG). */
export const WDF_COMMON_BUFFER_CONFIG_SIZE = 8;

/** WDF_COMMON_BUFFER_CONFIG: the alignment WdfCommonBufferCreateWithConfig gives the buffer's logical address (KMDF 1.1 and later). */
export interface WDF_COMMON_BUFFER_CONFIG {
  Size: number;
  /** Alignment mask (alignment - 1), e.g. FILE_OCTA_ALIGNMENT. */
  AlignmentRequirement: number;
}

/** WDF_COMMON_BUFFER_CONFIG_INIT(&config, AlignmentRequirement). */
export function WDF_COMMON_BUFFER_CONFIG_INIT(AlignmentRequirement: number): WDF_COMMON_BUFFER_CONFIG {
  return { Size: WDF_COMMON_BUFFER_CONFIG_SIZE, AlignmentRequirement };
}

/** (x + mask) & ~mask on 64-bit values, as FX_ALIGN_LOGICAL_ADDRESS / FX_ALIGN_VIRTUAL_ADDRESS compute it. */
function alignWithMask(x: number, mask: number): number {
  const m = BigInt(mask);
  return Number(BigInt.asUintN(64, (BigInt(x) + m) & ~m));
}

/** WDFCOMMONBUFFER: a common buffer of the enabler's adapter, aligned as asked. */
export class WdfCommonBuffer extends WdfObject {
  readonly typeName = "WDFCOMMONBUFFER";
  readonly enabler: WdfDmaEnabler;
  /** Alignment mask in force (m_Alignment). */
  alignment: number;
  /** The caller's length (m_Length). */
  length = 0;
  /** What was asked of the HAL (m_RawLength). */
  rawLength = 0;
  rawVa = 0;
  rawLa = 0;
  alignedVa = 0;
  alignedLa = 0;

  constructor(enabler: WdfDmaEnabler, attributes: WDF_OBJECT_ATTRIBUTES | null) {
    super(enabler.globals, attributes);
    this.enabler = enabler;
    this.alignment = enabler.commonBufferAlignment;
  }

  /** FxCommonBuffer::AllocateCommonBuffer. */
  allocate(Length: number): NTSTATUS {
    const g = this.globals;
    const st = g.checkIrql("WdfCommonBufferCreate", PASSIVE_LEVEL);
    if (!NT_SUCCESS(st)) return st;
    const mask = this.alignment;
    this.length = Length;
    this.rawLength = mask > PAGE_SIZE - 1 || !g.isVersionAtLeast(1, 11) ? Length + mask : Length;
    const a = this.enabler.readAdapter;
    const la: PHYSICAL_ADDRESS = { QuadPart: 0n };
    // A raw length that does not fit a ULONG quietly yields no buffer (FxDmaEnabler::AllocateCommonBuffer).
    const va = a === null || this.rawLength > MAXULONG ? null : (a.DmaOperations.AllocateCommonBuffer?.(a, this.rawLength, la, true) ?? null);
    if (va === null) {
      this.length = 0;
      this.rawLength = 0;
      this.alignedVa = 0;
      this.alignedLa = 0;
      return STATUS.INSUFFICIENT_RESOURCES;
    }
    this.rawVa = va;
    this.rawLa = Number(la.QuadPart);
    this.alignedVa = alignWithMask(this.rawVa, mask);
    this.alignedLa = alignWithMask(this.rawLa, mask);
    // Above a page the aligned VA and LA could name different bytes: move the VA by the LA's offset.
    // (The offset always fits a ULONG because the mask is a ULONG.)
    if (mask > PAGE_SIZE - 1) this.alignedVa = this.rawVa + (this.alignedLa - this.rawLa);
    return STATUS.SUCCESS;
  }

  protected override dispose(): void {
    // FreeCommonBuffer with exactly the values of the allocation; nothing when it never happened.
    if (this.rawVa === 0) return;
    const a = this.enabler.readAdapter;
    if (a !== null) a.DmaOperations.FreeCommonBuffer?.(a, this.rawLength, { QuadPart: BigInt(this.rawLa) }, this.rawVa, true);
    this.rawVa = 0;
  }
}

function create(routine: string, DmaEnabler: WdfDmaEnabler, Length: number, Config: WDF_COMMON_BUFFER_CONFIG | null, Attributes: WDF_OBJECT_ATTRIBUTES | null, CommonBuffer: HandleOut<WdfCommonBuffer>): NTSTATUS {
  const en = validHandle(DmaEnabler, WdfDmaEnabler, routine);
  if (Config !== null && Config.Size !== WDF_COMMON_BUFFER_CONFIG_SIZE) return STATUS.INFO_LENGTH_MISMATCH;
  CommonBuffer.value = null;
  let status = en.globals.checkIrql(routine, PASSIVE_LEVEL);
  if (!NT_SUCCESS(status)) return status;
  if (!Number.isSafeInteger(Length) || Length < 0) throw new RangeError(`${routine}: Length must be a size_t, got ${Length}`);
  if (Length === 0) return STATUS.INVALID_PARAMETER;
  status = FxValidateObjectAttributes(Attributes, FX_VALIDATE_OPTION_PARENT_NOT_ALLOWED);
  if (!NT_SUCCESS(status)) return status;
  // Commit: FxObject::AddChildObjectInternal refuses a parent past its Created state.
  if (en.state !== "created" || en.device.state !== "created") return STATUS.DELETE_PENDING;
  const cb = new WdfCommonBuffer(en, Attributes);
  cb.commit(en);
  if (Config !== null) cb.alignment = Config.AlignmentRequirement >>> 0;
  status = cb.allocate(Length);
  if (!NT_SUCCESS(status)) {
    cb.deleteFromFailedCreate();
    return status;
  }
  CommonBuffer.value = cb;
  return STATUS.SUCCESS;
}

/**
 * WdfCommonBufferCreate(DmaEnabler, Length, Attributes, CommonBuffer) at
 * PASSIVE_LEVEL: Length 0 gives STATUS_INVALID_PARAMETER; a ParentObject in
 * the attributes gives STATUS_WDF_PARENT_ASSIGNMENT_NOT_ALLOWED; no memory
 * gives STATUS_INSUFFICIENT_RESOURCES. The handle is NULL unless it succeeds.
 * The buffer comes from the enabler's adapter (AllocateCommonBuffer, cached)
 * and is freed when the object is deleted, with the enabler or the device.
 *
 * @example
 * ```ts
 * import { bootMachine, WdfDriverCreate, WDF_DRIVER_CONFIG_INIT, WdfDeviceCreate, wdfAddDevice, WdfDmaEnablerCreate, WDF_DMA_ENABLER_CONFIG_INIT, WdfDmaProfileScatterGather64,
 *   WdfCommonBufferCreate, WdfCommonBufferGetAlignedVirtualAddress, WdfCommonBufferGetAlignedLogicalAddress, WdfCommonBufferGetLength, WdfObjectDelete,
 *   statusSymbol, hexAddr, type HandleOut, type WdfDriver, type WdfDmaEnabler, type WdfCommonBuffer } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * const driver: HandleOut<WdfDriver> = { value: null };
 * WdfDriverCreate(k, null, WDF_DRIVER_CONFIG_INIT((_drv, init) => WdfDeviceCreate(init, null, { value: null })), driver);
 * const { device } = wdfAddDevice(driver.value!, "plx9656");
 * const enabler: HandleOut<WdfDmaEnabler> = { value: null };
 * WdfDmaEnablerCreate(device!, WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather64, 65536), null, enabler);
 * const ring: HandleOut<WdfCommonBuffer> = { value: null };
 * console.log(statusSymbol(WdfCommonBufferCreate(enabler.value!, 100, null, ring))); // STATUS_SUCCESS
 * const va = WdfCommonBufferGetAlignedVirtualAddress(ring.value!);  // the driver writes descriptors here
 * const la = WdfCommonBufferGetAlignedLogicalAddress(ring.value!);  // the device is given this
 * k.cpu.writeU32(va, 0x1234);
 * console.log(hexAddr(Number(la.QuadPart)), WdfCommonBufferGetLength(ring.value!)); // 0x000001000000 100
 * console.log(statusSymbol(WdfCommonBufferCreate(enabler.value!, 0, null, { value: null }))); // STATUS_INVALID_PARAMETER
 * WdfObjectDelete(ring.value!);                                      // FreeCommonBuffer with the allocation's values
 * ```
 */
export function WdfCommonBufferCreate(DmaEnabler: WdfDmaEnabler, Length: number, Attributes: WDF_OBJECT_ATTRIBUTES | null, CommonBuffer: HandleOut<WdfCommonBuffer>): NTSTATUS {
  return create("WdfCommonBufferCreate", DmaEnabler, Length, null, Attributes, CommonBuffer);
}

/** WdfCommonBufferCreateWithConfig: as WdfCommonBufferCreate with Config->AlignmentRequirement; a wrong Config->Size gives STATUS_INFO_LENGTH_MISMATCH (the handle is left untouched then). */
export function WdfCommonBufferCreateWithConfig(DmaEnabler: WdfDmaEnabler, Length: number, Config: WDF_COMMON_BUFFER_CONFIG, Attributes: WDF_OBJECT_ATTRIBUTES | null, CommonBuffer: HandleOut<WdfCommonBuffer>): NTSTATUS {
  if (Config === null || Config === undefined) throw new TypeError("WdfCommonBufferCreateWithConfig: Config is NULL (WDF_VIOLATION 0x4 on Windows)");
  return create("WdfCommonBufferCreateWithConfig", DmaEnabler, Length, Config, Attributes, CommonBuffer);
}

/** WdfCommonBufferGetAlignedVirtualAddress (<= DISPATCH_LEVEL). */
export function WdfCommonBufferGetAlignedVirtualAddress(CommonBuffer: WdfCommonBuffer): number {
  return validHandle(CommonBuffer, WdfCommonBuffer, "WdfCommonBufferGetAlignedVirtualAddress").alignedVa;
}

/** WdfCommonBufferGetAlignedLogicalAddress (<= DISPATCH_LEVEL): the address the device uses. */
export function WdfCommonBufferGetAlignedLogicalAddress(CommonBuffer: WdfCommonBuffer): PHYSICAL_ADDRESS {
  return { QuadPart: BigInt(validHandle(CommonBuffer, WdfCommonBuffer, "WdfCommonBufferGetAlignedLogicalAddress").alignedLa) };
}

/** WdfCommonBufferGetLength (<= DISPATCH_LEVEL): the caller's Length, not the raw length. */
export function WdfCommonBufferGetLength(CommonBuffer: WdfCommonBuffer): number {
  return validHandle(CommonBuffer, WdfCommonBuffer, "WdfCommonBufferGetLength").length;
}
