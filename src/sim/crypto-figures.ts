// `npm run bench crypto`: the security layer's figures: seal/open speed, PBKDF2 and X25519 time
// measured on the XS engine (the firmware's), and the airtime the 12-byte seal adds at
// LONG_FAST, computed with the core's airtime formula.
import { airtimeMs } from "../core/airtime";
import { HOP_ACK_BYTES, ROUTED_HEADER_BYTES } from "../core/frames";
import { PRESETS } from "../core/presets";
import { SEAL_OVERHEAD_BYTES } from "../core/security/frame-seal";
import { PBKDF2_ITERATIONS } from "../core/security/keys";

interface XsFigures {
  innerBytes: number;
  sealedBytes: number;
  sealMs: number;
  openMs: number;
  pbkdf2Ms: number;
  x25519Ms: number;
}

/** Airtime lines for frames of the given inner sizes, sealed vs not. */
export function sealAirtimeLines(): string[] {
  const m = PRESETS.LONG_FAST;
  const sizes: Array<[string, number]> = [
    ["hop ACK", HOP_ACK_BYTES],
    ["OGM (104 B)", 104],
    ["DATA, 10-byte text", ROUTED_HEADER_BYTES + 10],
    ["DATA, 200-byte payload", ROUTED_HEADER_BYTES + 200],
  ];
  return sizes.map(([name, n]) => {
    const plain = airtimeMs(m, n);
    const sealed = airtimeMs(m, n + SEAL_OVERHEAD_BYTES);
    return `    ${name.padEnd(24)} ${plain.toFixed(1).padStart(7)} ms → ${sealed.toFixed(1).padStart(7)} ms  +${(sealed - plain).toFixed(1)} ms (+${((sealed / plain - 1) * 100).toFixed(1)} %)`;
  });
}

export async function cryptoFigures(): Promise<string[]> {
  // scripts/xs.mjs bundles and runs a file on xsnap; it sits beside dist/ at run time.
  const xsModule = new URL("../scripts/xs.mjs", import.meta.url).href;
  const { runBundledOnXs } = (await import(xsModule)) as { runBundledOnXs: (entry: string, o?: { quiet?: boolean }) => Promise<{ status: number | null; stdout: string; stderr: string }> };
  const run = await runBundledOnXs("src/sim/crypto-bench.xs.ts");
  const line = (run.stdout ?? "").trim().split("\n").pop() ?? "";
  if (run.status !== 0 || !line.startsWith("{")) throw new Error(`crypto bench on XS failed (exit ${run.status}): ${run.stderr}${run.stdout}`);
  const f = JSON.parse(line) as XsFigures;
  return [
    "Security layer (docs/security.md), crypto on the XS engine (xsnap, host build):",
    `  seal a DATA frame with a 200-byte payload (${f.innerBytes} → ${f.sealedBytes} bytes): ${(1000 / f.sealMs).toFixed(0)} frames/s (${f.sealMs.toFixed(2)} ms)`,
    `  open it (tag check, decrypt):                        ${(1000 / f.openMs).toFixed(0)} frames/s (${f.openMs.toFixed(2)} ms)`,
    `  network key from a passphrase (PBKDF2-SHA256, ${PBKDF2_ITERATIONS} iterations): ${f.pbkdf2Ms.toFixed(0)} ms`,
    `  X25519 shared secret + HKDF, once per peer:          ${f.x25519Ms.toFixed(1)} ms`,
    `  airtime of the ${SEAL_OVERHEAD_BYTES}-byte seal (4-byte counter + 8-byte tag) at LONG_FAST:`,
    ...sealAirtimeLines(),
  ];
}
