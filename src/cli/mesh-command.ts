// `system5 mesh`: several nodes in one process on one virtual air, with one console at a time on
// this terminal (Ctrl-N / Ctrl-P or a piped "@n" line switches). Every node's serial port is also
// reachable from other processes (`system5 connect --air NAME --node ID`, `system5 node --air NAME`
// to add one more) and, with --pty, as a pseudo-terminal.
import { Command } from "commander";
import { BOARD_NAMES } from "../../boards";
import { parseNodeId } from "../app/node-id";
import { formatNodeId } from "../core/station";
import { AirHub, airSocketPath, hearingRangeM } from "../host/air-hub";
import { defaultDataDir } from "../host/preference-file";
import { addNodeCommandOptions, attachPty, degrees, waitVirtual, wholeNumber } from "./node-command";
import { decodeUtf8 } from "../app/utf8";
import { runTerminal, textOnly } from "./terminal";

interface MeshCliOptions {
  readonly nodes: number;
  readonly board: string;
  readonly chip?: string;
  readonly lat: number;
  readonly lon: number;
  readonly spacing?: number;
  readonly preset?: string;
  readonly region?: string;
  readonly seed: number;
  readonly air: string;
  readonly data?: string;
  readonly save: boolean;
  readonly pty?: boolean;
  readonly speed: number;
}

/** Node ids of a mesh: 5a000001, 5a000002 … */
export const MESH_ID_BASE = 0x5a000000;
/** Neighbours sit at this share of the hearing range: each hears the next but not the one after. */
const SPACING_SHARE = 0.7;
const METRES_PER_DEGREE_LAT = 111_320;
/** Transmit power of a fresh node (the `txpower` default), dBm. */
const DEFAULT_TX_POWER_DBM = 17;

/** The default spacing for `preset`: neighbours hear each other, nodes two apart do not. */
export function meshSpacingM(preset: string): number {
  return Math.round(hearingRangeM(preset, DEFAULT_TX_POWER_DBM) * SPACING_SHARE);
}

export function registerMeshCommand(program: Command): void {
  const command = program
    .command("mesh")
    .description("run several nodes on one virtual air in this process, a console for each (Ctrl-N / Ctrl-P switch)")
    .option("--nodes <n>", "how many nodes (2..16)", wholeNumber("--nodes", 2, 16), 3)
    .option("--board <name>", `board of every node: ${BOARD_NAMES.join(", ")}`, "tbeam")
    .option("--chip <chip>", "the radio fitted, where the board takes either")
    .option("--lat <degrees>", "latitude of the first node", degrees("--lat", 90), 48.1374)
    .option("--lon <degrees>", "longitude of the first node; the others follow eastwards", degrees("--lon", 180), 11.5755)
    .option("--spacing <m>", "metres between neighbours (default: 70 % of the preset's range, so each hears only the next)", (v) => {
      const n = Number(v);
      if (!(n > 0) || !Number.isFinite(n)) throw new Error("--spacing must be a positive number of metres");
      return n;
    })
    .option("--air <name>", "name of the air (its socket is <data>/air/NAME.sock)", "mesh");
  addNodeCommandOptions(command).action(async (opts: MeshCliOptions) => {
    const usage = (e: unknown): never => program.error(`system5 mesh: ${e instanceof Error ? e.message : String(e)}`, { exitCode: 2 });
    const preset = opts.preset ?? "SHORT_FAST";
    let spacing = 0;
    try {
      spacing = opts.spacing ?? meshSpacingM(preset);
    } catch (e) {
      usage(e);
    }
    const dataDir = opts.data ?? defaultDataDir();
    const hub = new AirHub({ seed: opts.seed, dataDir: opts.save ? dataDir : undefined, speed: opts.speed });
    const ids: number[] = [];
    const perLon = METRES_PER_DEGREE_LAT * Math.cos((opts.lat * Math.PI) / 180);
    try {
      await hub.listen(airSocketPath(dataDir, opts.air));
      for (let i = 0; i < opts.nodes; i++) {
        const id = MESH_ID_BASE + i + 1;
        const node = hub.addNode({
          board: opts.board,
          chip: opts.chip,
          id: formatNodeId(id),
          lat: opts.lat,
          lon: opts.lon + (i * spacing) / perLon,
          preset,
          region: opts.region,
        });
        for (const n of node.notes) process.stderr.write(`system5 mesh: warning: ${n}\n`);
        ids.push(id);
      }
    } catch (e) {
      hub.stop();
      usage(e);
    }
    let active = 0;
    const outputs = new Map<number, string>();
    for (const [i, id] of ids.entries()) {
      outputs.set(id, "");
      hub.subscribe(id, textOnly((bytes) => {
        if (ids[active] === id) return void process.stdout.write(bytes);
        const text = decodeUtf8(bytes);
        // Another node's messages and delivery reports still show, marked with its id.
        const buffered = (outputs.get(id) ?? "") + text;
        const lines = buffered.split(/\r?\n/);
        outputs.set(id, lines.pop() ?? "");
        for (const line of lines) if (/^\[(dm|msg|ack|failed|trace)\]/.test(line)) process.stdout.write(`\r\n(${i + 1}: ${formatNodeId(id)}) ${line}\r\n`);
      }));
    }
    process.stderr.write(
      `system5 mesh: ${ids.length} nodes ${Math.round(spacing)} m apart on air "${opts.air}", ${preset}: ${ids.map((id, i) => `${i + 1}=${formatNodeId(id)}`).join(" ")}\n`,
    );
    const ptys: Array<{ close(): void }> = [];
    if (opts.pty === true) for (const id of ids) ptys.push(await attachPty(hub, id));
    process.stdout.write(`--- console of node 1 (${formatNodeId(ids[0])}) ---\r\n`);
    process.stdout.write(hub.nodes.get(ids[0])?.host.output ?? "");
    hub.start();
    const switchTo = (to: string | 1 | -1): string | undefined => {
      let next: number;
      if (to === 1 || to === -1) next = (active + to + ids.length) % ids.length;
      else if (/^\d{1,2}$/.test(to) && Number(to) >= 1 && Number(to) <= ids.length) next = Number(to) - 1;
      else {
        const parsed = parseNodeId(to);
        next = parsed.ok ? ids.indexOf(parsed.id) : -1;
        if (next < 0) return `@${to}: no such node; use 1..${ids.length} or one of ${ids.map(formatNodeId).join(", ")}`;
      }
      active = next;
      process.stdout.write(`\r\n--- console of node ${active + 1} (${formatNodeId(ids[active])}) ---\r\n> `);
      return undefined;
    };
    await runTerminal(
      {
        send: (bytes) => hub.input(ids[active], bytes),
        switchTo,
        wait: (ms) => waitVirtual(hub, ms),
        finish: () => {
          for (const p of ptys) p.close();
          hub.stop();
          process.stdout.write("\n");
        },
      },
      process.stdin,
      () => waitVirtual(hub, 1_500),
    );
  });
}
