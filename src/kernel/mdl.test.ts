import { describe, expect, it } from "vitest";
import { PAGE_SIZE, physicalAddress } from "../core/address.ts";
import { BugCheckError } from "../core/bugcheck.ts";
import { MmAllocateContiguousMemory, MmGetPhysicalAddress } from "./contiguous-memory.ts";
import { bootMachine } from "./kernel.ts";
import { IoAllocateMdl, IoFreeMdl, MmBuildMdlForNonPagedPool, MmGetMdlByteCount, MmGetMdlByteOffset, MmGetMdlPfnArray, MmGetMdlVirtualAddress } from "./mdl.ts";

describe("MDLs", () => {
  it("IoAllocateMdl describes VA, byte offset and count; MmBuildMdlForNonPagedPool fills the page-frame array", () => {
    const k = bootMachine("x64-desktop");
    const va = MmAllocateContiguousMemory(k, 3 * PAGE_SIZE, physicalAddress(0xffff_ffff)) as number;
    const mdl = IoAllocateMdl(k, va + 0x10, 2 * PAGE_SIZE);
    expect(mdl).not.toBeNull();
    if (mdl === null) return;
    expect(MmGetMdlVirtualAddress(mdl)).toBe(va + 0x10);
    expect(MmGetMdlByteOffset(mdl)).toBe(0x10);
    expect(MmGetMdlByteCount(mdl)).toBe(2 * PAGE_SIZE);
    expect(MmGetMdlPfnArray(mdl).length).toBe(3);
    MmBuildMdlForNonPagedPool(k, mdl);
    expect(MmGetMdlPfnArray(mdl)[1]).toBe(Number(MmGetPhysicalAddress(k, va + PAGE_SIZE).QuadPart) / PAGE_SIZE);
    IoFreeMdl(k, mdl);
    expect(() => IoFreeMdl(k, mdl)).toThrow(BugCheckError);
  });

  it("IoAllocateMdl returns NULL for a zero length", () => {
    const k = bootMachine("x64-desktop");
    expect(IoAllocateMdl(k, 0xc000_0000_0000, 0)).toBeNull();
  });

  it("building an MDL over an unmapped VA bug checks 0x50", () => {
    const k = bootMachine("x64-desktop");
    const mdl = IoAllocateMdl(k, 0xc000_1234_0000, 100);
    expect(() => MmBuildMdlForNonPagedPool(k, mdl as NonNullable<typeof mdl>)).toThrow(BugCheckError);
  });
});
