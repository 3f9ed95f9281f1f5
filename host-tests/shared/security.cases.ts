// The security layer's primitives (issue 7): key derivation against the RFC vectors and our own
// golden values, the sealed frame (layout, golden bytes of each type, every single-bit flip
// rejected, wrong key rejected), the crash-safe frame counter and the replay window. Runs on
// Node and on XS, so each @noble function is proven on the engine the firmware uses.
import { encodeFrame } from "../../src/core/codec";
import { clusterFromGeohash } from "../../src/core/cluster";
import { FrameType, MAX_FRAME_BYTES, type Frame } from "../../src/core/frames";
import { ascii } from "../../src/core/security/bytes";
import { COUNTER_LIMIT, FrameCounter, MemoryCounterStore } from "../../src/core/security/frame-counter";
import { MAX_INNER_FRAME_BYTES, SEAL_OVERHEAD_BYTES, openFrame, sealFrame } from "../../src/core/security/frame-seal";
import { decodeKeyFrame, encodeKeyFrame, KEY_FRAME_BYTES } from "../../src/core/security/key-frame";
import { deriveSubkey, networkKeyFromPassphrase, networkKeys } from "../../src/core/security/keys";
import { chacha20, chacha20poly1305, hkdf, pbkdf2, sha256, x25519 } from "../../src/core/security/primitives";
import { ReplayWindow } from "../../src/core/security/replay-window";
import { suite, type Assert } from "./harness";
import { hex, toHex } from "./hex";

/** A pre-derived network key for the cases (PBKDF2 at 8192 iterations is seconds on XS). */
export const TEST_NETWORK_KEY = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
const KEYS = networkKeys(TEST_NETWORK_KEY);
const OTHER_KEYS = networkKeys(hex("ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"));

const U281 = clusterFromGeohash("u281");
const U282 = clusterFromGeohash("u282");
const TX = 0x0a0b0c0d;

/** One inner frame of each type 0..7, as the codec (0..6) and key-frame.ts (7) build them. */
export const INNER_FRAMES: ReadonlyArray<readonly [string, Uint8Array]> = [
  ["OGM", encodeFrame({
    type: FrameType.OGM, tx: TX, ogmSeq: 0x0102, hasFix: true, border: true, relayActive: false, homeless: false,
    cluster: U281, battery: 200, load: 10, intervalUnits: 8, relayPrio: 0x55, routeSeq: 0x0304, cycle: 1,
    neighbours: [{ short: 0x0304, rq: 255 }], nodeRoutes: [{ dst: 0x05060708, seqno: 0x0506, metric: 0x0120 }], clusterRoutes: [],
  } as Frame)],
  ["DATA", encodeFrame({
    type: FrameType.DATA, tx: TX, next: 0x11223344, ttl: 64, hops: 2, priority: 3, wantAck: true, bounced: false, attempt: 0,
    src: 0x01020304, dst: 0x05060708, seq: 0x1234, dstCluster: U281, payload: new Uint8Array([0x68, 0x69]),
  } as Frame)],
  ["ACK", encodeFrame({ type: FrameType.ACK, kind: "hop", tx: TX, to: 0x11223344, status: 1, src: 0x01020304, dst: 0x05060708, seq: 0x1234 } as Frame)],
  ["LOCATE_Q", encodeFrame({ type: FrameType.LOCATE_Q, tx: TX, ttl: 5, hops: 1, scope: 2, asker: 0x01020304, qid: 0x00ff, askerCluster: U281, target: 0x05060708 } as Frame)],
  ["LOCATE_A", encodeFrame({
    type: FrameType.LOCATE_A, tx: TX, next: 0x11223344, ttl: 64, hops: 1, priority: 2,
    src: 0x05060708, dst: 0x01020304, seq: 0x00ff, dstCluster: U281, target: 0x09090909, targetCluster: U282, ageMin: 12,
  } as Frame)],
  ["FLOOD", encodeFrame({
    type: FrameType.FLOOD, tx: TX, ttl: 20, hops: 0, priority: 0, wantAck: true, scopeKind: 0,
    src: 0x01020304, dst: 0x05060708, seq: 1, srcCluster: U281, dstCluster: U282, payload: new Uint8Array([0xaa]),
  } as Frame)],
  ["BCAST", encodeFrame({
    type: FrameType.BCAST, tx: TX, ttl: 32, hops: 3, priority: 4, scope: 7, src: 0x01020304, seq: 0xbeef, originCluster: U281, payload: new Uint8Array([1, 2, 3]),
  } as Frame)],
  ["KEY", encodeKeyFrame({ owner: TX, request: true, publicKey: hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a") })],
];

/**
 * Golden sealed bytes: INNER_FRAMES[i] sealed under KEYS.frame with counter 1000 + i. Computed
 * once with Node's OpenSSL ChaCha20-Poly1305 (an implementation independent of @noble), from the
 * layout of docs/security.md §4: header ‖ counter LE ‖ ciphertext ‖ first 8 tag bytes.
 */
const SEALED_GOLDEN: readonly string[] = [
  "100d0c0b0ae8030000f27efc753bdfd373576e6b1c673c49952b8a2d00938de999257dc2955b4cc9693de354", // OGM (compact layout, §3.5)
  "110d0c0b0ae9030000370cf105d3715fb6055f969e1b17ac1cf000edc77e56b8ade370d1ed7c325d", // DATA
  "120d0c0b0aea0300005174021dfd7d85eddd7af0efb0bfafcdd54ccd31d6a675", // ACK
  "130d0c0b0aeb030000e11927d5550db01476ce050c29d00321bc27bb1f865299dff1", // LOCATE_Q
  "140d0c0b0aec03000038c76ee200bdd10f1704ff7f9611da5803cd569732829e9bb669f809b28150b4d67f2e635f02", // LOCATE_A
  "150d0c0b0aed030000b46bfd7fd9da533b22dd65d775429ebc3c355a6ac249e6f5b336ab042352", // FLOOD
  "160d0c0b0aee030000525c49b4fb50478a636af781a57f302988bcafcea4819a6d", // BCAST
  "170d0c0b0aef030000acfaa224c3dabca1ec784810da245a643210c9f16f78209da88f090eea39323e2cc435df408f0f923e", // KEY
];

function sealOk(t: Assert, inner: Uint8Array, counter: number, key = KEYS.frame): Uint8Array {
  const r = sealFrame(key, inner, counter);
  if (!r.ok) return t.fail(r.reason);
  return r.bytes;
}

const cases: Record<string, (t: Assert) => void> = {
  "PBKDF2-HMAC-SHA256 matches the published vectors (RFC 6070's inputs with SHA-256, RFC 7914 §11)"(t) {
    t.equal(toHex(pbkdf2(sha256, ascii("password"), ascii("salt"), { c: 1, dkLen: 32 })), "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
    t.equal(toHex(pbkdf2(sha256, ascii("password"), ascii("salt"), { c: 2, dkLen: 32 })), "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43");
    t.equal(
      toHex(pbkdf2(sha256, ascii("passwd"), ascii("salt"), { c: 1, dkLen: 64 })),
      "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783",
    );
  },
  "HKDF-SHA256 matches RFC 5869 test case 1"(t) {
    const okm = hkdf(sha256, hex("0b".repeat(22)), hex("000102030405060708090a0b0c"), hex("f0f1f2f3f4f5f6f7f8f9"), 42);
    t.equal(toHex(okm), "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  },
  "ChaCha20-Poly1305 matches RFC 8439 §2.8.2, and its body is ChaCha20 from block 1"(t) {
    const key = hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
    const nonce = hex("070000004041424344454647");
    const aad = hex("50515253c0c1c2c3c4c5c6c7");
    const text = ascii("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
    const out = chacha20poly1305(key, nonce, aad).encrypt(text);
    t.equal(toHex(out.subarray(0, 8)), "d31a8d34648e60db");
    t.equal(toHex(out.subarray(out.length - 16)), "1ae10b594f09e26a7e902ecbd0600691");
    // frame-seal.ts opens with chacha20(counter 1): it must give the AEAD's ciphertext.
    t.deepEqual(chacha20(key, nonce, text, undefined, 1), out.subarray(0, text.length));
  },
  "X25519 matches RFC 7748 §6.1"(t) {
    const a = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    const b = hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    t.equal(toHex(x25519.getPublicKey(a)), "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    t.equal(toHex(x25519.getPublicKey(b)), "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    t.equal(toHex(x25519.getSharedSecret(a, x25519.getPublicKey(b))), "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  },
  "golden: network key from a passphrase (2 iterations here; 8192 in the Node test) and its subkeys"(t) {
    t.equal(toHex(networkKeyFromPassphrase(ascii("correct horse"), ascii("munich"), 2)), "67239de8b8c9811285b67af6999f1b22c8961d5d85439925d4fb25b264caae43");
    t.equal(toHex(KEYS.frame), "a55299e9595d52d93fe12fe63862177f8d0c9c18cf370a77353073fe62de6c3a");
    t.equal(KEYS.netId.toString(16), "d574daf5");
    t.deepEqual(KEYS.frame, deriveSubkey(TEST_NETWORK_KEY, ascii("frame")), "the frame key is HKDF info \"frame\"");
    t.notEqual(toHex(KEYS.frame), toHex(OTHER_KEYS.frame));
    t.throws(() => networkKeys(new Uint8Array(31)), /32 bytes/);
  },
  "golden: one sealed frame of each type 0..7 (layout: header in clear, counter LE, ciphertext, 8-byte tag)"(t) {
    INNER_FRAMES.forEach(([name, inner], i) => {
      const sealed = sealOk(t, inner, 1000 + i);
      t.equal(toHex(sealed), SEALED_GOLDEN[i], name);
      t.equal(sealed.length, inner.length + SEAL_OVERHEAD_BYTES, `${name}: 12 bytes of overhead`);
      t.deepEqual(sealed.subarray(0, 5), inner.subarray(0, 5), `${name}: the link header stays in clear`);
      t.equal(sealed[5] | (sealed[6] << 8), 1000 + i, `${name}: counter little-endian`);
      const opened = openFrame(KEYS.frame, sealed);
      t.ok(opened.ok, name);
      if (opened.ok) {
        t.deepEqual(opened.inner, inner, `${name}: opens to the inner frame`);
        t.equal(opened.tx, TX);
        t.equal(opened.counter, 1000 + i);
      }
    });
  },
  "the body is encrypted: no 4-byte run of an inner frame's body survives in the sealed bytes"(t) {
    for (const [name, inner] of INNER_FRAMES) {
      const body = toHex(sealOk(t, inner, 7).subarray(9));
      for (let i = 5; i + 4 <= inner.length; i += 4) t.ok(!body.includes(toHex(inner.subarray(i, i + 4))), `${name} @${i}`);
    }
  },
  "every single-bit flip of a sealed frame of each type 0..7 (header, counter, body, tag) is rejected"(t) {
    for (const [name, inner] of INNER_FRAMES) {
      const sealed = sealOk(t, inner, 42);
      let rejected = 0;
      for (let bit = 0; bit < sealed.length * 8; bit++) {
        const bad = sealed.slice();
        bad[bit >> 3] ^= 1 << (bit & 7);
        const r = openFrame(KEYS.frame, bad);
        if (r.ok) t.fail(`${name}: flip of bit ${bit} accepted`);
        else rejected++;
      }
      t.equal(rejected, sealed.length * 8, name);
    }
  },
  "a frame sealed under another network key is rejected (bad tag), and so is a truncated one"(t) {
    for (const [name, inner] of INNER_FRAMES) {
      const r = openFrame(KEYS.frame, sealOk(t, inner, 5, OTHER_KEYS.frame));
      t.ok(!r.ok && r.reason === "bad-tag", name);
      const sealed = sealOk(t, inner, 5);
      const cut = openFrame(KEYS.frame, sealed.subarray(0, sealed.length - 1));
      t.ok(!cut.ok && cut.reason === "bad-tag", `${name}: one byte short`);
    }
  },
  "malformed input is refused with a reason, never thrown, never read past its end"(t) {
    const reason = (b: Uint8Array): string => {
      const r = openFrame(KEYS.frame, b);
      return r.ok ? "ok" : r.reason;
    };
    for (let n = 0; n < 17; n++) t.equal(reason(new Uint8Array(n).fill(0x11)), "truncated", `${n} bytes`);
    t.equal(reason(new Uint8Array(MAX_FRAME_BYTES + 1).fill(0x11)), "oversized");
    t.equal(reason(new Uint8Array(17).fill(0x11)), "bad-tag", "shortest well-formed: a link header alone");
    t.equal(reason(new Uint8Array(20).fill(0x21)), "bad-header", "version 2");
    t.equal(reason(new Uint8Array(20).fill(0x19)), "bad-header", "type 9");
    // A view into a larger buffer: bytes beyond the view are not the frame.
    const sealed = sealOk(t, INNER_FRAMES[1][1], 9);
    const big = new Uint8Array(sealed.length + 10);
    big.set(sealed, 3);
    t.ok(openFrame(KEYS.frame, big.subarray(3, 3 + sealed.length)).ok, "a subarray view opens");
    const s = sealFrame(KEYS.frame, new Uint8Array(MAX_INNER_FRAME_BYTES + 1), 1);
    t.ok(!s.ok && /frameOverheadBytes = 12/.test(s.reason), "too large to seal: says what to configure");
    t.ok(!sealFrame(KEYS.frame, new Uint8Array(4), 1).ok, "no link header");
    t.ok(!sealFrame(KEYS.frame, INNER_FRAMES[1][1], COUNTER_LIMIT).ok, "counter beyond u32");
    t.ok(sealFrame(KEYS.frame, new Uint8Array(MAX_INNER_FRAME_BYTES).fill(0x11), 1).ok, "the largest inner frame seals");
  },
  "counter: values are consecutive, the store is written once per block, before the block's first use"(t) {
    const store = new MemoryCounterStore();
    const c = new FrameCounter(store, 4);
    t.equal(store.saves, 0, "nothing written before the first use");
    const got: number[] = [];
    for (let i = 0; i < 9; i++) {
      const r = c.issue();
      if (!r.ok) return t.fail(r.reason);
      got.push(r.value);
      t.ok(store.mark !== undefined && store.mark > r.value, "the saved mark is above every issued value");
    }
    t.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    t.equal(store.saves, 3);
    t.equal(store.mark, 12);
  },
  "counter: a crash at any point (a new counter over the same store) never issues a value twice"(t) {
    const store = new MemoryCounterStore();
    const seen = new Set<number>();
    let c = new FrameCounter(store, 8);
    // Crash after 0, 1, ..., 20 issues in turn: 210 values, with a restart between each run.
    for (let run = 0; run <= 20; run++) {
      for (let i = 0; i < run; i++) {
        const r = c.issue();
        if (!r.ok) return t.fail(r.reason);
        if (seen.has(r.value)) t.fail(`counter ${r.value} issued twice (run ${run})`);
        seen.add(r.value);
      }
      c = new FrameCounter(store, 8);
    }
    t.equal(seen.size, 210);
  },
  "counter: exhaustion at 2^32 refuses to seal and says to rotate the key; it never wraps"(t) {
    const store = new MemoryCounterStore(COUNTER_LIMIT - 2);
    const c = new FrameCounter(store);
    const a = c.issue();
    const b = c.issue();
    t.ok(a.ok && a.value === COUNTER_LIMIT - 2 && b.ok && b.value === COUNTER_LIMIT - 1);
    t.equal(store.mark, COUNTER_LIMIT, "the mark never passes 2^32");
    for (let i = 0; i < 3; i++) {
      const r = c.issue();
      t.ok(!r.ok && /rotate the network key/.test(r.reason), "refused");
    }
    t.equal(c.remaining, 0);
    t.ok(!new FrameCounter(store).issue().ok, "and still after a restart");
  },
  "counter: an unreadable or nonsense store, or a failing save, refuses rather than risk a repeat"(t) {
    for (const bad of [-1, 1.5, COUNTER_LIMIT + 1, NaN]) t.ok(!new FrameCounter(new MemoryCounterStore(bad)).issue().ok, String(bad));
    const throwing = { load: () => { throw new Error("flash"); }, save: () => {} };
    t.ok(!new FrameCounter(throwing).issue().ok, "load throws");
    let fail = true;
    const flaky = { mark: undefined as number | undefined, load() { return this.mark; }, save(m: number) { if (fail) throw new Error("full"); this.mark = m; } };
    const c = new FrameCounter(flaky);
    const r = c.issue();
    t.ok(!r.ok && /not writable/.test(r.reason));
    fail = false;
    const r2 = c.issue();
    t.ok(r2.ok && r2.value === 0 && flaky.mark === 256, "retried once the store works");
  },
  "replay window (one track, authenticated counters): duplicates refused, out-of-order within 64 accepted once, older refused"(t) {
    const w = new ReplayWindow(64, Infinity);
    const take = (c: number): string => {
      const v = w.check(7, c);
      if (v === "fresh") w.accept(7, c);
      return v;
    };
    t.equal(take(100), "fresh");
    t.equal(take(100), "replayed");
    t.equal(take(99), "fresh", "older but inside the window, unseen");
    t.equal(take(99), "replayed");
    t.equal(take(37), "fresh", "63 back: the window's last slot");
    t.equal(take(36), "too-old", "64 back");
    t.equal(take(132), "fresh", "a jump of 32");
    t.equal(take(100), "replayed", "100 is now 32 back, still marked");
    t.equal(take(99), "replayed", "99 is 33 back, marked in the high word");
    t.equal(take(68), "too-old", "68 is 64 back");
    t.equal(take(69), "fresh", "69 is 63 back, never seen");
    t.equal(take(300), "fresh", "a jump beyond the window clears it");
    t.equal(take(132), "too-old");
    t.equal(take(299), "fresh");
    t.equal(take(301), "fresh");
    t.equal(take(300), "replayed");
    t.equal(w.check(8, 0), "fresh", "senders are independent");
    t.equal(w.check(7, 301), "replayed", "check() alone changes nothing");
    t.equal(w.check(7, 302), "fresh");
    t.equal(w.check(7, 302), "fresh", "check() did not record 302");
  },
  "replay window: every offset 0..63 after each jump size 1..70 is tracked exactly"(t) {
    for (let jump = 1; jump <= 70; jump++) {
      const w = new ReplayWindow(64, Infinity);
      w.accept(1, 1000);
      w.accept(1, 1000 + jump);
      for (let back = 0; back < 64; back++) {
        const c = 1000 + jump - back;
        const expect = back === 0 || c === 1000 ? "replayed" : "fresh";
        if (w.check(1, c) !== expect) t.fail(`jump ${jump} back ${back}: ${w.check(1, c)}`);
      }
      t.equal(w.check(1, 1000 + jump - 64), "too-old");
    }
  },
  "replay window: senders are bounded, least recently heard evicted first"(t) {
    const w = new ReplayWindow(3);
    for (const s of [1, 2, 3]) w.accept(s, 10);
    w.accept(1, 11); // 1 is now the most recent
    w.accept(4, 10); // evicts 2
    t.equal(w.senders, 3);
    t.equal(w.evictions, 1);
    t.equal(w.check(2, 10), "fresh", "an evicted sender starts afresh");
    t.equal(w.check(1, 11), "replayed");
    t.equal(w.check(3, 10), "replayed");
  },
  "KEY frame: 38 bytes, round trip, malformed ones refused"(t) {
    const inner = INNER_FRAMES[7][1];
    t.equal(inner.length, KEY_FRAME_BYTES);
    t.equal(KEY_FRAME_BYTES, 38);
    const k = decodeKeyFrame(inner);
    t.ok(k !== undefined && k.owner === TX && k.request && toHex(k.publicKey).startsWith("8520f009"));
    t.equal(decodeKeyFrame(inner.subarray(0, 37)), undefined, "short");
    const reserved = inner.slice();
    reserved[5] |= 2;
    t.equal(decodeKeyFrame(reserved), undefined, "reserved flag bit");
    const noOwner = inner.slice();
    noOwner.fill(0, 1, 5);
    t.equal(decodeKeyFrame(noOwner), undefined, "owner 0");
    const other = inner.slice();
    other[0] = 0x16;
    t.equal(decodeKeyFrame(other), undefined, "not type 7");
  },
};

export default suite("security primitives", cases);
