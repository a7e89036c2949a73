import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { infDeviceModel, infDmaRemapping, infHardwareIds, remappingOptIn } from "./inf-device.ts";

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "dmasim-inf-"));
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe("the device a driver folder is for, from its INF's hardware IDs", () => {
  it("reads PCI\\VEN_xxxx&DEV_yyyy from .inf and .inx files in either case, each ID once, in file order", () => {
    const dir = folder({ "a.inx": "[Models]\n%Other%=Inst, PCI\\VEN_1234&DEV_abcd\n%Card%=Inst, PCI\\VEN_10b5&DEV_9601\n", "b.INF": "%Card%=Inst, pci\\ven_10B5&dev_9601&SUBSYS_0\n", "x.c": "PCI\\VEN_8086&DEV_100E" });
    expect(infHardwareIds(dir)).toEqual(["1234:ABCD", "10B5:9601"]);
  });

  it("maps the first ID dmasim has a model for to that model (the PLX 9656 board, the e1000); none gives null", () => {
    expect(infDeviceModel(folder({ "d.inx": "PCI\\VEN_1234&DEV_ABCD\nPCI\\VEN_10B5&DEV_9601\n" }))).toBe("plx9656");
    expect(infDeviceModel(folder({ "n.inf": "PCI\\VEN_8086&DEV_100E\n" }))).toBe("e1000");
    expect(infDeviceModel(folder({ "u.inf": "PCI\\VEN_1234&DEV_ABCD\n" }))).toBeNull();
    expect(infDeviceModel(folder({ "main.c": "int x;" }))).toBeNull();
  });

  it("for a single .c file, looks beside it", () => {
    const dir = folder({ "drv.inf": "PCI\\VEN_10B5&DEV_9656\n", "drv.c": "" });
    expect(infDeviceModel(join(dir, "drv.c"))).toBe("plx9656");
  });
});

describe("a driver package's DMA remapping directive, from its INF (Enable DMA remapping for device drivers)", () => {
  it("reads the per-device DMA Management\\RemappingSupported and RemappingFlags, quoted or not, hex or decimal, comments ignored", () => {
    const dir = folder({ "d.inf": '[Dev.NT.HW]\nAddReg=Opt\n[Opt]\nHKR,"DMA Management","RemappingSupported",0x00010001,1 ; opt in\nhkr, DMA Management, RemappingFlags, 0x00010001, 0x1\n' });
    expect(infDmaRemapping(dir)).toEqual({ key: "RemappingSupported", value: 1, flags: 1, file: "d.inf" });
  });

  it("reads the per-driver Parameters\\DmaRemappingCompatible; the per-device value wins over it, from any INF of the folder", () => {
    expect(infDmaRemapping(folder({ "a.inf": "HKR,Parameters,DmaRemappingCompatible,0x00010001,2\n" }))).toEqual({ key: "DmaRemappingCompatible", value: 2, flags: 0, file: "a.inf" });
    expect(infDmaRemapping(folder({ "a.inf": "HKR,Parameters,DmaRemappingCompatible,0x00010001,1\n", "b.inx": 'HKR,"DMA Management","RemappingSupported",0x00010001,0\n' }))?.key).toBe("RemappingSupported");
  });

  it("an INF without either (the PLX9x5x sample's), or a folder without an INF, has no directive", () => {
    expect(infDmaRemapping(folder({ "p.inx": "HKR,,DeviceCharacteristics,0x10001,0x100\n" }))).toBeNull();
    expect(infDmaRemapping(folder({ "main.c": "" }))).toBeNull();
  });

  it("decides as the page's tables say: 0 opts out, 1 (and DmaRemappingCompatible 3) opt in, 2 or RemappingFlags 1 only with DMA verification (dmasim's devices are internal), anything else is the system's choice", () => {
    const dev = (value: number, flags = 0) => ({ key: "RemappingSupported" as const, value, flags, file: "x.inf" });
    const drv = (value: number) => ({ key: "DmaRemappingCompatible" as const, value, flags: 0, file: "x.inf" });
    expect([remappingOptIn(dev(0), true), remappingOptIn(dev(1), false), remappingOptIn(dev(1, 1), false), remappingOptIn(dev(1, 1), true), remappingOptIn(dev(7), true)]).toEqual([false, true, false, true, null]);
    expect([remappingOptIn(drv(0), true), remappingOptIn(drv(1), false), remappingOptIn(drv(2), false), remappingOptIn(drv(2), true), remappingOptIn(drv(3), false), remappingOptIn(drv(9), true)]).toEqual([false, true, false, true, true, null]);
  });
});
