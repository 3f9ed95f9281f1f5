// X25519 (RFC 7748) from @noble/curves' generic Montgomery ladder and the curve's constants.
// Not from "@noble/curves/ed25519.js": that module builds ed25519 signatures, ristretto255,
// hash-to-curve, OPRF and two FROST objects when it loads, and FROST's initialiser calls
// `new TextEncoder()`, which is not a global on a Moddable device, so xsl cannot preload it
// (and the firmware signs nothing). This file only fills in the curve definition montgomery()
// asks for: the field prime, the scalar clamping of RFC 7748 §5 and the field inversion; the
// ladder, the decoding and the low-order checks are @noble's. Verified against the RFC 7748 §6.1
// vectors on Node and XS (host-tests/shared/security.cases.ts).
import { montgomery } from "@noble/curves/abstract/montgomery.js";
import { pow } from "@noble/curves/abstract/modular.js";

/** p = 2^255 − 19 (RFC 7748 §4.1). */
const P = 2n ** 255n - 19n;
const P_MINUS_2 = P - 2n;

export const x25519 = montgomery({
  P,
  type: "x25519",
  // x^(p−2) = x⁻¹ mod p (Fermat).
  powPminus2: (x: bigint) => pow(x, P_MINUS_2, P),
  // RFC 7748 §5 decodeScalar25519: clear the three low bits and the top bit, set bit 254.
  adjustScalarBytes: (bytes: Uint8Array) => {
    bytes[0] &= 248;
    bytes[31] &= 127;
    bytes[31] |= 64;
    return bytes;
  },
});
