// The security layer maps the inner node's sequence numbers to the application's: an ACK that
// comes after the inner node reported the message failed (MeshNode reports such late ACKs) must
// name the application's message too (review of 2026-12-05: it named the inner seq).
import { describe, expect, test } from "vitest";
import { SecureStation } from "../../src/core/security/secure-station";
import { MemoryCounterStore } from "../../src/core/security/frame-counter";
import type { Station, StationEvent } from "../../src/core/station";

describe("secure station: a late ACK", () => {
  test("send-failed then acked both carry the application's sequence number", () => {
    const events: StationEvent[] = [];
    const inner = {
      id: 1,
      send: () => ({ ok: true, seq: 40_000 }),
      receive: () => {},
      tick: () => {},
      nextWakeup: () => Infinity,
      pollTransmit: () => undefined,
      transmitDone: () => {},
      drainEvents: () => events.splice(0),
    } as unknown as Station;
    const s = new SecureStation({ inner, networkKey: new Uint8Array(32).fill(7), counterStore: new MemoryCounterStore(), now: 0 });
    const r = s.send(0, 2, new Uint8Array([1]), { wantAck: true });
    expect(r.ok).toBe(true);
    const appSeq = r.ok ? r.seq : -1;
    expect(appSeq).not.toBe(40_000);
    events.push({ type: "send-failed", at: 50_000, dst: 2, seq: 40_000, code: "no-ack", reason: "no ACK" });
    events.push({ type: "acked", at: 60_000, dst: 2, seq: 40_000, hops: 2 });
    const out = s.drainEvents().filter((e) => e.type === "send-failed" || e.type === "acked");
    expect(out.map((e) => [e.type, (e as { seq: number }).seq])).toEqual([["send-failed", appSeq], ["acked", appSeq]]);
  });
});
