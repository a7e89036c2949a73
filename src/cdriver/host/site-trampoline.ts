/**
 * Making the C caller visible to whoever reads the JavaScript stack (the
 * verifier records an allocation's site as the first stack frame outside
 * dmasim): the host calls the kernel routine through a tiny function whose
 * name is the C function's and whose source position is the C file, line
 * and column (an evaluated script with a sourceURL). One trampoline per
 * call site, made once.
 */
import { pathToFileURL } from "node:url";
import type { CFrame } from "./c-stack.ts";

type Call = (fn: () => unknown) => unknown;
const trampolines = new Map<string, Call>();

function identifier(name: string): string {
  const id = name.replace(/[^A-Za-z0-9_$]/g, "_");
  return /^[A-Za-z_$]/.test(id) ? id : `_${id}`;
}

/** A function `(fn) => fn()` whose frame reads "at <C function> (<file>:<line>:<column>)". */
export function trampolineFor(frame: CFrame): Call | null {
  if (frame.file === null || frame.line < 1) return null;
  const key = `${frame.file}\0${frame.line}\0${frame.column}\0${frame.function}`;
  const known = trampolines.get(key);
  if (known !== undefined) return known;
  const name = identifier(frame.function);
  const col = Math.max(1, frame.column);
  // The call `fn()` starts at (line, column): the function's head sits on the line before it.
  const head = `(function ${name}(fn) { return (`;
  const src = frame.line >= 2 ? `${"\n".repeat(frame.line - 2)}${head}\n${" ".repeat(col - 1)}fn()); })` : `${head}fn()); })`;
  const made = (0, eval)(`${src}\n//# sourceURL=${pathToFileURL(frame.file).href}`) as Call;
  trampolines.set(key, made);
  return made;
}
