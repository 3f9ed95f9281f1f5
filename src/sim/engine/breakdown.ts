// The airtime breakdown (`sim --breakdown`, docs/simulator.md §Airtime by frame kind): window
// transmissions and airtime by frame kind and by origin or relay, as the router's classifier
// (RouterExtras.frameClass) names them. Filled from Simulation's one accounting of each
// transmission, so its rows sum to totalTx and totalAirtimeS.
import type { FrameClass } from "../routers/context";

export interface BreakdownRow {
  readonly kind: string;
  readonly role: FrameClass["role"];
  /** Transmissions in the measurement window (a mean over seeds once pooled). */
  readonly tx: number;
  readonly airtimeS: number;
}

/** The key of a kind and role in the tallies. */
function rowKey(r: { readonly kind: string; readonly role: FrameClass["role"] }): string {
  return `${r.kind}\u0000${r.role}`;
}

/** Transmissions and an amount of airtime (in whatever unit the caller sums) for one kind and role. */
interface Sum {
  readonly kind: string;
  readonly role: FrameClass["role"];
  tx: number;
  air: number;
}

/** Adds `tx` transmissions and `air` airtime to the row of `r`'s kind and role. */
function addTo(sums: Map<string, Sum>, r: { readonly kind: string; readonly role: FrameClass["role"] }, tx: number, air: number): void {
  const key = rowKey(r);
  const s = sums.get(key);
  if (s === undefined) sums.set(key, { kind: r.kind, role: r.role, tx, air });
  else {
    s.tx += tx;
    s.air += air;
  }
}

/** One run's tallies, keyed by kind and role (airtime summed in ms, as the simulator counts it). */
export class BreakdownTally {
  readonly #rows = new Map<string, Sum>();

  add(c: FrameClass, airMs: number): void {
    addTo(this.#rows, c, 1, airMs);
  }

  rows(): BreakdownRow[] {
    return sortRows([...this.#rows.values()].map((r) => ({ kind: r.kind, role: r.role, tx: r.tx, airtimeS: r.air / 1000 })));
  }
}

/** Means over runs: a kind a run did not send counts as zero in it. */
export function poolBreakdowns(runs: ReadonlyArray<readonly BreakdownRow[]>): BreakdownRow[] {
  const sums = new Map<string, Sum>();
  for (const rows of runs) for (const r of rows) addTo(sums, r, r.tx, r.airtimeS);
  const n = Math.max(1, runs.length);
  return sortRows([...sums.values()].map((s) => ({ kind: s.kind, role: s.role, tx: s.tx / n, airtimeS: s.air / n })));
}

/** Each row with its share of the rows' total airtime (0 when there is none). */
export function withShares(rows: readonly BreakdownRow[]): Array<BreakdownRow & { readonly share: number }> {
  const total = rows.reduce((a, r) => a + r.airtimeS, 0);
  return rows.map((r) => ({ ...r, share: total > 0 ? r.airtimeS / total : 0 }));
}

/** Most airtime first; ties by kind, then role. */
function sortRows(rows: BreakdownRow[]): BreakdownRow[] {
  return rows.sort((a, b) => b.airtimeS - a.airtimeS || a.kind.localeCompare(b.kind) || a.role.localeCompare(b.role));
}
