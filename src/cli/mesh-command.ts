// `system5 mesh`: several nodes in one process on one virtual air, with one console at a time on
// this terminal (Ctrl-N / Ctrl-P or a piped "@n" line switches). Every node's serial port is also
// reachable from other processes (`system5 connect --air NAME --node ID`, `system5 node --air NAME`
// to add one more) and, with --pty, as a pseudo-terminal.
import { Command, InvalidArgumentError } from "commander";
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
  readonly mqtt?: string;
  readonly gateways?: number[];
  readonly firstId: number;
}

/** Node ids of a mesh: 5a000001, 5a000002 … */
export const MESH_ID_BASE = 0x5a000000;
/** Neighbours sit at this share of the hearing range: each hears the next but not the one after. */
const SPACING_SHARE = 0.7;
const METRES_PER_DEGREE_LAT = 111_320;
/** Transmit power of a fresh node (the `txpower` default), dBm. */
const DEFAULT_TX_POWER_DBM = 17;

function firstIdArg(v: string): number {
  const parsed = parseNodeId(v);
  if (!parsed.ok || parsed.id === 0 || parsed.id === 0xffffffff) throw new InvalidArgumentError(`--first-id: ${parsed.ok ? "not a node id" : parsed.error}`);
  return parsed.id;
}

function gatewayList(v: string): number[] {
  const parts = v.split(",").map((p) => p.trim());
  if (parts.some((p) => !/^\d{1,2}$/.test(p) || Number(p) < 1)) throw new InvalidArgumentError("--gateways must be node numbers from 1, separated by commas, e.g. 1 or 1,3");
  return [...new Set(parts.map(Number))];
}

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
    .option("--air <name>", "name of the air (its socket is <data>/air/NAME.sock)", "mesh")
    .option("--first-id <node>", "id of node 1 (8 hex digits); the others count up from it. Give two meshes on one broker different ranges", firstIdArg, MESH_ID_BASE + 1)
    .option("--mqtt <url>", "join this mesh to others through the MQTT broker at URL (mqtt://host:port or mqtts://): the --gateways nodes become gateways")
    .option("--gateways <list>", "which nodes are gateways with --mqtt: node numbers, e.g. 1 or 1,3 (default 1)", gatewayList);
  addNodeCommandOptions(command).action(async (opts: MeshCliOptions) => {
    const usage = (e: unknown): never => program.error(`system5 mesh: ${e instanceof Error ? e.message : String(e)}`, { exitCode: 2 });
    const preset = opts.preset ?? "SHORT_FAST";
    let spacing = 0;
    try {
      spacing = opts.spacing ?? meshSpacingM(preset);
    } catch (e) {
      usage(e);
    }
    if (opts.gateways !== undefined && opts.mqtt === undefined) usage(new Error("--gateways needs --mqtt <broker url>"));
    const gateways = new Set(opts.mqtt === undefined ? [] : (opts.gateways ?? [1]));
    for (const g of gateways) if (g > opts.nodes) usage(new Error(`--gateways: node ${g} does not exist (the mesh has ${opts.nodes} nodes)`));
    if (opts.firstId + opts.nodes - 1 > 0xfffffffe) usage(new Error("--first-id: the mesh's ids would run past fffffffe"));
    const dataDir = opts.data ?? defaultDataDir();
    const hub = new AirHub({ seed: opts.seed, dataDir: opts.save ? dataDir : undefined, speed: opts.speed });
    const ids: number[] = [];
    const perLon = METRES_PER_DEGREE_LAT * Math.cos((opts.lat * Math.PI) / 180);
    try {
      await hub.listen(airSocketPath(dataDir, opts.air));
      for (let i = 0; i < opts.nodes; i++) {
        const id = opts.firstId + i;
        const node = hub.addNode({
          board: opts.board,
          chip: opts.chip,
          id: formatNodeId(id),
          lat: opts.lat,
          lon: opts.lon + (i * spacing) / perLon,
          preset,
          region: opts.region,
          // Stored like set broker: a node that is not a gateway now has it cleared.
          ...(opts.mqtt === undefined ? {} : { mqtt: gateways.has(i + 1) ? opts.mqtt : "none" }),
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
    if (opts.mqtt !== undefined) process.stderr.write(`system5 mesh: gateway${gateways.size === 1 ? "" : "s"} ${[...gateways].map((g) => `${g}=${formatNodeId(ids[g - 1])}`).join(" ")} to ${opts.mqtt} (bridge on a gateway's console shows the link)\n`);
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
