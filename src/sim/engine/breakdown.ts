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

/** One run's tallies, keyed by kind and role. */
export class BreakdownTally {
  readonly #rows = new Map<string, { kind: string; role: FrameClass["role"]; tx: number; airMs: number }>();

  add(c: FrameClass, airMs: number): void {
    const key = rowKey(c);
    const r = this.#rows.get(key);
    if (r === undefined) this.#rows.set(key, { kind: c.kind, role: c.role, tx: 1, airMs });
    else {
      r.tx++;
      r.airMs += airMs;
    }
  }

  rows(): BreakdownRow[] {
    return sortRows([...this.#rows.values()].map((r) => ({ kind: r.kind, role: r.role, tx: r.tx, airtimeS: r.airMs / 1000 })));
  }
}

/** Means over runs: a kind a run did not send counts as zero in it. */
export function poolBreakdowns(runs: ReadonlyArray<readonly BreakdownRow[]>): BreakdownRow[] {
  const sum = new Map<string, { kind: string; role: FrameClass["role"]; tx: number; airtimeS: number }>();
  for (const rows of runs)
    for (const r of rows) {
      const key = rowKey(r);
      const s = sum.get(key);
      if (s === undefined) sum.set(key, { ...r });
      else {
        s.tx += r.tx;
        s.airtimeS += r.airtimeS;
      }
    }
  const n = Math.max(1, runs.length);
  return sortRows([...sum.values()].map((s) => ({ kind: s.kind, role: s.role, tx: s.tx / n, airtimeS: s.airtimeS / n })));
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
