import { describe, expect, it } from "vitest";
import { bootMachine } from "./kernel.ts";
import { CM_RESOURCE_DMA_16, CM_RESOURCE_DMA_8, CM_RESOURCE_INTERRUPT_LATCHED, CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE, CM_RESOURCE_PORT_IO, CmResourceShareShared, CmResourceTypeDma, CmResourceTypeInterrupt, CmResourceTypeMemory, CmResourceTypePort, descriptorsOfType, deviceResources, Isa, PCIBus } from "./resources.ts";
import { dirqlOfLine } from "./interrupt.ts";

describe("the start IRP's resource lists (CM_RESOURCE_LIST)", () => {
  it("a PCI device: one descriptor per BAR in BAR order, then its level-sensitive shared interrupt", () => {
    const k = bootMachine("x64-desktop");
    const { raw, translated } = deviceResources(k, k.pdo("plx9656"));
    expect(translated.Count).toBe(1);
    expect(translated.List[0]?.InterfaceType).toBe(PCIBus);
    const d = translated.List[0]?.PartialResourceList.PartialDescriptors ?? [];
    expect(d.map((x) => x.Type)).toEqual([CmResourceTypeMemory, CmResourceTypePort, CmResourceTypeMemory, CmResourceTypeInterrupt]);
    const bars = k.board.device("plx9656").bars;
    expect(d[0]?.u.Memory).toEqual({ Start: { QuadPart: BigInt(bars[0]?.base ?? 0) }, Length: 0x200 });
    expect((d[1]?.Flags ?? 0) & CM_RESOURCE_PORT_IO).toBe(CM_RESOURCE_PORT_IO);
    expect(d[3]).toMatchObject({ Flags: CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE, ShareDisposition: CmResourceShareShared });
    expect(d[3]?.u.Interrupt).toMatchObject({ Level: dirqlOfLine(16), Vector: 16 });
    const rawIrq = descriptorsOfType(raw, CmResourceTypeInterrupt)[0];
    expect(rawIrq?.u.Interrupt).toMatchObject({ Level: 16, Vector: 16 });
  });

  it("an ISA card: its ports, a latched exclusive interrupt and its DMA channels with their widths", () => {
    const k = bootMachine("x64-desktop");
    const { translated } = deviceResources(k, "sb16");
    expect(translated.List[0]?.InterfaceType).toBe(Isa);
    expect(descriptorsOfType(translated, CmResourceTypePort)[0]?.u.Port).toEqual({ Start: { QuadPart: 0x220n }, Length: 0x10 });
    expect(descriptorsOfType(translated, CmResourceTypeInterrupt)[0]?.Flags).toBe(CM_RESOURCE_INTERRUPT_LATCHED);
    const dma = descriptorsOfType(translated, CmResourceTypeDma);
    expect(dma.map((x) => [x.u.Dma?.Channel, x.Flags])).toEqual([
      [1, CM_RESOURCE_DMA_8],
      [5, CM_RESOURCE_DMA_16],
    ]);
  });

  it("a device with no registers and no interrupt has an empty list", () => {
    const k = bootMachine("arm64-soc");
    const { translated } = deviceResources(k, "dma-noncoherent");
    expect(descriptorsOfType(translated, CmResourceTypeMemory)).toEqual([]);
  });
});
