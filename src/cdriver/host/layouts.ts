/**
 * Offsets and sizes of the shared structures for the host's accessors, from
 * the one type table (layout/structs.ts) the headers are generated from.
 */
import { C } from "../layout/structs.ts";

/** Byte offset of a field path ("u.Port.Start", "List[0].PartialResourceList") in a struct; RangeError for an unknown path. */
export function off(struct: string, path: string): number {
  const o = C.layout(struct).offsets.get(path);
  if (o === undefined) throw new RangeError(`dmasim: ${struct} has no field ${path}`);
  return o;
}

/** sizeof(struct). */
export function size(struct: string): number {
  return C.layout(struct).size;
}

/** The offsets of several fields of one struct, as an object (computed once, at module load). */
export function fields<const K extends string>(struct: string, names: readonly K[]): Readonly<Record<K, number>> & { readonly SIZE: number } {
  const out: Record<string, number> = { SIZE: size(struct) };
  for (const n of names) out[n] = off(struct, n);
  return out as Readonly<Record<K, number>> & { readonly SIZE: number };
}
