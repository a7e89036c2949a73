/**
 * The memory manager's routines for a C driver: MDLs, MmGetPhysicalAddress,
 * MmMapIoSpace (registers become window addresses whose loads and stores the
 * instrumentation routes to the device), contiguous memory, and nonpaged
 * pool. Pool is simulated memory like the rest: each allocation gets whole
 * pages of its own mapping (the guard page after it faults an overrun, as
 * Driver Verifier's special pool does), so DMA from pool buffers, MDLs over
 * them and the verifier all work as for any other kernel memory.
 */
import { BugCheckError, BUGCHECK } from "../../../core/bugcheck.ts";
import { APC_LEVEL, DISPATCH_LEVEL, irqlName } from "../../../core/irql.ts";
import { MmAllocateContiguousMemory, MmAllocateContiguousMemorySpecifyCache, MmFreeContiguousMemory, MmFreeContiguousMemorySpecifyCache, MmGetPhysicalAddress } from "../../../kernel/contiguous-memory.ts";
import { MmMapIoSpace, MmMapIoSpaceEx, MmUnmapIoSpace } from "../../../kernel/io-space.ts";
import { MmBuildMdlForNonPagedPool } from "../../../kernel/mdl.ts";
import { MDLF, pagesFor } from "../c-objects.ts";
import { notePhysicalQuery } from "../physical-queries.ts";
import type { DriverContext } from "../context.ts";
import { u } from "../context.ts";
import type { ImportTable } from "../driver-host.ts";
import type { ThunkSpec } from "../thunks.ts";

const MDL_MAPPED_TO_SYSTEM_VA = 0x0001;
const POOL_FLAG_PAGED = 0x100;

interface PoolBlock {
  readonly va: number;
  readonly pfns: number[];
  readonly bytes: number;
  readonly tag: number;
}

function tagText(tag: number): string {
  return String.fromCharCode(tag & 0xff, (tag >>> 8) & 0xff, (tag >>> 16) & 0xff, (tag >>> 24) & 0xff).replace(/[^\x20-\x7e]/g, "?");
}

export function mmImports(ctx: DriverContext): ImportTable {
  const { host, k, objects } = ctx;
  const mem = () => host.mem;
  const pool = new Map<number, PoolBlock>();
  const phys = (p: number) => ({ QuadPart: mem().i64At(u(p)) });
  const allocatePool = (routine: string, bytes: number, tag: number, paged: boolean): number => {
    const irql = k.KeGetCurrentIrql();
    const max = paged ? APC_LEVEL : DISPATCH_LEVEL;
    if (irql > max) throw new BugCheckError(BUGCHECK.BAD_POOL_CALLER, 0x9, irql, 0, 0, `${routine}: ${paged ? "paged" : "nonpaged"} pool requested at ${irqlName(irql)}`);
    if (bytes === 0) return 0;
    const pages = pagesFor(bytes);
    const pfns = k.pfm.allocatePages(pages, { effort: irql <= APC_LEVEL ? "full" : "free-only", kind: "unmovable" });
    if (pfns === null) return 0;
    const m = k.va.map(pfns, "cached", `pool '${tagText(tag)}'`);
    const p = mem().cPointer(m.startVa);
    pool.set(p, { va: m.startVa, pfns, bytes, tag });
    return p;
  };
  const freePool = (routine: string, p: number): void => {
    const b = pool.get(u(p));
    if (b === undefined) throw new BugCheckError(BUGCHECK.BAD_POOL_CALLER, 0x7, 0, u(p), 0, `${routine}: 0x${u(p).toString(16)} is not a pool block (freed twice, or never allocated)`);
    pool.delete(u(p));
    k.va.unmap(b.va);
    k.pfm.freePages(b.pfns);
  };
  const table: ImportTable = {
    MmBuildMdlForNonPagedPool(mdl: number): void {
      const md = objects.mdl(u(mdl), "MmBuildMdlForNonPagedPool");
      MmBuildMdlForNonPagedPool(k, md);
      objects.syncMdl(u(mdl), md);
    },
    MmMapLockedPagesSpecifyCache(mdl: number): number {
      const md = objects.mdl(u(mdl), "MmMapLockedPagesSpecifyCache");
      // dmasim's MDLs describe mapped kernel memory: the mapping is the one they were built from.
      if (md.MappedSystemVa === 0) md.MappedSystemVa = md.StartVa + md.ByteOffset;
      md.MdlFlags |= MDL_MAPPED_TO_SYSTEM_VA;
      objects.syncMdl(u(mdl), md);
      return mem().u32At(u(mdl) + MDLF.MappedSystemVa);
    },
    MmGetPhysicalAddress(ret: number, va: number): void {
      const m = mem();
      const kva = m.window.toKernel(u(va));
      // The driver's own memory is not simulated memory: it has no physical address (0, as for an invalid VA).
      const pa = kva < 0 ? 0n : MmGetPhysicalAddress(k, kva).QuadPart;
      // Where the driver took it: a device given this address later is found without driver code on the stack.
      if (pa > 0n) notePhysicalQuery(k, Number(pa), host.callerFrames()[0]);
      m.setU64(u(ret), BigInt.asUintN(64, pa));
    },
    MmMapIoSpace(pa: number, bytes: number, cacheType: number): number {
      return host.fromCaller(() => mem().cPointer(MmMapIoSpace(k, phys(pa), u(bytes), u(cacheType))));
    },
    MmMapIoSpaceEx(pa: number, bytes: number, protect: number): number {
      return host.fromCaller(() => mem().cPointer(MmMapIoSpaceEx(k, phys(pa), u(bytes), u(protect))));
    },
    MmUnmapIoSpace(base: number, bytes: number): void {
      MmUnmapIoSpace(k, mem().kernelVa(u(base), false, "MmUnmapIoSpace"), u(bytes));
    },
    MmAllocateContiguousMemory(bytes: number, highest: number): number {
      return host.fromCaller(() => mem().cPointer(MmAllocateContiguousMemory(k, u(bytes), phys(highest))));
    },
    MmAllocateContiguousMemorySpecifyCache(bytes: number, lowest: number, highest: number, boundary: number, cacheType: number): number {
      return host.fromCaller(() => mem().cPointer(MmAllocateContiguousMemorySpecifyCache(k, u(bytes), phys(lowest), phys(highest), phys(boundary), u(cacheType))));
    },
    MmFreeContiguousMemory(base: number): void {
      host.fromCaller(() => MmFreeContiguousMemory(k, mem().kernelVa(u(base), false, "MmFreeContiguousMemory")));
    },
    MmFreeContiguousMemorySpecifyCache(base: number, bytes: number, cacheType: number): void {
      host.fromCaller(() => MmFreeContiguousMemorySpecifyCache(k, mem().kernelVa(u(base), false, "MmFreeContiguousMemorySpecifyCache"), u(bytes), u(cacheType)));
    },
    ExAllocatePoolWithTag: (type: number, bytes: number, tag: number) => host.fromCaller(() => allocatePool("ExAllocatePoolWithTag", u(bytes), u(tag), (u(type) & 1) === 1)),
    ExAllocatePool2(flags: bigint, bytes: number, tag: number): number {
      return host.fromCaller(() => {
        const p = allocatePool("ExAllocatePool2", u(bytes), u(tag), (flags & BigInt(POOL_FLAG_PAGED)) !== 0n);
        // ExAllocatePool2 zeroes unless POOL_FLAG_UNINITIALIZED.
        if (p !== 0 && (flags & 0x2n) === 0n) k.cpu.RtlZeroMemory(mem().kernelVa(p, true, "ExAllocatePool2"), u(bytes));
        return p;
      });
    },
    ExFreePoolWithTag: (p: number) => host.fromCaller(() => freePool("ExFreePoolWithTag", p)),
    ExFreePool: (p: number) => host.fromCaller(() => freePool("ExFreePool", p)),
  };
  /** Function pointers handed out by MmGetSystemRoutineAddress: one thunk per routine, made on first request. */
  const routinePointers = new Map<string, number>();
  table["MmGetSystemRoutineAddress"] = (name: number): number => {
    const routine = mem().unicodeString(u(name));
    const sig = SYSTEM_ROUTINES[routine];
    // A routine this system does not export: NULL, as Windows answers for one an older release lacks.
    if (sig === undefined) return 0;
    let at = routinePointers.get(routine);
    if (at === undefined) {
      [at] = host.thunks([{ ...sig, fn: table[routine] as (...a: never[]) => unknown }]) as [number];
      routinePointers.set(routine, at);
    }
    return at;
  };
  return table;
}

/** The routines MmGetSystemRoutineAddress finds, with their wasm32 signatures (a PHYSICAL_ADDRESS by value is a pointer to a copy). */
const SYSTEM_ROUTINES: Readonly<Record<string, Pick<ThunkSpec, "params" | "results">>> = {
  MmMapIoSpace: { params: ["i32", "i32", "i32"], results: ["i32"] },
  MmMapIoSpaceEx: { params: ["i32", "i32", "i32"], results: ["i32"] },
  MmUnmapIoSpace: { params: ["i32", "i32"], results: [] },
  ExAllocatePool2: { params: ["i64", "i32", "i32"], results: ["i32"] },
  ExFreePoolWithTag: { params: ["i32", "i32"], results: [] },
  MmGetPhysicalAddress: { params: ["i32", "i32"], results: [] },
};
