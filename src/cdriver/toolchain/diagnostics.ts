/**
 * The compiler's and linker's messages as the user should read them: file
 * names of the staged copy become the driver's own paths (as given on the
 * command line), and the two errors a missing kernel routine produces get a
 * line saying that dmasim does not provide it.
 */
import { displayPath, type DriverSources } from "./sources.ts";

const FILE_LINE = /(^|[\s(])((?:\.\/)?[^\s:()]+\.(?:c|h|hpp|hh|inl|inc|tmh)):(\d+)(?=[:)\s,]|$)/gm;

/** Rewrite staged relative paths ("sb16.c:12:5") to the user's ("examples/c/sb16-wdm/sb16.c:12:5"); absolute paths stay. */
export function formatDiagnostics(text: string, src: DriverSources): string {
  const known = new Set(src.files.map((f) => f.rel.toLowerCase()));
  const out = text.replace(FILE_LINE, (all, pre: string, file: string, line: string) => {
    const rel = file.replace(/^\.\//, "");
    if (rel.startsWith("/") || !(known.has(rel.toLowerCase()) || rel.toLowerCase().endsWith(".tmh"))) return all;
    return `${pre}${displayPath(src, rel)}:${line}`;
  });
  const hints = [...out.matchAll(/call to undeclared function '([A-Za-z_]\w*)'/g)].map((m) => m[1] ?? "");
  const unique = [...new Set(hints)];
  return unique.length === 0 ? out : `${out.trimEnd()}\n${unique.map((n) => `note: ${n} is not declared by dmasim's headers: dmasim does not provide this routine`).join("\n")}\n`;
}

/** Where a routine is first called in the driver's sources: "dir/file.c:line", or null. */
export function firstCallSite(src: DriverSources, name: string): string | null {
  const call = new RegExp(`\\b${name}\\s*\\(`);
  for (const f of src.files) {
    if (!f.rel.toLowerCase().endsWith(".c")) continue;
    const lines = Buffer.from(f.content).toString("latin1").split("\n");
    for (let i = 0; i < lines.length; i++) if (call.test(lines[i] ?? "")) return `${displayPath(src, f.rel)}:${i + 1}`;
  }
  return null;
}

/** wasm-ld's output, with each undefined routine named and located in the driver's sources. */
export function linkErrorMessage(text: string, src: DriverSources): string {
  const names = [...new Set([...text.matchAll(/undefined symbol: ([A-Za-z_]\w*)/g)].map((m) => m[1] ?? ""))];
  const lines: string[] = [];
  for (const n of names) {
    const at = firstCallSite(src, n);
    lines.push(`${at === null ? "" : `${at}: `}error: ${n} is not a routine dmasim provides (the link needs it and the simulated kernel has no such routine)`);
  }
  if (/symbol exported via --export not found: DriverEntry/.test(text)) lines.push(`${src.display}: error: the driver has no DriverEntry routine`);
  const rest = text.replace(/\.dmasim-obj\/\d+-/g, "").trim();
  return lines.length === 0 ? rest : `${lines.join("\n")}\n${rest}`;
}
