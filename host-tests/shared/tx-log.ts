// What a test reads back from an IdealMesh's transmission log. Pure ES2022, so it runs on XS too.
import { decodeFrame } from "../../src/core/codec";
import { type DataFrame, FrameType } from "../../src/core/frames";
import type { NodeId } from "../../src/core/station";
import type { IdealMesh } from "../../src/demo/ideal-mesh";

/** DATA frames node `tx` put on the air since `mark` (an index into the transmission log). */
export function dataSent(h: IdealMesh, tx: NodeId, mark: number): DataFrame[] {
  const out: DataFrame[] = [];
  for (const r of h.txLog.slice(mark)) {
    if (r.tx !== tx || r.type !== FrameType.DATA) continue;
    const d = decodeFrame(r.bytes);
    if (d.ok && d.frame.type === FrameType.DATA) out.push(d.frame);
  }
  return out;
}
