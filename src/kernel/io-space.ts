/**
 * Mapping device registers and reaching them, as a driver does (wdm.h):
 * MmMapIoSpace / MmMapIoSpaceEx / MmUnmapIoSpace map a translated memory
 * resource (a BAR) into system VA; READ_REGISTER_* / WRITE_REGISTER_* (and
 * the _BUFFER_ forms) load and store at those VAs through the CPU path, so
 * the access reaches the device model's handler and every observer (trace,
 * verifier) sees it; READ_PORT_* / WRITE_PORT_* reach the I/O-port space.
 *
 * A range that is RAM maps as memory with the requested cache attribute
 * (MmMapIoSpace may map locked pages, KDOC nf-wdm-mmmapiospace); any other
 * range maps as registers: what no device decodes reads all ones.
 */
import { BYTES_TO_PAGES, PAGE_SIZE, type PHYSICAL_ADDRESS, toNumberSaturating } from "../core/address.ts";
import { BugCheckError, BUGCHECK } from "../core/bugcheck.ts";
import { DISPATCH_LEVEL, HIGH_LEVEL, irqlName } from "../core/irql.ts";
import type { AccessSize } from "../machine/device-model.ts";
import type { CacheAttribute } from "../machine/memory-system.ts";
import { cacheAttributeOf, PAGE_NOCACHE, PAGE_WRITECOMBINE } from "./contiguous-memory.ts";
import type { Kernel } from "./kernel.ts";
import { formatVa } from "./va-space.ts";

/** Protection flags of MmMapIoSpaceEx (wdm.h). */
export const PAGE_READONLY = 0x02;
export { PAGE_NOCACHE, PAGE_WRITECOMBINE };
const PAGE_READWRITE = 0x04;
const PAGE_EXECUTE = 0x10;
const PAGE_EXECUTE_READ = 0x20;
const PAGE_EXECUTE_READWRITE = 0x40;
const BASE_PROTECTIONS = [PAGE_READONLY, PAGE_READWRITE, PAGE_EXECUTE, PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE];

function atMostDispatch(k: Kernel, routine: string): void {
  const cur = k.KeGetCurrentIrql();
  if (cur > DISPATCH_LEVEL) throw new BugCheckError(BUGCHECK.IRQL_NOT_LESS_OR_EQUAL, 0, cur, 0, 0, `${routine} called at ${irqlName(cur)} (the maximum is DISPATCH_LEVEL)`);
}

function mapRange(k: Kernel, routine: string, PhysicalAddress: PHYSICAL_ADDRESS, NumberOfBytes: number, cache: CacheAttribute, readOnly: boolean): number | null {
  atMostDispatch(k, routine);
  if (typeof PhysicalAddress !== "object" || PhysicalAddress === null || !("QuadPart" in PhysicalAddress)) throw new TypeError(`${routine}: PhysicalAddress must be a PHYSICAL_ADDRESS { QuadPart }`);
  if (!Number.isSafeInteger(NumberOfBytes) || NumberOfBytes < 0) throw new RangeError(`${routine}: NumberOfBytes must be a byte count, got ${String(NumberOfBytes)}`);
  const pa = toNumberSaturating(PhysicalAddress.QuadPart);
  // "A value greater than zero" (KDOC): nothing to map is a failed mapping.
  if (NumberOfBytes === 0 || pa < 0 || pa + NumberOfBytes > 2 ** 52) return null;
  const first = Math.floor(pa / PAGE_SIZE);
  const pages = BYTES_TO_PAGES((pa % PAGE_SIZE) + NumberOfBytes);
  const lastPfn = first + pages - 1;
  const ramFirst = k.map.ramRangeOf(first);
  const ramLast = k.map.ramRangeOf(lastPfn);
  // A range must be all RAM or all not: half of each is no single kind of mapping.
  if ((ramFirst === undefined) !== (ramLast === undefined)) return null;
  if (ramFirst !== undefined && ramFirst !== ramLast) return null;
  const pfns = new Int32Array(pages);
  for (let i = 0; i < pages; i++) pfns[i] = first + i;
  const io = ramFirst === undefined;
  const m = k.va.map(pfns, cache, routine, { io, readOnly });
  return m.startVa + (pa % PAGE_SIZE);
}

/**
 * MmMapIoSpace(PhysicalAddress, NumberOfBytes, CacheType) (<= DISPATCH_LEVEL):
 * the base VA of the mapping, or NULL (null) when it cannot be made. A range
 * a device decodes (a BAR from the translated resources) maps as registers:
 * loads and stores go to the device; RAM maps as memory.
 *
 * @example
 * ```ts
 * import { bootMachine, deviceResources, descriptorsOfType, CmResourceTypeMemory, MmMapIoSpace, MmNonCached, READ_REGISTER_ULONG, PLX_REG } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * const mem = descriptorsOfType(deviceResources(k, "plx9656").translated, CmResourceTypeMemory)[0]?.u.Memory;
 * const regs = mem === undefined ? null : MmMapIoSpace(k, mem.Start, mem.Length, MmNonCached);
 * console.log(regs !== null && k.va.find(regs)?.io); // true — a register mapping
 * console.log(regs === null ? -1 : READ_REGISTER_ULONG(k, regs + PLX_REG.DMASIZ0)); // 0
 * ```
 */
export function MmMapIoSpace(k: Kernel, PhysicalAddress: PHYSICAL_ADDRESS, NumberOfBytes: number, CacheType: number): number | null {
  return mapRange(k, "MmMapIoSpace", PhysicalAddress, NumberOfBytes, cacheAttributeOf(CacheType), false);
}

/**
 * MmMapIoSpaceEx(PhysicalAddress, NumberOfBytes, Protect) (Windows 10,
 * <= DISPATCH_LEVEL): Protect holds one of PAGE_READONLY, PAGE_READWRITE or
 * the PAGE_EXECUTE forms, and at most one of PAGE_NOCACHE /
 * PAGE_WRITECOMBINE (neither = cached). Other combinations get NULL. A store
 * through a PAGE_READONLY mapping bug checks 0xBE.
 *
 * @example
 * ```ts
 * import { bootMachine, deviceResources, descriptorsOfType, CmResourceTypeMemory, MmMapIoSpaceEx, MmUnmapIoSpace, PAGE_READWRITE, PAGE_NOCACHE,
 *   READ_REGISTER_ULONG, WRITE_REGISTER_ULONG, PLX_REG } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * const [bar0] = descriptorsOfType(deviceResources(k, "plx9656").translated, CmResourceTypeMemory); // the start IRP's translated list
 * const mem = bar0?.u.Memory;
 * if (mem === undefined) throw new Error("no memory BAR");
 * const regs = MmMapIoSpaceEx(k, mem.Start, mem.Length, PAGE_READWRITE | PAGE_NOCACHE) ?? 0;
 * WRITE_REGISTER_ULONG(k, regs + PLX_REG.DMALADR0, 0x1234);      // a store the device decodes
 * console.log(READ_REGISTER_ULONG(k, regs + PLX_REG.DMALADR0).toString(16)); // 1234
 * MmUnmapIoSpace(k, regs, mem.Length);
 * ```
 */
export function MmMapIoSpaceEx(k: Kernel, PhysicalAddress: PHYSICAL_ADDRESS, NumberOfBytes: number, Protect: number): number | null {
  if (!Number.isInteger(Protect)) throw new TypeError(`MmMapIoSpaceEx: Protect must be page protection flags, got ${String(Protect)}`);
  const base = Protect & ~(PAGE_NOCACHE | PAGE_WRITECOMBINE);
  if (!BASE_PROTECTIONS.includes(base)) return null;
  if ((Protect & PAGE_NOCACHE) !== 0 && (Protect & PAGE_WRITECOMBINE) !== 0) return null;
  const cache: CacheAttribute = (Protect & PAGE_NOCACHE) !== 0 ? "noncached" : (Protect & PAGE_WRITECOMBINE) !== 0 ? "writecombined" : "cached";
  return mapRange(k, "MmMapIoSpaceEx", PhysicalAddress, NumberOfBytes, cache, base === PAGE_READONLY || base === PAGE_EXECUTE_READ || base === PAGE_EXECUTE);
}

/**
 * MmUnmapIoSpace(BaseAddress, NumberOfBytes) (<= DISPATCH_LEVEL): undo an
 * MmMapIoSpace[Ex]. A VA that is not the base of such a mapping, or a size
 * that does not match it, is the caller's bug: Windows bug checks
 * (DRIVER_UNMAPPING_INVALID_VIEW-style misuse is reported by Mm as 0x50 on
 * the bad address); dmasim raises PAGE_FAULT_IN_NONPAGED_AREA naming it.
 */
export function MmUnmapIoSpace(k: Kernel, BaseAddress: number, NumberOfBytes: number): void {
  atMostDispatch(k, "MmUnmapIoSpace");
  const m = k.va.find(BaseAddress);
  const start = BaseAddress - (BaseAddress % PAGE_SIZE);
  if (m === undefined || m.startVa !== start || (m.tag !== "MmMapIoSpace" && m.tag !== "MmMapIoSpaceEx")) {
    throw new BugCheckError(BUGCHECK.PAGE_FAULT_IN_NONPAGED_AREA, BigInt(BaseAddress) | 0xffff_0000_0000_0000n, 0, 0, 0, `MmUnmapIoSpace: ${formatVa(BaseAddress)} is not the base of an I/O-space mapping`);
  }
  if (BYTES_TO_PAGES((BaseAddress % PAGE_SIZE) + NumberOfBytes) !== m.pages) throw new RangeError(`MmUnmapIoSpace: NumberOfBytes ${NumberOfBytes} does not match the ${m.pages}-page mapping at ${formatVa(BaseAddress)}`);
  k.va.unmap(start);
}

function checkIrqlForRegister(k: Kernel): void {
  // Register access works at any IRQL; only HIGH_LEVEL+ is out of range for the simulator's IRQL model.
  if (k.KeGetCurrentIrql() > HIGH_LEVEL) throw new RangeError("IRQL out of range");
}

function loadAt(k: Kernel, Register: number, size: AccessSize | 8): number | bigint {
  checkIrqlForRegister(k);
  if (size === 1) return k.cpu.readU8(Register);
  if (size === 2) return k.cpu.readU16(Register);
  if (size === 4) return k.cpu.readU32(Register);
  return k.cpu.readU64(Register);
}

/** READ_REGISTER_UCHAR(Register): a load from a register mapping (MmMapIoSpace[Ex]). */
export function READ_REGISTER_UCHAR(k: Kernel, Register: number): number {
  return loadAt(k, Register, 1) as number;
}
/** READ_REGISTER_USHORT(Register): a load from a register mapping (MmMapIoSpace[Ex]). */
export function READ_REGISTER_USHORT(k: Kernel, Register: number): number {
  return loadAt(k, Register, 2) as number;
}
/**
 * READ_REGISTER_ULONG(Register): a 32-bit load from a register mapping (MmMapIoSpace[Ex]); the device's handler answers.
 *
 * @example
 * ```ts
 * import { bootMachine, deviceResources, descriptorsOfType, CmResourceTypeMemory, MmMapIoSpaceEx, MmUnmapIoSpace, PAGE_READWRITE, PAGE_NOCACHE,
 *   READ_REGISTER_ULONG, WRITE_REGISTER_ULONG, PLX_REG } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * const [bar0] = descriptorsOfType(deviceResources(k, "plx9656").translated, CmResourceTypeMemory); // the start IRP's translated list
 * const mem = bar0?.u.Memory;
 * if (mem === undefined) throw new Error("no memory BAR");
 * const regs = MmMapIoSpaceEx(k, mem.Start, mem.Length, PAGE_READWRITE | PAGE_NOCACHE) ?? 0;
 * WRITE_REGISTER_ULONG(k, regs + PLX_REG.DMALADR0, 0x1234);      // a store the device decodes
 * console.log(READ_REGISTER_ULONG(k, regs + PLX_REG.DMALADR0).toString(16)); // 1234
 * MmUnmapIoSpace(k, regs, mem.Length);
 * ```
 */
export function READ_REGISTER_ULONG(k: Kernel, Register: number): number {
  return loadAt(k, Register, 4) as number;
}
/** READ_REGISTER_ULONG64(Register): on a register mapping, two 4-byte accesses, low half first. */
export function READ_REGISTER_ULONG64(k: Kernel, Register: number): bigint {
  return loadAt(k, Register, 8) as bigint;
}
/** WRITE_REGISTER_UCHAR(Register, Value): a store to a register mapping (MmMapIoSpace[Ex]). */
export function WRITE_REGISTER_UCHAR(k: Kernel, Register: number, Value: number): void {
  k.cpu.writeU8(Register, Value & 0xff);
}
/** WRITE_REGISTER_USHORT(Register, Value): a store to a register mapping (MmMapIoSpace[Ex]). */
export function WRITE_REGISTER_USHORT(k: Kernel, Register: number, Value: number): void {
  k.cpu.writeU16(Register, Value & 0xffff);
}
/**
 * WRITE_REGISTER_ULONG(Register, Value): a 32-bit store to a register mapping; the device's handler takes it.
 *
 * @example
 * ```ts
 * import { bootMachine, deviceResources, descriptorsOfType, CmResourceTypeMemory, MmMapIoSpaceEx, MmUnmapIoSpace, PAGE_READWRITE, PAGE_NOCACHE,
 *   READ_REGISTER_ULONG, WRITE_REGISTER_ULONG, PLX_REG } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * const [bar0] = descriptorsOfType(deviceResources(k, "plx9656").translated, CmResourceTypeMemory); // the start IRP's translated list
 * const mem = bar0?.u.Memory;
 * if (mem === undefined) throw new Error("no memory BAR");
 * const regs = MmMapIoSpaceEx(k, mem.Start, mem.Length, PAGE_READWRITE | PAGE_NOCACHE) ?? 0;
 * WRITE_REGISTER_ULONG(k, regs + PLX_REG.DMALADR0, 0x1234);      // a store the device decodes
 * console.log(READ_REGISTER_ULONG(k, regs + PLX_REG.DMALADR0).toString(16)); // 1234
 * MmUnmapIoSpace(k, regs, mem.Length);
 * ```
 */
export function WRITE_REGISTER_ULONG(k: Kernel, Register: number, Value: number): void {
  k.cpu.writeU32(Register, Value >>> 0);
}
/** WRITE_REGISTER_ULONG64(Register, Value): a store to a register mapping (MmMapIoSpace[Ex]). */
export function WRITE_REGISTER_ULONG64(k: Kernel, Register: number, Value: bigint): void {
  k.cpu.writeU64(Register, Value);
}

/**
 * READ_REGISTER_BUFFER_{UCHAR,USHORT,ULONG}(Register, Buffer, Count): Count
 * elements from successive register addresses into Buffer (a kernel VA),
 * each element one access of its width.
 */
export function READ_REGISTER_BUFFER(k: Kernel, width: AccessSize, Register: number, Buffer: number, Count: number): void {
  checkCount("READ_REGISTER_BUFFER", Count);
  for (let i = 0; i < Count; i++) {
    const v = loadAt(k, Register + i * width, width) as number;
    storeAt(k, Buffer + i * width, width, v);
  }
}

/** WRITE_REGISTER_BUFFER_{UCHAR,USHORT,ULONG}(Register, Buffer, Count): successive register addresses from Buffer. */
export function WRITE_REGISTER_BUFFER(k: Kernel, width: AccessSize, Register: number, Buffer: number, Count: number): void {
  checkCount("WRITE_REGISTER_BUFFER", Count);
  for (let i = 0; i < Count; i++) storeAt(k, Register + i * width, width, loadAt(k, Buffer + i * width, width) as number);
}

function storeAt(k: Kernel, va: number, width: AccessSize, v: number): void {
  if (width === 1) k.cpu.writeU8(va, v);
  else if (width === 2) k.cpu.writeU16(va, v);
  else k.cpu.writeU32(va, v);
}

function checkCount(routine: string, Count: number): void {
  if (!Number.isSafeInteger(Count) || Count < 0) throw new RangeError(`${routine}: Count must be a whole number, got ${String(Count)}`);
}

function checkPort(routine: string, Port: number): void {
  if (!Number.isInteger(Port) || Port < 0 || Port > 0xffff) throw new RangeError(`${routine}: Port must be 0..0xFFFF, got ${String(Port)}`);
}

function portRead(k: Kernel, routine: string, Port: number, size: AccessSize): number {
  checkPort(routine, Port);
  // A port read is a CPU access: lazily advancing devices catch up first.
  k.board.sync();
  return k.board.ports.read(Port, size);
}

function portWrite(k: Kernel, routine: string, Port: number, size: AccessSize, Value: number): void {
  checkPort(routine, Port);
  k.board.sync();
  k.board.ports.write(Port, size, Value);
}

/**
 * READ_PORT_UCHAR(Port): a byte from an I/O port; a port no device decodes reads 0xFF, as on a PC.
 *
 * @example
 * ```ts
 * import { bootMachine, READ_PORT_UCHAR, WRITE_PORT_UCHAR } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * WRITE_PORT_UCHAR(k, 0x87, 0x12);                       // the 8237's page register of channel 0
 * console.log(READ_PORT_UCHAR(k, 0x87).toString(16));    // 12
 * console.log(READ_PORT_UCHAR(k, 0x3e0).toString(16));   // ff — nobody decodes 0x3E0
 * ```
 */
export function READ_PORT_UCHAR(k: Kernel, Port: number): number {
  return portRead(k, "READ_PORT_UCHAR", Port, 1);
}
/** READ_PORT_USHORT(Port): a 16-bit read from an I/O port. */
export function READ_PORT_USHORT(k: Kernel, Port: number): number {
  return portRead(k, "READ_PORT_USHORT", Port, 2);
}
/** READ_PORT_ULONG(Port): a 32-bit read from an I/O port. */
export function READ_PORT_ULONG(k: Kernel, Port: number): number {
  return portRead(k, "READ_PORT_ULONG", Port, 4);
}
/**
 * WRITE_PORT_UCHAR(Port, Value): a byte to an I/O port; a port no device decodes ignores it.
 *
 * @example
 * ```ts
 * import { bootMachine, READ_PORT_UCHAR, WRITE_PORT_UCHAR } from "dmasim";
 * const k = bootMachine("x64-desktop");
 * WRITE_PORT_UCHAR(k, 0x87, 0x12);                       // the 8237's page register of channel 0
 * console.log(READ_PORT_UCHAR(k, 0x87).toString(16));    // 12
 * console.log(READ_PORT_UCHAR(k, 0x3e0).toString(16));   // ff — nobody decodes 0x3E0
 * ```
 */
export function WRITE_PORT_UCHAR(k: Kernel, Port: number, Value: number): void {
  portWrite(k, "WRITE_PORT_UCHAR", Port, 1, Value);
}
/** WRITE_PORT_USHORT(Port, Value): a 16-bit write to an I/O port. */
export function WRITE_PORT_USHORT(k: Kernel, Port: number, Value: number): void {
  portWrite(k, "WRITE_PORT_USHORT", Port, 2, Value);
}
/** WRITE_PORT_ULONG(Port, Value): a 32-bit write to an I/O port. */
export function WRITE_PORT_ULONG(k: Kernel, Port: number, Value: number): void {
  portWrite(k, "WRITE_PORT_ULONG", Port, 4, Value);
}

/** READ_PORT_BUFFER_{UCHAR,USHORT,ULONG}(Port, Buffer, Count): Count reads of the SAME port into Buffer (a string IN). */
export function READ_PORT_BUFFER(k: Kernel, width: AccessSize, Port: number, Buffer: number, Count: number): void {
  checkCount("READ_PORT_BUFFER", Count);
  for (let i = 0; i < Count; i++) storeAt(k, Buffer + i * width, width, portRead(k, "READ_PORT_BUFFER", Port, width));
}

/** WRITE_PORT_BUFFER_{UCHAR,USHORT,ULONG}(Port, Buffer, Count): Count writes to the SAME port from Buffer (a string OUT). */
export function WRITE_PORT_BUFFER(k: Kernel, width: AccessSize, Port: number, Buffer: number, Count: number): void {
  checkCount("WRITE_PORT_BUFFER", Count);
  for (let i = 0; i < Count; i++) portWrite(k, "WRITE_PORT_BUFFER", Port, width, loadAt(k, Buffer + i * width, width) as number);
}
