/**
 * The HTML report in a real browser (Debian Chromium via playwright-core):
 * the memory map draws, clicking a buffer shows its addresses, the timeline
 * and fragmentation charts draw, and the page logs no errors.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeScenario } from "../../src/cli/execute.ts";
import { builtinProfile } from "../../src/machine/builtin-profiles.ts";
import { parseProfile } from "../../src/machine/profile.ts";
import { renderHtmlReport } from "../../src/report/html-report.ts";
import type { RunRecord } from "../../src/report/run-record.ts";
import { commonBufferWalkthroughScenario } from "../../src/scenarios/common-buffer-walkthrough.ts";
import { fragmentationScenario } from "../../src/scenarios/fragmentation.ts";
import fixture from "../fixtures/buffers-scenario.ts";
import { launchBrowser } from "./chromium.ts";

let ctx: BrowserContext;
let page: Page;
const problems: string[] = [];
let runs: RunRecord[] = [];

beforeAll(async () => {
  const tiny = parseProfile({ name: "tiny", arch: "x64", memory: [{ base: 0, length: "64MiB", type: "ram" }], devices: [{ name: "nic", bus: "pci" }] });
  runs = [
    await executeScenario(fixture, { name: fixture.name, profile: builtinProfile("x64-iommu"), seed: 1, uptimeSeconds: 0, verifier: "collect" }),
    await executeScenario(fixture, { name: fixture.name, profile: builtinProfile("x64-1tib"), seed: 1, uptimeSeconds: 0, verifier: "collect" }),
    await executeScenario(fragmentationScenario, { name: "fragmentation", profile: tiny, seed: 1, uptimeSeconds: 20, verifier: "off", params: { trials: 1 } }),
    await executeScenario(commonBufferWalkthroughScenario, { name: "common-buffer-walkthrough", profile: builtinProfile("x64-iommu"), seed: 1, uptimeSeconds: 0, verifier: "collect" }),
  ];
  const dir = mkdtempSync(join(tmpdir(), "dmasim-e2e-"));
  const file = join(dir, "report.html");
  writeFileSync(file, renderHtmlReport(runs, { version: "test" }));
  ctx = await launchBrowser();
  page = await ctx.newPage();
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("request", (r) => {
    if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) problems.push(`network request: ${r.url()}`);
  });
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector("body[data-ready=true]", { timeout: 30_000 });
});

afterAll(async () => {
  await ctx?.close();
});

/** RGBA of canvas pixels sampled across the whole canvas. */
async function samplePixels(selector: string): Promise<number[][]> {
  return page.$eval(selector, (el) => {
    const c = el as HTMLCanvasElement;
    const ctx2 = c.getContext("2d");
    if (ctx2 === null) return [];
    // One readback of the whole canvas (many small ones make Chromium warn).
    const d = ctx2.getImageData(0, 0, c.width, c.height).data;
    const out: number[][] = [];
    for (let i = 0; i < 64; i++) {
      const x = Math.floor(((i % 8) + 0.5) * (c.width / 8));
      const y = Math.floor((Math.floor(i / 8) + 0.5) * (c.height / 8));
      const o = (y * c.width + x) * 4;
      out.push([d[o] ?? 0, d[o + 1] ?? 0, d[o + 2] ?? 0, d[o + 3] ?? 0]);
    }
    return out;
  });
}

describe("HTML report in Chromium", () => {
  it("draws one memory map per NUMA node (4 for the 1 TiB machine), with the free-page colour on a fresh machine", async () => {
    expect(await page.locator("#run-0 canvas.map").count()).toBe(1);
    expect(await page.locator("#run-1 canvas.map").count()).toBe(4);
    const px = await samplePixels("#run-0 canvas.map");
    // Free RAM is drawn as rgb(226,232,240); a fresh 16 GiB machine is mostly free.
    const free = px.filter(([r, g, b]) => r === 226 && g === 232 && b === 240).length;
    expect(free).toBeGreaterThan(32);
    expect(px.every(([, , , a]) => a === 255)).toBe(true);
  });

  it("an aged machine's map shows used pages (not only the free colour)", async () => {
    const px = await samplePixels("#run-2 canvas.map");
    const notFree = px.filter(([r, g, b]) => !(r === 226 && g === 232 && b === 240)).length;
    expect(notFree).toBeGreaterThan(16);
  });

  it("clicking a buffer in the list shows its virtual, logical and physical addresses and cache attribute", async () => {
    const details = page.locator("#run-0 .buffer-details");
    expect(await details.isHidden()).toBe(true);
    await page.locator('#run-0 tr[data-buffer="2"]').click();
    await details.waitFor({ state: "visible" });
    const text = await details.innerText();
    const buf = (runs[0]?.trace?.allocations ?? [])[1];
    if (buf === undefined) throw new Error("no buffer 2");
    expect(text).toContain("Virtual address");
    expect(text).toContain("0xFFFFC000`");
    expect(text).toContain(`0x${buf.logical.toString(16).toUpperCase().padStart(12, "0")}`);
    expect(text).toContain(`0x${((buf.runs[0]?.[0] ?? 0) * 4096).toString(16).toUpperCase().padStart(12, "0")}`);
    expect(text).toContain("65536 bytes (16 pages");
    expect(text).toContain("cached");
    expect(await page.locator('#run-0 tr[data-buffer="2"]').getAttribute("class")).toContain("selected");
  });

  it("clicking a buffer's marker on the map selects it too", async () => {
    const buf = (runs[1]?.trace?.allocations ?? [])[0];
    if (buf === undefined) throw new Error("no buffer 1");
    const canvas = page.locator("#run-1 canvas.map").first();
    const box = await canvas.boundingBox();
    if (box === null) throw new Error("no canvas box");
    // Where the page draws pfn: pixel index (pfn - start) / pagesPerPixel, laid out row by row.
    const pos = await page.$eval("#run-1 canvas.map", (el, pfn) => {
      const c = el as HTMLCanvasElement;
      const text = document.querySelector("#run-1 .node .range")?.textContent ?? "";
      const m = /^0x([0-9A-F]+) – 0x([0-9A-F]+)/.exec(text);
      const v0 = parseInt(m?.[1] ?? "0", 16) / 4096;
      const v1 = parseInt(m?.[2] ?? "0", 16) / 4096;
      const i = Math.floor((pfn - v0) / ((v1 - v0) / (c.width * c.height)));
      return { x: ((i % c.width) + 0.5) / c.width, y: (Math.floor(i / c.width) + 0.5) / c.height };
    }, buf.runs[0]?.[0] ?? 0);
    await canvas.click({ position: { x: pos.x * box.width, y: pos.y * box.height } });
    const text = await page.locator("#run-1 .buffer-details").innerText();
    expect(text).toContain(`#${buf.id} of plx9656`);
  });

  it("'Show on the map' zooms the node's map to the selected buffer", async () => {
    await page.locator('#run-0 tr[data-buffer="1"]').click();
    await page.locator("#run-0 .buffer-details button.show-on-map").click();
    const text = await page.locator("#run-0 .node .range").innerText();
    const m = /^0x([0-9A-F]+) – 0x([0-9A-F]+)/.exec(text);
    const v0 = parseInt(m?.[1] ?? "0", 16);
    const v1 = parseInt(m?.[2] ?? "0", 16);
    const buf = (runs[0]?.trace?.allocations ?? [])[0];
    const pa = (buf?.runs[0]?.[0] ?? -1) * 4096;
    expect(pa).toBeGreaterThanOrEqual(v0);
    expect(pa).toBeLessThan(v1);
    expect(v1 - v0).toBeLessThan(1024 * 1024 * 1024);
    await page.locator('#run-0 .node button[aria-label="show the whole node"]').click();
  });

  it("zooming in narrows the shown address range and redraws", async () => {
    const label = page.locator("#run-0 .node .range");
    const before = await label.innerText();
    await page.locator('#run-0 .node button[aria-label="zoom in"]').click();
    const after = await label.innerText();
    expect(after).not.toBe(before);
    expect(after).toMatch(/8\.\d+ GiB shown|8\.50 GiB shown/);
  });

  it("draws the DMA timeline and the fragmentation charts", async () => {
    const bars = await page.$eval("#run-0 canvas.timeline", (el) => {
      const c = el as HTMLCanvasElement;
      const d = c.getContext("2d")?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
      let coloured = 0;
      for (let i = 0; i < d.length; i += 4) if (!((d[i] ?? 0) === (d[i + 1] ?? 0) && (d[i + 1] ?? 0) === (d[i + 2] ?? 0))) coloured++;
      return coloured;
    });
    expect(bars).toBeGreaterThan(50);
    expect(await page.locator("#run-2 canvas.frag").count()).toBe(4);
  });

  it("hovering the timeline names the time slice and what each device did in it", async () => {
    const canvas = page.locator("#run-0 canvas.timeline");
    const box = await canvas.boundingBox();
    if (box === null) throw new Error("no timeline box");
    // Where the page draws the time slice of the fixture's device write (timeline: 240 slices, plot from x = 60 to 1014 of 1024).
    const events = [...(runs[0]?.trace?.events() ?? [])];
    const times = events.map((e) => e.time);
    const start = Math.min(...times);
    const span = Math.max(...times) - start;
    const write = events.find((e) => e.kind === "dmaWrite");
    if (write === undefined) throw new Error("no device write in the fixture");
    const bin = Math.min(239, Math.floor(((write.time - start) / span) * 240));
    const x = 60 + ((bin + 0.5) / 240) * 954;
    await canvas.hover({ position: { x: (x / 1024) * box.width, y: box.height / 2 } });
    const text = await page.locator("#run-0 .timeline-tip").innerText();
    expect(text).toMatch(/µs – .*plx9656: wrote 4 KiB/);
  });

  it("a verifier finding links to the buffer it concerns; following the link shows that buffer", async () => {
    const link = page.locator("#run-3 ol.findings a[data-buffer]").first();
    expect(await link.count()).toBe(1);
    const id = await link.getAttribute("data-buffer");
    await link.click();
    const text = await page.locator("#run-3 .buffer-details").innerText();
    expect(text).toContain(`#${id} of plx9656`);
    expect(text).toContain("DMA_PHYSICAL_ADDRESS_USED");
  });

  it("logs no console errors or warnings and makes no network requests", () => {
    expect(problems).toEqual([]);
  });
});
