// The only door from the core to the audited @noble libraries (pure JS, no dependencies, run on
// XS). Every other security file imports its primitives from here, so the core's purity test can
// allow exactly these packages in exactly this file, and a change of library touches one place.
// No primitive is written by hand: this file only binds names.
export { sha256 } from "@noble/hashes/sha2.js";
export { hkdf } from "@noble/hashes/hkdf.js";
export { pbkdf2 } from "@noble/hashes/pbkdf2.js";
export { chacha20, chacha20poly1305 } from "@noble/ciphers/chacha.js";
export { x25519 } from "./x25519";
export { bytesToHex, concatBytes, hexToBytes } from "@noble/hashes/utils.js";
