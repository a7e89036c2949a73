/**
 * The HTML report in a real browser (Debian Chromium via playwright-core):
 * the memory map draws, clicking a buffer shows its addresses and zooms the
 * map onto it, buffers stay visible at any zoom in legible colours, the
 * multi-run page has a table of contents, the timeline draws (or says why
 * not), the fragmentation run shows its allocation counts and charts, and
 * the page logs no errors. A screenshot of each part is taken (under
 * 200 KiB each); DMASIM_UPDATE_SCREENSHOTS=1 writes them to docs/.
 */
import { existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
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
import { physicalAddress } from "../../src/core/address.ts";
import { IoGetDmaAdapter } from "../../src/hal/io-get-dma-adapter.ts";
import { deviceDescription, InterfaceType } from "../../src/hal/types.ts";
import { bootMachine } from "../../src/kernel/kernel.ts";
import type { Scenario } from "../../src/scenarios/scenario.ts";

/** A run whose events all happen at 0 ns: a buffer allocated, written by the device and freed without the clock moving. */
const instantScenario: Scenario = {
  name: "instant",
  description: "allocate, one device write, free: no simulated time passes",
  defaultProfile: "x64-desktop",
  run(opts) {
    const k = bootMachine(opts.profile, { seed: opts.seed });
    opts.onBoot?.(k);
    const pdo = k.pdo("plx9656");
    const a = IoGetDmaAdapter(k, pdo, deviceDescription({ Version: 3, Master: true, ScatterGather: true, Dma64BitAddresses: true, DmaAddressWidth: 64, InterfaceType: InterfaceType.PCIBus, MaximumLength: 1 << 16 }), { value: 0 });
    const ops = a?.DmaOperations;
    const la = physicalAddress();
    const va = a === null ? null : (ops?.AllocateCommonBuffer?.(a, 4096, la, true) ?? null);
    if (a === null || va === null) return { ok: false, summary: ["no buffer"] };
    k.bus.write(k.busMasterOf(pdo), Number(la.QuadPart), new Uint8Array(64));
    ops?.FreeCommonBuffer?.(a, 4096, la, va, true);
    return { ok: true, summary: ["done at 0 ns"], machine: k };
  },
};

const DOCS = resolve(import.meta.dirname, "..", "..", "docs");
const SCREENSHOTS = process.env["DMASIM_UPDATE_SCREENSHOTS"] === "1" ? DOCS : mkdtempSync(join(tmpdir(), "dmasim-shots-"));
/** The screenshots kept in docs/, one per part of the report (the README shows docs/report.png). */
const SHOTS = ["report-contents.png", "report-memory-map.png", "report-buffer.png", "report-timeline.png", "report-fragmentation.png", "report-findings.png"];

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
    await executeScenario(instantScenario, { name: "instant", profile: builtinProfile("x64-desktop"), seed: 1, uptimeSeconds: 0, verifier: "collect" }),
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

/** The byte range a run's first node map shows now (its label). */
async function shownRange(run: string): Promise<{ v0: number; v1: number }> {
  const text = await page.locator(`${run} .node .range`).first().innerText();
  const m = /^0x([0-9A-F]+) – 0x([0-9A-F]+)/.exec(text);
  return { v0: parseInt(m?.[1] ?? "0", 16), v1: parseInt(m?.[2] ?? "0", 16) };
}

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

  it("clicking a buffer's row zooms its node's map onto the buffer (the range shown narrows and holds it)", async () => {
    await page.locator('#run-1 .node button[aria-label="show the whole node"]').first().click();
    const before = await shownRange("#run-1");
    const buf = (runs[1]?.trace?.allocations ?? [])[1];
    if (buf === undefined) throw new Error("no buffer 2 in run 1");
    await page.locator('#run-1 tr[data-buffer="2"]').click();
    const after = await shownRange("#run-1");
    const pa = (buf.runs[0]?.[0] ?? -1) * 4096;
    expect(after.v1 - after.v0).toBeLessThan((before.v1 - before.v0) / 1000);
    expect(pa).toBeGreaterThanOrEqual(after.v0);
    expect(pa).toBeLessThan(after.v1);
  });

  it("+ zooms on the selected buffer, not on the middle of memory", async () => {
    await page.locator('#run-0 .node button[aria-label="show the whole node"]').click();
    await page.locator('#run-0 tr[data-buffer="3"]').click();
    await page.locator('#run-0 .node button[aria-label="show the whole node"]').click();
    for (let i = 0; i < 6; i++) await page.locator('#run-0 .node button[aria-label="zoom in"]').click();
    const r = await shownRange("#run-0");
    const pa = ((runs[0]?.trace?.allocations ?? [])[2]?.runs[0]?.[0] ?? -1) * 4096;
    expect(pa).toBeGreaterThanOrEqual(r.v0);
    expect(pa).toBeLessThan(r.v1);
  });

  it("every buffer is visible on the whole-node map of a 1 TiB machine (a marker of at least 7 x 7 px in its owner's colour)", async () => {
    await page.locator('#run-1 .node button[aria-label="show the whole node"]').first().click();
    const buffers = runs[1]?.trace?.allocations ?? [];
    const colour = await page.$eval('#run-1 .swatch[data-owner="plx9656"]', (el) => getComputedStyle(el).backgroundColor);
    const [r, g, b] = (colour.match(/\d+/g) ?? []).map(Number);
    const live = buffers.filter((x) => x.freedAt === null);
    // One readback of the whole canvas (many small ones make Chromium warn).
    const counts = await page.$eval("#run-1 canvas.map", (el, arg) => {
      const c = el as HTMLCanvasElement;
      const text = document.querySelector("#run-1 .node .range")?.textContent ?? "";
      const m = /^0x([0-9A-F]+) – 0x([0-9A-F]+)/.exec(text);
      const v0 = parseInt(m?.[1] ?? "0", 16) / 4096;
      const v1 = parseInt(m?.[2] ?? "0", 16) / 4096;
      const d = c.getContext("2d")?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
      return arg.pfns.map((pfn) => {
        const i = Math.floor((pfn - v0) / ((v1 - v0) / (c.width * c.height)));
        let n = 0;
        for (let y = Math.floor(i / c.width) - 6; y <= Math.floor(i / c.width) + 6; y++)
          for (let x = (i % c.width) - 6; x <= (i % c.width) + 6; x++) {
            if (x < 0 || y < 0 || x >= c.width || y >= c.height) continue;
            const o = (y * c.width + x) * 4;
            if (d[o] === arg.rgb[0] && d[o + 1] === arg.rgb[1] && d[o + 2] === arg.rgb[2]) n++;
          }
        return n;
      });
    }, { pfns: live.map((b) => b.runs[0]?.[0] ?? 0), rgb: [r ?? 0, g ?? 0, b ?? 0] });
    expect(counts.length).toBeGreaterThan(0);
    live.forEach((buf, i) => expect(counts[i], `buffer #${buf.id}`).toBeGreaterThanOrEqual(36)); // more than a 6 x 6 box, neighbours' white edges aside
  });

  it("owner colours have at least 3:1 contrast with the free-page colour the map is mostly drawn in", async () => {
    const colours = await page.$$eval(".swatch[data-owner]", (els) => [...new Set(els.map((e) => getComputedStyle(e).backgroundColor))]);
    expect(colours.length).toBeGreaterThan(0);
    const lum = (c: number[]): number => {
      const f = (v: number): number => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(c[0] ?? 0) + 0.7152 * f(c[1] ?? 0) + 0.0722 * f(c[2] ?? 0);
    };
    const free = lum([226, 232, 240]);
    for (const c of colours) {
      const rgb = (c.match(/\d+/g) ?? []).map(Number);
      expect((free + 0.05) / (lum(rgb) + 0.05), c).toBeGreaterThanOrEqual(3);
    }
  });

  it("the multi-run page has a table of contents: one entry per run with its sections, and every link lands on its target", async () => {
    const entries = page.locator("nav.toc > ol > li");
    expect(await entries.count()).toBe(runs.length);
    const hrefs = await page.$$eval("nav.toc a", (as) => as.map((a) => a.getAttribute("href") ?? ""));
    expect(hrefs).toContain("#run-2-fragmentation");
    for (const h of hrefs) expect(await page.locator(h).count(), h).toBe(1);
    await page.locator('nav.toc a[href="#run-3-findings"]').click();
    expect(await page.evaluate(() => location.hash)).toBe("#run-3-findings");
    const top = await page.$eval("#run-3-findings", (el) => el.getBoundingClientRect().top);
    expect(top).toBeGreaterThanOrEqual(-1);
    expect(top).toBeLessThan(900);
  });

  it("a run whose events all happened at 0 ns says so instead of drawing a timeline from 0 ns to 0 ns", async () => {
    expect(await page.locator("#run-4 canvas.timeline").count()).toBe(0);
    const note = await page.locator("#run-4 .timeline-note").innerText();
    expect(note).toMatch(/^No timeline: all \d+ traced events .* happened at 0 ns of simulated time/);
    expect(await page.locator("#run-0 canvas.timeline").count()).toBe(1);
  });

  it("the fragmentation run shows its allocation counts by IRQL and size, and its charts", async () => {
    const text = await page.locator("#run-2").innerText();
    expect(text).not.toContain("No common buffers were recorded");
    expect(text).toMatch(/This run made \d+ allocation calls \(\d+ succeeded\)/);
    const rows = await page.$$eval("#run-2 h3[id$=-buffers] ~ table tbody tr", (trs) => trs.map((tr) => tr.textContent ?? ""));
    expect(rows.some((r) => r.includes("DISPATCH_LEVEL") && r.includes("2 MiB"))).toBe(true);
    expect(rows.some((r) => r.includes("PASSIVE_LEVEL") && r.includes("4 KiB"))).toBe(true);
    expect(await page.locator("#run-2 canvas.frag").count()).toBe(4);
  });

  it("a screenshot of each part of the report is under 200 KiB (DMASIM_UPDATE_SCREENSHOTS=1 keeps them in docs/)", async () => {
    await page.locator('#run-3 .node button[aria-label="show the whole node"]').click();
    await page.locator('#run-0 tr[data-buffer="2"]').click();
    const parts: [string, string][] = [
      ["report-contents.png", "nav.toc"],
      ["report-memory-map.png", "#run-3 .maps"],
      ["report-buffer.png", "#run-0 .buffer-details"],
      ["report-timeline.png", "#run-0 canvas.timeline"],
      ["report-fragmentation.png", "#run-2 .frags"],
      ["report-findings.png", "#run-3 ol.findings"],
    ];
    expect(parts.map(([f]) => f)).toEqual(SHOTS);
    for (const [file, selector] of parts) {
      const path = join(SCREENSHOTS, file);
      await page.locator(selector).first().screenshot({ path });
      expect(statSync(path).size, file).toBeLessThan(200 * 1024);
    }
    for (const f of [...SHOTS, "report.png"]) {
      expect(existsSync(join(DOCS, f)), `docs/${f}`).toBe(true);
      expect(statSync(join(DOCS, f)).size, `docs/${f}`).toBeLessThan(200 * 1024);
    }
  });

  it("logs no console errors or warnings and makes no network requests", () => {
    expect(problems).toEqual([]);
  });
});
