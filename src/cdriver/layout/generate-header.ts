/**
 * Prints the shared type table (structs.ts) as C: <dmasim/generated.h>,
 * written into every build (never committed, so it cannot go stale when a
 * constant it takes from the kernel changes), and the static-assert file that
 * checks clang's layout against the offsets the host uses.
 */
import type { Aggregate, Field, TypeTable } from "./ctypes.ts";
import { type Constant, constantLines } from "./constants.ts";

const CONST_POINTERS = new Set(["PCSTR", "PCWSTR", "PCUNICODE_STRING"]);

function member(t: TypeTable, fld: Field, indent: string): string {
  const arr = fld.count === undefined ? "" : `[${fld.count}]`;
  if (typeof fld.type === "string") return `${indent}${fld.type} ${fld.name}${arr};`;
  const inner = fld.type.fields.map((x) => member(t, x, indent + "    ")).join("\n");
  return `${indent}${fld.type.kind} {\n${inner}\n${indent}}${fld.name === "" ? "" : " " + fld.name}${arr};`;
}

/** Aggregates an aggregate holds by value (so they must be defined first). */
function byValue(t: TypeTable, a: Aggregate, out: Set<string>): Set<string> {
  for (const fld of a.fields) {
    if (typeof fld.type !== "string") byValue(t, fld.type, out);
    else if (t.isAggregate(fld.type)) out.add(t.resolve(fld.type));
  }
  return out;
}

function tagOf(name: string, tag: string | undefined): string {
  return tag ?? "_" + name;
}

/** The C header text for the whole table. */
export function generateHeader(t: TypeTable, constants: readonly Constant[]): string {
  const out: string[] = [
    "/* Generated from src/cdriver/layout/structs.ts by src/cdriver/layout/generate-header.ts: do not edit. */",
    "/* The layouts here are the ones the dmasim host reads and writes; a compiled test checks them. */",
    "#ifndef DMASIM_GENERATED_H",
    "#define DMASIM_GENERATED_H",
    "",
    "#ifndef VOID",
    "#define VOID void",
    "#endif",
    "",
  ];
  for (const s of t.allScalars()) out.push(`typedef ${s.c} ${s.name};`);
  out.push("");
  out.push(...constantLines(constants), "");
  for (const e of t.allEnums()) {
    const values = e.values.map(([n, v]) => `    ${n} = ${v}`).join(",\n");
    out.push(`typedef enum ${tagOf(e.name, e.tag)} {\n${values}\n} ${e.name};`);
  }
  out.push("");
  for (const a of t.allAggregates()) out.push(`typedef ${a.kind} ${tagOf(a.name, a.tag)} ${a.name};`);
  for (const [name, of] of t.allAliases()) out.push(`typedef ${of} ${name};`);
  out.push("");
  const fnNames = new Set(t.allFunctions().map((f) => f.name));
  for (const [p, to] of t.allPointers()) {
    if (fnNames.has(to)) continue;
    const target = to === "VOID" ? "void" : to;
    out.push(`typedef ${CONST_POINTERS.has(p) ? "const " : ""}${target} *${p};`);
  }
  out.push("");
  for (const fn of t.allFunctions()) {
    const params = fn.params.length === 0 ? "VOID" : fn.params.map(([ty, n]) => `${ty} ${n}`).join(", ");
    out.push(`typedef ${fn.result} ${fn.name}(${params});`);
    out.push(`typedef ${fn.name} *${fn.pointer ?? "P" + fn.name};`);
  }
  out.push("");
  // Definitions, each after the aggregates it holds by value.
  const done = new Set<string>();
  const emit = (name: string, path: string[]): void => {
    if (done.has(name)) return;
    if (path.includes(name)) throw new RangeError(`generateHeader: ${name} contains itself by value`);
    const a = t.aggregate(name);
    if (a === undefined) throw new RangeError(`generateHeader: no aggregate ${name}`);
    for (const dep of byValue(t, a, new Set())) emit(dep, [...path, name]);
    done.add(name);
    if (a.opaque === true) return;
    if (a.doc !== undefined) out.push(`/* ${a.doc} */`);
    if (a.pack !== undefined) out.push(`#pragma pack(push, ${a.pack})`);
    out.push(`${a.kind} ${tagOf(a.name, a.tag)} {\n${a.fields.map((x) => member(t, x, "    ")).join("\n")}\n};`);
    if (a.pack !== undefined) out.push("#pragma pack(pop)");
    out.push("");
  };
  for (const a of t.allAggregates()) emit(a.name, []);
  out.push("#endif /* DMASIM_GENERATED_H */", "");
  return out.join("\n");
}

/** A C file that fails to compile unless clang's sizes and offsets equal the table's. */
export function generateLayoutAsserts(t: TypeTable): string {
  const out = ["#include <stddef.h>", "#include <dmasim/generated.h>", ""];
  let n = 0;
  const check = (expr: string, value: number, what: string): void => {
    out.push(`_Static_assert(${expr} == ${value}, "${what} is ${value} in dmasim's table");`);
    n++;
  };
  for (const s of t.allScalars()) check(`sizeof(${s.name})`, s.size, `sizeof(${s.name})`);
  check("sizeof(PVOID)", 4, "sizeof(PVOID)");
  for (const e of t.allEnums()) check(`sizeof(${e.name})`, 4, `sizeof(${e.name})`);
  for (const a of t.allAggregates()) {
    if (a.opaque === true) continue;
    const l = t.layout(a.name);
    check(`sizeof(${a.name})`, l.size, `sizeof(${a.name})`);
    check(`_Alignof(${a.name})`, l.align, `_Alignof(${a.name})`);
    for (const [path, off] of l.offsets) check(`offsetof(${a.name}, ${path})`, off, `offsetof(${a.name}, ${path})`);
  }
  out.push("", `/* ${n} checks */`, "");
  return out.join("\n");
}
