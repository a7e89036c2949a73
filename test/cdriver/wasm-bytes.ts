/** A tiny WebAssembly module writer for tests: sections from byte arrays. */
import { leb } from "../../src/cdriver/host/thunks.ts";

export { leb };
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}
export function str(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...leb(b.length), ...b];
}
export function section(id: number, body: number[]): number[] {
  return [id, ...leb(body.length), ...body];
}
export function vec(items: number[][]): number[] {
  return [...leb(items.length), ...items.flat()];
}
/** A function body: locals none, then the code (end added). */
export function body(code: number[]): number[] {
  const b = [0, ...code, 0x0b];
  return [...leb(b.length), ...b];
}
export function module(...sections: number[][]): Uint8Array<ArrayBuffer> {
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...sections.flat()]);
}
