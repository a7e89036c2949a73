import { describe, expect, it } from "vitest";
import { body, module, section, str, vec } from "../../../test/cdriver/wasm-bytes.ts";
import { installThunks, thunkModuleBytes } from "./thunks.ts";

/** A module with a growable exported table and `call2(idx, a, b)` = call_indirect (i32, i32) -> i32. */
function caller(): { table: WebAssembly.Table; call2: (idx: number, a: number, b: number) => number } {
  const types = section(1, vec([[0x60, 2, 0x7f, 0x7f, 1, 0x7f], [0x60, 3, 0x7f, 0x7f, 0x7f, 1, 0x7f]]));
  const funcs = section(3, vec([[1]]));
  const tables = section(4, vec([[0x70, 0x00, 1]]));
  const exports = section(7, vec([[...str("call2"), 0x00, 0], [...str("table"), 0x01, 0]]));
  // local.get 1; local.get 2; local.get 0; call_indirect type 0 table 0
  const code = section(10, vec([body([0x20, 1, 0x20, 2, 0x20, 0, 0x11, 0, 0])]));
  const inst = new WebAssembly.Instance(new WebAssembly.Module(module(types, funcs, tables, exports, code)), {});
  return { table: inst.exports["table"] as WebAssembly.Table, call2: inst.exports["call2"] as (idx: number, a: number, b: number) => number };
}

describe("host routines in a driver's function table (thunk modules)", () => {
  it("a host function placed in the table is called through call_indirect with its arguments and result", () => {
    const { table, call2 } = caller();
    const [add, mul] = installThunks(table, [
      { params: ["i32", "i32"], results: ["i32"], fn: ((a: number, b: number) => a + b) },
      { params: ["i32", "i32"], results: ["i32"], fn: ((a: number, b: number) => a * b) },
    ]) as [number, number];
    expect(add).toBeGreaterThanOrEqual(1);
    expect(call2(add, 2, 3)).toBe(5);
    expect(call2(mul, 6, 7)).toBe(42);
  });

  it("a call with the wrong signature traps, as a mismatched function pointer does", () => {
    const { table, call2 } = caller();
    const [one] = installThunks(table, [{ params: ["i32"], results: ["i32"], fn: ((a: number) => a) }]) as [number];
    expect(() => call2(one, 1, 2)).toThrow(WebAssembly.RuntimeError);
  });

  it("builds a valid module for i64, f32 and f64 signatures too", () => {
    expect(WebAssembly.validate(thunkModuleBytes([{ params: ["i64", "f32"], results: ["f64"] }, { params: [], results: [] }]))).toBe(true);
  });
});
