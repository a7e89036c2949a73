/** Interrupt request levels on x64 Windows. */
export const PASSIVE_LEVEL = 0;
export const LOW_LEVEL = 0;
export const APC_LEVEL = 1;
export const DISPATCH_LEVEL = 2;
/** Device IRQLs are 3..12 on x64; the profile's interrupt controller assigns them. */
export const DIRQL_MIN = 3;
export const DIRQL_MAX = 12;
export const CLOCK_LEVEL = 13;
export const IPI_LEVEL = 14;
export const HIGH_LEVEL = 15;

export type KIRQL = number;

const NAMES: Record<number, string> = { 0: "PASSIVE_LEVEL", 1: "APC_LEVEL", 2: "DISPATCH_LEVEL", 13: "CLOCK_LEVEL", 14: "IPI_LEVEL", 15: "HIGH_LEVEL" };

export function irqlName(irql: KIRQL): string {
  return NAMES[irql] ?? (irql >= DIRQL_MIN && irql <= DIRQL_MAX ? `DIRQL(${irql})` : `IRQL(${irql})`);
}
