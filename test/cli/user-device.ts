/**
 * A user's own device model and its WDM driver in one module, as a newcomer
 * writes them (README "Writing a device model and its driver"), importing
 * only public exports. The device: BAR0 with ADDR_LO/ADDR_HI/LENGTH/DOORBELL/
 * STATUS registers; a doorbell write makes it DMA-write a counting pattern
 * to ADDR for LENGTH bytes 2 us later and raise its interrupt until STATUS
 * is read. The driver maps BAR0 from its translated resources, connects the
 * interrupt, allocates a common buffer and rings the doorbell.
 */
export function userDeviceSource(from: string): string {
  return `import {
  bootMachine, installVerifier, parseProfile, IoGetDmaAdapter, deviceDescription, InterfaceType, physicalAddress,
  createDriverObject, IoCreateFdo, pnpAddDevice, startDevice, removeDevice, IoCompleteRequest, IoGetCurrentIrpStackLocation,
  IoConnectInterrupt, IoDisconnectInterrupt, LevelSensitive, MmMapIoSpace, MmUnmapIoSpace, MmNonCached, READ_REGISTER_ULONG, WRITE_REGISTER_ULONG,
  CmResourceTypeMemory, CmResourceTypeInterrupt, descriptorsOfType, IRP_MJ_PNP, IRP_MN_START_DEVICE, IRP_MN_REMOVE_DEVICE, STATUS,
  type DeviceModel, type DMA_ADAPTER, type KINTERRUPT, type Scenario,
} from ${JSON.stringify(from)};

const REG = { ADDR_LO: 0x0, ADDR_HI: 0x4, LENGTH: 0x8, DOORBELL: 0xc, STATUS: 0x10 };

/** My device: a pattern generator that writes into host memory by DMA. */
const patternModel: DeviceModel = {
  model: "pattern-gen",
  description: "writes a counting pattern by DMA when its doorbell rings",
  buses: ["pci"],
  bars: [{ kind: "mmio", size: 0x1000 }],
  interrupt: "required",
  create(ctx) {
    const regs = new Uint32Array(8);
    return {
      registers: [{
        read: (o) => {
          if (o === REG.STATUS) {
            const s = regs[REG.STATUS >> 2] ?? 0;
            regs[REG.STATUS >> 2] = 0;
            ctx.irq?.set(false);
            return s;
          }
          return regs[o >> 2] ?? 0;
        },
        write: (o, _size, v) => {
          regs[o >> 2] = v;
          if (o !== REG.DOORBELL) return;
          ctx.clock.after(2000, () => {
            const la = (regs[REG.ADDR_HI >> 2] ?? 0) * 2 ** 32 + (regs[REG.ADDR_LO >> 2] ?? 0);
            const data = Uint8Array.from({ length: regs[REG.LENGTH >> 2] ?? 0 }, (_, i) => i & 0xff);
            ctx.dma?.write(la, data);
            regs[REG.STATUS >> 2] = 1;
            ctx.irq?.set(true);
          });
        },
      }],
    };
  },
};

const scenario: Scenario = {
  name: "my-device",
  description: "my own device model and its WDM driver",
  defaultProfile: "x64-desktop",
  run(opts) {
    const profile = parseProfile({
      name: "my-board", arch: "x64",
      memory: [{ base: 0, length: "256MiB", type: "ram" }, { base: "3GiB", length: "1GiB", type: "mmio" }],
      devices: [{ name: "gen0", bus: "pci", model: "pattern-gen", irq: 16 }],
    });
    const k = bootMachine(profile, { seed: opts.seed, deviceModels: [patternModel] });
    opts.onBoot?.(k);
    const verifier = opts.verifier === "off" ? null : installVerifier(k, { mode: opts.verifier });
    let regs = 0;
    let adapter: DMA_ADAPTER | null = null;
    let buffer = 0;
    const la = physicalAddress();
    let interrupt: KINTERRUPT | null = null;
    let interrupts = 0;
    const driver = createDriverObject("\\\\Driver\\\\pattern", (d) => {
      d.AddDevice = (drv, pdo) => (IoCreateFdo(k, drv, pdo, "pattern0"), STATUS.SUCCESS);
      d.MajorFunction[IRP_MJ_PNP] = (_dev, irp) => {
        const stack = IoGetCurrentIrpStackLocation(irp);
        if (irp.MinorFunction === IRP_MN_START_DEVICE) {
          const res = stack.Parameters.StartDevice?.AllocatedResourcesTranslated;
          const mem = res === undefined ? undefined : descriptorsOfType(res, CmResourceTypeMemory)[0]?.u.Memory;
          const irq = res === undefined ? undefined : descriptorsOfType(res, CmResourceTypeInterrupt)[0]?.u.Interrupt;
          if (mem === undefined || irq === undefined) {
            irp.IoStatus.Status = STATUS.INSUFFICIENT_RESOURCES;
            IoCompleteRequest(irp);
            return irp.IoStatus.Status;
          }
          regs = MmMapIoSpace(k, mem.Start, mem.Length, MmNonCached) ?? 0;
          const io = { value: null as KINTERRUPT | null };
          IoConnectInterrupt(k, io, () => {
            if (READ_REGISTER_ULONG(k, regs + REG.STATUS) === 0) return false;
            interrupts++;
            return true;
          }, null, irq.Vector, irq.Level, irq.Level, LevelSensitive, true);
          interrupt = io.value;
          adapter = IoGetDmaAdapter(k, k.pdo("gen0"), deviceDescription({ Version: 3, Master: true, ScatterGather: true, Dma64BitAddresses: true, DmaAddressWidth: 64, InterfaceType: InterfaceType.PCIBus, MaximumLength: 1 << 16 }), { value: 0 });
          buffer = adapter?.DmaOperations.AllocateCommonBuffer?.(adapter, 4096, la, true) ?? 0;
        } else if (irp.MinorFunction === IRP_MN_REMOVE_DEVICE && adapter !== null) {
          adapter.DmaOperations.FreeCommonBuffer?.(adapter, 4096, la, buffer, true);
          adapter.DmaOperations.PutDmaAdapter?.(adapter);
          if (interrupt !== null) IoDisconnectInterrupt(k, interrupt);
          MmUnmapIoSpace(k, regs, 0x1000);
        }
        irp.IoStatus.Status = STATUS.SUCCESS;
        IoCompleteRequest(irp);
        return STATUS.SUCCESS;
      };
      return STATUS.SUCCESS;
    });
    pnpAddDevice(k, driver, k.pdo("gen0"));
    startDevice(k, k.pdo("gen0"));
    WRITE_REGISTER_ULONG(k, regs + REG.ADDR_LO, Number(la.QuadPart & 0xffffffffn));
    WRITE_REGISTER_ULONG(k, regs + REG.ADDR_HI, Number(la.QuadPart >> 32n));
    WRITE_REGISTER_ULONG(k, regs + REG.LENGTH, 256);
    WRITE_REGISTER_ULONG(k, regs + REG.DOORBELL, 1);
    k.clock.advanceBy(10_000);
    const got = k.cpu.readBytes(buffer, 256);
    const ok = got.every((b, i) => b === (i & 0xff)) && interrupts === 1;
    removeDevice(k, k.pdo("gen0"));
    return { ok, summary: [\`256 bytes by DMA from my device: \${ok ? "every byte as sent" : "WRONG"}; \${interrupts} interrupt\`], findings: verifier?.findings ?? [], machine: k };
  },
};
export default scenario;
`;
}
