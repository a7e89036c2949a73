/**
 * Where a C driver took physical addresses from MmGetPhysicalAddress. The
 * mistake the verifier finds (DMA_PHYSICAL_ADDRESS_USED: a device used a
 * buffer's physical address where its logical address was required) shows
 * up later, when the device masters the bus, with no driver code on the
 * stack; this remembers the C frame of each call by the page it returned,
 * so that the finding can name the line the address came from.
 */
import { PAGE_SIZE } from "../../core/address.ts";
import { hexAddr } from "../../core/address.ts";
import type { Finding } from "../../core/findings.ts";
import { type Kernel, machineSlot } from "../../kernel/kernel.ts";
import { type CFrame, showLocation } from "./c-stack.ts";

/** Physical page -> the C frame that asked for an address in it (the first caller). */
const SITES = machineSlot<Map<number, CFrame>>("MmGetPhysicalAddress sites of C drivers", () => new Map());

/** How far below a device's address the page a driver asked about may start (a multi-page buffer handed over by its base). */
const SEARCH_PAGES = 256;

/** Note that C code at `frame` got physical address `pa` from MmGetPhysicalAddress. */
export function notePhysicalQuery(k: Kernel, pa: number, frame: CFrame | undefined): void {
  if (frame === undefined || pa <= 0) return;
  const sites = k.slot(SITES);
  const page = Math.floor(pa / PAGE_SIZE);
  if (!sites.has(page)) sites.set(page, frame);
}

/** The site noted for the page of `address` or the nearest one below it, if any. */
function siteFor(k: Kernel, address: number): { frame: CFrame; pa: number } | null {
  const sites = k.slot(SITES);
  const page = Math.floor(address / PAGE_SIZE);
  for (let p = page; p > page - SEARCH_PAGES && p >= 0; p--) {
    const f = sites.get(p);
    if (f !== undefined) return { frame: f, pa: p * PAGE_SIZE };
  }
  return null;
}

/**
 * The findings with each DMA_PHYSICAL_ADDRESS_USED naming the C line that
 * took the address from MmGetPhysicalAddress, when a C driver did; the
 * others unchanged.
 */
export function withPhysicalQuerySites(k: Kernel, findings: readonly Finding[]): Finding[] {
  return findings.map((f) => {
    if (f.code !== "DMA_PHYSICAL_ADDRESS_USED") return f;
    const address = f.params?.address;
    if (typeof address !== "number") return f;
    const s = siteFor(k, address);
    if (s === null) return f;
    return { ...f, message: `${f.message}; the driver took the address of page ${hexAddr(s.pa)} from MmGetPhysicalAddress at ${showLocation(s.frame)} (${s.frame.function})` };
  });
}
