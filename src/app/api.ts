// The device API (docs/api.md): machine-readable records on the USB serial port, next to the
// text console. The host switches it on by sending any valid request frame; from then on the
// node also sends events (received messages, delivery reports, traceroute results) as frames,
// until `{"cmd": "api", "events": false}` or a reboot. Requests and answers:
//
//   → {"id": 7, "cmd": "send", "to": "5a000003", "text": "hello"}
//   ← {"re": 7, "ok": true, "seq": 12, "private": true}
//   ← {"event": "ack", "seq": 12, "to": "5a000003", "hops": 2}
//
// Every malformed frame (not UTF-8 JSON, not an object, unknown command, bad argument) gets an
// error record `{"re": <id or null>, "ok": false, "error": "…"}`; nothing a host sends can throw
// out of here. ES2022 only: JSON is built into XS.
import { formatNodeId } from "../core/station";
import { encodeFrame, MAX_FRAME_PAYLOAD } from "./api-frame";
import type { ConsoleHost, ContactsHost } from "./console";
import { formatPublicKey, parsePublicKey } from "./contact-store";
import { parseNodeId } from "./node-id";
import { decodeUtf8, encodeUtf8 } from "./utf8";

export const API_VERSION = 1;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json | undefined };
type JsonObject = { [key: string]: Json | undefined };

export interface DeviceApiOptions {
  readonly host: ConsoleHost;
  /** Bytes out on the serial port. */
  readonly write: (bytes: Uint8Array) => void;
}

export interface ApiCounters {
  requests: number;
  errors: number;
  events: number;
}

class BadRequest extends Error {}

/** The commands, each with the record fields it takes (docs/api.md §3). */
// Frozen so xsl keeps it in flash.
const COMMANDS = Object.freeze(["api", "info", "nodes", "routes", "get", "set", "send", "broadcast", "traceroute", "telemetry", "contacts", "contact-add", "contact-remove"] as const);

export class DeviceApi {
  readonly #host: ConsoleHost;
  readonly #write: (bytes: Uint8Array) => void;
  #events = false;
  readonly #counters: ApiCounters = { requests: 0, errors: 0, events: 0 };

  constructor(options: DeviceApiOptions) {
    this.#host = options.host;
    this.#write = options.write;
  }

  /** Whether events are being sent (a host has switched the API on). */
  get active(): boolean {
    return this.#events;
  }

  get counters(): ApiCounters {
    return { ...this.#counters };
  }

  /** A complete frame's payload from the host. */
  frame(payload: Uint8Array): void {
    let id: number | null = null;
    try {
      let request: unknown;
      try {
        request = JSON.parse(decodeUtf8(payload));
      } catch {
        throw new BadRequest("the record is not JSON");
      }
      if (typeof request !== "object" || request === null || Array.isArray(request)) throw new BadRequest("the record is not a JSON object");
      const r = request as JsonObject;
      if (r.id !== undefined) {
        if (typeof r.id !== "number" || !Number.isSafeInteger(r.id) || r.id < 0) throw new BadRequest("id must be a whole number ≥ 0");
        id = r.id;
      }
      if (typeof r.cmd !== "string") throw new BadRequest(`cmd missing; one of ${COMMANDS.join(", ")}`);
      this.#counters.requests++;
      this.#events = true;
      this.#send({ re: id, ok: true, ...this.#run(r.cmd, r) });
    } catch (e) {
      this.error(e instanceof Error ? e.message : String(e), id);
    }
  }

  /** An error record (also for frames the splitter dropped). */
  error(reason: string, re: number | null = null): void {
    this.#counters.errors++;
    this.#send({ re, ok: false, error: reason });
  }

  /** An event for the host, when the API is on. */
  event(record: JsonObject): void {
    if (!this.#events) return;
    this.#counters.events++;
    this.#send(record);
  }

  #run(cmd: string, r: JsonObject): JsonObject {
    const host = this.#host;
    switch (cmd) {
      case "api":
        if (r.events !== undefined) {
          if (typeof r.events !== "boolean") throw new BadRequest("events must be true or false");
          this.#events = r.events;
        }
        return { api: API_VERSION, events: this.#events };
      case "info":
        return { info: info(host) };
      case "nodes":
        return fitList("nodes", (host.nodes?.() ?? []).map((n) => ({
          id: formatNodeId(n.id),
          neighbour: n.neighbour,
          lastHeardS: n.ageMs === undefined ? null : Math.round(n.ageMs / 1000),
          snr: n.snr ?? null,
          rssi: n.rssi ?? null,
          hops: n.hops ?? null,
          cluster: n.cluster ?? null,
          position: null,
        })));
      case "routes":
        return fitList("routes", host.routes().map((x) => ({
          destination: typeof x.destination === "number" ? formatNodeId(x.destination) : x.destination,
          kind: typeof x.destination === "number" ? "node" : "cluster",
          via: formatNodeId(x.nextHop),
          metric: x.metric ?? null,
          health: x.health ?? null,
        })));
      case "get": {
        if (r.key === undefined) return { settings: Object.fromEntries(host.settings.list().map(([k, v]) => [k, v])) };
        if (typeof r.key !== "string") throw new BadRequest("key must be a string");
        const v = host.settings.get(r.key);
        if (!v.ok) throw new BadRequest(v.error);
        return { key: r.key.toLowerCase(), value: v.value };
      }
      case "set": {
        if (typeof r.key !== "string" || typeof r.value !== "string") throw new BadRequest('set needs "key" and "value" strings');
        const result = host.settings.set(r.key, r.value);
        if (!result.ok) throw new BadRequest(result.error);
        return { message: result.message };
      }
      case "send": {
        const to = nodeArg(r.to, "to");
        const result = host.send(to, textArg(r.text));
        if (!result.ok) throw new BadRequest(`not sent (${result.code}): ${result.reason}`);
        return { seq: result.seq, to: formatNodeId(to), private: true, ...(result.note === undefined ? {} : { note: result.note }) };
      }
      case "broadcast": {
        const result = host.broadcast(textArg(r.text));
        if (!result.ok) throw new BadRequest(`not sent (${result.code}): ${result.reason}`);
        return { seq: result.seq, to: "all" };
      }
      case "traceroute": {
        const to = nodeArg(r.to, "to");
        if (host.traceroute === undefined) throw new BadRequest("the mesh is not running yet");
        const t = host.traceroute(to);
        if (!t.ok) throw new BadRequest(`not sent (${t.code}): ${t.reason}`);
        return { seq: t.seq, to: formatNodeId(to), nextHops: t.nextHops.map(formatNodeId) };
      }
      case "telemetry":
        return { telemetry: (host.telemetry?.() ?? {}) as JsonObject };
      case "contacts": {
        const c = contactsOf(host);
        // A full book (64 contacts, about 90 bytes each) is more than one frame: `offset` pages it.
        if (r.offset !== undefined && (typeof r.offset !== "number" || !Number.isSafeInteger(r.offset) || r.offset < 0)) throw new BadRequest("offset must be a whole number ≥ 0");
        const offset = r.offset ?? 0;
        const all = c.list();
        return { max: c.max, total: all.length, offset, ...fitList("contacts", all.slice(offset).map((x) => ({ id: formatNodeId(x.id), key: formatPublicKey(x.publicKey) }))) };
      }
      case "contact-add": {
        const id = nodeArg(r.node, "node");
        if (typeof r.key !== "string") throw new BadRequest("key must be a string of 64 hex digits");
        const key = parsePublicKey(r.key);
        if (!key.ok) throw new BadRequest(key.error);
        const result = contactsOf(host).add(id, key.key);
        if (!result.ok) throw new BadRequest(`contact not added (${result.code}): ${result.reason}`);
        return { node: formatNodeId(id), added: result.added, saved: result.saveError === undefined, ...(result.saveError === undefined ? {} : { saveError: result.saveError, saveFailedOn: result.saveFailedOn ?? "write" }) };
      }
      case "contact-remove": {
        const id = nodeArg(r.node, "node");
        const result = contactsOf(host).remove(id);
        return { node: formatNodeId(id), removed: result.removed, keyKept: result.keyKept, saved: result.saveError === undefined, ...(result.saveError === undefined ? {} : { saveError: result.saveError, saveFailedOn: result.saveFailedOn ?? "write" }) };
      }
      default:
        throw new BadRequest(`unknown cmd "${cmd.slice(0, 32)}"; one of ${COMMANDS.join(", ")}`);
    }
  }

  #send(record: JsonObject): void {
    let bytes = encodeUtf8(JSON.stringify(record));
    if (bytes.length > MAX_FRAME_PAYLOAD) bytes = encodeUtf8(JSON.stringify({ re: record.re ?? null, ok: false, error: "answer too long for one frame" }));
    this.#write(encodeFrame(bytes));
  }
}
Object.freeze(DeviceApi.prototype);

function contactsOf(host: ConsoleHost): ContactsHost {
  const c = host.contacts;
  if (c === undefined) throw new BadRequest("the mesh is not running yet (contacts are held by the running node)");
  return c;
}

function info(host: ConsoleHost): JsonObject {
  const s = host.status();
  const own = host.contacts?.own();
  const extra: JsonObject = {};
  for (const [k, v] of s.extra ?? []) extra[k] = v;
  return {
    id: formatNodeId(s.nodeId),
    idSource: s.nodeIdSource ?? null,
    board: s.board ?? null,
    radio: s.radio ?? null,
    region: s.region ?? null,
    preset: s.preset ?? null,
    frequencyHz: s.frequencyHz ?? null,
    txPowerDbm: s.txPowerDbm ?? null,
    role: s.role ?? null,
    network: s.networkName ?? null,
    uptimeS: Math.floor(s.uptimeMs / 1000),
    battery: s.batteryLevel ?? null,
    batteryMillivolts: s.batteryMillivolts ?? null,
    gps: s.gps === undefined ? null : { fix: s.gps.hasFix, lat: s.gps.latitude ?? null, lon: s.gps.longitude ?? null, satellites: s.gps.satellites ?? null },
    cluster: s.cluster ?? null,
    neighbours: s.neighbours ?? null,
    routes: s.routes ?? null,
    publicKey: own === undefined ? null : formatPublicKey(own.publicKey),
    status: extra,
  };
}

/** As many list entries as fit in one frame, and how many were left out. */
function fitList(name: string, items: JsonObject[]): JsonObject {
  let n = items.length;
  // Rough cut first (answers are ASCII except cluster names), then exact.
  while (n > 0 && encodeUtf8(JSON.stringify({ re: 0, ok: true, [name]: items.slice(0, n), leftOut: items.length - n })).length > MAX_FRAME_PAYLOAD - 32) n = Math.floor(n * 0.9);
  return { [name]: items.slice(0, n), leftOut: items.length - n };
}

function nodeArg(v: Json | undefined, name: string): number {
  if (typeof v !== "string" && typeof v !== "number") throw new BadRequest(`${name} must be a node id (8 hex digits, or a number)`);
  const parsed = parseNodeId(String(v));
  if (!parsed.ok) throw new BadRequest(parsed.error);
  return parsed.id;
}

function textArg(v: Json | undefined): Uint8Array {
  if (typeof v !== "string" || v.length === 0) throw new BadRequest("text must be a non-empty string");
  return encodeUtf8(v);
}
