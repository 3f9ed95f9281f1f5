// RAM estimate of the firmware on the XS engine (`npm run bench ram`): src/host/ram-estimate.ts
// run on xsnap once per phase ("emulated": every module loaded and the host's emulated board and
// air built, the app not started; "booted": the app booted; "full": the core's tables filled to
// DEVICE_LIMITS), each
// run ending with a heap snapshot (xsnap -w, written after a garbage collection). The snapshot's
// HEAP atom holds every live slot and its BLOC atom every live chunk byte, so the differences
// between phases are what booting and filling cost. On the device the loaded code sits in flash
// (preloaded by xsl), so booted − emulated and full − emulated are the RAM figures.
//
// Units: XS counts its heap in slots (16 B on the ESP32, 32 B on a 64-bit host: the count is the
// same); chunk bytes (strings, arrays, byte buffers) are host bytes, an upper bound for the device
// where pointers are half the size. What the emulation allocates while the app runs (frames on
// the virtual air, the console transcript) still counts: an overestimate, never an underestimate.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT, firmwareBuild } from "./firmware-build.mjs";
import { runBundledOnXs } from "./xs.mjs";

/** Live slots and chunk bytes of an xsnap snapshot (xsSnapshot.c fxWriteSnapshot: atoms of 4-byte big-endian size + 4-byte tag). */
export function snapshotHeap(file) {
  const buf = readFileSync(file);
  const atoms = {};
  let offset = 8; // the outer "XS_M" atom
  while (offset + 8 <= buf.length) {
    const size = buf.readUInt32BE(offset);
    atoms[buf.toString("latin1", offset + 4, offset + 8)] = { offset, size };
    if (size < 8) break;
    offset += size;
  }
  if (atoms.HEAP === undefined || atoms.BLOC === undefined || atoms.VERS === undefined) throw new Error(`${file}: not an XS snapshot`);
  // VERS: major, minor, patch, sizeof(txSlot) (negative when big-endian).
  const slotSize = Math.abs(buf.readInt8(atoms.VERS.offset + 8 + 3));
  return { slots: (atoms.HEAP.size - 8) / slotSize, chunkBytes: atoms.BLOC.size - 8, slotSize };
}

/** One phase of one board: { slots, chunkBytes, fill }. "loaded" alone is not used by the estimate. */
export async function ramPhase(board, phase) {
  const dir = path.join(ROOT, ".cache/ram");
  mkdirSync(dir, { recursive: true });
  const entry = path.join(dir, `${board}-${phase}.ts`);
  const snapshot = path.join(dir, `${board}-${phase}.xss`);
  writeFileSync(
    entry,
    `import { runRamPhase } from ${JSON.stringify(path.join(ROOT, "src/host/ram-estimate"))};
declare const print: (text: string) => void;
const run = runRamPhase(${JSON.stringify(board)}, ${JSON.stringify(phase)});
(globalThis as { ramKeep?: unknown }).ramKeep = run.keep;
print("RAM " + JSON.stringify(run.fill));
`,
  );
  const run = await runBundledOnXs(entry, { quiet: true, args: ["-w", snapshot] });
  const line = (run.stdout ?? "").split("\n").find((l) => l.startsWith("RAM "));
  if (run.status !== 0 || line === undefined) throw new Error(`ram ${board} ${phase}: xsnap exit ${run.status}\n${run.stdout}\n${run.stderr}`);
  return { ...snapshotHeap(snapshot), fill: JSON.parse(line.slice(4)) };
}

/**
 * The estimate for one board against its manifest's creation sizes: { board, heapSlots,
 * chunkBytes (device budget), booted/full: { slots, chunkBytes } (RAM above the loaded image),
 * fill }.
 */
export async function ramEstimate(board) {
  const creation = firmwareBuild(board).creation;
  const emulated = await ramPhase(board, "emulated");
  const booted = await ramPhase(board, "booted");
  const full = await ramPhase(board, "full");
  const above = (p) => ({ slots: p.slots - emulated.slots, chunkBytes: p.chunkBytes - emulated.chunkBytes });
  return {
    board,
    heapSlots: creation.heap?.initial + (creation.heap?.incremental ?? 0),
    heapIncremental: creation.heap?.incremental ?? 0,
    chunkBytes: creation.chunk?.initial + (creation.chunk?.incremental ?? 0),
    chunkIncremental: creation.chunk?.incremental ?? 0,
    booted: above(booted),
    full: above(full),
    fill: full.fill,
  };
}
