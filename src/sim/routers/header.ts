// Meshtastic-like 16-byte over-the-air header used by the baseline routers (radios.md §5.1),
// followed by a one-byte port and the body. Little-endian, as the firmware's PacketHeader.
//
//   0 to u32 | 4 from u32 | 8 id u32 | 12 flags (b0-2 hop_limit, b3 want_ack, b5-7 hop_start)
//   13 channel hash | 14 next_hop (last byte of the next hop, 0 = flood) | 15 relay_node
//   16 port (PORT_DATA: application payload; PORT_ROUTING: request id u32 + error u8)
//
// The simulated baselines speak only to each other, so on-air compatibility with Meshtastic is
// not needed; the sizes are what make their airtime honest.

import { BROADCAST } from "../../core/station";
import type { FrameClass } from "./context";

export const HEADER_BYTES = 16;
export const PORT_DATA = 1;
export const PORT_ROUTING = 5;
/** Bytes of a routing ACK body after the port byte: request id (4) + error reason (1). */
export const ROUTING_BODY_BYTES = 5;
/** Fixed channel hash every simulated baseline node uses. */
export const CHANNEL_HASH = 0x08;
/** Largest application payload: 255 − header − port byte. */
export const MAX_APP_PAYLOAD = 255 - HEADER_BYTES - 1;

export interface Header {
  to: number;
  from: number;
  id: number;
  hopLimit: number;
  wantAck: boolean;
  hopStart: number;
  nextHop: number;
  relayNode: number;
}

export interface Decoded extends Header {
  port: number;
  /** PORT_ROUTING: the acknowledged packet id. */
  requestId: number;
  /** PORT_DATA: the application payload (a view into the frame). */
  payload: Uint8Array;
}

export function encodeFrame(h: Header, port: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + 1 + body.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, h.to >>> 0, true);
  v.setUint32(4, h.from >>> 0, true);
  v.setUint32(8, h.id >>> 0, true);
  out[12] = (h.hopLimit & 7) | (h.wantAck ? 8 : 0) | ((h.hopStart & 7) << 5);
  out[13] = CHANNEL_HASH;
  out[14] = h.nextHop & 0xff;
  out[15] = h.relayNode & 0xff;
  out[16] = port;
  out.set(body, HEADER_BYTES + 1);
  return out;
}

export function routingBody(requestId: number): Uint8Array {
  const b = new Uint8Array(ROUTING_BODY_BYTES);
  new DataView(b.buffer).setUint32(0, requestId >>> 0, true);
  return b;
}

/** Decodes a frame, or returns undefined for anything malformed or from another channel. */
export function decodeFrame(bytes: Uint8Array): Decoded | undefined {
  if (bytes.length < HEADER_BYTES + 1 || bytes[13] !== CHANNEL_HASH) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const from = v.getUint32(4, true);
  const id = v.getUint32(8, true);
  if (from === 0 || id === 0) return undefined;
  const flags = bytes[12];
  const port = bytes[16];
  let requestId = 0;
  if (port === PORT_ROUTING) {
    if (bytes.length < HEADER_BYTES + 1 + ROUTING_BODY_BYTES) return undefined;
    requestId = v.getUint32(HEADER_BYTES + 1, true);
  } else if (port !== PORT_DATA) {
    return undefined;
  }
  return {
    to: v.getUint32(0, true),
    from,
    id,
    hopLimit: flags & 7,
    wantAck: (flags & 8) !== 0,
    hopStart: (flags >> 5) & 7,
    nextHop: bytes[14],
    relayNode: bytes[15],
    port,
    requestId,
    payload: bytes.subarray(HEADER_BYTES + 1),
  };
}

/** Flags bit 4: the packet entered this mesh from MQTT (radios.md §5.1); relays keep it. */
export const FLAG_VIA_MQTT = 0x10;

export function isViaMqtt(bytes: Uint8Array): boolean {
  return bytes.length > 12 && (bytes[12] & FLAG_VIA_MQTT) !== 0;
}

/** Sets the via_mqtt flag in place (a gateway's downlink copy). */
export function markViaMqtt(bytes: Uint8Array): void {
  bytes[12] |= FLAG_VIA_MQTT;
}

/** Rewrites the mutable per-hop fields of an encoded frame in place (a relay's copy). */
export function rewriteHop(bytes: Uint8Array, hopLimit: number, nextHop: number, relayNode: number): void {
  bytes[12] = (bytes[12] & ~7) | (hopLimit & 7);
  bytes[14] = nextHop & 0xff;
  bytes[15] = relayNode & 0xff;
}

/**
 * The airtime breakdown's classes of a baseline frame (docs/simulator.md §Airtime by frame kind):
 * BCAST (a broadcast text), DM (a text to one node), ACK (a routing ACK); the sender originated it
 * when it is the header's `from`, else it relays it.
 */
export function baselineFrameClass(bytes: Uint8Array | undefined, sender: number): FrameClass {
  const h = bytes === undefined ? undefined : decodeFrame(bytes);
  if (h === undefined) return { kind: "undecodable", role: "other" };
  const kind = h.port === PORT_ROUTING ? "ACK" : h.to === BROADCAST ? "BCAST" : "DM";
  return { kind, role: h.from === sender ? "origin" : "relay" };
}
