/**
 * The driver's 32-bit address space, as the build lays it out and the host
 * reads it:
 *
 *   0x0000_0000 .. 0x0001_0000  never valid: a NULL (+ offset) pointer bug checks 0x50
 *   0x0001_0000 .. 0x0002_0000  the kernel stack (64 KiB; overflowing it bug checks 0x7F)
 *   0x0002_0000 .. __heap_base   the driver's globals (wasm-ld's --global-base)
 *   __heap_base .. RESERVED_TOP  kernel objects the host builds for the driver (DRIVER_OBJECT,
 *                               DEVICE_OBJECTs and extensions, IRPs, resource lists, DMA_ADAPTERs, MDLs)
 *   RESERVED_TOP .. 16 MiB      the host's: pending simulated stores, the redirect slot
 *   0x8000_0000 .. 0xFFFF_FFFF  the window: simulated kernel VAs (common buffers, mapped
 *                               registers, pool, MDL-described buffers), reached through the CPU path
 *
 * Everything from NULL_GUARD_END to RESERVED_TOP is the driver's own memory,
 * accessed at full speed; every other address calls the host.
 */
export const MEMORY_BYTES = 16 * 1024 * 1024;
export const WASM_PAGE = 64 * 1024;
export const NULL_GUARD_END = 0x1_0000;
export const STACK_BYTES = 0x1_0000;
/** Initial stack pointer: the stack grows down from here to NULL_GUARD_END. */
export const STACK_TOP = NULL_GUARD_END + STACK_BYTES;
export const GLOBAL_BASE = STACK_TOP;
export const RESERVED_TOP = MEMORY_BYTES - 0x1_0000;
/** Pending simulated stores, 12 bytes each: (address, bytes, depth). */
export const PENDING_BASE = RESERVED_TOP;
export const PENDING_MAX = 4096;
/** Where a redirected access really lands: loads find the simulated bytes here; stores write dead bytes here. */
export const SCRATCH = MEMORY_BYTES - 16;
export const LOCAL_LOW = NULL_GUARD_END;
export const LOCAL_HIGH = RESERVED_TOP;
export const WINDOW_BASE = 0x8000_0000;
export const WINDOW_BYTES = 0x8000_0000;
export const WINDOW_PAGE_SHIFT = 12;

/** True for an address of the driver's own memory (stack, globals, host-built objects). */
export function isLocal(addr: number, bytes: number): boolean {
  return addr >= LOCAL_LOW && addr + bytes <= LOCAL_HIGH;
}
