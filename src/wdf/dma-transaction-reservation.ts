/**
 * What the packet and system transfer engines share about a reservation of
 * WdfDmaTransactionAllocateResources (Windows-Driver-Frameworks
 * fxdmatransactionpacket.cpp: m_MapRegistersReserved, StageTransfer). The
 * DDIs are in dma-transaction-reserve.ts; this file has no imports so the
 * engines can use it without a cycle.
 */

const PAGE = 4096;

/**
 * The longest fragment that fits the reserved map registers when the
 * transfer needs more than were reserved (0 reserved, or enough: no cap):
 * the reserved pages less the part of the first one before `va`.
 */
export function reservedFragmentCap(reserved: number, needed: number, va: number): number {
  if (reserved === 0 || needed <= reserved) return Number.POSITIVE_INFINITY;
  return PAGE * (reserved - 1) + (PAGE - (va & (PAGE - 1)));
}
