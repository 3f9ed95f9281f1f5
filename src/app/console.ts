// The serial console: a line-oriented command interpreter for people at a terminal on the USB UART.
// Bytes in (any chunking), text out. It knows nothing about radios or the mesh: it calls a
// ConsoleHost, which the firmware binds to the core MeshNode, the settings store and the board.
//
// Line editing: CR, LF or CR LF end a line; backspace/DEL erase the last character (a whole
// UTF-8 sequence); Ctrl-C drops the line; ANSI escape sequences (arrow keys) are swallowed;
// a line longer than the limit is dropped with an error when it ends. Nothing typed can make
// it throw, and every mistake gets an "error: …" line that says what to type instead.
import { NETWORK_KEY_BYTES, shareString } from "../core/security/keys";
import type { SendResult } from "../core/station";
import { formatNodeId } from "../core/station";
import { isBoundKey } from "../core/security/key-id";
import { fingerprint } from "../core/security/peer-keys";
import { CA_PASTE_MAX_CHARS, PEM_BEGIN, PEM_END } from "./ca-cert";
import { formatPublicKey, parsePublicKey } from "./contact-store";
import { parseNodeId } from "./node-id";
import { SETTING_HELP, SETTING_KEYS, type SetResult } from "./settings";
import { decodeUtf8, encodeUtf8 } from "./utf8";

export interface ConsoleStatus {
  readonly nodeId: number;
  /** Where the id came from: "set", "mac" or "random". */
  readonly nodeIdSource?: string;
  readonly board?: string;
  readonly radio?: string;
  readonly region?: string;
  readonly preset?: string;
  readonly frequencyHz?: number;
  readonly txPowerDbm?: number;
  readonly role?: string;
  readonly networkName?: string;
  readonly uptimeMs: number;
  /** 0..1; undefined when the board has no battery reading. */
  readonly batteryLevel?: number;
  readonly batteryMillivolts?: number;
  /** Undefined when the board has no GPS. */
  readonly gps?: { readonly hasFix: boolean; readonly latitude?: number; readonly longitude?: number; readonly satellites?: number };
  readonly cluster?: string;
  readonly neighbours?: number;
  readonly routes?: number;
  /** Anything else worth a line, as label/value pairs. */
  readonly extra?: ReadonlyArray<readonly [string, string]>;
}

export interface NeighbourRow {
  readonly id: number;
  readonly rssi?: number;
  readonly snr?: number;
  /** Bidirectional link quality 0..1. */
  readonly quality?: number;
  /** Milliseconds since last heard. */
  readonly ageMs?: number;
  readonly cluster?: string;
}

export interface RouteRow {
  /** A node id, or a cluster name for cluster routes. */
  readonly destination: number | string;
  readonly nextHop: number;
  readonly hops?: number;
  readonly metric?: number;
  /** Route health 0..1 (recent delivery success). */
  readonly health?: number;
  readonly ageMs?: number;
}

/** One node this node knows of (a neighbour, or a node it has routes to or heard from). */
export interface NodeRow {
  readonly id: number;
  /** Heard directly (a neighbour). */
  readonly neighbour: boolean;
  readonly rssi?: number;
  readonly snr?: number;
  /** Hops of the last message from it (or of the last acknowledgement), 1 for a neighbour. */
  readonly hops?: number;
  /** Milliseconds since last heard. */
  readonly ageMs?: number;
  readonly cluster?: string;
}

/** Battery, channel and duty-cycle figures (the API's telemetry record). */
export interface Telemetry {
  readonly battery: number | null;
  readonly batteryMillivolts: number | null;
  /** Share of the last hour (or of the uptime, if shorter) the channel carried frames heard or sent, 0..1. */
  readonly channelUtilisation: number | null;
  /** This node's own airtime in the last hour, ms. */
  readonly airtimeLastHourMs: number | null;
  /** Duty-cycle budget of the rolling hour, ms (null: the band has no duty limit). */
  readonly dutyBudgetMs: number | null;
  /** What is left of it now, ms. */
  readonly dutyBudgetLeftMs: number | null;
}

/** A traceroute probe sent (the result arrives later as a notice and an API event). */
export type TraceStart = { readonly ok: true; readonly seq: number; readonly nextHops: readonly number[] } | { readonly ok: false; readonly code: string; readonly reason: string };

/** What `reset` can erase. */
export type ResetTarget = "counter" | "node-key";

/** Why `contact add` was refused: the core's reasons (contacts.ts), or the mesh not running yet. */
export type ContactAdd =
  | {
      readonly ok: true;
      readonly added: boolean;
      /** Set when the contact is held now but could not be written to flash. */
      readonly saveError?: string;
      /** With saveError: whether reading its record or writing it failed. */
      readonly saveFailedOn?: FlashStep;
      /** Already held, but its flash record was missing or damaged (an earlier write failed): written now. */
      readonly rewritten?: boolean;
    }
  | { readonly ok: false; readonly code: string; readonly reason: string };

export interface ContactRemove {
  /** It was a contact (held or stored). */
  readonly removed: boolean;
  /** Its key is still held by the security layer (used or pinned since it was added): `reset peer` forgets it. */
  readonly keyKept: boolean;
  readonly saveError?: string;
  readonly saveFailedOn?: FlashStep;
}

/** Which flash access failed: reading a contact's record (whether it is there, whether it reads) or writing/erasing it. */
export type FlashStep = "read" | "write";

/** How a console line names a failed flash access. */
function flashFailed(step: FlashStep | undefined): string {
  return step === "read" ? "the flash could not be read" : "the flash could not be written";
}

/** The user's contacts (docs/security.md §8 "Contacts"): the running mesh's, kept in flash. */
export interface ContactsHost {
  /** This node's id and public key, to give to other users. */
  own(): { readonly id: number; readonly publicKey: Uint8Array } | undefined;
  add(id: number, publicKey: Uint8Array): ContactAdd;
  remove(id: number): ContactRemove;
  list(): ReadonlyArray<{ readonly id: number; readonly publicKey: Uint8Array }>;
  /** Contacts held at most. */
  readonly max: number;
}

type Lookup = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly error: string };

/** What the console needs from the firmware. SettingsStore fits `settings` as is. */
export interface ConsoleHost {
  status(): ConsoleStatus;
  neighbours(): readonly NeighbourRow[];
  routes(): readonly RouteRow[];
  /** Queue a unicast text message (UTF-8 bytes); `note` is printed after "queued" (e.g. "private"). */
  send(destination: number, payload: Uint8Array): SendResult & { readonly note?: string };
  broadcast(payload: Uint8Array): SendResult;
  readonly settings: {
    get(key: string): Lookup;
    list(): ReadonlyArray<readonly [string, string]>;
    set(key: string, value: string): SetResult;
    /** Stored values (SettingsStore.current): the mqttca a refused certificate bundle puts back. */
    readonly current?: { readonly mqttCa?: string };
  };
  reboot(): void;
  /** `n` bytes from the platform's best random source (`key random`); absent = the command is unavailable. */
  randomBytes?(n: number): Uint8Array;
  /** Nodes known: neighbours and nodes heard through the mesh. */
  nodes?(): readonly NodeRow[];
  telemetry?(): Telemetry;
  /** Sends a traceroute probe to `destination` (the mesh must be running). */
  traceroute?(destination: number): TraceStart;
  /** Erases a security record; applies at the next boot. Returns what was done. */
  reset?(target: ResetTarget): string;
  /** Forgets the pinned public key of a peer now; false when none was pinned. */
  forgetPeer?(id: number): boolean;
  /** The user's contacts; undefined until the mesh runs. */
  readonly contacts?: ContactsHost;
  /** Erases every setting and key and reboots. */
  factoryReset?(): void;
  /** The internet bridge of a gateway (state, broker, counters); undefined when the node is not one. */
  bridge?(): ReadonlyArray<readonly [string, string]> | undefined;
}

/** A message for the person at the terminal. */
export interface IncomingMessage {
  readonly source: number;
  /** The broadcast id for broadcasts. */
  readonly destination: number;
  readonly payload: Uint8Array;
  readonly hops?: number;
  /** Sealed end to end (a DM): printed as [dm] rather than [msg]. */
  readonly private?: boolean;
}

export interface ConsoleOptions {
  readonly host: ConsoleHost;
  /** Where output text goes (the platform encodes it for the UART). */
  readonly write: (text: string) => void;
  /** Echo typed characters (a terminal on a UART shows only what the device sends back). */
  readonly echo?: boolean;
  readonly prompt?: string;
  /** Longest accepted line in bytes. */
  readonly maxLine?: number;
}

export interface ConsoleCounters {
  lines: number;
  errors: number;
  overlong: number;
}

const NL = "\r\n";
/** Characters of a PEM body line (RFC 7468), all but the last. */
const PEM_LINE = 64;
/** A PEM block's BEGIN or END line, of any type (certificate, key …). */
const PEM_BOUNDARY = /^-----(BEGIN|END) [A-Z0-9 ]{1,40}-----$/;
/** A line of a PEM body (base64). */
const BASE64_LINE = /^[A-Za-z0-9+/=]+$/;
/** A line of base64 long enough to be pasted data rather than a mistyped command. */
const BASE64_WORD = /^[a-z0-9+/=]{20,}$/i;
const BROADCAST_ID = 0xffffffff;

// Frozen (entries too), like every table here, so xsl keeps them in flash.
const COMMANDS: ReadonlyArray<readonly [string, string]> = Object.freeze([
  Object.freeze(["help [command]", "this list, or details of one command"] as const),
  Object.freeze(["status", "node id, radio, battery, GPS, mesh summary"] as const),
  Object.freeze(["neighbors", "nodes heard directly"] as const),
  Object.freeze(["routes", "known routes and their next hops"] as const),
  Object.freeze(["send <node> <text>", "private message to one node, sealed end to end (node: 8 hex digits or decimal)"] as const),
  Object.freeze(["broadcast <text>", "message to every node"] as const),
  Object.freeze(["get [key]", "show one setting, or all"] as const),
  Object.freeze(["set <key> <value>", "change a setting (\"default\" restores it); saved, applies after reboot"] as const),
  Object.freeze(["key random", "draw a random 256-bit network key and print it as a share string for set key"] as const),
  Object.freeze(["contact add|remove|list|me", "this node's public key to give others; the contacts whose keys you were given (a private message to one goes at once)"] as const),
  Object.freeze(["nodes", "every node known: neighbours and nodes heard through the mesh"] as const),
  Object.freeze(["traceroute <node>", "probe the path to a node: hops and round trip"] as const),
  Object.freeze(["reset counter|node-key|peer <node>", "erase the frame counter mark or the node key (after confirmation), or forget a peer's key"] as const),
  Object.freeze(["bridge", "the internet bridge of a gateway: broker, state, gateways seen, frame counters"] as const),
  Object.freeze(["factory-reset", "erase every setting and key and reboot (after confirmation)"] as const),
  Object.freeze(["reboot", "restart the node"] as const),
]);

const DETAILS: Readonly<Record<string, string>> = Object.freeze({
  send:
    "send <node> <text>: a private message, sealed end to end: relays carry it but cannot read it. The first message to a node waits for its public key (fetched automatically, up to 2 min). <node> is 8 hex digits (as `neighbors` shows, e.g. 0a1b2c3d), !hex, 0xhex or a decimal number.",
  broadcast: "broadcast <text>: sends <text> to every node in the network (every node with the network key can read it).",
  traceroute:
    "traceroute <node>: sends a private probe that <node> acknowledges; prints the next hops this node will try now and, when the acknowledgement returns, the hops the probe took and the round trip ([trace] line). Relays do not record themselves, so the path's middle is not listed.",
  reset:
    "reset counter: erase the frame counter mark (a node whose mark was lost starts again at 0; safe only under a network key never used before). reset node-key: draw a new node key pair at the next boot; on the device the node id is the key id of that key, so the node gets a new id too (peers that pinned the old key must reset peer <this node>). reset peer <node>: forget the key pinned for <node> now (it is learned again at the next contact). counter and node-key ask for confirmation and apply after reboot.",
  bridge:
    "bridge (or mqtt): a gateway's link to the MQTT broker that joins clusters over the internet: the broker, whether it is connected (or why not and when it retries), the clusters served, the other gateways online, frames published and received, and input dropped before the mesh core (oversized, empty, bad topic, bad presence; the mesh core drops this gateway's own frames echoed back). A node becomes a gateway with set broker mqtt://host:1883 (a board also needs set wifi and set wifipass), then reboot. TLS: set broker mqtts://host:8883; the broker's certificate is always verified (its CA and its host name): on a board against Let's Encrypt's ISRG Root X1 bundled in the firmware, and also against your own CA after set mqttca (then paste the CA certificate, PEM); on a board mqttca adds to the bundled root and does not replace it (trusting only your CA needs a firmware built without it: docs/gateway.md TLS); on a host mqttca replaces the system's roots.",
  contact:
    "contact me: this node's id and public key (64 hex digits) and the line another user types to add it. contact add <node> <key>: take a peer's public key from its user (as its contact me printed it); a private message to a contact goes at once, without asking the mesh for its key. The key must be the one the id comes from (node ids are key ids, docs/security.md §7.3), so a mistyped or forged key is refused. contact list: the contacts held. contact remove <node>: forget a contact (a key pinned after messages stays pinned: reset peer <node> forgets it). Contacts are kept in flash and loaded at every boot.",
  "factory-reset": "factory-reset: erases every setting, the network and node keys, the frame counter, pinned peers and contacts, then reboots as a fresh node. Asks for confirmation.",
});

// A frozen object rather than an enum (tsc emits enums as a mutable `var`, kept in RAM by xsl).
const Esc = Object.freeze({
  None: 0,
  Started: 1,
  /** ESC [ parameters… final byte (arrow keys, most function keys). */
  Csi: 2,
  /** ESC O x (F1–F4 and keypad keys in application mode). */
  Ss3: 3,
} as const);
type Esc = (typeof Esc)[keyof typeof Esc];

export class Console {
  readonly #host: ConsoleHost;
  readonly #write: (text: string) => void;
  readonly #echo: boolean;
  readonly #prompt: string;
  readonly #line: Uint8Array;
  #length = 0;
  #overlong = false;
  #afterCr = false;
  #escape: Esc = Esc.None;
  /** UTF-8 continuation bytes still expected for the character being typed (for echo). */
  #pendingUtf8 = 0;
  readonly #counters: ConsoleCounters = { lines: 0, errors: 0, overlong: 0 };
  /** A destructive command waiting for "yes" on the next line. */
  #confirm: (() => void) | undefined;
  /** Lines of a PEM certificate being pasted after `set mqttca` (a certificate does not fit one console line). */
  #paste: string[] | undefined;
  #pasteChars = 0;
  /**
   * After a paste ended (saved or refused), the rest of what was pasted is swallowed while it looks
   * like PEM (a bundle's next certificate, a key), so that it neither runs as commands nor is
   * echoed in errors: "between" blocks only a BEGIN line continues; "inside" a block base64 lines
   * (64 characters, then one shorter) and the END line do.
   */
  #absorb: "between" | "inside" | "last" | undefined;
  /** The mqttca the paste replaced (base64, or "none"), to put back if a second certificate follows; undefined once handled. */
  #pasteUndo: string | undefined;

  constructor(options: ConsoleOptions) {
    this.#host = options.host;
    this.#write = options.write;
    this.#echo = options.echo ?? true;
    this.#prompt = options.prompt ?? "> ";
    const max = options.maxLine ?? 200;
    if (!Number.isInteger(max) || max < 8 || max > 4096) throw new RangeError(`maxLine must be 8..4096, got ${max}`);
    this.#line = new Uint8Array(max);
  }

  get counters(): ConsoleCounters {
    return { ...this.#counters };
  }

  /** Prints a greeting and the first prompt. */
  start(banner?: string): void {
    if (banner !== undefined) this.#write(banner + NL);
    this.#write(this.#prompt);
  }

  /** Feeds bytes typed at the terminal. */
  push(chunk: Uint8Array | ArrayBuffer): void {
    const bytes = chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk);
    for (let i = 0; i < bytes.length; i++) this.#byte(bytes[i]);
  }

  /** Prints a received message above the line being typed. */
  message(m: IncomingMessage): void {
    const to = m.destination === BROADCAST_ID ? "all" : formatNodeId(m.destination);
    const hops = m.hops === undefined ? "" : ` (${m.hops} hop${m.hops === 1 ? "" : "s"})`;
    this.notice(`${m.private === true ? "[dm]" : "[msg]"} ${formatNodeId(m.source)} → ${to}${hops}: ${printable(decodeUtf8(m.payload))}`);
  }

  /** Prints an asynchronous line (delivery report, warning) and restores the line being typed. */
  notice(text: string): void {
    this.#write(NL + printable(text) + NL + this.#prompt);
    if (this.#length > 0 && this.#echo) this.#write(decodeUtf8(this.#line.subarray(0, this.#length)));
  }

  #byte(b: number): void {
    if (this.#escape !== Esc.None) {
      // ESC [ … final (0x40..0x7e), ESC O x, or ESC + one byte. A control character (Enter
      // after a stray ESC) ends the sequence and keeps its own meaning.
      if (b < 0x20) this.#escape = Esc.None;
      else {
        if (this.#escape === Esc.Started) this.#escape = b === 0x5b ? Esc.Csi : b === 0x4f ? Esc.Ss3 : Esc.None;
        else if (this.#escape === Esc.Ss3 || (b >= 0x40 && b <= 0x7e)) this.#escape = Esc.None;
        return;
      }
    }
    const afterCr = this.#afterCr;
    this.#afterCr = false;
    switch (b) {
      case 0x0d:
        this.#afterCr = true;
        this.#endLine();
        return;
      case 0x0a:
        if (!afterCr) this.#endLine();
        return;
      case 0x08:
      case 0x7f:
        this.#backspace();
        return;
      case 0x03:
        this.#length = 0;
        this.#overlong = false;
        this.#pendingUtf8 = 0;
        this.#write("^C" + NL + this.#prompt);
        return;
      case 0x1b:
        this.#escape = Esc.Started;
        return;
    }
    if (b < 0x20) return; // other control characters mean nothing here
    if (this.#overlong || this.#length >= this.#line.length) {
      this.#overlong = true;
      return;
    }
    this.#line[this.#length++] = b;
    if (!this.#echo) return;
    if (b < 0x80) {
      this.#pendingUtf8 = 0;
      this.#write(String.fromCharCode(b));
    } else if ((b & 0xc0) === 0x80) {
      if (this.#pendingUtf8 > 0 && --this.#pendingUtf8 === 0) this.#write(decodeUtf8(this.#line.subarray(this.#lastCharStart(), this.#length)));
    } else {
      this.#pendingUtf8 = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : 1;
    }
  }

  #lastCharStart(): number {
    let i = this.#length - 1;
    while (i > 0 && (this.#line[i] & 0xc0) === 0x80) i--;
    return i;
  }

  #backspace(): void {
    if (this.#overlong || this.#length === 0) return;
    this.#length = this.#lastCharStart();
    this.#pendingUtf8 = 0;
    if (this.#echo) this.#write("\b \b");
  }

  #endLine(): void {
    const overlong = this.#overlong;
    const text = decodeUtf8(this.#line.subarray(0, this.#length));
    this.#length = 0;
    this.#overlong = false;
    this.#pendingUtf8 = 0;
    if (this.#echo) this.#write(NL);
    if (overlong) {
      this.#counters.overlong++;
      this.#error(`line too long (over ${this.#line.length} bytes); ignored`);
    } else if (text.trim() !== "") {
      this.#counters.lines++;
      this.#run(text.trim());
    }
    this.#write(this.#prompt);
  }

  #out(text: string): void {
    this.#write(text + NL);
  }

  #error(text: string): void {
    this.#counters.errors++;
    this.#write(`error: ${text}${NL}`);
  }

  #run(line: string): void {
    const space = line.search(/\s/);
    const command = (space < 0 ? line : line.slice(0, space)).toLowerCase();
    const rest = space < 0 ? "" : line.slice(space).trim();
    try {
      if (this.#paste !== undefined) return this.#pasteLine(line);
      if (this.#absorb !== undefined && this.#absorbed(line)) return;
      const confirm = this.#confirm;
      this.#confirm = undefined;
      if (confirm !== undefined) {
        if (line.toLowerCase() === "yes") return this.#guard("confirmation", confirm);
        return this.#out("cancelled");
      }
      switch (command) {
        case "help":
        case "?":
          return this.#help(rest);
        case "status":
          return this.#status();
        case "neighbors":
        case "neighbours":
          return this.#neighbours();
        case "routes":
          return this.#routes();
        case "send":
          return this.#send(rest);
        case "broadcast":
          return this.#broadcast(rest);
        case "get":
          return this.#get(rest);
        case "set":
          return this.#set(rest);
        case "key":
          return rest === "" && this.#host.contacts !== undefined ? this.#contact("me") : this.#key(rest);
        case "contact":
        case "contacts":
          return this.#contact(rest === "" && command === "contacts" ? "list" : rest);
        case "nodes":
          return this.#nodes();
        case "traceroute":
          return this.#traceroute(rest);
        case "reset":
          return this.#reset(rest);
        case "factory-reset":
          return this.#factoryReset(rest);
        case "bridge":
        case "mqtt":
          return this.#bridge(rest);
        case "reboot":
          this.#out("rebooting…");
          this.#host.reboot();
          return;
        default:
          // A long base64-looking word is pasted data (a key's body?): never echoed.
          return this.#error(BASE64_WORD.test(command) ? `unknown command (${command.length} characters of base64-like text, not shown); type help` : `unknown command "${printable(command)}"; type help`);
      }
    } catch (e) {
      // A host failure must not take the console down with it.
      this.#error(`${BASE64_WORD.test(command) ? "that line" : command} failed: ${printable(e instanceof Error ? e.message : String(e))}`);
    }
  }

  /** `key random`: a fresh 256-bit network key as a share string; nothing is changed until `set key`. */
  #key(rest: string): void {
    if (rest.toLowerCase() !== "random") return this.#error("usage: key random (a new network key), or key alone (this node's public key, once the mesh runs)");
    const random = this.#host.randomBytes;
    if (random === undefined) return this.#error("key random: this platform has no random source");
    const share = shareString(random.call(this.#host, NETWORK_KEY_BYTES));
    this.#out(`new network key (256 random bits): ${share}`);
    this.#out(`to use it, on every node of your network: set key ${share}, then reboot`);
    this.#out("keep it secret: anyone who has it can read and join the network (nothing was changed yet)");
  }

  /** `contact me | list | add <node> <key> | remove <node>`. */
  #contact(rest: string): void {
    const [verb, ...args] = rest === "" ? [""] : rest.split(/\s+/);
    const usage = "contact me | contact list | contact add <node> <key> | contact remove <node>";
    const v = verb.toLowerCase();
    if (v !== "me" && v !== "list" && v !== "add" && v !== "remove") return this.#error(`contact what? ${usage}`);
    const contacts = this.#host.contacts;
    if (contacts === undefined) return this.#error("the mesh is not running yet (contacts are held by the running node)");
    if (v === "me" || v === "list") {
      if (args.length > 0) return this.#error(`contact ${v} takes no argument`);
      return v === "me" ? this.#contactMe(contacts) : this.#contactList(contacts);
    }
    if (v === "remove") {
      if (args.length !== 1) return this.#error("contact remove takes one node: contact remove <node>");
      const node = parseNodeId(args[0]);
      if (!node.ok) return this.#error(node.error);
      const r = contacts.remove(node.id);
      const id = formatNodeId(node.id);
      if (!r.removed) return this.#out(`${id} is not a contact`);
      if (r.saveError !== undefined) this.#error(`${id} was removed for now but ${flashFailed(r.saveFailedOn)} (${printable(r.saveError)}): it comes back at the next boot`);
      else this.#out(`removed contact ${id}`);
      if (r.keyKept) this.#out(`its key is still held (used or pinned since it was added): private messages to it still use it; reset peer ${id} forgets it`);
      return;
    }
    if (args.length !== 2) return this.#error("contact add takes a node and its key: contact add <node> <key> (64 hex digits, as contact me prints it on that node)");
    const node = parseNodeId(args[0]);
    if (!node.ok) return this.#error(node.error);
    const key = parsePublicKey(args[1]);
    if (!key.ok) return this.#error(key.error);
    const id = formatNodeId(node.id);
    const r = contacts.add(node.id, key.key);
    if (!r.ok) return this.#error(`contact ${id} not added (${r.code}): ${printable(r.reason)}`);
    if (r.saveError !== undefined) return this.#error(`contact ${id} held until the next boot only: ${flashFailed(r.saveFailedOn)} (${printable(r.saveError)})`);
    if (r.rewritten === true) return this.#out(`${id} is already a contact with this key; now written to flash (it was held until the next boot only)`);
    if (!r.added) return this.#out(`${id} is already a contact with this key`);
    this.#out(`added contact ${id} (key ${fingerprint(key.key)}); private messages to it go at once`);
  }

  #contactMe(contacts: ContactsHost): void {
    const own = contacts.own();
    if (own === undefined) return this.#error("this node has no node key yet");
    const id = formatNodeId(own.id);
    const key = formatPublicKey(own.publicKey);
    this.#out(`node ${id}`);
    this.#out(`public key ${key}`);
    this.#out(`fingerprint ${fingerprint(own.publicKey)}`);
    if (!isBoundKey(own.id, own.publicKey)) return this.#out(`note: this node's id is not the key id of its key (a host run with scripted ids): other nodes refuse it as a contact (docs/security.md §7.3)`);
    this.#out(`on another node, to add this one as a contact: contact add ${id} ${key}`);
  }

  #contactList(contacts: ContactsHost): void {
    const list = contacts.list();
    if (list.length === 0) return this.#out(`no contacts (at most ${contacts.max}); contact add <node> <key> adds one`);
    this.#out(`node      fingerprint          public key (${list.length} of at most ${contacts.max})`);
    for (const c of list) this.#out(`${formatNodeId(c.id)}  ${fingerprint(c.publicKey)}  ${formatPublicKey(c.publicKey)}`);
  }

  #guard(what: string, f: () => void): void {
    try {
      f();
    } catch (e) {
      this.#error(`${what} failed: ${printable(e instanceof Error ? e.message : String(e))}`);
    }
  }

  #ask(question: string, action: () => void): void {
    this.#confirm = action;
    this.#out(`${question} Type yes to confirm, anything else cancels.`);
  }

  #nodes(): void {
    const list = this.#host.nodes?.() ?? [];
    if (list.length === 0) return this.#out("no nodes known yet");
    this.#out("node      hops  snr      last heard  cluster");
    for (const n of list) {
      this.#out(
        `${formatNodeId(n.id)}  ${opt(n.hops, String).padEnd(4)}  ${opt(n.snr, (v) => `${v.toFixed(1)} dB`).padEnd(7)}  ${opt(n.ageMs, (v) => `${duration(v)} ago`).padEnd(10)}  ${printable(n.cluster ?? "-")}`,
      );
    }
  }

  #traceroute(rest: string): void {
    if (rest === "" || /\s/.test(rest)) return this.#error("traceroute takes one node: traceroute <node>");
    const node = parseNodeId(rest);
    if (!node.ok) return this.#error(node.error);
    if (this.#host.traceroute === undefined) return this.#error("the mesh is not running yet");
    const t = this.#host.traceroute(node.id);
    if (!t.ok) return this.#error(`not sent (${t.code}): ${printable(t.reason)}`);
    const via = t.nextHops.length === 0 ? "no route yet (the probe looks for one)" : `next hop ${t.nextHops.map(formatNodeId).join(" or ")}`;
    this.#out(`tracing ${formatNodeId(node.id)}: probe #${t.seq}, ${via}`);
  }

  #reset(rest: string): void {
    const [what, arg, more] = rest.split(/\s+/);
    const host = this.#host;
    if (what === "peer") {
      if (arg === undefined || more !== undefined) return this.#error("reset peer takes one node: reset peer <node>");
      const node = parseNodeId(arg);
      if (!node.ok) return this.#error(node.error);
      if (host.forgetPeer === undefined) return this.#error("the mesh is not running yet");
      return this.#out(host.forgetPeer(node.id) ? `forgot the key of ${formatNodeId(node.id)}; it is learned again at the next contact` : `no key pinned for ${formatNodeId(node.id)}`);
    }
    if ((what !== "counter" && what !== "node-key") || arg !== undefined) return this.#error("reset what? reset counter | reset node-key | reset peer <node>");
    if (host.reset === undefined) return this.#error("reset is not available on this node");
    const question =
      what === "counter"
        ? "Erase the frame counter mark? The node starts counting at 0 after reboot: safe only under a network key it never used (otherwise nonces repeat)."
        : host.status().nodeIdSource === "key"
          ? "Erase the node key? A new key pair is drawn at the next boot, and with it a new node id (the key id of the new key); peers that pinned the old key must reset peer " + formatNodeId(host.status().nodeId) + "."
          : "Erase the node key? A new key pair is drawn at the next boot; peers that pinned the old one must reset peer " + formatNodeId(host.status().nodeId) + ".";
    this.#ask(question, () => this.#out(host.reset?.(what) ?? ""));
  }

  #bridge(rest: string): void {
    if (rest !== "") return this.#error("bridge takes no argument");
    const rows = this.#host.bridge?.();
    if (rows === undefined) return this.#out("not a gateway: set broker mqtt://host:1883 (mqtts:// for TLS; a board also needs set wifi and set wifipass), then reboot");
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) this.#out(`${k.padEnd(width)}  ${printable(v)}`);
  }

  #factoryReset(rest: string): void {
    if (rest !== "") return this.#error("factory-reset takes no argument");
    const reset = this.#host.factoryReset;
    if (reset === undefined) return this.#error("factory-reset is not available on this node");
    this.#ask("Erase every setting, the keys and the frame counter, and reboot as a fresh node?", () => {
      this.#out("erasing; rebooting…");
      reset();
    });
  }

  #help(topic: string): void {
    const t = topic.toLowerCase();
    if (t === "") {
      const width = Math.max(...COMMANDS.map(([c]) => c.length));
      for (const [c, d] of COMMANDS) this.#out(`  ${c.padEnd(width)}  ${d}`);
      return;
    }
    if (t === "set" || t === "get") {
      this.#out("settings (get <key>, set <key> <value>):");
      for (const key of SETTING_KEYS) this.#out(`  ${key.padEnd(9)} ${SETTING_HELP[key]}`);
      return;
    }
    const entry = COMMANDS.find(([c]) => c.split(" ")[0] === t || (t === "neighbours" && c.startsWith("neighbors")) || (t === "mqtt" && c === "bridge"));
    if (entry === undefined) return this.#error(`no command "${printable(topic)}"; type help`);
    this.#out(DETAILS[entry[0].split(" ")[0]] ?? `${entry[0]}: ${entry[1]}`);
  }

  #status(): void {
    const s = this.#host.status();
    const id = s.nodeIdSource === "pending" ? "none yet (it comes from the node key, drawn when the radio starts)" : `${formatNodeId(s.nodeId)}${s.nodeIdSource ? ` (${s.nodeIdSource === "key" ? "key id of the node key" : s.nodeIdSource})` : ""}`;
    const rows: Array<[string, string]> = [["node", id]];
    if (s.board !== undefined) rows.push(["board", s.board]);
    if (s.radio !== undefined) rows.push(["radio", s.radio]);
    if (s.region !== undefined || s.preset !== undefined) {
      const freq = s.frequencyHz === undefined ? "" : ` @ ${(s.frequencyHz / 1e6).toFixed(3)} MHz`;
      rows.push(["channel", `${s.region ?? "?"} ${s.preset ?? "?"}${freq}`]);
    }
    if (s.txPowerDbm !== undefined) rows.push(["tx power", `${s.txPowerDbm} dBm`]);
    if (s.role !== undefined) rows.push(["role", s.role]);
    if (s.networkName !== undefined) rows.push(["network", s.networkName]);
    rows.push(["uptime", duration(s.uptimeMs)]);
    if (s.batteryLevel !== undefined || s.batteryMillivolts !== undefined) {
      const pct = s.batteryLevel === undefined ? "?" : `${Math.round(s.batteryLevel * 100)} %`;
      const mv = s.batteryMillivolts === undefined ? "" : ` (${(s.batteryMillivolts / 1000).toFixed(2)} V)`;
      rows.push(["battery", pct + mv]);
    } else rows.push(["battery", "none"]);
    if (s.gps !== undefined) {
      const g = s.gps;
      const sats = g.satellites === undefined ? "" : `, ${g.satellites} satellites`;
      rows.push([
        "gps",
        g.hasFix && g.latitude !== undefined && g.longitude !== undefined ? `fix ${g.latitude.toFixed(5)}, ${g.longitude.toFixed(5)}${sats}` : `no fix${sats}`,
      ]);
    }
    if (s.cluster !== undefined) rows.push(["cluster", s.cluster]);
    if (s.neighbours !== undefined) rows.push(["neighbors", `${s.neighbours}`]);
    if (s.routes !== undefined) rows.push(["routes", `${s.routes}`]);
    for (const [k, v] of s.extra ?? []) rows.push([k, v]);
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) this.#out(`${k.padEnd(width)}  ${printable(v)}`);
  }

  #neighbours(): void {
    const list = this.#host.neighbours();
    if (list.length === 0) return this.#out("no neighbors heard yet");
    this.#out("node      rssi      snr      q     last heard  cluster");
    for (const n of list) {
      this.#out(
        `${formatNodeId(n.id)}  ${opt(n.rssi, (v) => `${Math.round(v)} dBm`).padEnd(8)}  ${opt(n.snr, (v) => `${v.toFixed(1)} dB`).padEnd(7)}  ${opt(n.quality, (v) => v.toFixed(2)).padEnd(4)}  ${opt(n.ageMs, (v) => `${duration(v)} ago`).padEnd(10)}  ${printable(n.cluster ?? "-")}`,
      );
    }
  }

  #routes(): void {
    const list = this.#host.routes();
    if (list.length === 0) return this.#out("no routes yet");
    this.#out("destination  next hop  hops  metric  health  age");
    for (const r of list) {
      const dst = typeof r.destination === "number" ? formatNodeId(r.destination) : printable(r.destination);
      this.#out(
        `${dst.padEnd(11)}  ${formatNodeId(r.nextHop)}  ${opt(r.hops, String).padEnd(4)}  ${opt(r.metric, (v) => v.toFixed(2)).padEnd(6)}  ${opt(r.health, (v) => v.toFixed(2)).padEnd(6)}  ${opt(r.ageMs, duration)}`,
      );
    }
  }

  #send(rest: string): void {
    const space = rest.search(/\s/);
    if (rest === "" || space < 0) return this.#error("send needs a node and a message: send <node> <text>");
    const node = parseNodeId(rest.slice(0, space));
    if (!node.ok) return this.#error(node.error);
    const text = rest.slice(space).trim();
    this.#report(this.#host.send(node.id, encodeUtf8(text)), formatNodeId(node.id));
  }

  #broadcast(rest: string): void {
    if (rest === "") return this.#error("broadcast needs a message: broadcast <text>");
    this.#report(this.#host.broadcast(encodeUtf8(rest)), "all");
  }

  #report(result: SendResult & { readonly note?: string }, to: string): void {
    if (result.ok) this.#out(`queued #${result.seq} to ${to}${result.note === undefined ? "" : ` (${printable(result.note)})`}`);
    else this.#error(`not sent (${result.code}): ${printable(result.reason)}`);
  }

  #get(rest: string): void {
    if (rest === "") {
      for (const [k, v] of this.#host.settings.list()) this.#out(`${k.padEnd(9)} ${printable(v)}`);
      return;
    }
    if (/\s/.test(rest)) return this.#error("get takes one key: get [key]");
    const r = this.#host.settings.get(rest);
    if (r.ok) this.#out(`${rest.toLowerCase()} = ${printable(r.value)}`);
    else this.#error(r.error);
  }

  #set(rest: string): void {
    const space = rest.search(/\s/);
    const value = space < 0 ? "" : rest.slice(space).trim();
    if ((space < 0 ? rest : rest.slice(0, space)).toLowerCase() === "mqttca" && (value === "" || (value.includes(PEM_BEGIN) && !value.includes(PEM_END)))) {
      this.#paste = value === "" ? [] : [value];
      this.#pasteChars = value.length;
      return this.#out(`paste the broker's CA certificate (PEM, ${PEM_BEGIN} … ${PEM_END}); cancel stops`);
    }
    if (rest === "" || space < 0) return this.#error("set needs a key and a value: set <key> <value> (help set lists the keys)");
    const r = this.#host.settings.set(rest.slice(0, space), value);
    if (r.ok) this.#out(r.message);
    else this.#error(r.error);
  }

  /** One line of a pasted certificate: kept until the END line, then saved as mqttca; anything else ends the paste. */
  #pasteLine(line: string): void {
    const lines = this.#paste as string[];
    if (line.toLowerCase() === "cancel") {
      this.#paste = undefined;
      return this.#out("cancelled; mqttca unchanged");
    }
    const boundary = PEM_BOUNDARY.exec(line);
    if (boundary !== null && line !== PEM_BEGIN && line !== PEM_END) {
      // Another PEM block (a private key?): refused, and its body is swallowed unseen.
      this.#paste = undefined;
      this.#absorb = boundary[1] === "BEGIN" ? "inside" : "between";
      this.#pasteUndo = "";
      return this.#error(`mqttca: "${line.slice(5, -5)}" is not a CA certificate; paste cancelled (unchanged)`);
    }
    this.#pasteChars += line.length;
    // PEM body lines are 64 characters but the last: after a shorter one only the END line may come.
    const last = lines[lines.length - 1];
    const bodyEnded = last !== undefined && last !== PEM_BEGIN && last.length < PEM_LINE;
    const pemLine = line === PEM_END || (!bodyEnded && (line === PEM_BEGIN || BASE64_LINE.test(line)));
    if (!pemLine || this.#pasteChars > CA_PASTE_MAX_CHARS) {
      this.#paste = undefined;
      if (pemLine) [this.#absorb, this.#pasteUndo] = ["inside", ""]; // the rest of an oversized paste is swallowed
      return this.#error(pemLine ? `mqttca: the paste is over ${CA_PASTE_MAX_CHARS} characters; give the broker's CA certificate only (unchanged)` : `mqttca: "${printable(line.slice(0, 20))}" is not a line of a PEM certificate; paste cancelled (unchanged)`);
    }
    lines.push(line);
    if (line !== PEM_END) return;
    this.#paste = undefined;
    this.#absorb = "between";
    const before = this.#host.settings.current?.mqttCa ?? "none";
    const r = this.#host.settings.set("mqttca", lines.join("\n"));
    this.#pasteUndo = r.ok ? before : undefined;
    if (r.ok) this.#out(r.message);
    else this.#error(r.error);
  }

  /** Whether a line after a paste is more of what was pasted (then swallowed); a second certificate undoes the paste. */
  #absorbed(line: string): boolean {
    const boundary = PEM_BOUNDARY.exec(line);
    const state = this.#absorb;
    if (boundary !== null && boundary[1] === "BEGIN" && state === "between") {
      this.#absorb = "inside";
      if (this.#pasteUndo !== "") {
        const undo = this.#pasteUndo;
        this.#pasteUndo = "";
        const r = undo === undefined ? undefined : this.#host.settings.set("mqttca", undo);
        this.#error(`mqttca: a bundle: paste only the CA certificate (the broker's CA, one certificate); nothing saved, mqttca unchanged${r !== undefined && !r.ok ? ` (could not restore it: ${r.error})` : ""}`);
      }
      return true;
    }
    if (boundary !== null && boundary[1] === "END" && state !== "between") {
      this.#absorb = "between";
      return true;
    }
    if (state === "inside" && BASE64_LINE.test(line) && line.length <= PEM_LINE) {
      if (line.length < PEM_LINE) this.#absorb = "last";
      return true;
    }
    this.#absorb = undefined;
    this.#pasteUndo = undefined;
    return false;
  }
}
Object.freeze(Console.prototype);

function opt<T>(v: T | undefined, f: (v: T) => string): string {
  return v === undefined ? "-" : f(v);
}

/** "1 h 02 min", "3 min 05 s", "42 s" */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, "0")} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${String(m % 60).padStart(2, "0")} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** Text from the air or the host made safe for a terminal: control characters shown as \xNN. */
export function printable(text: string): string {
  let out = "";
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    out += c < 0x20 || (c >= 0x7f && c < 0xa0) ? `\\x${c.toString(16).padStart(2, "0")}` : ch;
  }
  return out;
}
