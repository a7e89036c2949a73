/**
 * The README as a new user meets it: it opens with the two Quick start
 * commands, then how to use the package from your own folder; the command's
 * section names what the user can type (`list profiles`, `profile list`,
 * `schema ...`), the `--json` and `--trace` shapes (with the trace file's
 * real column names and units) and the size rule, and points to the guides.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { traceFile } from "../../src/report/trace-file.ts";
import { TraceLog } from "../../src/trace/trace-log.ts";
import { readmeSection } from "./readme-section.ts";

const ROOT = resolve(import.meta.dirname, "..", "..");
const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const headings = [...readme.matchAll(/^## (.+)$/gm)].map((m) => m[1] as string);
const command = readmeSection("## The `dmasim` command\n");

/** The README bullet that starts with `start` (up to the next bullet or blank line). */
function bullet(start: string): string {
  const i = command.indexOf(`- ${start}`);
  if (i < 0) throw new Error(`the command section has no bullet starting "${start}"`);
  const end = command.slice(i + 2).search(/\n(- |\n)/);
  return command.slice(i, end < 0 ? undefined : i + 2 + end);
}

describe("README opening", () => {
  it("opens with Quick start, whose one block holds the two commands (npm ci && npm start, npm ci && npm test), then Use it from your own folder", () => {
    expect(headings.slice(0, 2)).toEqual(["Quick start", "Use it from your own folder"]);
    const quick = readmeSection("## Quick start\n");
    const blocks = [...quick.matchAll(/```(\w*)\n([\s\S]*?)```/g)];
    expect(blocks.map((b) => b[1])).toEqual(["sh"]);
    const commands = (blocks[0]?.[2] ?? "").trim().split("\n").map((l) => l.replace(/\s+#.*$/, ""));
    expect(commands).toEqual(["npm ci && npm start", "npm ci && npm test"]);
  });

  it("the own-folder section says how to get the package: the registry once published, until then npm pack + npm install <tarball>, or npm link", () => {
    const own = readmeSection("## Use it from your own folder\n");
    expect(own).toMatch(/npm install dmasim/);
    expect(own).toMatch(/npm pack/);
    expect(own).toMatch(/npm install \/path\/to\/dmasim-[\d.]+\.tgz/);
    expect(own).toMatch(/npm link dmasim/);
  });
});

describe("README: the dmasim command", () => {
  it("names the profile listings (list profiles, profile list) and the schemas (scenario, profile, result, demo, trace)", () => {
    expect(command).toContain("dmasim list profiles");
    expect(command).toContain("dmasim profile list");
    for (const kind of ["scenario", "profile", "result", "demo", "trace"]) expect(command, `schema ${kind}`).toMatch(new RegExp(`schema ${kind}\\b`));
  });

  it("--json: addresses as hex strings, pages as { pfn, pages } runs, times in simulated ns, and a link to docs/json-output.md", () => {
    const json = bullet("`--json` prints one object");
    expect(json).toMatch(/hex\s+strings/);
    expect(json).toMatch(/"pfn"[^}]*"pages"/);
    expect(json).toMatch(/simulated\s+nanoseconds/);
    expect(json).toContain("](docs/json-output.md)");
  });

  it("--trace: every column the trace file has is named, with the units the file states", () => {
    const trace = bullet("`--trace FILE`");
    const file = traceFile(new TraceLog());
    const columns = Object.keys(file["columns"] as object);
    expect(columns.length).toBeGreaterThan(4);
    for (const c of columns) expect(trace, `column ${c}`).toContain(`\`${c}\``);
    expect(file["units"]).toEqual({ timeNs: "simulated nanoseconds since boot", length: "bytes" });
    expect(trace).toMatch(/`timeNs` \(simulated\s+nanoseconds\s+since\s+boot\)/);
    expect(trace).toMatch(/`length` \(bytes\)/);
  });

  it('sizes: binary units, "1 GB" refused (as parseSize does), with a link to the conventions', () => {
    expect(command).toMatch(/`1 GB`[^.]*refused/);
    expect(command).toContain("](docs/conventions.md)");
  });

  it("links the guides index (docs/README.md) and the report guide (docs/report.md)", () => {
    expect(readme).toContain("](docs/README.md)");
    expect(readme).toContain("](docs/report.md)");
  });
});
