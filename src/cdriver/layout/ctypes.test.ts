import { describe, expect, it } from "vitest";
import { TypeTable } from "./ctypes.ts";
import { C, DMA_OPERATION_SLOTS } from "./structs.ts";

describe("C layouts on wasm32 (the table the headers and the host share)", () => {
  it("lays out natural alignment: a ULONG after a UCHAR is padded to 4, a LONGLONG to 8, and the struct rounds up", () => {
    const t = new TypeTable();
    t.addScalar({ kind: "scalar", name: "U8", c: "unsigned char", size: 1, signed: false });
    t.addScalar({ kind: "scalar", name: "U32", c: "unsigned long", size: 4, signed: false });
    t.addScalar({ kind: "scalar", name: "U64", c: "unsigned long long", size: 8, signed: false });
    t.addAggregate({ name: "S", kind: "struct", fields: [{ name: "a", type: "U8" }, { name: "b", type: "U32" }, { name: "c", type: "U8" }, { name: "d", type: "U64" }] });
    const l = t.layout("S");
    expect([l.offsets.get("a"), l.offsets.get("b"), l.offsets.get("c"), l.offsets.get("d"), l.size, l.align]).toEqual([0, 4, 8, 16, 24, 8]);
  });

  it("#pragma pack(4) caps an 8-byte member's alignment at 4 (CM_PARTIAL_RESOURCE_DESCRIPTOR is 16 bytes, its range start at 4)", () => {
    const l = C.layout("CM_PARTIAL_RESOURCE_DESCRIPTOR");
    expect(l.size).toBe(16);
    expect(l.align).toBe(4);
    expect(l.offsets.get("u.Port.Start")).toBe(4);
    expect(l.offsets.get("u.Interrupt.Vector")).toBe(8);
    expect(l.offsets.get("u.Dma.Channel")).toBe(4);
  });

  it("pointers and SIZE_T are 4 bytes: SCATTER_GATHER_ELEMENT is 16 bytes (24 on x64), MDL's header 28 (48 on x64)", () => {
    expect(C.layout("SCATTER_GATHER_ELEMENT").size).toBe(16);
    expect(C.layout("MDL").size).toBe(28);
    expect(C.layout("UNICODE_STRING").size).toBe(8);
    expect(C.layout("DMA_ADAPTER").size).toBe(8);
  });

  it("device-visible fixed-width layouts are the same as on x64: LARGE_INTEGER 8 bytes, 8-aligned; DEVICE_DESCRIPTION's fields in order", () => {
    const li = C.layout("LARGE_INTEGER");
    expect([li.size, li.align, li.offsets.get("HighPart"), li.offsets.get("u.LowPart"), li.offsets.get("QuadPart")]).toEqual([8, 8, 4, 0, 0]);
    const dd = C.layout("DEVICE_DESCRIPTION");
    expect([dd.offsets.get("Master"), dd.offsets.get("Dma64BitAddresses"), dd.offsets.get("BusNumber"), dd.offsets.get("DeviceAddress"), dd.size]).toEqual([4, 11, 12, 56, 64]);
  });

  it("array members are named through their first element, anonymous members flatten into their parent", () => {
    const full = C.layout("CM_RESOURCE_LIST");
    expect(full.offsets.get("List[0].PartialResourceList.PartialDescriptors[0].u.Port.Length")).toBe(4 + 8 + 8 + 12);
    expect(C.layout("IRP").offsets.get("Tail.Overlay.CurrentStackLocation")).toBeDefined();
    expect(C.layout("IO_STATUS_BLOCK").offsets.get("Status")).toBe(0);
  });

  it("DMA_OPERATIONS has Size then one 4-byte pointer per documented slot, in table order", () => {
    const l = C.layout("DMA_OPERATIONS");
    expect(l.size).toBe(4 + 4 * DMA_OPERATION_SLOTS.length);
    expect(l.offsets.get("PutDmaAdapter")).toBe(4);
    expect(l.offsets.get("ReadDmaCounter")).toBe(4 + 4 * 9);
  });

  it("the wasm signature follows the C ABI: a struct result comes back through a hidden first pointer, a struct argument is a pointer to a copy, 64-bit integers are i64", () => {
    const fn = (name: string) => {
      const f = C.functionType(name);
      if (f === undefined) throw new Error(name);
      return C.signature(f);
    };
    expect(fn("MAP_TRANSFER")).toEqual({ params: ["i32", "i32", "i32", "i32", "i32", "i32", "i32"], results: [], indirectResult: true });
    expect(fn("FREE_COMMON_BUFFER")).toEqual({ params: ["i32", "i32", "i32", "i32", "i32"], results: [], indirectResult: false });
    expect(fn("READ_DMA_COUNTER")).toEqual({ params: ["i32"], results: ["i32"], indirectResult: false });
    const t = new TypeTable();
    t.addScalar({ kind: "scalar", name: "U64", c: "unsigned long long", size: 8, signed: false });
    expect(t.signature({ name: "F", result: "U64", params: [["U64", "x"]] })).toEqual({ params: ["i64"], results: ["i64"], indirectResult: false });
  });

  it("refuses a name defined twice, an unknown type and an unknown struct", () => {
    const t = new TypeTable();
    t.addPointer("PX", "X");
    expect(() => t.addPointer("PX", "Y")).toThrow(/PX is defined twice/);
    expect(() => t.sizeAlign("NOPE")).toThrow(/unknown type "NOPE"/);
    expect(() => C.layout("NOPE")).toThrow(/no struct or union "NOPE"/);
  });
});
