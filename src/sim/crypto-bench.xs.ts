// The security layer's cost on the XS engine (bundled as a classic script and run by xsnap for
// `npm run bench crypto`, src/sim/crypto-figures.ts). XS 13 in xsnap has print() and Date.now()
// (millisecond resolution), so each figure loops long enough for milliseconds to be precise.
// Prints one JSON line.
import { encodeFrame } from "../core/codec";
import { FrameType, type Frame } from "../core/frames";
import { openFrame, sealFrame } from "../core/security/frame-seal";
import { networkKeyFromPassphrase, networkKeys } from "../core/security/keys";
import { PeerKeys } from "../core/security/peer-keys";

declare const print: (text: string) => void;

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** Runs fn until at least `minMs` have passed; returns ms per call. */
function time(fn: () => void, minMs: number): number {
  let n = 0;
  const t0 = Date.now();
  let t = t0;
  while (t - t0 < minMs) {
    fn();
    n++;
    t = Date.now();
  }
  return (t - t0) / n;
}

const keys = networkKeys(new Uint8Array(32).map((_, i) => i));
const inner = encodeFrame({
  type: FrameType.DATA, tx: 0x0a0b0c0d, next: 0x11223344, ttl: 64, hops: 2, priority: 3, wantAck: false, bounced: false, attempt: 0,
  src: 0x01020304, dst: 0x05060708, seq: 1, dstCluster: 0, payload: new Uint8Array(200).fill(0x5a),
} as Frame);
let counter = 0;
let sealed: Uint8Array = new Uint8Array(0);
const sealMs = time(() => {
  const r = sealFrame(keys.frame, inner, counter++);
  if (r.ok) sealed = r.bytes;
}, 1500);
const openMs = time(() => {
  if (!openFrame(keys.frame, sealed).ok) throw new Error("bench frame does not open");
}, 1500);
const pbkdf2Ms = time(() => networkKeyFromPassphrase(ascii("correct horse battery staple"), ascii("bench")), 1);
let id = 100;
const alice = new PeerKeys(1, new Uint8Array(32).fill(1));
const bobPk = new PeerKeys(2, new Uint8Array(32).fill(2)).publicKey;
// learn() of a new id is one X25519 shared secret plus one HKDF: the per-peer cost.
const x25519Ms = time(() => alice.learn(id++, bobPk), 500);
print(JSON.stringify({ innerBytes: inner.length, sealedBytes: sealed.length, sealMs, openMs, pbkdf2Ms, x25519Ms }));
