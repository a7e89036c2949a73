import { describe, expect, it } from "vitest";
import { WDF_OBJECT_ATTRIBUTES_SIZE } from "../../wdf/object.ts";
import { ATTR, frameworkSize, TYPEINFO } from "./wdf-handles.ts";

describe("KMDF structure sizes between the C driver and the framework", () => {
  it("the wasm32 size of a known layout becomes that layout's x64 size; an unknown size passes as it is, for the framework to refuse", () => {
    const layouts = [[48, 0x50], [36, 0x40]] as const;
    expect(frameworkSize(48, layouts)).toBe(0x50);
    expect(frameworkSize(36, layouts)).toBe(0x40);
    expect(frameworkSize(40, layouts)).toBe(40);
  });

  it("WDF_OBJECT_ATTRIBUTES and WDF_OBJECT_CONTEXT_TYPE_INFO have their wasm32 layouts from the one table (pointers 4 bytes)", () => {
    expect(ATTR.SIZE).toBe(32);
    expect(ATTR.ContextTypeInfo).toBe(28);
    expect(TYPEINFO.SIZE).toBe(20);
    expect(TYPEINFO.UniqueType).toBe(12);
    expect(frameworkSize(ATTR.SIZE, [[ATTR.SIZE, WDF_OBJECT_ATTRIBUTES_SIZE]])).toBe(0x38);
  });
});
