// Hex helpers for golden vectors (spaces allowed for readability); the conversions are the
// core's (@noble/hashes through src/core/security/primitives.ts).
import { hexToBytes } from "../../src/core/security/primitives";

export { toHex } from "../../src/core/security/bytes";

export function hex(text: string): Uint8Array {
  return hexToBytes(text.replace(/\s+/g, ""));
}
