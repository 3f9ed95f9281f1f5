// Traceroute on top of the mesh as it is: a probe is a private message with a reserved payload
// that the destination acknowledges end to end (and does not show as a message). The sender
// learns the hops the probe took (from the acknowledgement) and the round trip; the next hops it
// tried come from its own route table. Relays do not record themselves in the frame (the
// protocol has no route-record field), so the path's middle is not known: docs/api.md says so.

/** The payload of a probe: a NUL (never typed at a console) and "TR". */
export const PROBE_PAYLOAD = Object.freeze([0x00, 0x54, 0x52]);
/** Probes remembered at once; the oldest is forgotten first. */
const MAX_PENDING = 8;

export function isProbe(payload: Uint8Array): boolean {
  return payload.length === PROBE_PAYLOAD.length && PROBE_PAYLOAD.every((b, i) => payload[i] === b);
}

export function probePayload(): Uint8Array {
  return Uint8Array.from(PROBE_PAYLOAD);
}

export interface TraceResult {
  readonly to: number;
  readonly seq: number;
  readonly ok: boolean;
  readonly hops?: number;
  readonly roundTripMs: number;
  readonly reason?: string;
}

export class Probes {
  readonly #pending = new Map<number, { readonly to: number; readonly at: number }>();

  sent(seq: number, to: number, at: number): void {
    this.#pending.set(seq, { to, at });
    if (this.#pending.size > MAX_PENDING) this.#pending.delete(this.#pending.keys().next().value as number);
  }

  /** The result when `seq` was a probe's, else undefined. */
  settle(seq: number, at: number, outcome: { readonly hops: number } | { readonly reason: string }): TraceResult | undefined {
    const p = this.#pending.get(seq);
    if (p === undefined) return undefined;
    this.#pending.delete(seq);
    const base = { to: p.to, seq, roundTripMs: at - p.at };
    return "hops" in outcome ? { ...base, ok: true, hops: outcome.hops } : { ...base, ok: false, reason: outcome.reason };
  }
}
