// The broker's trust anchor for mqtts:// (docs/gateway.md "TLS"): one CA certificate the user
// pastes on the console (`set mqttca`, PEM) or gives as its base64 body. Kept as base64 text
// (a string in the Preference store, within the ESP32's 4,000-byte NVS string limit) and handed
// to the link as DER bytes: the Moddable SDK's SecureSocket takes DER, Node's tls takes PEM.
//
// Hostile input (a console line, a stored blob): everything is checked here, nothing throws.
// Only the outer shape is checked (base64, one DER SEQUENCE of the declared length, size bound),
// and that a v3 certificate says it is a CA (basicConstraints cA, RFC 5280 §4.2.1.9): a server's
// own certificate pasted by mistake is refused. Whether the bytes are a usable X.509 certificate
// is decided by the TLS stack at connection time, which then refuses the broker with a reason
// shown by `bridge`.
import { toHex } from "../core/security/bytes";
import { sha256 } from "../core/security/primitives";

/** Largest accepted certificate (DER bytes): typical roots are 0.9–1.9 KB (RSA 4096: ~1.4 KB). */
export const CA_CERT_MAX_BYTES = 2048;
/** Smallest plausible certificate (an ECDSA P-256 self-signed CA is ~400 bytes). */
const CA_CERT_MIN_BYTES = 128;
export const PEM_BEGIN = "-----BEGIN CERTIFICATE-----";
export const PEM_END = "-----END CERTIFICATE-----";
/** Longest PEM paste the console collects (base64 of the largest certificate, line breaks, BEGIN/END lines). */
export const CA_PASTE_MAX_CHARS = Math.ceil(CA_CERT_MAX_BYTES / 3) * 4 + 2 * PEM_BEGIN.length + 64;
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

export type CaParsed = { readonly ok: true; readonly der: Uint8Array } | { readonly ok: false; readonly error: string };

/**
 * A CA certificate from text: a PEM block (the BEGIN/END lines optional, line breaks and spaces
 * ignored) or the bare base64 of its DER bytes.
 */
export function parseCaCert(text: string): CaParsed {
  let body = text.trim();
  const begin = body.indexOf(PEM_BEGIN);
  if (begin >= 0) {
    const end = body.indexOf(PEM_END, begin);
    if (end < 0) return { ok: false, error: `the certificate has no ${PEM_END} line` };
    if (body.indexOf(PEM_BEGIN, begin + 1) >= 0) return { ok: false, error: "give one certificate (the broker's CA), not a bundle" };
    body = body.slice(begin + PEM_BEGIN.length, end);
  } else if (body.includes("-----")) {
    return { ok: false, error: `expected a certificate (${PEM_BEGIN}); a key or other PEM block is not a CA certificate` };
  }
  body = body.replace(/\s+/g, "");
  if (body.length > Math.ceil(CA_CERT_MAX_BYTES / 3) * 4 + 4) return { ok: false, error: `the certificate is over ${CA_CERT_MAX_BYTES} bytes; give the broker's CA certificate only` };
  const der = fromBase64(body);
  if (der === undefined) return { ok: false, error: "the certificate is not valid base64 (PEM body)" };
  if (der.length < CA_CERT_MIN_BYTES || der.length > CA_CERT_MAX_BYTES) {
    return { ok: false, error: `the certificate is ${der.length} bytes; a CA certificate is ${CA_CERT_MIN_BYTES}..${CA_CERT_MAX_BYTES} bytes of DER` };
  }
  if (!isOneDerSequence(der)) return { ok: false, error: "the bytes are not one DER certificate (ASN.1 SEQUENCE of the stated length)" };
  if (caFlag(der) === false) return { ok: false, error: "this is a server (leaf) certificate, not a CA (its basicConstraints does not say cA): give the CA certificate that signed the broker's (e.g. chain.pem's last, not cert.pem or fullchain.pem)" };
  return { ok: true, der };
}

/** What `get mqttca` shows: size and the whole SHA-256 fingerprint, as `openssl x509 -noout -fingerprint -sha256` prints it (colon-separated upper-case hex), to compare. */
export function describeCaCert(der: Uint8Array): string {
  const hex = toHex(sha256(der)).toUpperCase();
  const pairs: string[] = [];
  for (let i = 0; i < hex.length; i += 2) pairs.push(hex.slice(i, i + 2));
  return `${der.length} bytes, SHA-256 ${pairs.join(":")}`;
}

/** PEM text of DER bytes (Node's tls takes PEM). */
export function caCertPem(der: Uint8Array): string {
  const b64 = toBase64(der);
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `${PEM_BEGIN}\n${lines.join("\n")}\n${PEM_END}\n`;
}

export function toBase64(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
    out += i + 1 < bytes.length ? B64[(n >> 6) & 63] : "=";
    out += i + 2 < bytes.length ? B64[n & 63] : "=";
  }
  return out;
}

/** Strict base64 (standard alphabet, padded to a multiple of 4), or undefined. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const pad = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const c = text[i + j];
      n = (n << 6) | (c === "=" ? 0 : B64.indexOf(c));
    }
    if (o < out.length) out[o++] = (n >> 16) & 0xff;
    if (o < out.length) out[o++] = (n >> 8) & 0xff;
    if (o < out.length) out[o++] = n & 0xff;
  }
  return out;
}

/** `der` is exactly one ASN.1 SEQUENCE (tag 0x30) whose definite length covers the rest. */
function isOneDerSequence(der: Uint8Array): boolean {
  const cert = tlv(der, 0, der.length);
  return cert !== undefined && cert.tag === 0x30 && cert.end === der.length;
}

/** basicConstraints (2.5.29.19) as DER OID content bytes. */
const OID_BASIC_CONSTRAINTS = Object.freeze([0x55, 0x1d, 0x13]);

/** One DER TLV at `at`: its tag, where its content starts and ends; undefined if malformed or past `limit`. */
function tlv(der: Uint8Array, at: number, limit: number): { tag: number; start: number; end: number } | undefined {
  if (at + 2 > limit) return undefined;
  const tag = der[at];
  const first = der[at + 1];
  let start = at + 2;
  let len = first;
  if (first >= 0x80) {
    const count = first & 0x7f;
    if (count < 1 || count > 2 || start + count > limit) return undefined;
    len = 0;
    for (let i = 0; i < count; i++) len = (len << 8) | der[start + i];
    start += count;
  }
  return start + len > limit ? undefined : { tag, start, end: start + len };
}

/**
 * The certificate's cA flag: true (basicConstraints says cA), false (a v3 certificate with
 * extensions whose basicConstraints is absent or has cA false: a leaf), undefined (no extensions,
 * e.g. an old v1 root, or not parsable here: left to the TLS stack).
 */
export function caFlag(der: Uint8Array): boolean | undefined {
  const cert = tlv(der, 0, der.length);
  const tbs = cert && tlv(der, cert.start, cert.end);
  if (tbs === undefined || tbs.tag !== 0x30) return undefined;
  for (let at = tbs.start; at < tbs.end; ) {
    const field = tlv(der, at, tbs.end);
    if (field === undefined) return undefined;
    at = field.end;
    if (field.tag !== 0xa3) continue; // [3] extensions
    const list = tlv(der, field.start, field.end);
    if (list === undefined || list.tag !== 0x30) return undefined;
    for (let e = list.start; e < list.end; ) {
      const ext = tlv(der, e, list.end);
      if (ext === undefined || ext.tag !== 0x30) return undefined;
      e = ext.end;
      const oid = tlv(der, ext.start, ext.end);
      if (oid === undefined || oid.tag !== 0x06) return undefined;
      if (oid.end - oid.start !== OID_BASIC_CONSTRAINTS.length || OID_BASIC_CONSTRAINTS.some((b, i) => der[oid.start + i] !== b)) continue;
      let next = tlv(der, oid.end, ext.end);
      if (next !== undefined && next.tag === 0x01) next = tlv(der, next.end, ext.end); // critical
      if (next === undefined || next.tag !== 0x04) return undefined;
      const seq = tlv(der, next.start, next.end);
      if (seq === undefined || seq.tag !== 0x30) return undefined;
      const ca = tlv(der, seq.start, seq.end);
      return ca !== undefined && ca.tag === 0x01 && ca.end - ca.start === 1 && der[ca.start] !== 0;
    }
    return false;
  }
  return undefined;
}
