/**
 * Fixtures for the version-3 routine tests: machines with a finding list,
 * adapters, buffers at chosen page frames, and transfer contexts.
 */
import type { FindingInput } from "../core/findings.ts";
import { createFdo, type DEVICE_OBJECT } from "../kernel/device-object.ts";
import { bootMachine, type Kernel } from "../kernel/kernel.ts";
import { IoAllocateMdl, MmBuildMdlForNonPagedPool, type MDL } from "../kernel/mdl.ts";
import type { MachineProfile } from "../machine/profile.ts";
import { IoGetDmaAdapter } from "./io-get-dma-adapter.ts";
import { type DEVICE_DESCRIPTION, deviceDescription, type DMA_ADAPTER, DMA_TRANSFER_CONTEXT_SIZE_V1, DmaWidth, InterfaceType } from "./types.ts";

export function machine(profile: string | MachineProfile = "x64-desktop"): { k: Kernel; seen: FindingInput[] } {
  const k = bootMachine(profile);
  const seen: FindingInput[] = [];
  k.findings = { report: (f) => seen.push(f) };
  return { k, seen };
}

/** A version-3 bus-master adapter (64-bit scatter/gather unless told otherwise). */
export function masterV3(k: Kernel, d: Partial<DEVICE_DESCRIPTION> = {}, device = "plx9656"): DMA_ADAPTER {
  const a = IoGetDmaAdapter(k, k.pdo(device), deviceDescription({ Version: 3, Master: true, ScatterGather: true, DmaAddressWidth: 64, InterfaceType: InterfaceType.PCIBus, MaximumLength: 64 * 1024, ...d }), { value: 0 });
  if (a === null) throw new Error("no adapter");
  return a;
}

/** A version-3 system DMA adapter of the sound card on `channel`. */
export function systemV3(k: Kernel, channel = 5, d: Partial<DEVICE_DESCRIPTION> = {}): DMA_ADAPTER {
  const a = IoGetDmaAdapter(k, k.pdo("sb16"), deviceDescription({ Version: 3, Master: false, DmaChannel: channel, DmaWidth: channel >= 4 ? DmaWidth.Width16Bits : DmaWidth.Width8Bits, InterfaceType: InterfaceType.Isa, MaximumLength: 32768, ...d }), { value: 0 });
  if (a === null) throw new Error("no adapter");
  return a;
}

export function fdo(k: Kernel, device = "plx9656"): DEVICE_OBJECT {
  return createFdo(k.pdo(device), `${device}-fdo`, 64);
}

/** Pages at the given frames, mapped at one VA and described by a built MDL of `length` bytes from `offset`. */
export function buffer(k: Kernel, pfns: readonly number[], offset = 0, length = pfns.length * 4096 - offset): { va: number; mdl: MDL } {
  for (const p of pfns) if (k.pfm.allocatePages(1, { effort: "full", lowPfn: p, highPfn: p })?.[0] !== p) throw new Error(`page 0x${p.toString(16)} in use`);
  const m = k.va.map([...pfns], "cached", "test buffer");
  const mdl = IoAllocateMdl(k, m.startVa + offset, length);
  if (mdl === null) throw new Error("no MDL");
  MmBuildMdlForNonPagedPool(k, mdl);
  return { va: m.startVa + offset, mdl };
}

/** A fresh transfer context, initialized for the adapter. */
export function context(a: DMA_ADAPTER): Uint8Array {
  const ctx = new Uint8Array(DMA_TRANSFER_CONTEXT_SIZE_V1);
  const st = a.DmaOperations.InitializeDmaTransferContext?.(a, ctx);
  if (st !== 0) throw new Error(`InitializeDmaTransferContext: 0x${(st ?? -1).toString(16)}`);
  return ctx;
}
