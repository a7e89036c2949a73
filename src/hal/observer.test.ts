import { describe, expect, it } from "vitest";
import { ObserverSlot } from "../core/hooks.ts";
import { HAL_OBSERVER_METHODS, type HalObserver, notifyTransferMapped, type TransferEvent } from "./observer.ts";

describe("notifyTransferMapped", () => {
  const key = {};

  it("a lone observer with onContiguousTransferMapped gets a contiguous run as (device, physical, length), with no event made", () => {
    const got: unknown[] = [];
    const slot = new ObserverSlot<HalObserver>(HAL_OBSERVER_METHODS);
    slot.add({ onContiguousTransferMapped: (k, d, p, n) => got.push([k, d, p, n]), onTransferMapped: () => got.push("event") });
    notifyTransferMapped(slot.current, key, "plx9656", 0x12345, 0x2000);
    expect(got).toEqual([[key, "plx9656", 0x12345, 0x2000]]);
  });

  it("frames given (an IOMMU mapping) go to onTransferMapped as they are, even when the observer has the contiguous hook", () => {
    const got: TransferEvent[] = [];
    const slot = new ObserverSlot<HalObserver>(HAL_OBSERVER_METHODS);
    slot.add({ onContiguousTransferMapped: () => expect.unreachable(), onTransferMapped: (_k, e) => got.push(e) });
    notifyTransferMapped(slot.current, key, "nic0", 0x1010, 100, [77]);
    expect(got).toEqual([{ device: "nic0", logical: 0x1010, length: 100, pfns: [77] }]);
  });

  it("a fan-out of several observers gets onTransferMapped with the run's frames, so an observer without the fast hook misses nothing", () => {
    const plain: TransferEvent[] = [];
    const fast: TransferEvent[] = [];
    const slot = new ObserverSlot<HalObserver>(HAL_OBSERVER_METHODS);
    slot.add({ onTransferMapped: (_k, e) => plain.push(e) });
    slot.add({ onContiguousTransferMapped: () => expect.unreachable(), onTransferMapped: (_k, e) => fast.push(e) });
    notifyTransferMapped(slot.current, key, "plx9656", 0x1ff0, 0x20);
    expect(plain.map((e) => [e.logical, e.length, [...Array.from(e.pfns)]])).toEqual([[0x1ff0, 0x20, [1, 2]]]);
    expect(fast).toEqual(plain);
  });

  it("a zero length or no observer notifies nothing", () => {
    const slot = new ObserverSlot<HalObserver>(HAL_OBSERVER_METHODS);
    slot.add({ onContiguousTransferMapped: () => expect.unreachable(), onTransferMapped: () => expect.unreachable() });
    notifyTransferMapped(slot.current, key, "plx9656", 0x1000, 0);
    notifyTransferMapped(null, key, "plx9656", 0x1000, 10);
  });
});
