// ChaCha20-Poly1305 (RFC 8439) with the tag truncated to TAG_BYTES, shared by the frame seal and
// the DM seal. Only noble's AEAD and ChaCha20 are used: open decrypts with ChaCha20 from block 1
// (as the AEAD does), re-seals the plaintext to recompute the full tag and compares its first
// TAG_BYTES in constant time. That costs a second ChaCha20 pass per open, in exchange for
// composing no Poly1305 construction by hand. Plaintext leaves only after the tag matched.
import { equalConstantTime } from "./bytes";
import { chacha20, chacha20poly1305 } from "./primitives";

export const TAG_BYTES = 8;
const FULL_TAG_BYTES = 16;

/** ciphertext ‖ first TAG_BYTES of the tag, written into `out` at `at` (out must have room). */
export function sealInto(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, at: number): void {
  const sealed = chacha20poly1305(key, nonce, aad).encrypt(plaintext);
  out.set(sealed.subarray(0, sealed.length - FULL_TAG_BYTES + TAG_BYTES), at);
}

/** The plaintext of `sealed` (ciphertext ‖ truncated tag), or undefined when the tag does not verify. */
export function openTruncated(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
  if (sealed.length < TAG_BYTES) return undefined;
  const tagAt = sealed.length - TAG_BYTES;
  const plain = chacha20(key, nonce, sealed.subarray(0, tagAt), undefined, 1);
  const expected = chacha20poly1305(key, nonce, aad).encrypt(plain);
  return equalConstantTime(expected, plain.length, sealed, tagAt, TAG_BYTES) ? plain : undefined;
}
