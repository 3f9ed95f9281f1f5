// MeshCore-like packets for the simulated `meshcore` router (shared/reference/meshcore.md, packet
// v1), with MeshCore's sizes so the airtime is honest:
//
//   [header 1][path_len 1][path: one byte per repeater][payload]
//   header: bits 0-1 route (1 flood, 2 direct), bits 2-5 payload type
//
// Payloads (the "encrypted" parts are carried in clear, padded to AES blocks of 16 bytes: every
// node of a simulation holds every key, so only their size matters):
//   TXT_MSG  dst hash 1, src hash 1, MAC 2, enc(timestamp 4, flags 1, text)
//   GRP_TXT  channel hash 1, MAC 2, enc(timestamp 4, flags 1, text)
//   ACK      checksum 4
//   PATH     dst hash 1, src hash 1, MAC 2, enc(path_len 1, path, extra type 1, extra)
//   ADVERT   public key 32, timestamp 4, signature 64, app data (flags 1, lat 4, lon 4, name)
// A node's hash is the low byte of its id (MeshCore: the first byte of its public key), so hashes
// collide in large networks as they do on the air. The 2-byte MAC is emulated by a hash of both
// full ids and the encrypted part: a receiver whose hash matches checks it against its contacts
// with the sender's hash, as a MeshCore node tries each matching contact's shared secret.

import type { FrameClass } from "./context";

export const ROUTE_FLOOD = 1;
export const ROUTE_DIRECT = 2;
export const TYPE_TXT_MSG = 2;
export const TYPE_ACK = 3;
export const TYPE_ADVERT = 4;
export const TYPE_GRP_TXT = 5;
export const TYPE_PATH = 8;

/** Longest path a packet carries (1-byte hashes): MeshCore's 64. */
export const MAX_PATH = 64;
export const MAC_BYTES = 2;
export const CIPHER_BLOCK = 16;
/** Timestamp (4) and flags (1) ahead of a message's text. */
export const TEXT_PREFIX_BYTES = 5;
export const ACK_BYTES = 4;
/** Public key 32 + timestamp 4 + Ed25519 signature 64 + flags 1 + lat/lon 8 + a 10-character name. */
export const ADVERT_BYTES = 32 + 4 + 64 + 1 + 8 + 10;
/** The simulated network's one group channel (the public channel). */
export const CHANNEL_HASH = 0x11;
/** MeshCore's largest payload. */
export const MAX_PAYLOAD = 184;

export interface Packet {
  route: number;
  type: number;
  path: Uint8Array;
  payload: Uint8Array;
}

export function encodePacket(p: Packet): Uint8Array {
  const out = new Uint8Array(2 + p.path.length + p.payload.length);
  out[0] = (p.route & 3) | ((p.type & 15) << 2);
  out[1] = p.path.length;
  out.set(p.path, 2);
  out.set(p.payload, 2 + p.path.length);
  return out;
}

/** Decodes a packet, or undefined for anything malformed. */
export function decodePacket(bytes: Uint8Array): Packet | undefined {
  if (bytes.length < 2) return undefined;
  const route = bytes[0] & 3;
  const type = (bytes[0] >> 2) & 15;
  const pathLen = bytes[1];
  if ((route !== ROUTE_FLOOD && route !== ROUTE_DIRECT) || (bytes[0] >> 6) !== 0) return undefined;
  if (pathLen > MAX_PATH || bytes.length < 2 + pathLen) return undefined;
  return { route, type, path: bytes.slice(2, 2 + pathLen), payload: bytes.slice(2 + pathLen) };
}

/** FNV-1a over bytes, with a seed: packet hashes for duplicate detection, checksums, emulated MACs. */
export function bytesHash(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Length of an encrypted part of `plain` bytes: whole AES blocks. */
export function cipherLength(plain: number): number {
  return Math.ceil(plain / CIPHER_BLOCK) * CIPHER_BLOCK;
}

function mac(srcId: number, dstId: number, enc: Uint8Array): number {
  return bytesHash(enc, Math.imul(srcId >>> 0, 0x9e3779b1) ^ (dstId >>> 0)) & 0xffff;
}

/** A peer-to-peer payload (TXT_MSG, PATH): hashes, MAC, then `plain` padded to whole blocks. */
export function peerPayload(srcId: number, dstId: number, plain: Uint8Array): Uint8Array {
  const enc = new Uint8Array(cipherLength(plain.length));
  enc.set(plain);
  const out = new Uint8Array(2 + MAC_BYTES + enc.length);
  out[0] = dstId & 0xff;
  out[1] = srcId & 0xff;
  const m = mac(srcId, dstId, enc);
  out[2] = m & 0xff;
  out[3] = m >> 8;
  out.set(enc, 4);
  return out;
}

/** Whether a peer payload names `dstId` as its destination and `srcId` as its sender (the MAC holds). */
export function peerPayloadFrom(payload: Uint8Array, srcId: number, dstId: number): boolean {
  if (payload.length < 2 + MAC_BYTES || payload[0] !== (dstId & 0xff) || payload[1] !== (srcId & 0xff)) return false;
  return (payload[2] | (payload[3] << 8)) === mac(srcId, dstId, payload.subarray(4));
}

/** The encrypted part of a peer payload. */
export function peerPlain(payload: Uint8Array): Uint8Array {
  return payload.subarray(2 + MAC_BYTES);
}

/** A group message on the public channel. */
export function groupPayload(plain: Uint8Array): Uint8Array {
  const enc = new Uint8Array(cipherLength(plain.length));
  enc.set(plain);
  const out = new Uint8Array(1 + MAC_BYTES + enc.length);
  out[0] = CHANNEL_HASH;
  const m = bytesHash(enc) & 0xffff;
  out[1] = m & 0xff;
  out[2] = m >> 8;
  out.set(enc, 3);
  return out;
}

/** Timestamp and flags ahead of the text (the text is the application payload). */
export function textPlain(timestamp: number, flags: number, text: Uint8Array): Uint8Array {
  const out = new Uint8Array(TEXT_PREFIX_BYTES + text.length);
  new DataView(out.buffer).setUint32(0, timestamp >>> 0, true);
  out[4] = flags;
  out.set(text, TEXT_PREFIX_BYTES);
  return out;
}

/** PATH plain part: the path, then an optional extra (an embedded ACK). */
export function pathPlain(path: Uint8Array, ack: number | undefined): Uint8Array {
  const out = new Uint8Array(1 + path.length + 1 + (ack === undefined ? 0 : ACK_BYTES));
  out[0] = path.length;
  out.set(path, 1);
  out[1 + path.length] = ack === undefined ? 0 : TYPE_ACK;
  if (ack !== undefined) new DataView(out.buffer).setUint32(2 + path.length, ack >>> 0, true);
  return out;
}

/** Reads a PATH plain part, or undefined when malformed. */
export function readPathPlain(plain: Uint8Array): { path: Uint8Array; ack: number | undefined } | undefined {
  if (plain.length < 2) return undefined;
  const n = plain[0];
  if (n > MAX_PATH || plain.length < 2 + n) return undefined;
  const path = plain.slice(1, 1 + n);
  const extra = plain[1 + n];
  if (extra !== TYPE_ACK) return { path, ack: undefined };
  if (plain.length < 2 + n + ACK_BYTES) return undefined;
  return { path, ack: new DataView(plain.buffer, plain.byteOffset, plain.byteLength).getUint32(2 + n, true) };
}

export function ackPayload(checksum: number): Uint8Array {
  const out = new Uint8Array(ACK_BYTES);
  new DataView(out.buffer).setUint32(0, checksum >>> 0, true);
  return out;
}

export function readAck(payload: Uint8Array): number | undefined {
  return payload.length === ACK_BYTES ? new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0, true) : undefined;
}

/** A repeater's advert: its identity and position, signed (content irrelevant here, size not). */
export function advertPayload(id: number, timestamp: number): Uint8Array {
  const out = new Uint8Array(ADVERT_BYTES);
  const v = new DataView(out.buffer);
  v.setUint32(0, id >>> 0, true);
  v.setUint32(32, timestamp >>> 0, true);
  return out;
}

const TYPE_NAMES: Readonly<Record<number, string>> = { [TYPE_TXT_MSG]: "TXT_MSG", [TYPE_ACK]: "ACK", [TYPE_ADVERT]: "ADVERT", [TYPE_GRP_TXT]: "GRP_TXT", [TYPE_PATH]: "PATH" };

/**
 * The airtime breakdown's classes of a MeshCore packet (docs/simulator.md §Airtime by frame kind):
 * its payload type, with ":direct" for a packet routed along a path. A flood packet is the
 * sender's own while its path is empty (each repeater appends its hash); a direct TXT_MSG or PATH
 * is the sender's own when it carries the sender's hash as source, a direct (zero-hop) ADVERT when
 * it carries the sender's id; a direct ACK carries nothing
 * that tells its originator from a repeater ("other").
 */
export function meshcoreFrameClass(bytes: Uint8Array | undefined, sender: number): FrameClass {
  const p = bytes === undefined ? undefined : decodePacket(bytes);
  if (p === undefined) return { kind: "undecodable", role: "other" };
  const name = TYPE_NAMES[p.type] ?? `type${p.type}`;
  if (p.route === ROUTE_FLOOD) return { kind: name, role: p.path.length === 0 ? "origin" : "relay" };
  const kind = `${name}:direct`;
  if (p.type === TYPE_ADVERT && p.payload.length >= 4) return { kind, role: new DataView(p.payload.buffer, p.payload.byteOffset, 4).getUint32(0, true) === sender >>> 0 ? "origin" : "relay" };
  if (p.type !== TYPE_TXT_MSG && p.type !== TYPE_PATH) return { kind, role: "other" };
  return { kind, role: p.payload.length >= 2 && p.payload[1] === (sender & 0xff) ? "origin" : "relay" };
}
