/**
 * The relative links of README.md and docs/*.md (pages, images, anchors)
 * point at files and headings that exist, so a renamed guide or section
 * cannot leave a dead link behind.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..", "..");
const PAGES = ["README.md", ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
export function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
}

function anchors(file: string): Set<string> {
  const text = readFileSync(file, "utf8").replace(/```[\s\S]*?```/g, "");
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1] as string)));
}

function links(file: string): string[] {
  const text = readFileSync(file, "utf8").replace(/```[\s\S]*?```/g, "");
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] as string).filter((l) => !/^[a-z]+:/i.test(l));
}

describe("documentation links", () => {
  it("anchorOf follows GitHub's rule", () => {
    expect(anchorOf("Writing a device model and its driver")).toBe("writing-a-device-model-and-its-driver");
    expect(anchorOf("The `dmasim` command")).toBe("the-dmasim-command");
  });

  for (const page of PAGES) {
    it(`${page}: every relative link and anchor resolves`, () => {
      const bad: string[] = [];
      for (const l of links(join(ROOT, page))) {
        const [path = "", anchor] = l.split("#");
        const target = path === "" ? join(ROOT, page) : resolve(dirname(join(ROOT, page)), path);
        if (!existsSync(target)) bad.push(`${l}: no file ${path}`);
        else if (anchor !== undefined && target.endsWith(".md") && !anchors(target).has(anchor)) bad.push(`${l}: no heading #${anchor}`);
      }
      expect(bad).toEqual([]);
    });
  }
});
