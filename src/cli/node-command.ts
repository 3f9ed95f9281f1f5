// `system5 node`: one System 5 node — the real firmware application (src/app/start.ts) on an
// emulated board (src/host/host-node.ts) — with its USB serial console on this terminal, in real
// time. Alone on its virtual air it hears nobody, but it shows boot, status, settings, GPS and
// reboot exactly as a board on a USB cable does.
import { Command, InvalidArgumentError } from "commander";
import { BOARD_NAMES, boardByName } from "../../boards";
import { radioChips, txPowerRange, type RadioChip } from "../../boards/common/board-profile";
import { parseNodeId } from "../app/node-id";
import { SettingsStore } from "../app/settings";
import { Air } from "../host/air";
import { VirtualClock } from "../host/clock";
import { HostNode } from "../host/host-node";
import { HostPreference } from "../host/preference";

export interface NodeCommandOptions {
  readonly board: string;
  readonly chip?: string;
  readonly id: string;
  readonly lat?: number;
  readonly lon?: number;
  readonly preset?: string;
  readonly region?: string;
  readonly seed: number;
}

/** Real milliseconds between clock steps: short enough for a terminal to feel immediate. */
const STEP_MS = 10;
/** Ctrl-D or Ctrl-] at a raw terminal ends the run (Ctrl-C is the console's "drop the line"). */
const QUIT_BYTES = new Set([0x04, 0x1d]);

function degrees(name: string, limit: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || Math.abs(n) > limit) throw new InvalidArgumentError(`${name} must be a number within ±${limit}`);
    return n;
  };
}

/** Checks the options and builds the node; throws an Error whose message says what to fix. */
export function buildCliNode(o: NodeCommandOptions, onOutput: (text: string) => void): HostNode {
  const profile = boardByName(o.board);
  const chips = radioChips(profile);
  if (o.chip !== undefined && !(chips as string[]).includes(o.chip)) {
    throw new Error(`--chip ${o.chip}: ${profile.title} carries ${chips.join(" or ")}`);
  }
  const id = parseNodeId(o.id);
  if (!id.ok) throw new Error(`--id: ${id.error}`);
  if ((o.lat === undefined) !== (o.lon === undefined)) throw new Error("--lat and --lon go together");
  if (o.lat !== undefined && profile.gps === undefined) throw new Error(`--lat/--lon: ${profile.title} has no GPS`);
  // --preset/--region are stored as a user's `set` would store them, with the same checks.
  const preferences = new HostPreference();
  const store = new SettingsStore(preferences, txPowerRange(chips));
  for (const [key, value] of [["region", o.region], ["preset", o.preset]] as const) {
    if (value === undefined) continue;
    const r = store.set(key, value);
    if (!r.ok) throw new Error(`--${key}: ${r.error}`);
  }
  const clock = new VirtualClock({ seed: o.seed });
  const node = new HostNode({ air: new Air(clock), board: profile.name, chip: o.chip as RadioChip | undefined, name: "node", id: id.id, preferences, onOutput });
  if (o.lat !== undefined && o.lon !== undefined) node.gpsModule({ lat: o.lat, lon: o.lon });
  return node;
}

export function registerNodeCommand(program: Command): void {
  program
    .command("node")
    .description("run one node (the firmware application on an emulated board) with its serial console on this terminal")
    .requiredOption("--board <name>", `board: ${BOARD_NAMES.join(", ")}`)
    .option("--chip <chip>", "the radio fitted, where the board takes either (T-Beam: sx1276 or sx1262)")
    .option("--id <node>", "node id (8 hex digits), given to the board as its MAC", "0a1b2c3d")
    .option("--lat <degrees>", "GPS fix latitude (boards with a GPS)", degrees("--lat", 90))
    .option("--lon <degrees>", "GPS fix longitude", degrees("--lon", 180))
    .option("--preset <name>", "modem preset stored before boot, e.g. SHORT_FAST")
    .option("--region <name>", "region stored before boot: EU868 or US915")
    .option("--seed <n>", "seed of the virtual world", (v) => Number(v), 1)
    .action(async (opts: NodeCommandOptions) => {
      let node: HostNode;
      try {
        node = buildCliNode(opts, (text) => process.stdout.write(text));
      } catch (e) {
        program.error(`system5 node: ${e instanceof Error ? e.message : String(e)}`, { exitCode: 2 });
      }
      await runInRealTime(node);
    });
}

/** Advances the node's virtual clock with the wall clock and wires stdin to its console UART. */
function runInRealTime(node: HostNode): Promise<void> {
  return new Promise((resolve) => {
    const stdin = process.stdin;
    const raw = stdin.isTTY === true;
    if (raw) {
      stdin.setRawMode(true);
      process.stderr.write("system5 node: Ctrl-D or Ctrl-] quits\r\n");
    }
    let last = Date.now();
    const timer = setInterval(() => {
      const now = Date.now();
      node.clock.advance(now - last);
      last = now;
    }, STEP_MS);
    const finish = (): void => {
      clearInterval(timer);
      if (raw) stdin.setRawMode(false);
      stdin.pause();
      node.stop();
      process.stdout.write("\n");
      resolve();
    };
    stdin.on("data", (chunk: Buffer) => {
      if (raw && chunk.some((b) => QUIT_BYTES.has(b))) return finish();
      node.consoleUart.send(new Uint8Array(chunk));
    });
    // Piped input: let the node answer the last line, then stop.
    stdin.on("end", () => setTimeout(finish, 500));
  });
}
