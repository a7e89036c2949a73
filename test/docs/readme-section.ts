/**
 * What the README-section tests share: a section's text and its TypeScript
 * blocks (pointed at this checkout's src/index.ts instead of the "dmasim"
 * package), and running a written block while capturing what it logs.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { vi } from "vitest";

const ROOT = resolve(import.meta.dirname, "..", "..");

/** The README section whose heading line is `title` (up to the next `## `). */
export function readmeSection(title: string): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf(title);
  if (start < 0) throw new Error(`README.md has no section "${title.trim()}"`);
  const end = readme.indexOf("\n## ", start + title.length);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** The section's ```ts blocks, importing this checkout's library. */
export function tsBlocks(section: string): string[] {
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => (m[1] as string).replaceAll('from "dmasim"', `from ${JSON.stringify(join(ROOT, "src", "index.ts"))}`));
}

/** Import the module at `file` and return the arguments of every console.log it made. */
export async function runLogged(file: string): Promise<unknown[][]> {
  const logged: unknown[][] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void logged.push(args));
  try {
    await import(pathToFileURL(file).href);
  } finally {
    spy.mockRestore();
  }
  return logged;
}
