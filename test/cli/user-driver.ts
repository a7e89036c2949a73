/**
 * A user's driver module as a newcomer writes one, for the tests that run it
 * through the real command (test/cli, test/pack): public exports only. Its
 * own PnP driver for nic0 gets a DMA adapter, allocates two common buffers,
 * lets the device read one and write the other, frees one and leaks the
 * other at device removal (DMA_COMMON_BUFFER_LEAKED, named by the line
 * marked LEAK); the PLX 9656 sample driver moves data with interrupts.
 */
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { vaJson } from "../../src/report/json-result.ts";

export const LEAK_MARK = "// LEAK: never freed";

/** The TypeScript source; `from` is what it imports the library as ("dmasim", or a path). */
export function driverSource(from: string): string {
  return `import {
  bootMachine, installVerifier, IoGetDmaAdapter, deviceDescription, InterfaceType, physicalAddress,
  createDriverObject, IoCreateFdo, pnpAddDevice, startDevice, removeDevice, IoCompleteRequest,
  IRP_MJ_PNP, IRP_MN_START_DEVICE, STATUS, NT_SUCCESS, Prng, loadPlxDriver, allocateIoBuffer, plxTransfer,
  type DMA_ADAPTER, type Scenario,
} from ${JSON.stringify(from)};

const scenario: Scenario = {
  name: "my-driver",
  description: "a PCI bus master with two common buffers, one leaked at removal; the PLX sample moving data",
  defaultProfile: "x64-desktop",
  run(opts) {
    const k = bootMachine(opts.profile, { seed: opts.seed });
    opts.onBoot?.(k);
    const verifier = opts.verifier === "off" ? null : installVerifier(k, { mode: opts.verifier });
    const nic = k.pdo("nic0");
    let adapter: DMA_ADAPTER | null = null;
    let moved = 0;
    const driver = createDriverObject("\\\\Driver\\\\mydriver", (d) => {
      d.AddDevice = (drv, pdo) => {
        IoCreateFdo(k, drv, pdo, "mydriver0");
        return STATUS.SUCCESS;
      };
      d.MajorFunction[IRP_MJ_PNP] = (_dev, irp) => {
        if (irp.MinorFunction === IRP_MN_START_DEVICE) {
          adapter = IoGetDmaAdapter(k, nic, deviceDescription({ Version: 3, Master: true, ScatterGather: true, Dma64BitAddresses: true, DmaAddressWidth: 64, InterfaceType: InterfaceType.PCIBus, MaximumLength: 1 << 20 }), { value: 0 });
          if (adapter !== null) {
            const ops = adapter.DmaOperations;
            const ringLa = physicalAddress();
            const ring = ops.AllocateCommonBuffer?.(adapter, 8192, ringLa, true) ?? null;
            const statusLa = physicalAddress();
            const status = ops.AllocateCommonBuffer?.(adapter, 5000, statusLa, true) ?? null; ${LEAK_MARK}
            if (ring !== null && status !== null) {
              k.cpu.writeBytes(ring, new Uint8Array(4096).fill(0x11));
              const master = k.busMasterOf(nic);
              k.bus.read(master, Number(ringLa.QuadPart), new Uint8Array(4096));
              k.bus.write(master, Number(statusLa.QuadPart), new Uint8Array(64).fill(0x22));
              moved += 4096 + 64;
              ops.FreeCommonBuffer?.(adapter, 8192, ringLa, ring, true);
            }
          }
        }
        irp.IoStatus.Status = STATUS.SUCCESS;
        IoCompleteRequest(irp);
        return STATUS.SUCCESS;
      };
      return STATUS.SUCCESS;
    });
    pnpAddDevice(k, driver, nic);
    startDevice(k, nic);

    // The PLX 9656 and its KMDF sample driver: scatter/gather DMA to the card's SRAM and back, one interrupt per transfer.
    const plx = loadPlxDriver(k, "plx9656");
    let transfers = 0;
    if (typeof plx !== "number") {
      const prng = new Prng(opts.seed);
      for (const direction of ["write", "read"] as const) {
        const buf = allocateIoBuffer(k, 6000, 128, prng);
        if (buf === null) continue;
        if (NT_SUCCESS(plxTransfer(k, plx, direction, buf).status)) transfers++;
        buf.free();
      }
    }

    removeDevice(k, nic);
    return {
      ok: adapter !== null && moved > 0 && transfers === 2,
      summary: [\`nic0 moved \${moved} bytes through its common buffers; the PLX driver did \${transfers} transfers\`],
      stats: { moved, transfers },
      findings: verifier?.findings ?? [],
      machine: k,
    };
  },
};

export default scenario;
`;
}

/** The 1-based line of the leaking allocation in driverSource's text. */
export function leakLine(source: string): number {
  return source.split("\n").findIndex((l) => l.includes(LEAK_MARK)) + 1;
}

/** The buffers the HTML report's embedded data lists for its (only) run. */
export function reportBuffers(file: string): { va: number | string; length: number }[] {
  const html = readFileSync(file, "utf8");
  expect(html).not.toContain("No common buffers were recorded");
  const m = /<script id="dmasim-data" type="application\/json">(.*?)<\/script>/s.exec(html);
  expect(m, "the report embeds its data").not.toBeNull();
  const data = JSON.parse(m?.[1] ?? "{}") as { runs: { buffers: { va: number | string; length: number }[] }[] };
  // The page keeps VAs as numbers (low 48 bits); --json writes them canonical: compare in the JSON form.
  return (data.runs[0]?.buffers ?? []).map((b) => ({ ...b, va: typeof b.va === "number" ? vaJson(b.va) : b.va }));
}
