/** Interrupt request levels on x64 Windows. PASSIVE_LEVEL (0): threads; where most DDIs are called and the allocator may compact. */
export const PASSIVE_LEVEL = 0;
export const LOW_LEVEL = 0;
/** APC_LEVEL (1): asynchronous procedure calls masked; still allowed to compact memory. */
export const APC_LEVEL = 1;
/** DISPATCH_LEVEL (2): DPCs and spin locks; no page faults, and the allocator takes only runs that are already free. */
export const DISPATCH_LEVEL = 2;
/** Device IRQLs are 3..12 on x64; the profile's interrupt controller assigns them. */
export const DIRQL_MIN = 3;
export const DIRQL_MAX = 12;
export const CLOCK_LEVEL = 13;
export const IPI_LEVEL = 14;
/** HIGH_LEVEL (15): everything masked. */
export const HIGH_LEVEL = 15;

/** An IRQL, 0..15 (PASSIVE_LEVEL .. HIGH_LEVEL; 3..12 are device IRQLs). */
export type KIRQL = number;

const NAMES: Record<number, string> = { 0: "PASSIVE_LEVEL", 1: "APC_LEVEL", 2: "DISPATCH_LEVEL", 13: "CLOCK_LEVEL", 14: "IPI_LEVEL", 15: "HIGH_LEVEL" };

/** "PASSIVE_LEVEL", "DISPATCH_LEVEL", "DIRQL(5)", or "IRQL(n)" for a level with no name. */
export function irqlName(irql: KIRQL): string {
  return NAMES[irql] ?? (irql >= DIRQL_MIN && irql <= DIRQL_MAX ? `DIRQL(${irql})` : `IRQL(${irql})`);
}
