/**
 * FlushDmaBuffer(DmaAdapter, Mdl, ReadOperation) (DMA_OPERATIONS of
 * Windows 10 and later; DDI nc-wdm-pflush_dma_buffer): "flushes any data
 * remaining in the memory region described by an MDL". dmasim models the
 * cache side, as for FlushAdapterBuffers: on an adapter whose device does not
 * snoop (ARM64, _CCA 0) a read operation (device to memory) invalidates the
 * MDL's lines so the CPU sees what the device wrote, a write operation
 * cleans them so the device sees what the CPU wrote; a coherent device (every
 * x64 device) needs nothing. <= DISPATCH_LEVEL. STATUS_SUCCESS.
 */
import { DISPATCH_LEVEL } from "../core/irql.ts";
import { STATUS, type NTSTATUS } from "../core/ntstatus.ts";
import { maintainMdlRange } from "../kernel/flush.ts";
import { MmGetMdlVirtualAddress, type MDL } from "../kernel/mdl.ts";
import { liveAdapter } from "./adapter.ts";
import { checkBoolean, checkMdl } from "./args.ts";
import type { DMA_ADAPTER } from "./types.ts";

/** FlushDmaBuffer(DmaAdapter, Mdl, ReadOperation): the MDL's cache lines made consistent for the device; see the file comment. <= DISPATCH_LEVEL. */
export function FlushDmaBuffer(DmaAdapter: DMA_ADAPTER, Mdl: MDL, ReadOperation: boolean): NTSTATUS {
  const routine = "FlushDmaBuffer";
  const ao = liveAdapter(DmaAdapter, routine);
  checkMdl(Mdl, routine);
  checkBoolean(ReadOperation, routine, "ReadOperation");
  if (ao === null) return STATUS.INVALID_PARAMETER;
  ao.kernel.checkIrql(routine, { max: DISPATCH_LEVEL }, ao.device);
  if (!ao.busMaster.coherent) maintainMdlRange(ao.kernel, Mdl, MmGetMdlVirtualAddress(Mdl), Mdl.ByteCount, ReadOperation ? "invalidate" : "clean");
  return STATUS.SUCCESS;
}
