// `npm run bench ram`: the firmware's RAM on the XS engine, per board (scripts/ram-estimate.mjs
// runs src/host/ram-estimate.ts on xsnap and reads the heap from snapshots): the booted app, then
// the core's tables at DEVICE_LIMITS, against the XS heap the board's manifest configures
// (creation.heap in 16-byte slots, creation.chunk in bytes; no incremental growth on our boards).
// A figure, not a test: a board over its budget is printed as such.

interface Use {
  readonly slots: number;
  readonly chunkBytes: number;
}

interface Estimate {
  readonly board: string;
  readonly heapSlots: number;
  readonly chunkBytes: number;
  readonly booted: Use;
  readonly full: Use;
  readonly fill: { neighbours: number; destinations: number; routes: number; clusters: number; queued: number };
}

/** Share of the configured heap the steady state may use: the rest is for transient allocations (frames in flight, crypto, garbage between collections). */
export const RAM_MARGIN = 0.25;

const BOARDS = ["heltec-v2", "tbeam", "heltec-v3"];

function pct(used: number, budget: number): string {
  return `${((100 * used) / budget).toFixed(0)} %`;
}

function use(u: Use, e: Estimate): string {
  return `${u.slots.toLocaleString("en")} slots (${pct(u.slots, e.heapSlots)}) + ${(u.chunkBytes / 1024).toFixed(1)} KB chunks (${pct(u.chunkBytes, e.chunkBytes)})`;
}

function verdict(u: Use, e: Estimate): string {
  const fits = u.slots <= (1 - RAM_MARGIN) * e.heapSlots && u.chunkBytes <= (1 - RAM_MARGIN) * e.chunkBytes;
  return fits ? "fits" : "OVER BUDGET";
}

export async function ramFigures(): Promise<string[]> {
  // scripts/ram-estimate.mjs sits beside dist/ at run time.
  const url = new URL("../scripts/ram-estimate.mjs", import.meta.url).href;
  const { ramEstimate } = (await import(url)) as { ramEstimate: (board: string) => Promise<Estimate> };
  const lines = [
    `Firmware RAM on the XS engine (xsnap heap snapshots; device heap from each board's manifest, ${RAM_MARGIN * 100} % kept free):`,
  ];
  for (const board of BOARDS) {
    const e = await ramEstimate(board);
    const f = e.fill;
    lines.push(
      `  ${board.padEnd(9)} heap ${e.heapSlots.toLocaleString("en")} slots (${((e.heapSlots * 16) / 1024).toFixed(1)} KB) + ${(e.chunkBytes / 1024).toFixed(1)} KB chunks`,
      `    booted:                ${use(e.booted, e)}  ${verdict(e.booted, e)}`,
      `    tables at DEVICE_LIMITS (${f.neighbours} neighbours, ${f.destinations} destinations / ${f.routes} routes, ${f.clusters} clusters, ${f.queued} queued):`,
      `                           ${use(e.full, e)}  ${verdict(e.full, e)}`,
    );
  }
  return lines;
}
