// `system5 connect`: a node's device API from this computer (docs/api.md), the way `meshtastic
// --info` / `--sendtext` / `--set` and `meshcore-cli` script a node. The node is a board on a
// serial port (--port /dev/ttyUSB0), an emulated node's pseudo-terminal (--port /dev/pts/N, from
// `system5 node --pty` or `system5 mesh --pty`), or a node on a shared air (--air NAME --node ID).
//
// Exit codes: 0 done, 1 the node refused, did not answer, or the delivery failed (send --wait,
// traceroute), 2 a usage error. --json prints the node's answer record as one JSON line; listen
// prints one JSON line per event.
import { Command, InvalidArgumentError } from "commander";
import { isBoundKey } from "../core/security/key-id";
import { hexToBytes } from "../core/security/primitives";
import { ApiClient, airTransport, serialTransport, type ApiRecord, type Transport } from "../host/api-client";
import { defaultDataDir } from "../host/preference-file";

interface ConnectOptions {
  readonly port?: string;
  readonly air?: string;
  readonly node?: string;
  readonly data?: string;
  readonly json?: boolean;
  readonly timeout: number;
  readonly wait?: boolean;
  readonly count?: number;
}

class Usage extends Error {}
class Failed extends Error {}

const VERBS = ["info", "nodes", "routes", "telemetry", "get", "set", "send", "broadcast", "traceroute", "contacts", "contact", "listen"] as const;

const SYNOPSIS = `commands:
  info                      the node: id, board, radio, channel, battery, GPS, cluster, counts
  nodes                     nodes known (neighbours and nodes heard through the mesh)
  routes                    the route table
  telemetry                 battery, channel utilisation, airtime in the last hour, duty budget left
  get [key]                 one setting, or all
  set <key> <value>         change a setting (applies after reboot, as at the console)
  send <node> <text…>       private message (--wait: until acknowledged; exit 1 if it fails)
  broadcast <text…>         message to every node
  traceroute <node>         probe the path: hops and round trip (waits up to --timeout)
  contacts                  the contacts the node holds (id, key)
  contact me                the node's id and public key, and the line to add it elsewhere
  contact add <node> <key>  take a peer's public key (64 hex digits): DMs to it go at once
  contact remove <node>     forget a contact
  listen                    received messages and delivery reports as JSON lines (--count N to stop)`;

export function registerConnectCommand(program: Command): void {
  program
    .command("connect")
    .description("talk to a node's device API: a board on a serial port, or an emulated node")
    .argument("<command>", VERBS.join(", "))
    .argument("[args...]", "the command's arguments")
    .option("--port <path>", "serial port of the node (e.g. /dev/ttyUSB0, or the pseudo-terminal system5 node --pty printed)")
    .option("--air <name>", "a node on the shared air NAME (with --node)")
    .option("--node <id>", "the node's id on the air")
    .option("--data <dir>", "data folder of the air (default $SYSTEM5_DATA or ~/.local/share/system5)")
    .option("--json", "print the node's answer as one JSON line")
    .option("--timeout <s>", "seconds to wait for an answer (traceroute, send --wait: for the result)", (v) => {
      const n = Number(v);
      if (!(n > 0 && n <= 86_400)) throw new InvalidArgumentError("--timeout must be a number of seconds above 0");
      return n;
    }, 10)
    .option("--wait", "send: wait for the delivery report")
    .option("--count <n>", "listen: stop after this many events", (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("--count must be a whole number ≥ 1");
      return n;
    })
    .addHelpText("after", `\n${SYNOPSIS}`)
    .action(async (verb: string, args: string[], opts: ConnectOptions) => {
      try {
        checkUsage(verb, args, opts);
      } catch (e) {
        program.error(`system5 connect: ${(e as Error).message}`, { exitCode: 2 });
      }
      let transport: Transport;
      try {
        transport = opts.port !== undefined ? await serialTransport(opts.port) : await airTransport(opts.data ?? defaultDataDir(), opts.air as string, opts.node as string);
      } catch (e) {
        program.error(`system5 connect: ${(e as Error).message}`, { exitCode: 1 });
      }
      const client = new ApiClient(transport);
      try {
        await run(client, verb, args, opts);
      } catch (e) {
        await client.close();
        program.error(`system5 connect: ${verb}: ${(e as Error).message}`, { exitCode: e instanceof Usage ? 2 : 1 });
      }
      await client.close();
    });
}

function checkUsage(verb: string, args: string[], o: ConnectOptions): void {
  if (!(VERBS as readonly string[]).includes(verb)) throw new Usage(`unknown command "${verb}"; one of ${VERBS.join(", ")}`);
  if ((o.port === undefined) === (o.air === undefined)) throw new Usage("give --port <path> or --air <name> --node <id>");
  if (o.air !== undefined && o.node === undefined) throw new Usage("--air needs --node <id>");
  const counts: Record<string, [number, number]> = { get: [0, 1], set: [2, Infinity], send: [2, Infinity], broadcast: [1, Infinity], traceroute: [1, 1] };
  const [min, max] = counts[verb] ?? [0, 0];
  const contactArgs: Record<string, number> = { me: 1, add: 3, remove: 2 };
  const bad = verb === "contact" ? contactArgs[args[0]] !== args.length : args.length < min || args.length > max;
  if (bad) throw new Usage(`${verb}: wrong arguments; see system5 connect --help`);
}

async function run(client: ApiClient, verb: string, args: string[], o: ConnectOptions): Promise<void> {
  const out = (record: ApiRecord, human: () => string): void => void process.stdout.write(`${o.json ? JSON.stringify(strip(record)) : human()}\n`);
  const timeoutMs = o.timeout * 1000;
  switch (verb) {
    case "info": {
      const r = await client.request("info");
      const i = r.info as ApiRecord;
      return out(r, () => Object.entries(i).filter(([k]) => k !== "status").map(([k, v]) => `${k.padEnd(18)} ${typeof v === "object" && v !== null ? JSON.stringify(v) : String(v)}`).join("\n"));
    }
    case "nodes": {
      const r = await client.request("nodes");
      const list = r.nodes as ApiRecord[];
      return out(r, () =>
        list.length === 0
          ? "no nodes known yet"
          : ["node      hops  snr     last heard  cluster", ...list.map((n) => `${n.id}  ${String(n.hops ?? "-").padEnd(4)}  ${String(n.snr ?? "-").padEnd(6)}  ${n.lastHeardS === null ? "-" : `${n.lastHeardS} s ago`}`.padEnd(40) + `  ${n.cluster ?? "-"}`)].join("\n"),
      );
    }
    case "routes": {
      const r = await client.request("routes");
      const list = r.routes as ApiRecord[];
      return out(r, () => (list.length === 0 ? "no routes yet" : list.map((x) => `${String(x.destination).padEnd(10)} via ${x.via}  metric ${Number(x.metric).toFixed(2)}  health ${Number(x.health).toFixed(2)}`).join("\n")));
    }
    case "telemetry": {
      const r = await client.request("telemetry");
      return out(r, () => Object.entries(r.telemetry as ApiRecord).map(([k, v]) => `${k.padEnd(20)} ${v}`).join("\n"));
    }
    case "get": {
      const r = await client.request("get", args.length === 1 ? { key: args[0] } : {});
      return out(r, () => (args.length === 1 ? `${r.key} = ${r.value}` : Object.entries(r.settings as ApiRecord).map(([k, v]) => `${k.padEnd(9)} ${v}`).join("\n")));
    }
    case "set": {
      const r = await client.request("set", { key: args[0], value: args.slice(1).join(" ") });
      return out(r, () => String(r.message));
    }
    case "send": {
      const send = { to: args[0], text: args.slice(1).join(" ") };
      if (!o.wait) {
        const q = await client.request("send", send);
        return out(q, () => `queued #${q.seq} to ${q.to}${q.note ? ` (${q.note})` : ""}`);
      }
      const { answer: r, event: report } = await client.requestThenEvent("send", send, (a, e) => (e.event === "ack" || e.event === "failed") && e.seq === a.seq, timeoutMs);
      out(report, () => (report.event === "ack" ? `#${r.seq} to ${r.to} arrived (${report.hops} hops)` : `#${r.seq} to ${r.to} failed: ${report.reason} (${report.code})`));
      if (report.event === "failed") throw new Failed("delivery failed");
      return;
    }
    case "broadcast": {
      const r = await client.request("broadcast", { text: args.join(" ") });
      return out(r, () => `queued #${r.seq} to all`);
    }
    case "traceroute": {
      const tracing = (a: ApiRecord) => void (o.json || process.stdout.write(`tracing ${a.to}: probe #${a.seq}, next hop ${(a.nextHops as string[]).join(" or ") || "not known yet"}\n`));
      const { answer: r, event: t } = await client.requestThenEvent("traceroute", { to: args[0] }, (a, e) => e.event === "traceroute" && e.seq === a.seq, timeoutMs, tracing);
      out({ ...t, nextHops: r.nextHops }, () => (t.ok ? `${t.to}: ${t.hops} hops, round trip ${(Number(t.roundTripMs) / 1000).toFixed(1)} s` : `${t.to}: no answer: ${t.reason}`));
      if (t.ok !== true) throw new Failed("no answer");
      return;
    }
    case "contacts": {
      // Paged: a full book is more than one frame.
      const all: ApiRecord[] = [];
      let r = await client.request("contacts");
      for (;;) {
        const page = r.contacts as ApiRecord[];
        all.push(...page);
        if (page.length === 0 || all.length >= Number(r.total)) break;
        r = await client.request("contacts", { offset: all.length });
      }
      return out({ ...r, offset: 0, contacts: all, leftOut: 0 }, () =>
        all.length === 0 ? `no contacts (at most ${r.max})` : [`node      public key (${all.length} of at most ${r.max})`, ...all.map((c) => `${c.id}  ${c.key}`)].join("\n"),
      );
    }
    case "contact": {
      if (args[0] === "me") {
        const r = await client.request("info");
        const i = r.info as ApiRecord;
        if (i.publicKey === null) throw new Failed("the node has no node key yet");
        const bound = isBoundKey(parseInt(String(i.id), 16) >>> 0, hexToBytes(String(i.publicKey)));
        const how = bound ? `on another node: contact add ${i.id} ${i.publicKey}` : "note: the node's id is not the key id of its key (scripted ids): other nodes refuse it as a contact";
        return out({ re: r.re, ok: true, id: i.id, publicKey: i.publicKey, bound }, () => `node ${i.id}\npublic key ${i.publicKey}\n${how}`);
      }
      if (args[0] === "add") {
        const r = await client.request("contact-add", { node: args[1], key: args[2] });
        return out(r, () => (r.added ? `added contact ${r.node}` : `${r.node} is already a contact with this key`) + (r.saved ? "" : ` (not saved to flash: ${r.saveFailedOn === "read" ? "reading its record failed" : "the write failed"}: ${r.saveError})`));
      }
      const r = await client.request("contact-remove", { node: args[1] });
      return out(r, () => (r.removed ? `removed contact ${r.node}` : `${r.node} is not a contact`) + (r.saved ? "" : ` (flash not ${r.saveFailedOn === "read" ? "read" : "written"}: ${r.saveError})`));
    }
    case "listen": {
      await client.request("api", { events: true });
      let seen = 0;
      await new Promise<void>((resolve) => {
        client.onEvent((e) => {
          process.stdout.write(`${JSON.stringify(e)}\n`);
          if (o.count !== undefined && ++seen >= o.count) resolve();
        });
        process.once("SIGINT", () => resolve());
      });
      return;
    }
  }
}

/** An answer without the request bookkeeping (re, ok); events as they came. */
function strip(r: ApiRecord): ApiRecord {
  if (!("re" in r)) return r;
  const { re: _re, ok: _ok, ...rest } = r;
  return rest;
}
