/**
 * Test fixtures for the verifier's broken and correct drivers: a booted
 * machine with the verifier installed, adapters and common buffers the way a
 * driver gets them.
 */
import { MiB, physicalAddress } from "../core/address.ts";
import { bootMachine, type BootOptions, type Kernel } from "../kernel/kernel.ts";
import { IoGetDmaAdapter } from "../hal/io-get-dma-adapter.ts";
import { type DEVICE_DESCRIPTION, deviceDescription, type DMA_ADAPTER, InterfaceType } from "../hal/types.ts";
import { installVerifier, type Verifier, type VerifierOptions } from "./verifier.ts";

export interface TestMachine {
  readonly k: Kernel;
  readonly v: Verifier;
}

export function machine(profile: string, opts: VerifierOptions & BootOptions = {}): TestMachine {
  const { mode, uninitialized, outsideBuffers, occurrenceLimit, ...boot } = opts;
  const k = bootMachine(profile, boot);
  const v = installVerifier(k, { mode: mode ?? "collect", ...(uninitialized === undefined ? {} : { uninitialized }), ...(outsideBuffers === undefined ? {} : { outsideBuffers }), ...(occurrenceLimit === undefined ? {} : { occurrenceLimit }) });
  return { k, v };
}

/** A bus-master adapter as a PCI driver asks for it (version 3 unless told otherwise). */
export function busMasterAdapter(k: Kernel, device: string, d: Partial<DEVICE_DESCRIPTION> = {}): DMA_ADAPTER {
  const a = IoGetDmaAdapter(k, k.pdo(device), deviceDescription({ Version: 3, Master: true, ScatterGather: true, Dma64BitAddresses: true, DmaAddressWidth: 64, InterfaceType: InterfaceType.PCIBus, MaximumLength: 1 * MiB, ...d }), { value: 0 });
  if (a === null) throw new Error("IoGetDmaAdapter returned NULL");
  return a;
}

export interface Buffer {
  readonly va: number;
  readonly la: number;
  readonly length: number;
}

export function allocate(a: DMA_ADAPTER, length: number, cacheEnabled = true): Buffer {
  const la = physicalAddress();
  const va = a.DmaOperations.AllocateCommonBuffer?.(a, length, la, cacheEnabled) ?? null;
  if (va === null) throw new Error("AllocateCommonBuffer returned NULL");
  return { va, la: Number(la.QuadPart), length };
}

export function release(a: DMA_ADAPTER, b: Buffer, cacheEnabled = true): void {
  a.DmaOperations.FreeCommonBuffer?.(a, b.length, { QuadPart: BigInt(b.la) }, b.va, cacheEnabled);
}

/** The findings' codes, in order. */
export function codes(v: Verifier): string[] {
  return v.findings.map((f) => f.code);
}
