// Forwarding when next hops move away (docs/protocol.md §7.3): known answers on small topologies.
// Pure ES2022, so it runs on XS too.
import { decodeFrame } from "../../src/core/codec";
import { FrameType } from "../../src/core/frames";
import { gridPosition, IdealMesh } from "../../src/demo/ideal-mesh";
import { suite } from "./harness";

const MINUTE = 60_000;

/** Bounced DATA frames node `tx` sent since `mark` (an index into the transmission log). */
function handBacks(h: IdealMesh, tx: number, mark: number): number {
  let n = 0;
  for (const r of h.txLog.slice(mark)) {
    if (r.tx !== tx || r.type !== FrameType.DATA) continue;
    const d = decodeFrame(r.bytes);
    if (d.ok && d.frame.type === FrameType.DATA && d.frame.bounced) n++;
  }
  return n;
}

export default suite("mobility rules", {
  "handBackSpent: a frame whose hand-back goes unconfirmed is dropped, not handed back again and again"(t) {
    // Line 1–2–3–4. After convergence 4 drives out of 3's range, and 2 no longer hears 3's
    // hand-backs (it left too): 3 has no route and nowhere to hand the frame back.
    const h = new IdealMesh({ seed: 5, config: { ogmTrickleMaxMs: 30_000 } });
    for (let i = 1; i <= 4; i++) h.addNode(i, gridPosition(i, 0));
    for (let i = 1; i < 4; i++) h.link(i, i + 1);
    t.ok(h.runUntil(() => h.fullyRouted(), 10 * MINUTE) > 0, "the line converges");
    h.unlink(3, 4);
    h.dropIf = (bytes, from) => {
      const d = decodeFrame(bytes);
      return from === 3 && d.ok && d.frame.type === FrameType.DATA && d.frame.bounced;
    };
    const mark = h.txLog.length;
    t.ok(h.node(1).send(h.now, 4, new Uint8Array([7])).ok);
    h.run(h.now + 5 * MINUTE);
    const sent = handBacks(h, 3, mark);
    t.atLeast(sent, 1, "3 handed the frame back");
    t.atMost(sent, h.node(3).config.attemptsWeakLink, `3 handed it back ${sent} times: one hand-back and its retries (without the rule: 69, one hand-back per TTL step)`);
    t.equal(h.node(3).stats.handBacksLost, 1, "3 dropped the frame once and counted it");
    t.equal(h.eventsOf(4, "delivered").length, 0, "nothing arrives across the cut");
  },
});
