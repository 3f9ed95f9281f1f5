// Node ids as people type them and as the hardware gives them. The core formats ids as 8 hex
// digits (formatNodeId); this is the inverse for the console and settings, plus the MAC rule.
import { isUnicastId } from "../core/station";

export type NodeIdParse = { readonly ok: true; readonly id: number } | { readonly ok: false; readonly error: string };

const HEX8 = /^[0-9a-fA-F]{8}$/;
const PREFIXED_HEX = /^(?:!|0[xX])([0-9a-fA-F]{1,8})$/;
const DECIMAL = /^\d{1,10}$/;

/**
 * Accepts exactly 8 hex digits ("0a1b2c3d", what the console prints), hex with a "!" or "0x"
 * prefix ("!a1b2", "0xA1B2"), or a decimal number ("169552957"). Eight digits are always read
 * as hex, so an id printed by the console reads back as the same node.
 */
export function parseNodeId(text: string): NodeIdParse {
  const t = text.trim();
  let id: number;
  const prefixed = PREFIXED_HEX.exec(t);
  if (HEX8.test(t)) id = parseInt(t, 16);
  else if (prefixed !== null) id = parseInt(prefixed[1], 16);
  else if (DECIMAL.test(t)) id = Number(t);
  else return { ok: false, error: `bad node id "${t}": use 8 hex digits (e.g. 0a1b2c3d) or a decimal number` };
  if (!isUnicastId(id)) {
    return { ok: false, error: `"${t}" is not a node id: it must be 1 … 4294967294 (00000000 and ffffffff are reserved)` };
  }
  return { ok: true, id };
}

/** "A4:D1:8C:DB:C0:20" (or with "-") → 6 bytes; undefined for anything else. */
export function parseMac(text: string): Uint8Array | undefined {
  const parts = text.trim().split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) return undefined;
  return Uint8Array.from(parts, (p) => parseInt(p, 16));
}

/**
 * Node id from a MAC: its last four bytes, big-endian — the vendor-assigned, per-device part
 * (the first bytes are largely the vendor prefix). Meshtastic derives its node numbers the
 * same way. Undefined when those bytes give a reserved id.
 */
export function nodeIdFromMac(mac: Uint8Array): number | undefined {
  if (mac.length !== 6) return undefined;
  const id = ((mac[2] << 24) | (mac[3] << 16) | (mac[4] << 8) | mac[5]) >>> 0;
  return isUnicastId(id) ? id : undefined;
}
