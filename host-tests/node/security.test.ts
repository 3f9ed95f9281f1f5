// Node-only security checks: the full 4096-iteration passphrase derivation (seconds on XS, so
// not in the shared suite) and fast-check properties of the counter and the replay window.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { ascii, toHex } from "../../src/core/security/bytes";
import { FrameCounter, MemoryCounterStore } from "../../src/core/security/frame-counter";
import { networkKeyFromPassphrase, PBKDF2_ITERATIONS } from "../../src/core/security/keys";
import { ReplayWindow } from "../../src/core/security/replay-window";

describe("network key from a passphrase", () => {
  test("8192 iterations, salt system5/v2/<name>: golden value (computed with Node's OpenSSL)", () => {
    expect(PBKDF2_ITERATIONS).toBe(8192);
    expect(toHex(networkKeyFromPassphrase(ascii("correct horse"), ascii("munich")))).toBe("14cdba9f4cf2d50f2dc73bd4e5c82b4a89ef4b3d372da2acc1275b43c3d33c91");
  });
});

describe("frame counter (property)", () => {
  test("any sequence of issues and crashes, any block size, never repeats a value", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 30 }), (block, runs) => {
        const store = new MemoryCounterStore();
        const seen = new Set<number>();
        let issued = 0;
        for (const n of runs) {
          const c = new FrameCounter(store, block); // a crash before each run
          for (let i = 0; i < n; i++) {
            const r = c.issue();
            if (!r.ok) return false;
            if (seen.has(r.value)) return false;
            seen.add(r.value);
            issued++;
          }
        }
        // Saves are bounded: one per block used plus one per restart that issued anything.
        return seen.size === issued && store.saves <= Math.ceil(issued / block) + runs.length;
      }),
    );
  });
});

describe("replay window (property)", () => {
  test("accepts each counter at most once and exactly the unseen ones within 64 of the highest", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 200 }), (counters) => {
        const w = new ReplayWindow(64, Infinity);
        const accepted = new Set<number>();
        let top = -1;
        for (const c of counters) {
          const v = w.check(1, c);
          const model = top < 0 || c > top ? "fresh" : top - c >= 64 ? "too-old" : accepted.has(c) ? "replayed" : "fresh";
          if (v !== model) return false;
          if (v === "fresh") {
            w.accept(1, c);
            accepted.add(c);
            top = Math.max(top, c);
          }
        }
        return true;
      }),
    );
  });
});

describe("replay window with tentative jumps (property)", () => {
  test("a counter seen on one track is refused even when a later, overlapping track has not seen it (276, 212, 276)", () => {
    const w = new ReplayWindow();
    for (const c of [276, 212]) {
      expect(w.check(1, c)).toBe("fresh");
      w.accept(1, c);
    }
    expect(w.check(1, 276)).toBe("replayed");
  });
  test("never accepts a counter twice, whatever the order, while no track was evicted", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 0xffffffff })), { maxLength: 300 }), (counters) => {
        const w = new ReplayWindow();
        const accepted = new Set<number>();
        for (const c of counters) {
          if (w.check(1, c) !== "fresh") continue;
          if (accepted.has(c) && w.trackEvictions === 0) return false;
          w.accept(1, c);
          accepted.add(c);
        }
        return true;
      }),
    );
  });
  test("a sender's own rising counters are all accepted, whatever forged jumps far ahead are interleaved", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.integer({ min: 1, max: 64 }), forged: fc.array(fc.integer({ min: 0x8000_0000, max: 0xffffffff }), { maxLength: 3 }) }), { maxLength: 200 }),
        (steps) => {
          const w = new ReplayWindow();
          let real = 0;
          for (const s of steps) {
            for (const f of s.forged) if (w.check(1, f) === "fresh") w.accept(1, f);
            real += s.gap;
            if (w.check(1, real) !== "fresh") return false;
            w.accept(1, real);
          }
          return true;
        },
      ),
    );
  });
});
