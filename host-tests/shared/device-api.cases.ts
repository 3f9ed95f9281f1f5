// The device API's framing and records against a fake host (src/app/api-frame.ts, src/app/api.ts):
// the same bytes in give the same bytes out on Node and on XS, the device's engine.
import { DeviceApi } from "../../src/app/api";
import { encodeFrame, FrameSplitter, MAX_FRAME_PAYLOAD } from "../../src/app/api-frame";
import { decodeUtf8, encodeUtf8 } from "../../src/app/utf8";
import { fakeHost } from "./console.cases";
import { suite } from "./harness";

/** A DeviceApi on a fake host; `ask` sends one request payload and returns the records written back. */
function device() {
  const { host, log } = fakeHost();
  const out: Array<Record<string, unknown>> = [];
  const reader = new FrameSplitter({ now: () => 0, onFrame: (p) => out.push(JSON.parse(decodeUtf8(p))), onText: () => undefined, onError: () => undefined });
  const api = new DeviceApi({ host, write: (bytes) => reader.push(bytes) });
  let now = 0;
  const input = new FrameSplitter({ now: () => now, onFrame: (p) => api.frame(p), onText: () => undefined, onError: (e) => api.error(e) });
  return {
    api,
    log,
    out,
    /** Raw bytes in on the serial port, at time `at`. */
    bytes(b: Uint8Array, at = now): Array<Record<string, unknown>> {
      now = at;
      out.length = 0;
      input.push(b);
      return out.slice();
    },
    ask(payload: string): Array<Record<string, unknown>> {
      return this.bytes(encodeFrame(encodeUtf8(payload)));
    },
  };
}

export default suite("app: device API", {
  "a frame's header is 0x94 0xC3 and the big-endian length"(t) {
    const f = encodeFrame(encodeUtf8('{"a":1}'));
    t.deepEqual(Array.from(f.subarray(0, 4)), [0x94, 0xc3, 0, 7]);
    t.throws(() => encodeFrame(new Uint8Array(MAX_FRAME_PAYLOAD + 1)), /over 4096/);
  },
  "requests are answered with their id; events flow only once a host has asked"(t) {
    const d = device();
    d.api.event({ event: "message", text: "early" });
    t.equal(d.out.length, 0);
    const [info] = d.ask('{"id":7,"cmd":"info"}');
    t.equal(info.re, 7);
    t.equal(info.ok, true);
    t.equal((info.info as Record<string, unknown>).id, "00c0ffee");
    t.ok(d.api.active);
    d.out.length = 0;
    d.api.event({ event: "message", text: "now" });
    t.deepEqual(d.out, [{ event: "message", text: "now" }]);
    d.ask('{"id":8,"cmd":"api","events":false}');
    d.out.length = 0;
    d.api.event({ event: "message", text: "off" });
    t.equal(d.out.length, 0);
  },
  "send, broadcast, get and set reach the host as the console would"(t) {
    const d = device();
    const [sent] = d.ask('{"id":1,"cmd":"send","to":"!a1b2","text":"grüß dich"}');
    t.equal(sent.ok, true);
    t.equal(sent.to, "0000a1b2");
    t.deepEqual(d.log.sent, [{ dst: 0xa1b2, text: "grüß dich" }]);
    t.equal(d.ask('{"id":2,"cmd":"broadcast","text":"all"}')[0].to, "all");
    t.deepEqual(d.log.broadcasts, ["all"]);
    t.equal(d.ask('{"id":3,"cmd":"set","key":"name","value":"hill"}')[0].ok, true);
    t.equal(d.ask('{"id":4,"cmd":"get","key":"name"}')[0].value, "hill");
    const [bad] = d.ask('{"id":5,"cmd":"set","key":"txpower","value":"99"}');
    t.equal(bad.ok, false);
    t.equal(bad.re, 5);
  },
  "malformed records get an error record with the id when it could be read"(t) {
    const d = device();
    for (const [payload, re, pattern] of [
      ["nope", null, /not JSON/],
      ["[]", null, /not a JSON object/],
      ['{"id":3}', 3, /cmd missing/],
      ['{"id":4,"cmd":"fly"}', 4, /unknown cmd "fly"/],
      ['{"id":"x","cmd":"info"}', null, /id must be/],
      ['{"id":6,"cmd":"send","to":"zz","text":"x"}', 6, /node/],
    ] as const) {
      const [r] = d.ask(payload);
      t.equal(r.ok, false, payload);
      t.equal(r.re, re, payload);
      t.ok(pattern.test(String(r.error)), `${payload}: ${String(r.error)}`);
    }
  },
  "an oversized length and a frame left incomplete are dropped with an error, then text flows again"(t) {
    const d = device();
    t.ok(/frame length 5000 is over 4096/.test(String(d.bytes(Uint8Array.of(0x94, 0xc3, 0x13, 0x88), 0)[0].error)));
    t.equal(d.bytes(Uint8Array.of(0x94, 0xc3, 0x00, 0x09, 0x7b), 10).length, 0);
    const late = d.bytes(encodeFrame(encodeUtf8('{"id":9,"cmd":"info"}')), 2_000);
    t.ok(/incomplete frame dropped/.test(String(late[0].error)));
    t.equal(late[1].re, 9);
  },
  "text around frames is kept whole, UTF-8 included, whatever the chunking"(t) {
    const frames: string[] = [];
    const text: number[] = [];
    const s = new FrameSplitter({ now: () => 0, onFrame: (p) => frames.push(decodeUtf8(p)), onText: (b) => text.push(...Array.from(b)), onError: (e) => frames.push(`error ${e}`) });
    const head = encodeUtf8("status — é");
    const frame = encodeFrame(encodeUtf8('{"id":1}'));
    const all = new Uint8Array(head.length + frame.length + 1);
    all.set(head);
    all.set(frame, head.length);
    all[all.length - 1] = 0x0d;
    for (let i = 0; i < all.length; i += 3) s.push(all.subarray(i, i + 3));
    t.deepEqual(frames, ['{"id":1}']);
    t.equal(decodeUtf8(Uint8Array.from(text)), "status — é\r");
  },
});
