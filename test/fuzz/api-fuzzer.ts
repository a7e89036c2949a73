/**
 * A seeded fuzzer of the public API: random sequences of HAL, KMDF, MDL,
 * IRQL and uptime calls on a profile and verifier mode, with invariants
 * checked after every step:
 *
 * - no two live common buffers share a page frame;
 * - every live buffer's frames are allocated (not free) in the page-frame database;
 * - a scatter/gather list (GetScatterGatherList over an MDL of a live
 *   buffer) describes exactly the bytes asked for: its elements add up to
 *   Length and, unless the HAL bounced the transfer, lead (through the
 *   device's IOMMU domain when it has one, with the direction's permission)
 *   to the MDL's physical runs for that range; its IOVA mapping lives until
 *   PutScatterGatherList and is gone right after it;
 * - the bytes arrive: what the CPU wrote before a transfer to the device is
 *   what the device reads at the addresses it was given (a list's elements,
 *   MapTransfer's logical addresses, MapTransferEx's lists, the lists a
 *   KMDF DMA transaction hands EvtProgramDma fragment by fragment), and what the device writes at them is
 *   what the CPU reads after PutScatterGatherList or FlushAdapterBuffers(Ex)
 *   (through IOMMUs, map registers and bounce buffers, and the cache
 *   maintenance of non-coherent devices);
 * - only documented exceptions: a bug check (ends the sequence: the machine
 *   stopped), or the emulator's own TypeError/RangeError naming a routine;
 *   an engine error ("Cannot read properties", "Invalid array length", ...)
 *   is a violation;
 * - at the end, freeing everything (buffers, MDLs, adapters, devices)
 *   restores the free-page count, VA mappings and IOMMU mappings of the start;
 * - on small boards, the same sequence on a second machine with the
 *   linear-scan allocator (the oracle) gives the same addresses and NULLs.
 *
 * Same seed, same sequence, same result.
 */
import { BugCheckError } from "../../src/core/bugcheck.ts";
import { DISPATCH_LEVEL, PASSIVE_LEVEL } from "../../src/core/irql.ts";
import { Prng } from "../../src/core/prng.ts";
import { ADDRESS_AND_SIZE_TO_SPAN_PAGES, PAGE_MASK, PAGE_SIZE } from "../../src/core/address.ts";
import { liveCommonBuffers } from "../../src/hal/hal-state.ts";
import { IoGetDmaAdapter } from "../../src/hal/io-get-dma-adapter.ts";
import { listRecord, listSize } from "../../src/hal/sg-list.ts";
import { DeallocateObject, DeallocateObjectKeepRegisters, deviceDescription, type DMA_ADAPTER, DMA_SYNCHRONOUS_CALLBACK, DMA_TRANSFER_CONTEXT_SIZE_V1, InterfaceType, type MapRegisterBase, type SCATTER_GATHER_LIST } from "../../src/hal/types.ts";
import { bootMachine, type Kernel } from "../../src/kernel/kernel.ts";
import { KeFlushIoBuffers } from "../../src/kernel/flush.ts";
import { IoAllocateMdl, IoFreeMdl, MmBuildMdlForNonPagedPool, MmGetMdlVirtualAddress, type MDL } from "../../src/kernel/mdl.ts";
import { Workload } from "../../src/kernel/workload.ts";
import { parseProfile, type MachineProfile } from "../../src/machine/profile.ts";
import { builtinProfile } from "../../src/machine/builtin-profiles.ts";
import type { BusMaster } from "../../src/machine/bus.ts";
import { installVerifier } from "../../src/verifier/verifier.ts";
import { WdfCommonBufferCreate, type WdfCommonBuffer } from "../../src/wdf/common-buffer.ts";
import { wdfAddDevice, type WdfDevice, WdfDeviceCreate, wdfRemoveDevice } from "../../src/wdf/device.ts";
import { WDF_DMA_ENABLER_CONFIG_INIT, WdfDmaDirectionReadFromDevice, WdfDmaDirectionWriteToDevice, WdfDmaEnablerCreate, WdfDmaProfileScatterGather64, type WdfDmaEnabler } from "../../src/wdf/dma-enabler.ts";
import { WdfDmaTransactionCreate, WdfDmaTransactionDmaCompleted, WdfDmaTransactionExecute, WdfDmaTransactionInitialize, WdfDmaTransactionRelease, type WdfDmaTransaction } from "../../src/wdf/dma-transaction.ts";
import { WDF_DRIVER_CONFIG_INIT, WdfDriverCreate, WdfObjectDelete, type WdfDriver, type HandleOut } from "../../src/wdf/driver.ts";

export type Mode = "off" | "collect" | "bugcheck";

/** A small board the oracle can keep up with. */
const SMALL_BOARD: MachineProfile = parseProfile({
  name: "fuzz-small",
  arch: "x64",
  memory: [
    { base: 0, length: "4KiB", type: "reserved" },
    { base: "4KiB", length: "60MiB", type: "ram" },
    { base: "3GiB", length: "1GiB", type: "mmio" },
    { base: "4GiB", length: "64MiB", type: "ram" },
  ],
  devices: [
    { name: "pci0", bus: "pci", model: "generic", irq: 16 },
    { name: "isa0", bus: "isa", model: "generic", dmaChannels: [5], irq: 5 },
  ],
});

const SMALL_IOMMU: MachineProfile = { ...SMALL_BOARD, name: "fuzz-small-iommu", iommu: { enabled: true, addressWidth: 48 }, devices: SMALL_BOARD.devices.map((d) => ({ ...d, remapping: d.bus === "pci" })) };

export const FUZZ_PROFILES: readonly MachineProfile[] = [SMALL_BOARD, SMALL_IOMMU, builtinProfile("x64-desktop"), builtinProfile("x64-iommu"), builtinProfile("arm64-soc"), builtinProfile("x64-server")];

/** How a sequence ended. */
export interface SequenceResult {
  readonly seed: string;
  readonly profile: string;
  readonly mode: Mode;
  readonly steps: number;
  readonly stoppedBy: string | null;
  readonly violation: { readonly step: number; readonly op: string; readonly message: string } | null;
  /** The ops run, for a failing sequence's report. */
  readonly ops: readonly string[];
}

interface Live {
  readonly adapter: DMA_ADAPTER;
  readonly va: number;
  readonly length: number;
  readonly la: { QuadPart: bigint };
  readonly cache: boolean;
  readonly hal: boolean;
}

/** A scatter/gather list the fuzzer got and has not put yet. */
interface LiveList {
  readonly adapter: DMA_ADAPTER;
  readonly device: string;
  readonly sg: SCATTER_GATHER_LIST;
  readonly writeToDevice: boolean;
  /** The buffer range the list describes (the device's writes there are read back after the put). */
  readonly va: number;
  readonly length: number;
}

/** Bytes a transfer the fuzzer checks byte for byte may span (the buffers go up to 64 MiB). */
const MAX_CHECKED = 256 * 1024;

/** `n` bytes of seeded data (xorshift32 words). */
function data(r: Prng, n: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(n / 4));
  let x = r.nextU32() | 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return new Uint8Array(words.buffer, 0, n);
}

/** The first offset where two byte arrays differ, or -1. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** A bus master of the profile (not an ISA device on the 8237), by name. */
function isBusMaster(m: Machine, device: string): boolean {
  return m.k.profile.devices.find((d) => d.name === device)?.bus !== "isa";
}

/** One checked transfer over [va, va + length) of a buffer: what the CPU wrote for the device (sent) or what the device will write (written), and what the device read. */
interface CheckedTransfer {
  readonly length: number;
  readonly va: number;
  readonly writeToDevice: boolean;
  readonly sent: Uint8Array | null;
  readonly written: Uint8Array | null;
  readonly seen: Uint8Array;
}

/** A random range of the MDL and direction; for a transfer to the device the driver fills the range first. */
function startTransfer(m: Machine, r: Prng, mdl: MDL): CheckedTransfer {
  const skip = r.int(mdl.ByteCount);
  const length = 1 + r.int(Math.min(MAX_CHECKED, mdl.ByteCount - skip));
  const va = MmGetMdlVirtualAddress(mdl) + skip;
  const writeToDevice = r.int(2) === 0;
  const sent = writeToDevice ? data(r, length) : null;
  if (sent !== null) m.k.cpu.writeBytes(va, sent);
  const written = writeToDevice ? null : data(r, length);
  return { length, va, writeToDevice, sent, written, seen: new Uint8Array(length) };
}

/** The device moves bytes [at, at + n) of the transfer at logical `address`: reads what it sends, writes what it receives. */
function deviceMoves(m: Machine, bm: BusMaster, t: CheckedTransfer, at: number, address: number, n: number): void {
  if (t.sent !== null) m.k.bus.read(bm, address, t.seen.subarray(at, at + n));
  else if (t.written !== null) m.k.bus.write(bm, address, t.written.subarray(at, at + n));
}

/** The device moves the transfer's bytes from `at` on through a list's elements, in order; the bytes the elements held. */
function deviceMovesList(m: Machine, bm: BusMaster, t: CheckedTransfer, at: number, sg: SCATTER_GATHER_LIST): number {
  let n = 0;
  for (const e of sg.Elements) {
    deviceMoves(m, bm, t, at + n, Number(e.Address.QuadPart), e.Length);
    n += e.Length;
  }
  return n;
}

/** After the transfer ended (`end`, e.g. FlushAdapterBuffers): whether the bytes arrived (see the module comment); a message when not. */
function arrived(m: Machine, t: CheckedTransfer, what: string, end: string): string | null {
  if (t.sent !== null) {
    const d = firstDifference(t.seen, t.sent);
    return d < 0 ? null : `the device read byte ${d} of a ${t.length}-byte ${what} as 0x${(t.seen[d] ?? 0).toString(16)}; the CPU wrote 0x${(t.sent[d] ?? 0).toString(16)}`;
  }
  if (t.written === null) return null;
  const back = m.k.cpu.readBytes(t.va, t.length);
  const d = firstDifference(back, t.written);
  return d < 0 ? null : `after ${end} the CPU reads byte ${d} of what the device wrote as 0x${(back[d] ?? 0).toString(16)}; the device wrote 0x${(t.written[d] ?? 0).toString(16)}`;
}

interface Machine {
  readonly k: Kernel;
  readonly adapters: DMA_ADAPTER[];
  /** The device (profile name) each adapter is for. */
  readonly deviceOf: Map<DMA_ADAPTER, string>;
  readonly lists: LiveList[];
  /** A broken invariant an op found in passing (checked with the others after the step). */
  broken: string | null;
  readonly buffers: Live[];
  readonly mdls: MDL[];
  wdf: { driver: WdfDriver; device: WdfDevice; name: string; enabler: WdfDmaEnabler | null; buffers: WdfCommonBuffer[] } | null;
  /** Results of allocations, compared between the fast machine and the oracle. */
  readonly results: string[];
}

const ENGINE_ERROR = /Cannot read propert|is not a function|Invalid array length|Maximum call stack|is not iterable|undefined is not|null is not|Cannot convert|out of memory/i;

function boot(profile: MachineProfile, seed: string, mode: Mode, allocator: "fast" | "linear-scan"): Machine {
  const k = bootMachine(profile, { seed: new Prng(`boot:${seed}`).int(2 ** 31) + 1, allocator });
  if (mode !== "off") installVerifier(k, { mode });
  return { k, adapters: [], deviceOf: new Map(), lists: [], broken: null, buffers: [], mdls: [], wdf: null, results: [] };
}

type Op = (m: Machine, r: Prng) => string;

function lengthOf(r: Prng): number {
  const pick = r.int(40);
  if (pick === 0) return 0;
  if (pick < 24) return 1 + r.int(8192);
  if (pick < 38) return 4096 * (1 + r.int(64));
  // Now and then a large one (up to 64 MiB): bigger than the small boards' free memory.
  return 1 + r.int(0x400_0000);
}

function deviceOf(m: Machine, r: Prng, bus: "pci" | "isa" | null = null): string | null {
  const ds = m.k.profile.devices.filter((d) => bus === null || d.bus === bus);
  return ds.length === 0 ? null : (ds[r.int(ds.length)]?.name ?? null);
}

const OPS: readonly (readonly [string, number, Op])[] = [
  [
    "adapter",
    3,
    (m, r) => {
      const dev = deviceOf(m, r, r.int(4) === 0 ? "isa" : "pci") ?? deviceOf(m, r);
      if (dev === null) return "adapter: no device";
      const isa = m.k.profile.devices.find((d) => d.name === dev)?.bus === "isa";
      const width = [24, 32, 36, 64][r.int(4)] ?? 32;
      const desc = isa
        ? deviceDescription({ Version: 2, Master: false, DmaChannel: 5, AutoInitialize: true, InterfaceType: InterfaceType.Isa, MaximumLength: 4096 * (1 + r.int(32)) })
        : deviceDescription({ Version: 3, Master: true, ScatterGather: r.int(2) === 0, Dma64BitAddresses: width === 64, DmaAddressWidth: width, InterfaceType: InterfaceType.PCIBus, MaximumLength: 4096 * (1 + r.int(256)) });
      const a = IoGetDmaAdapter(m.k, m.k.pdo(dev), desc, { value: 0 });
      m.results.push(a === null ? "adapter null" : "adapter");
      if (a !== null) {
        m.adapters.push(a);
        m.deviceOf.set(a, dev);
      }
      return `adapter ${dev} width ${isa ? 24 : width}`;
    },
  ],
  [
    "allocate",
    8,
    (m, r) => {
      const a = m.adapters[r.int(Math.max(1, m.adapters.length))];
      if (a === undefined) return "allocate: no adapter";
      const length = lengthOf(r);
      const cache = r.int(2) === 0;
      const la = { QuadPart: 0n };
      const which = r.int(3);
      const ops = a.DmaOperations;
      let va: number | null;
      if (which === 0) va = ops.AllocateCommonBuffer?.(a, length, la, cache) ?? null;
      else if (which === 1 && ops.AllocateCommonBufferEx !== null) va = ops.AllocateCommonBufferEx(a, r.int(2) === 0 ? null : { QuadPart: BigInt(0xffff_ffff + r.int(2) * 0xf_0000_0000) }, length, la, cache, r.int(2) === 0 ? 0x80000000 : r.int(2));
      else va = ops.AllocateCommonBuffer?.(a, length, la, cache) ?? null;
      m.results.push(va === null ? `alloc ${length} null` : `alloc ${length} va ${va} la ${la.QuadPart}`);
      if (va !== null) m.buffers.push({ adapter: a, va, length, la, cache, hal: false });
      return `allocate ${length} (routine ${which}, cache ${cache})`;
    },
  ],
  [
    "free",
    6,
    (m, r) => {
      const i = r.int(Math.max(1, m.buffers.length));
      const b = m.buffers[i];
      if (b === undefined) return "free: none";
      m.buffers.splice(i, 1);
      // As a driver does: the buffer's transfers ended (lists put) and its MDLs freed before the buffer (their frames may be reused at once).
      const inside = (va: number): boolean => va >= b.va && va < b.va + b.length;
      for (let j = m.lists.length - 1; j >= 0; j--) {
        const l = m.lists[j] as LiveList;
        if (!inside(l.va)) continue;
        m.lists.splice(j, 1);
        m.k.atDispatch(() => l.adapter.DmaOperations.PutScatterGatherList?.(l.adapter, l.sg, l.writeToDevice));
      }
      for (let j = m.mdls.length - 1; j >= 0; j--) {
        const mdl = m.mdls[j] as MDL;
        if (!inside(MmGetMdlVirtualAddress(mdl))) continue;
        m.mdls.splice(j, 1);
        IoFreeMdl(m.k, mdl);
      }
      b.adapter.DmaOperations.FreeCommonBuffer?.(b.adapter, b.length, b.la, b.va, b.cache);
      return `free ${b.length}`;
    },
  ],
  [
    "mdl",
    2,
    (m, r) => {
      const b = m.buffers[r.int(Math.max(1, m.buffers.length))];
      if (b === undefined || b.length === 0) return "mdl: none";
      const mdl = IoAllocateMdl(m.k, b.va, Math.min(b.length, 1 + r.int(b.length)));
      if (mdl !== null) {
        MmBuildMdlForNonPagedPool(m.k, mdl);
        m.mdls.push(mdl);
      }
      return "mdl";
    },
  ],
  [
    "freeMdl",
    1,
    (m, r) => {
      const i = r.int(Math.max(1, m.mdls.length));
      const mdl = m.mdls[i];
      if (mdl === undefined) return "freeMdl: none";
      m.mdls.splice(i, 1);
      IoFreeMdl(m.k, mdl);
      return "freeMdl";
    },
  ],
  [
    "put",
    1,
    (m, r) => {
      const i = r.int(Math.max(1, m.adapters.length));
      const a = m.adapters[i];
      if (a === undefined || m.buffers.some((b) => b.adapter === a) || m.lists.some((l) => l.adapter === a)) return "put: none idle";
      m.adapters.splice(i, 1);
      a.DmaOperations.PutDmaAdapter?.(a);
      return "put";
    },
  ],
  [
    "kmdf",
    2,
    (m, r) => {
      const k = m.k;
      if (m.wdf === null) {
        const dev = deviceOf(m, r, "pci");
        if (dev === null || k.pdo(dev).AttachedDevice !== null) return "kmdf: no free device";
        const out: HandleOut<WdfDriver> = { value: null };
        WdfDriverCreate(k, null, WDF_DRIVER_CONFIG_INIT((_d, init) => WdfDeviceCreate(init, null, { value: null })), out, { name: "fuzz" });
        if (out.value === null) return "kmdf: no driver";
        const added = wdfAddDevice(out.value, dev);
        if (added.device === null) return "kmdf: add failed";
        m.wdf = { driver: out.value, device: added.device, name: dev, enabler: null, buffers: [] };
        return `kmdf add ${dev}`;
      }
      const w = m.wdf;
      if (w.enabler === null) {
        const en: HandleOut<WdfDmaEnabler> = { value: null };
        WdfDmaEnablerCreate(w.device, WDF_DMA_ENABLER_CONFIG_INIT(WdfDmaProfileScatterGather64, 4096 * (1 + r.int(64))), null, en);
        w.enabler = en.value;
        return "kmdf enabler";
      }
      if (r.int(4) !== 0) {
        const cb: HandleOut<WdfCommonBuffer> = { value: null };
        const length = lengthOf(r);
        WdfCommonBufferCreate(w.enabler, length, null, cb);
        m.results.push(cb.value === null ? `wdf ${length} null` : `wdf ${length}`);
        if (cb.value !== null) w.buffers.push(cb.value);
        return `kmdf buffer ${length}`;
      }
      const b = w.buffers.pop();
      if (b !== undefined) WdfObjectDelete(b);
      return "kmdf delete buffer";
    },
  ],
  [
    "sglist",
    3,
    (m, r) => {
      const a = m.adapters[r.int(Math.max(1, m.adapters.length))];
      const mdl = m.mdls[r.int(Math.max(1, m.mdls.length))];
      if (a === undefined || mdl === undefined) return "sglist: no adapter or MDL";
      const device = m.deviceOf.get(a) ?? "";
      const skip = r.int(mdl.ByteCount);
      // Now and then a Length past the MDL's end (the HAL reports it: 0xE6 / 0x24).
      const length = r.int(16) === 0 ? mdl.ByteCount - skip + 1 + r.int(4096) : 1 + r.int(Math.min(MAX_CHECKED, mdl.ByteCount - skip));
      const writeToDevice = r.int(2) === 0;
      const va = MmGetMdlVirtualAddress(mdl) + skip;
      // A transfer to the device: the driver fills the buffer first.
      const sent = writeToDevice && length <= mdl.ByteCount - skip ? data(r, length) : null;
      if (sent !== null) m.k.cpu.writeBytes(va, sent);
      let got: SCATTER_GATHER_LIST | null = null;
      const st = m.k.atDispatch(() => a.DmaOperations.GetScatterGatherList?.(a, m.k.pdo(device), mdl, va, length, (_d, _i, sg) => void (got = sg), null, writeToDevice));
      m.results.push(`sglist ${length} ${st ?? "none"}`);
      if (got === null) return `sglist ${length}: status 0x${((st ?? 0) >>> 0).toString(16)}`;
      const sg: SCATTER_GATHER_LIST = got;
      m.broken = checkList(m, device, sg, mdl, va, length, writeToDevice);
      if (m.broken === null && sent !== null && isBusMaster(m, device)) {
        // What the device reads at the elements, in order, is what the CPU wrote.
        const t: CheckedTransfer = { length, va, writeToDevice, sent, written: null, seen: new Uint8Array(length) };
        deviceMovesList(m, m.k.busMasterOf(device), t, 0, sg);
        m.broken = arrived(m, t, "list", "PutScatterGatherList");
      }
      m.lists.push({ adapter: a, device, sg, writeToDevice, va, length });
      return `sglist ${length} (${writeToDevice ? "to" : "from"} ${device})`;
    },
  ],
  [
    "putList",
    2,
    (m, r) => {
      const i = r.int(Math.max(1, m.lists.length));
      const l = m.lists[i];
      if (l === undefined) return "putList: none";
      m.lists.splice(i, 1);
      const iova = listRecord(l.sg)?.iova ?? null;
      // A transfer from the device: the device writes the elements before the driver puts the list.
      const written = !l.writeToDevice && isBusMaster(m, l.device) ? data(r, l.length) : null;
      const t: CheckedTransfer = { length: l.length, va: l.va, writeToDevice: false, sent: null, written, seen: new Uint8Array(0) };
      if (written !== null) deviceMovesList(m, m.k.busMasterOf(l.device), t, 0, l.sg);
      m.k.atDispatch(() => l.adapter.DmaOperations.PutScatterGatherList?.(l.adapter, l.sg, l.writeToDevice));
      const domain = m.k.busMasterOf(l.device).domain;
      if (iova !== null && m.k.iommu?.mappingAt(domain, iova[0]) !== undefined) m.broken = `the list's IOVA 0x${iova[0].toString(16)} is still mapped after PutScatterGatherList`;
      if (written !== null && m.broken === null) m.broken = arrived(m, t, "list", "PutScatterGatherList");
      return "putList";
    },
  ],
  [
    "transfer",
    3,
    (m, r) => {
      // A packet-mode bus-master transfer: AllocateAdapterChannel, MapTransfer piece by piece, FlushAdapterBuffers, FreeMapRegisters.
      const a = m.adapters[r.int(Math.max(1, m.adapters.length))];
      const mdl = m.mdls[r.int(Math.max(1, m.mdls.length))];
      if (a === undefined || mdl === undefined) return "transfer: no adapter or MDL";
      const device = m.deviceOf.get(a) ?? "";
      if (!isBusMaster(m, device)) return "transfer: not a bus master";
      const ops = a.DmaOperations;
      const t = startTransfer(m, r, mdl);
      const { length, va, writeToDevice } = t;
      const registers = ADDRESS_AND_SIZE_TO_SPAN_PAGES(va, length);
      const bm = m.k.busMasterOf(device);
      let base: MapRegisterBase | undefined;
      const st = m.k.atDispatch(() => ops.AllocateAdapterChannel?.(a, m.k.pdo(device), registers, (_d, _i, b) => ((base = b), DeallocateObjectKeepRegisters), null));
      m.results.push(`transfer ${length} ${st ?? "none"}`);
      if (base === undefined) {
        // The fuzzer keeps no map registers between steps: a grant that neither ran nor failed would wait forever.
        if (st === 0) m.broken = `AllocateAdapterChannel for ${registers} map registers returned STATUS_SUCCESS without running the execution routine, with none held`;
        return `transfer ${length}: status 0x${((st ?? 0) >>> 0).toString(16)}`;
      }
      const mapBase: MapRegisterBase = base;
      m.broken = m.k.atDispatch(() => {
        // MapTransfer (v1/v2) leaves caches to the driver: on a non-coherent platform a cached buffer is flushed first (KDOC flushing-cached-data-during-dma-operations).
        KeFlushIoBuffers(m.k, mdl, !writeToDevice, true);
        for (let off = 0; off < length; ) {
          const len = { value: length - off };
          const la = Number(ops.MapTransfer?.(a, mdl, mapBase, va + off, len, writeToDevice).QuadPart ?? -1);
          if (len.value <= 0 || len.value > length - off) return `MapTransfer at offset ${off} of ${length} mapped ${len.value} bytes`;
          deviceMoves(m, bm, t, off, la, len.value);
          off += len.value;
        }
        if (ops.FlushAdapterBuffers?.(a, mdl, mapBase, va, length, writeToDevice) !== true) return "FlushAdapterBuffers returned FALSE";
        ops.FreeMapRegisters?.(a, mapBase, registers);
        return arrived(m, t, "MapTransfer", "FlushAdapterBuffers");
      });
      return `transfer ${length} (${writeToDevice ? "to" : "from"} ${device})`;
    },
  ],
  [
    "transferEx",
    2,
    (m, r) => {
      // A version-3 bus-master transfer: a transfer context, a synchronous AllocateAdapterChannelEx, MapTransferEx into a list, FlushAdapterBuffersEx (which keep caches themselves), FreeAdapterObject.
      const a = m.adapters[r.int(Math.max(1, m.adapters.length))];
      const mdl = m.mdls[r.int(Math.max(1, m.mdls.length))];
      if (a === undefined || mdl === undefined) return "transferEx: no adapter or MDL";
      const device = m.deviceOf.get(a) ?? "";
      const ops = a.DmaOperations;
      if (!isBusMaster(m, device) || ops.MapTransferEx === null) return "transferEx: not a version-3 bus master";
      const t = startTransfer(m, r, mdl);
      const { length, va, writeToDevice } = t;
      const skip = va - MmGetMdlVirtualAddress(mdl);
      const registers = ADDRESS_AND_SIZE_TO_SPAN_PAGES(va, length);
      const bm = m.k.busMasterOf(device);
      const ctx = new Uint8Array(DMA_TRANSFER_CONTEXT_SIZE_V1);
      if (ops.InitializeDmaTransferContext?.(a, ctx) !== 0) return "transferEx: no transfer context";
      const out: { value: MapRegisterBase } = { value: null };
      const st = m.k.atDispatch(() => ops.AllocateAdapterChannelEx?.(a, m.k.pdo(device), ctx, registers, DMA_SYNCHRONOUS_CALLBACK, null, null, out));
      m.results.push(`transferEx ${length} ${st ?? "none"}`);
      if (st !== 0) return `transferEx ${length}: status 0x${((st ?? 0) >>> 0).toString(16)}`;
      m.broken = m.k.atDispatch(() => {
        for (let off = 0; off < length; ) {
          const len = { value: length - off };
          const sg: SCATTER_GATHER_LIST = { NumberOfElements: 0, Elements: [] };
          const mst = ops.MapTransferEx?.(a, mdl, out.value, skip + off, 0, len, writeToDevice, sg, listSize(registers + 1), null, null);
          if (mst !== 0) return `MapTransferEx at offset ${off} of ${length} failed with 0x${((mst ?? 0) >>> 0).toString(16)}`;
          if (len.value <= 0 || len.value > length - off) return `MapTransferEx at offset ${off} of ${length} mapped ${len.value} bytes`;
          const held = deviceMovesList(m, bm, t, off, sg);
          if (held !== len.value) return `MapTransferEx's list holds ${held} bytes for the ${len.value} it mapped`;
          const fst = ops.FlushAdapterBuffersEx?.(a, mdl, out.value, skip + off, len.value, writeToDevice);
          if (fst !== 0) return `FlushAdapterBuffersEx failed with 0x${((fst ?? 0) >>> 0).toString(16)}`;
          off += len.value;
        }
        ops.FreeAdapterObject?.(a, DeallocateObject);
        return arrived(m, t, "MapTransferEx", "FlushAdapterBuffersEx");
      });
      return `transferEx ${length} (${writeToDevice ? "to" : "from"} ${device})`;
    },
  ],
  [
    "kmdfTransfer",
    2,
    (m, r) => {
      // A KMDF DMA transaction over an MDL: Initialize, Execute, the device moving each fragment's bytes in EvtProgramDma, DmaCompleted until the framework says done, Release.
      const w = m.wdf;
      const mdl = m.mdls[r.int(Math.max(1, m.mdls.length))];
      if (w === null || w.enabler === null || mdl === undefined) return "kmdfTransfer: no enabler or MDL";
      const enabler = w.enabler;
      const t = startTransfer(m, r, mdl);
      const { length, va, writeToDevice } = t;
      const bm = m.k.busMasterOf(w.name);
      let moved = 0;
      let problem: string | null = null;
      const program = (_t: WdfDmaTransaction, _d: WdfDevice, _c: unknown, _dir: number, sg: SCATTER_GATHER_LIST): boolean => {
        for (const e of sg.Elements) {
          if (moved + e.Length > length) {
            problem = `EvtProgramDma was given ${moved + e.Length} bytes in all for a ${length}-byte transaction`;
            return false;
          }
          deviceMoves(m, bm, t, moved, Number(e.Address.QuadPart), e.Length);
          moved += e.Length;
        }
        return true;
      };
      const out: HandleOut<WdfDmaTransaction> = { value: null };
      if (WdfDmaTransactionCreate(enabler, null, out) !== 0 || out.value === null) return "kmdfTransfer: no transaction";
      const tx = out.value;
      const ist = WdfDmaTransactionInitialize(tx, program, writeToDevice ? WdfDmaDirectionWriteToDevice : WdfDmaDirectionReadFromDevice, mdl, va, length);
      m.results.push(`kmdfTransfer ${length} ${ist}`);
      if (ist !== 0) {
        WdfObjectDelete(tx);
        return `kmdfTransfer ${length}: status 0x${(ist >>> 0).toString(16)}`;
      }
      const est = WdfDmaTransactionExecute(tx, null);
      if (est === 0) {
        // The device's completions, one per fragment, until the framework says the transaction is done.
        for (let n = 0; problem === null; n++) {
          if (n > 2 * length) {
            problem = "WdfDmaTransactionDmaCompleted never reported the transaction done";
            break;
          }
          if (m.k.atDispatch(() => WdfDmaTransactionDmaCompleted(tx, { value: 0 }))) break;
        }
        if (problem === null && moved !== length) problem = `the transaction's fragments moved ${moved} of ${length} bytes`;
        problem ??= arrived(m, t, "KMDF transaction", "the KMDF transaction");
      }
      WdfDmaTransactionRelease(tx);
      WdfObjectDelete(tx);
      m.broken = problem;
      return `kmdfTransfer ${length} (${writeToDevice ? "to" : "from"} ${w.name}): execute 0x${(est >>> 0).toString(16)}`;
    },
  ],
  [
    "irql",
    1,
    (m, r) => {
      // Misuse: AllocateCommonBuffer is PASSIVE_LEVEL only (a DMA_WRONG_IRQL finding; a stop in bugcheck mode); the search then takes only runs already free.
      const a = m.adapters[r.int(Math.max(1, m.adapters.length))];
      if (a === undefined) return "irql: no adapter";
      const la = { QuadPart: 0n };
      const length = 1 + r.int(16384);
      const va = m.k.atIrql(DISPATCH_LEVEL, () => a.DmaOperations.AllocateCommonBuffer?.(a, length, la, true) ?? null);
      m.results.push(va === null ? `dispatch ${length} null` : `dispatch ${length} va ${va}`);
      if (va !== null) m.buffers.push({ adapter: a, va, length, la, cache: true, hal: false });
      return `dispatch allocate ${length}`;
    },
  ],
];
const TOTAL_WEIGHT = OPS.reduce((s, o) => s + o[1], 0);

function pickOp(r: Prng): readonly [string, number, Op] {
  let x = r.int(TOTAL_WEIGHT);
  for (const o of OPS) {
    if (x < o[1]) return o;
    x -= o[1];
  }
  return OPS[0] as readonly [string, number, Op];
}

/** [pa, length, ...] of [va, va + length) of an MDL (its PFN array), adjacent pages merged. */
function physicalRuns(mdl: MDL, va: number, length: number): number[] {
  const runs: number[] = [];
  const firstPage = Math.floor(mdl.StartVa / PAGE_SIZE);
  for (let v = va, end = va + length; v < end; ) {
    const pa = (mdl.pfns[Math.floor(v / PAGE_SIZE) - firstPage] ?? -1) * PAGE_SIZE + (v & PAGE_MASK);
    const n = Math.min(end - v, PAGE_SIZE - (v & PAGE_MASK));
    const last = runs.length - 2;
    if (last >= 0 && (runs[last] as number) + (runs[last + 1] as number) === pa) runs[last + 1] = (runs[last + 1] as number) + n;
    else runs.push(pa, n);
    v += n;
  }
  return runs;
}

/** Whether the list GetScatterGatherList gave describes [va, va + length) of the MDL (see the module comment); a message when not. */
export function checkList(m: Pick<Machine, "k">, device: string, sg: SCATTER_GATHER_LIST, mdl: MDL, va: number, length: number, writeToDevice: boolean): string | null {
  const total = sg.Elements.reduce((n, e) => n + e.Length, 0);
  if (sg.NumberOfElements !== sg.Elements.length || total !== length) return `the list has ${sg.NumberOfElements} elements (${sg.Elements.length} in the array) of ${total} bytes for a ${length}-byte request`;
  const rec = listRecord(sg);
  if (rec === undefined) return "the HAL keeps no record of a list it built";
  if (rec.bounce !== null) return null;
  const domain = m.k.busMasterOf(device).domain;
  const iommu = m.k.iommu;
  const reached: number[] = [];
  const out = new Float64Array(2 * 4096);
  for (const e of sg.Elements) {
    const address = Number(e.Address.QuadPart);
    let n = 1;
    if (domain >= 0 && iommu !== null) {
      // The device reads what it sends and writes what it receives: that permission must be there.
      const t = iommu.translate(domain, address, e.Length, !writeToDevice, out);
      if (typeof t === "string") return `element at 0x${address.toString(16)} (${e.Length} bytes) does not translate in ${device}'s domain: ${t}`;
      n = t;
    } else {
      out[0] = address;
      out[1] = e.Length;
    }
    for (let i = 0; i < 2 * n; i += 2) {
      const last = reached.length - 2;
      const pa = out[i] as number;
      if (last >= 0 && (reached[last] as number) + (reached[last + 1] as number) === pa) reached[last + 1] = (reached[last + 1] as number) + (out[i + 1] as number);
      else reached.push(pa, out[i + 1] as number);
    }
  }
  const want = physicalRuns(mdl, va, length);
  if (reached.join(",") !== want.join(",")) return `the list leads to physical runs [${reached.join(", ")}], the MDL's range is [${want.join(", ")}]`;
  return null;
}

/** IOMMU mappings of every domain, for the start/end comparison. */
function iommuMappings(k: Kernel): number {
  const iommu = k.iommu;
  if (iommu === null) return 0;
  let n = 0;
  for (let d = 0; d < iommu.domainCount; d++) n += iommu.mappingCount(d);
  return n;
}

/** The invariants after a step; a message when one is broken. */
export function checkInvariants(m: Machine): string | null {
  if (m.broken !== null) return m.broken;
  for (const l of m.lists) {
    const iova = listRecord(l.sg)?.iova ?? null;
    if (iova !== null && m.k.iommu?.mappingAt(m.k.busMasterOf(l.device).domain, iova[0]) === undefined) return `a live list's IOVA 0x${iova[0].toString(16)} is no longer mapped`;
  }
  const seen = new Map<number, number>();
  for (const cb of liveCommonBuffers(m.k)) {
    for (const p of cb.pfns) {
      const other = seen.get(p);
      if (other !== undefined) return `page frame ${p} belongs to two live buffers (VA ${other.toString(16)} and ${cb.va.toString(16)})`;
      seen.set(p, cb.va);
      if (m.k.pfm.kindOf(p) === "free") return `page frame ${p} of the live buffer at VA ${cb.va.toString(16)} is free in the page-frame database`;
    }
  }
  const s = m.k.pfm.stats;
  if (s.freePages < 0 || s.freePages > s.ramPages) return `free pages ${s.freePages} outside [0, ${s.ramPages}]`;
  return null;
}

function teardown(m: Machine): void {
  for (const l of m.lists.splice(0)) m.k.atDispatch(() => l.adapter.DmaOperations.PutScatterGatherList?.(l.adapter, l.sg, l.writeToDevice));
  for (const mdl of m.mdls.splice(0)) IoFreeMdl(m.k, mdl);
  for (const b of m.buffers.splice(0)) b.adapter.DmaOperations.FreeCommonBuffer?.(b.adapter, b.length, b.la, b.va, b.cache);
  for (const a of m.adapters.splice(0)) a.DmaOperations.PutDmaAdapter?.(a);
  if (m.wdf !== null) {
    for (const b of m.wdf.buffers.splice(0)) WdfObjectDelete(b);
    wdfRemoveDevice(m.wdf.device);
    m.wdf = null;
  }
}

/** One sequence of `steps` random steps; deterministic per seed. */
export function runSequence(seed: string, steps: number, opts: { readonly profile?: MachineProfile; readonly mode?: Mode; readonly oracle?: boolean; readonly uptimeSeconds?: number } = {}): SequenceResult {
  const r = new Prng(`fuzz:${seed}`);
  const profile = opts.profile ?? FUZZ_PROFILES[r.int(FUZZ_PROFILES.length)] ?? SMALL_BOARD;
  const mode: Mode = opts.mode ?? (["off", "collect", "bugcheck"] as const)[r.int(3)] ?? "collect";
  const small = profile.name.startsWith("fuzz-small");
  // The linear-scan oracle takes scattered pages one scan at a time: keep it to the small board without an IOMMU.
  const oracle = opts.oracle ?? profile === SMALL_BOARD;
  const m = boot(profile, seed, mode, "fast");
  const o = oracle ? boot(profile, seed, mode, "linear-scan") : null;
  const uptime = opts.uptimeSeconds ?? (small && r.int(4) === 0 ? 1 + r.int(20) : 0);
  for (const x of o === null ? [m] : [m, o]) if (uptime > 0) new Workload(x.k.pfm, { seed: `fuzz-uptime:${seed}`, clock: x.k.clock }).run(uptime);
  const start = { free: m.k.pfm.stats.freePages, mappings: m.k.va.mappingCount, iommu: iommuMappings(m.k) };
  const ops: string[] = [];
  const result = (step: number, stoppedBy: string | null, violation: SequenceResult["violation"]): SequenceResult => ({ seed, profile: profile.name, mode, steps: step, stoppedBy, violation, ops });
  for (let i = 0; i < steps; i++) {
    const op = pickOp(r);
    const stepSeed = `${seed}:${i}`;
    let label = op[0];
    try {
      label = op[2](m, new Prng(stepSeed));
      if (o !== null) op[2](o, new Prng(stepSeed));
    } catch (e) {
      ops.push(label);
      if (e instanceof BugCheckError) return result(i + 1, `0x${e.code.toString(16).toUpperCase()}`, null);
      const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      if ((e instanceof TypeError || e instanceof RangeError) && !ENGINE_ERROR.test(msg)) continue;
      return result(i + 1, null, { step: i + 1, op: label, message: `undocumented exception: ${msg}` });
    }
    ops.push(label);
    if (m.k.KeGetCurrentIrql() !== PASSIVE_LEVEL) return result(i + 1, null, { step: i + 1, op: label, message: `IRQL left at ${m.k.KeGetCurrentIrql()}` });
    const broken = checkInvariants(m);
    if (broken !== null) return result(i + 1, null, { step: i + 1, op: label, message: broken });
    if (o !== null && m.results.join("|") !== o.results.join("|")) {
      return result(i + 1, null, { step: i + 1, op: label, message: `the fast allocator and the linear-scan oracle differ: ${m.results.at(-1) ?? ""} vs ${o.results.at(-1) ?? ""}` });
    }
  }
  try {
    teardown(m);
  } catch (e) {
    if (e instanceof BugCheckError) return result(steps, `0x${e.code.toString(16).toUpperCase()} at teardown`, null);
    return result(steps, null, { step: steps, op: "teardown", message: `teardown threw: ${e instanceof Error ? e.message : String(e)}` });
  }
  const end = { free: m.k.pfm.stats.freePages, mappings: m.k.va.mappingCount, iommu: iommuMappings(m.k) };
  if (end.free !== start.free || end.mappings !== start.mappings || end.iommu !== start.iommu) return result(steps, null, { step: steps, op: "teardown", message: `freeing everything left ${start.free - end.free} pages, ${end.mappings - start.mappings} mappings and ${end.iommu - start.iommu} IOMMU mappings behind` });
  return result(steps, null, null);
}

/** Shrink a failing sequence: the fewest steps (same seed) that still fail. */
export function minimalSteps(seed: string, steps: number, opts: Parameters<typeof runSequence>[2] = {}): number {
  let lo = 1;
  let hi = steps;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (runSequence(seed, mid, opts).violation !== null) hi = mid;
    else lo = mid + 1;
  }
  return hi;
}
