// `system5 node`: one System 5 node — the real firmware application (src/app/start.ts) on an
// emulated board (src/host/host-node.ts) — with its USB serial console on this terminal, in real
// time. Alone it hears nobody; with --air NAME it shares a virtual air with every other node
// started with the same NAME on this machine (src/host/air-hub.ts). Its flash (settings, node key,
// frame counter) is kept in a file per node id under the data folder.
import { Command, InvalidArgumentError } from "commander";
import { BOARD_NAMES } from "../../boards";
import { formatNodeId } from "../core/station";
import { Air } from "../host/air";
import { AirHub, airSocketPath, connectAir, socketAlive, type HubNode } from "../host/air-hub";
import { VirtualClock } from "../host/clock";
import type { HostNode } from "../host/host-node";
import { buildHostNode, checkSpec, type NodeSpec } from "../host/node-spec";
import { defaultDataDir } from "../host/preference-file";
import { openPty } from "../host/pty";
import { runTerminal, textOnly } from "./terminal";

export interface NodeCommandOptions extends NodeSpec {
  readonly seed: number;
}

interface NodeCliOptions extends NodeCommandOptions {
  readonly air?: string;
  readonly data?: string;
  readonly save: boolean;
  readonly pty?: boolean;
  readonly speed: number;
}

/** Piped input starts once the node has booted and its GPS (if any) has a fix, ms of node time. */
export const PIPED_START_MS = 1_500;

export function degrees(name: string, limit: number) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === "" || !Number.isFinite(n) || Math.abs(n) > limit) throw new InvalidArgumentError(`${name} must be a number within ±${limit}`);
    return n;
  };
}

export function wholeNumber(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
}

export function speedArg(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 1000) throw new InvalidArgumentError("--speed must be a number above 0 and at most 1000");
  return n;
}

/** Checks the options and builds a lone node in memory; throws an Error whose message says what to fix. */
export function buildCliNode(o: NodeCommandOptions, onOutput: (text: string) => void): HostNode {
  const spec = checkSpec(o);
  const clock = new VirtualClock({ seed: o.seed });
  return buildHostNode(spec, { air: new Air(clock), onOutput });
}

export function addNodeCommandOptions(command: Command): Command {
  return command
    .option("--preset <name>", "modem preset stored before boot, e.g. SHORT_FAST")
    .option("--region <name>", "region stored before boot: EU868 or US915")
    .option("--seed <n>", "seed of the virtual world", wholeNumber("--seed", 0, 4294967295), 1)
    .option("--data <dir>", "data folder: node flash files and air sockets (default $SYSTEM5_DATA or ~/.local/share/system5)")
    .option("--no-save", "keep the node's flash in memory only (nothing read or written)")
    .option("--pty", "also open a pseudo-terminal as the node's serial port and print its path (for system5 connect --port)")
    .option("--speed <x>", "run the nodes' time this many times faster than real time", speedArg, 1);
}

export function registerNodeCommand(program: Command): void {
  const command = program
    .command("node")
    .description("run one node (the firmware application on an emulated board) with its serial console on this terminal")
    .requiredOption("--board <name>", `board: ${BOARD_NAMES.join(", ")}`)
    .option("--chip <chip>", "the radio fitted, where the board takes either (T-Beam: sx1276 or sx1262)")
    .option("--id <node>", "node id (8 hex digits), given to the board as its MAC", "0a1b2c3d")
    .option("--lat <degrees>", "GPS fix latitude (boards with a GPS); with --air, the node's place on the air", degrees("--lat", 90))
    .option("--lon <degrees>", "GPS fix longitude", degrees("--lon", 180))
    .option("--air <name>", "join the virtual air NAME shared by every node started with it on this machine")
    .option("--mqtt <url>", "make the node a gateway to this MQTT broker (mqtt://host:port or mqtts://; stored like set broker; \"none\" clears it)")
    .option("--key-ids", "the node's id comes from its node key, binding required, as on a board (--id is then only its MAC)");
  addNodeCommandOptions(command).action(async (opts: NodeCliOptions) => {
    const usage = (e: unknown): never => program.error(`system5 node: ${e instanceof Error ? e.message : String(e)}`, { exitCode: 2 });
    const spec: NodeSpec = { board: opts.board, chip: opts.chip, id: opts.id, lat: opts.lat, lon: opts.lon, preset: opts.preset, region: opts.region, ...(opts.mqtt === undefined ? {} : { mqtt: opts.mqtt }), ...(opts.keyIds === true ? { keyIds: true } : {}) };
    try {
      checkSpec(spec, opts.air !== undefined);
    } catch (e) {
      usage(e);
    }
    const dataDir = opts.data ?? defaultDataDir();
    if (opts.air !== undefined) {
      let socketPath = "";
      try {
        socketPath = airSocketPath(dataDir, opts.air);
      } catch (e) {
        usage(e);
      }
      if (await socketAlive(socketPath)) return joinAir(socketPath, opts.air, spec, usage);
    }
    const hub = new AirHub({ seed: opts.seed, dataDir: opts.save ? dataDir : undefined, speed: opts.speed });
    if (opts.air !== undefined) await hub.listen(airSocketPath(dataDir, opts.air));
    let node: HubNode | undefined;
    const sink = textOnly((bytes) => void process.stdout.write(bytes));
    try {
      node = hub.addNode(spec);
    } catch (e) {
      hub.stop();
      usage(e);
    }
    const id = (node as HubNode).id;
    hub.subscribe(id, sink);
    for (const n of (node as HubNode).notes) process.stderr.write(`system5 node: warning: ${n}\n`);
    // What the node printed while it booted (before the subscription) is in its output.
    process.stdout.write((node as HubNode).host.output);
    if (opts.air !== undefined) process.stderr.write(`system5 node: air "${opts.air}" is hosted by this process; other nodes join with --air ${opts.air}\n`);
    const pty = opts.pty === true ? await attachPty(hub, id) : undefined;
    hub.start();
    await runTerminal(
      {
        send: (bytes) => hub.input(id, bytes),
        wait: (ms) => waitVirtual(hub, ms),
        finish: () => {
          pty?.close();
          hub.stop();
          process.stdout.write("\n");
        },
      },
      process.stdin,
      () => waitUntil(hub, PIPED_START_MS),
    );
  });
}

/** Opens a pty for node `id` and prints its path. */
export async function attachPty(hub: AirHub, id: number): Promise<{ close(): void }> {
  const pty = await openPty((bytes) => hub.input(id, bytes));
  hub.subscribe(id, (bytes) => pty.write(bytes));
  process.stderr.write(`system5: node ${formatNodeId(id)} serial port: ${pty.path}\n`);
  return pty;
}

/** Resolves once `ms` more of the hub's virtual time has passed. */
export function waitVirtual(hub: AirHub, ms: number): Promise<void> {
  return waitUntil(hub, hub.clock.now() + ms);
}

function waitUntil(hub: AirHub, at: number): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (hub.clock.now() >= at) resolve();
      else setTimeout(check, 5);
    };
    check();
  });
}

/** This process becomes the terminal of a node added to the air another process hosts. */
async function joinAir(socketPath: string, air: string, spec: NodeSpec, usage: (e: unknown) => never): Promise<void> {
  let joined: Awaited<ReturnType<typeof connectAir>>;
  try {
    joined = await connectAir(socketPath, { join: spec });
  } catch (e) {
    return usage(e);
  }
  const { socket, id, rest } = joined;
  process.stderr.write(`system5 node: node ${id} joined air "${air}"\n`);
  const show = textOnly((bytes) => void process.stdout.write(bytes));
  show(rest);
  socket.on("data", (chunk: Buffer) => show(chunk));
  let finished = false;
  socket.on("close", () => {
    if (finished) return;
    process.stderr.write(`\nsystem5 node: air "${air}" closed (the process hosting it quit)\n`);
    process.exit(1);
  });
  const started = Date.now();
  await runTerminal(
    {
      send: (bytes) => socket.write(bytes),
      wait: (ms) => new Promise((r) => setTimeout(r, ms)),
      finish: () => {
        finished = true;
        socket.end();
        process.stdout.write("\n");
      },
    },
    process.stdin,
    () => new Promise((r) => setTimeout(r, Math.max(0, PIPED_START_MS - (Date.now() - started)))),
  );
}
