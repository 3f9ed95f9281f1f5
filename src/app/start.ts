// The whole node, platform-independent: opens the console UART, boots (settings, identity,
// power rails, battery, GPS parser), opens the GPS UART, detects and starts the radio with the
// region and preset, builds the core MeshNode from the settings, wraps it in the security layer
// (SecureStation: network key, node key and frame counter from flash, src/app/security.ts) and
// drives that with the MeshRunner. The device entry (main.ts) calls it with Moddable's modules and the board's
// `device`; the host run (src/host/host-node.ts) with emulated IO on the virtual air. Nothing in
// here knows which.
//
// Failures never stop the boot: without a radio the console still comes up and says why.
import type { BoardProfile, RadioChip } from "../../boards/common/board-profile";
import type { System5Device } from "../../boards/common/device";
import type { Radio, RadioClock, RadioTimer } from "../../drivers/radio";
import { airtimeMs } from "../core/airtime";
import { MeshNode } from "../core/mesh-node";
import { SeededRng } from "../core/rng";
import { networkKeys } from "../core/security/keys";
import { CONTACT_REFUSED_LOG, SecureStation, type SecureDelivered } from "../core/security/secure-station";
import { BRIDGE_MAX_FRAME, networkTag } from "../core/bridge/topics";
import { formatNodeId, type Station, type StationEvent } from "../core/station";
import { BridgeDriver } from "./bridge-driver";
import { parseBrokerUrl, type MqttLinkFactory } from "./bridge-link";
import { fromBase64 } from "./ca-cert";
import { DeviceApi } from "./api";
import { FrameSplitter } from "./api-frame";
import { boot, type App } from "./boot";
import { ChannelMeter } from "./channel-meter";
import type { Console } from "./console";
import { HeardNodes } from "./heard-nodes";
import { erase } from "./resets";
import { isProbe, Probes } from "./traceroute";
import type { SerialLike } from "./io-types";
import { meshBinding, meshNodeOptions, meshPlan, type MeshPlan } from "./mesh-binding";
import { MeshRunner } from "./mesh-runner";
import { PreferencePeerStore } from "./peer-store";
import { DEVICE_MAX_CONTACTS, PreferenceContactStore } from "./contact-store";
import { identityOfKey, usableNodeKey } from "./key-identity";
import { loadNetworkKey, loadNodeSecret, netIdText, PreferenceCounterStore, PUBLIC_KEY_WARNING } from "./security";
import { DEFAULT_SETTINGS, redrawAutoId, type NodeIdentity, type PreferenceLike } from "./settings";
import { bootEntropy, RADIO_NOISE_BYTES, type EntropyPool } from "./entropy";
import { decodeUtf8, encodeUtf8 } from "./utf8";

export interface NodePlatform {
  /** The board provider's `device` (boards/common/device.ts). */
  readonly device: System5Device;
  readonly profile: BoardProfile;
  readonly preferences: PreferenceLike;
  /** Monotonic ms, blocking delay, one-shot timers (Moddable Timer/Time, or the VirtualClock). */
  readonly clock: RadioClock;
  /** MAC address bytes, undefined when the platform cannot read one. */
  readonly mac: () => Uint8Array | undefined;
  /** Uniform random unsigned 32-bit integers (node id without a MAC, the core's RNG seed). */
  readonly random32: () => number;
  /** Restarts the node (System.restart on the device). */
  readonly restart: () => void;
  /**
   * Node ids are the key ids of the node keys and binding is required (docs/security.md §7.3):
   * the device sets it. Without it (host runs with scripted ids) ids come from the settings, the
   * MAC or a stored random id, and binding is optional.
   */
  readonly idsFromKeys?: boolean;
  /** MQTT for a gateway (Wi-Fi and the SDK's client on the device, npm mqtt on the host); absent = none. */
  readonly bridgeLink?: MqttLinkFactory;
}

export interface RunningNode {
  readonly app: App;
  /** Undefined when no radio answered (or the mesh could not start). */
  readonly mesh:
    | {
        readonly node: MeshNode;
        readonly secure: SecureStation;
        readonly counterStore: PreferenceCounterStore;
        readonly runner: MeshRunner;
        readonly radio: Radio;
        readonly chip: RadioChip;
        /** The internet bridge of a gateway (a broker is set and the platform has MQTT). */
        readonly bridge?: BridgeDriver;
      }
    | undefined;
  /** Releases every timer, pin, bus and UART (the host's reboot; the device restarts instead). */
  stop(): void;
}

/** Lets the UART send "rebooting…" before the restart. */
const REBOOT_DELAY_MS = 200;
/** How often the battery level is read and handed to the core (it changes slowly). */
export const BATTERY_PERIOD_MS = 60_000;

export function startNode(devicePlatform: NodePlatform): RunningNode {
  // Every random draw goes through one pool (src/app/entropy.ts): Math.random and the clock now,
  // the radio's receiver noise once the radio is open.
  const entropy = bootEntropy(devicePlatform.random32, devicePlatform.clock.now());
  const platform: NodePlatform = { ...devicePlatform, random32: () => entropy.u32() };
  const { device, clock } = platform;
  let app: App | undefined;
  let api: DeviceApi | undefined;
  // The console and the device API share the USB UART: API frames are split off (src/app/api-frame.ts).
  const splitter = new FrameSplitter({
    now: () => clock.now(),
    onText: (bytes) => app?.console.push(bytes),
    onFrame: (payload) => api?.frame(payload),
    onError: (reason) => api?.error(reason),
  });
  const consoleUart = new device.Serial.default.io({
    ...device.Serial.default,
    format: "buffer",
    onReadable() {
      const bytes = this.read();
      if (bytes instanceof ArrayBuffer) splitter.push(bytes);
    },
  });
  const write = (text: string): void => consoleUart.write(encodeUtf8(text));
  const power = new device.peripheral.power.Default();
  const booted = boot({
    profile: platform.profile,
    preferences: platform.preferences,
    power,
    mac: platform.mac,
    random32: platform.random32,
    now: () => clock.now(),
    write,
    reboot: () => clock.set(() => platform.restart(), REBOOT_DELAY_MS),
    erase: (target) => erase(platform.preferences, target),
    idsFromKeys: platform.idsFromKeys === true,
  });
  app = booted;
  api = new DeviceApi({ host: booted.host, write: (bytes) => consoleUart.write(bytes) });
  const say = (line: string): void => write(line + "\r\n");
  let gpsUart: SerialLike | undefined;
  try {
    gpsUart = openGps(device, booted);
  } catch (e) {
    say(`warning: no GPS (${e instanceof Error ? e.message : String(e)})`);
  }
  let mesh: RunningNode["mesh"];
  try {
    mesh = startMesh(platform, booted, say, entropy, api);
  } catch (e) {
    say(`error: the mesh did not start: ${e instanceof Error ? e.message : String(e)}`);
  }
  let batteryTimer: RadioTimer | undefined;
  const sampleBattery = (): void => {
    mesh?.node.setBattery(booted.batteryLevel());
    batteryTimer = clock.set(sampleBattery, BATTERY_PERIOD_MS);
  };
  if (mesh !== undefined) batteryTimer = clock.set(sampleBattery, BATTERY_PERIOD_MS);
  booted.console.start();
  return {
    app: booted,
    mesh,
    stop() {
      if (batteryTimer !== undefined) clock.clear(batteryTimer);
      mesh?.bridge?.stop();
      mesh?.runner.stop();
      mesh?.radio.close();
      gpsUart?.close();
      consoleUart.close();
      power.close();
    },
  };
}

/** The GPS UART feeding the boot's NMEA parser (boards with a GPS connector). */
function openGps(device: System5Device, app: App): SerialLike | undefined {
  const gps = device.peripheral.gps;
  const parser = app.gps;
  if (gps === undefined || parser === undefined) return undefined;
  // The ESP32 UART has no software buffer: drain the 128-byte FIFO on every callback (moddable.md §4.3).
  return new gps.io({
    port: gps.port,
    receive: gps.receive,
    ...(gps.transmit === undefined ? {} : { transmit: gps.transmit }),
    baud: gps.baud,
    format: "buffer",
    onReadable() {
      const bytes = this.read();
      if (bytes instanceof ArrayBuffer) parser.push(bytes);
    },
  });
}

function startMesh(platform: NodePlatform, app: App, say: (line: string) => void, entropy: EntropyPool, api: DeviceApi): RunningNode["mesh"] {
  const { clock } = platform;
  const plan = meshPlan(app.settings.current);
  let runner: MeshRunner | undefined;
  const meter = new ChannelMeter(clock.now());
  let detected;
  try {
    // The radio's transmit power is set below, once the chip (and so its range) is known.
    detected = platform.device.peripheral.lora.open({
      clock,
      config: plan.radio,
      onPacket: (packet) => {
        meter.add(clock.now(), airtimeMs(plan.node.modem, packet.bytes.length));
        runner?.packet(packet);
      },
      onError: (error) => app.console.notice(`radio: ${error.message}`),
    });
  } catch (e) {
    say(`error: ${e instanceof Error ? e.message : String(e)}; the mesh is not running`);
    return undefined;
  }
  const { radio, chip } = detected;
  for (const a of detected.attempts) say(`radio: no ${a.chip} (${a.error})`);
  mixRadioNoise(radio, chip, entropy, say);
  try {
    return runMesh(platform, app, say, { radio, chip, plan, api, meter }, (r) => (runner = r));
  } catch (e) {
    // Whatever failed after the radio opened, its pins and bus go back (a reboot reopens them).
    radio.close();
    throw e;
  }
}

/** The core and its loop on an opened radio; `bind` hands the runner to the radio's onPacket. */
function runMesh(
  platform: NodePlatform,
  app: App,
  say: (line: string) => void,
  opened: { readonly radio: Radio; readonly chip: RadioChip; readonly plan: MeshPlan; readonly api: DeviceApi; readonly meter: ChannelMeter },
  bind: (runner: MeshRunner) => void,
): NonNullable<RunningNode["mesh"]> {
  const { clock } = platform;
  const { radio, chip, plan } = opened;
  const heard = new HeardNodes();
  const probes = new Probes();
  const settings = app.settings.current;
  const prefs = platform.preferences;
  // Keys and the counter (src/app/security.ts): none of this can stop the boot; a lost counter
  // mark makes the node listen without transmitting, and says so.
  const net = loadNetworkKey(prefs, settings.passphrase, settings.networkName, () =>
    say("security: deriving the network key from the passphrase (once per passphrase and name; slow on a device)…"),
  );
  for (const w of net.warnings) say(`warning: ${w}`);
  if (net.isDefault) say(PUBLIC_KEY_WARNING);
  const idsFromKeys = platform.idsFromKeys === true;
  // Where ids come from keys, a key whose key id is reserved cannot be a node's: another is drawn.
  const own = loadNodeSecret(prefs, platform.random32, undefined, idsFromKeys ? usableNodeKey : undefined);
  for (const w of own.warnings) say(`warning: ${w}`);
  // The boot already took the id from this stored key; a key drawn now (first boot, or a damaged
  // or unreadable record) gives the node its id here.
  if (idsFromKeys && (own.source === "new" || app.identity.source !== "key")) app.setIdentity(identityOfKey(own.secretKey));
  const netId = networkKeys(net.key).netId;
  const counterStore = new PreferenceCounterStore(prefs, netId);
  const node = new MeshNode(
    meshNodeOptions(plan, { id: app.identity.id, rng: new SeededRng(platform.random32()), now: clock.now(), battery: app.batteryLevel() }),
  );
  if (!net.isDefault && net.source !== "share" && settings.networkName === DEFAULT_SETTINGS.networkName) {
    say(`note: a passphrase under the default network name "${DEFAULT_SETTINGS.networkName}": every such network shares the PBKDF2 salt, so one precomputed dictionary serves them all; set name <your network's own name> on every node, or use key random`);
  }
  const peerStore = new PreferencePeerStore(prefs);
  // Bound ids (docs/security.md §7.3): where ids come from keys, only keys bound to their ids are learned.
  const idBinding = idsFromKeys ? "required" : "optional";
  const secure = new SecureStation({
    inner: node,
    networkKey: net.key,
    counterStore,
    nodeSecretKey: own.secretKey,
    peerStore,
    modem: plan.node.modem,
    floodContentionCw: node.config.floodContentionCw,
    now: clock.now(),
    idBinding,
    maxContacts: DEVICE_MAX_CONTACTS,
  });
  if (peerStore.damaged.length > 0) say(`warning: ${peerStore.damaged.length} pinned peer key record(s) damaged (${peerStore.damaged.join(", ")}): those peers are pinned afresh when next heard`);
  const contactStore = new PreferenceContactStore(prefs);
  loadContacts(contactStore, secure, clock.now(), say);
  for (const n of counterStore.notes) say(`warning: ${n}`);
  if (counterStore.problem !== undefined) say(`error: ${counterStore.problem}`);
  say(`security: network ${netIdText(netId)} (${net.isDefault ? "public default key" : net.source === "share" ? "random key from a share string" : `passphrase, key ${net.source}`}), node key ${secure.fingerprintOf(secure.id) ?? "none"}`);
  const logged = new Map<string, number>();
  let bridge: BridgeDriver | undefined;
  const duplicates = duplicateIdWatch(secure, app.identity, prefs, platform.random32, (text) => app.console.notice(text), () => clock.set(() => platform.restart(), REBOOT_DELAY_MS));
  const meshRunner = new MeshRunner({
    station: secure,
    radio,
    clock,
    onEvents: (events) => {
      report({ console: app.console, api: opened.api, heard, probes }, events, logged);
      duplicates.check();
    },
    onRadioError: (error) => app.console.notice(`radio: ${error.message}`),
    onStationError: (error) => app.console.notice(`error: the mesh core threw (${error.message}); that frame or timer event was dropped, the node carries on`),
    afterRun: (now) => bridge?.pump(now),
  });
  bind(meshRunner);
  const bridgeStart = startBridge(platform, app, say, secure, netId, () => meshRunner.poke());
  bridge = typeof bridgeStart === "string" ? undefined : bridgeStart;
  const binding = meshBinding({
    node,
    secure,
    chip,
    plan,
    now: () => clock.now(),
    poke: () => meshRunner.poke(),
    heard,
    probes,
    meter: opened.meter,
    contactStore,
    ...(bridgeStart === undefined ? {} : { bridge: () => (typeof bridgeStart === "string" ? [["broker", settings.broker ?? "none"], ["state", `not running: ${bridgeStart}`]] : bridgeStart.statusRows()) }),
    extra: () => {
      const s = meshRunner.stats;
      return [
        ["network key", `${net.isDefault ? "public default" : net.source === "share" ? "random (share string)" : "passphrase"} (network id ${netIdText(netId)})`],
        ["radio", `${s.sent} sent, ${s.received} received, deferred ${s.channelBusy} × channel busy and ${s.receiving} × receiving, ${s.radioErrors} errors, ${s.stationErrors} core errors caught`],
      ];
    },
  });
  app.attachMesh(binding);
  radio.configure({ txPowerDbm: settings.txPowerDbm });
  say(`radio: ${chip} ${settings.region} ${settings.preset} @ ${(plan.radio.frequencyHz / 1e6).toFixed(3)} MHz, ${settings.txPowerDbm} dBm`);
  if (app.gps !== undefined) binding.gps?.(app.gps.state);
  meshRunner.start();
  return { node, secure, counterStore, runner: meshRunner, radio, chip, ...(bridge === undefined ? {} : { bridge }) };
}

/**
 * The user's contacts from flash into the security layer (docs/security.md §8 "Contacts"). A
 * record that does not read is erased and named; one the core refuses is named with the reason
 * (the core counts it too): erased when it can never be taken (not bound to its id, malformed,
 * this node's own id), kept when the user can resolve it (a conflict with a pinned key: reset
 * peer; a full book). Nothing here stops the boot or touches another record.
 */
function loadContacts(store: PreferenceContactStore, secure: SecureStation, now: number, say: (line: string) => void): void {
  const loaded = store.load();
  if (loaded.problem !== undefined) say(`warning: ${loaded.problem}; no contacts loaded`);
  if (loaded.damaged.length > 0) say(`warning: ${loaded.damaged.length} contact record(s) damaged and erased (${loaded.damaged.join(", ")}): add those contacts again`);
  let held = 0;
  const kept: Array<{ readonly id: number; readonly code: string }> = [];
  for (const c of loaded.contacts) {
    const r = secure.addContact(now, c.id, c.publicKey);
    if (r.ok) {
      held++;
      continue;
    }
    if (r.code === "conflict" || r.code === "full") {
      kept.push({ id: c.id, code: r.code });
      continue;
    }
    try {
      store.remove(c.id);
    } catch {
      // Refused again at the next boot; nothing else depends on it.
    }
    say(`warning: stored contact ${formatNodeId(c.id)} refused (${r.code}): ${r.reason}; record erased`);
  }
  if (held > 0) say(`contacts: ${held} loaded (at most ${secure.maxContacts}); contact list shows them`);
  if (kept.length > 0) say(keptContactsWarning(kept));
}

/** Kept records named at most in the boot warning (they come back at every boot: one line, not one each). */
const KEPT_CONTACTS_NAMED = 3;

/** One boot line for the stored contacts refused but kept (a full book, a conflict): a count by reason and the first few ids. */
function keptContactsWarning(kept: ReadonlyArray<{ readonly id: number; readonly code: string }>): string {
  const codes = new Map<string, number>();
  for (const k of kept) codes.set(k.code, (codes.get(k.code) ?? 0) + 1);
  const named = kept.slice(0, KEPT_CONTACTS_NAMED).map((k) => formatNodeId(k.id)).join(", ");
  const more = kept.length > KEPT_CONTACTS_NAMED ? ` and ${kept.length - KEPT_CONTACTS_NAMED} more` : "";
  const why = [...codes].map(([code, n]) => `${n} ${code}`).join(", ");
  return `warning: ${kept.length} stored contact(s) not held, records kept (${why}: ${named}${more}): contact remove <node> frees room in a full book; reset peer <node> clears a conflict with a pinned key`;
}

/**
 * The gateway's internet bridge, when a broker is set: the core's BridgePort (present because
 * meshPlan configured the node as a gateway) joined to the platform's MQTT. It connects once the
 * mesh runs and keeps reconnecting; the mesh never waits for it. A string: why it could not start.
 */
function startBridge(platform: NodePlatform, app: App, say: (line: string) => void, secure: SecureStation, netId: number, poke: () => void): BridgeDriver | string | undefined {
  const s = app.settings.current;
  if (s.broker === undefined) return undefined;
  const broker = parseBrokerUrl(s.broker);
  const port = (secure as Station).bridge;
  const refuse = (why: string): string => {
    say(`warning: bridge: ${why}; the node runs without the internet bridge`);
    return why;
  };
  if (!broker.ok) return refuse(`${broker.error}; set broker again`);
  const caCert = s.mqttCa === undefined ? undefined : fromBase64(s.mqttCa);
  if (platform.bridgeLink === undefined) return refuse("a broker is set but this platform has no MQTT client");
  if (port === undefined) return refuse("this mesh core has no gateway role");
  const driver = new BridgeDriver({
    port,
    self: secure.id,
    net: networkTag(netId),
    link: platform.bridgeLink,
    broker: broker.value,
    ...(s.mqttUser === undefined ? {} : { username: s.mqttUser }),
    ...(s.mqttPassword === undefined ? {} : { password: s.mqttPassword }),
    ...(s.wifiSsid === undefined ? {} : { wifi: { ssid: s.wifiSsid, ...(s.wifiPassword === undefined ? {} : { password: s.wifiPassword }) } }),
    ...(caCert === undefined ? {} : { caCert }),
    clock: platform.clock,
    random: () => platform.random32() / 0x1_0000_0000,
    poke,
    maxFrame: BRIDGE_MAX_FRAME,
    notice: (text) => app.console.notice(text),
  });
  say(`bridge: gateway for ${port.bridgeClusters().join(" ") || "its cluster"} via ${s.broker} (network ${networkTag(netId)}); bridge shows the link`);
  driver.start();
  return driver;
}

/** The same warning text is printed at most once in this long (a refused seal repeats per frame). */
const LOG_REPEAT_MS = 10 * 60_000;

/** Where station events go: the console (people), the device API (programs), the node list and traceroute. */
interface Reporting {
  readonly console: Console;
  readonly api: DeviceApi;
  readonly heard: HeardNodes;
  readonly probes: Probes;
}

/** Station events a person at the terminal (and a program on the API) wants to see: messages, the fate of their own, warnings. */
function report(r: Reporting, events: readonly StationEvent[], logged: Map<string, number>): void {
  const { console, api } = r;
  for (const e of events) {
    if (e.type === "delivered") {
      const isPrivate = (e as SecureDelivered).private === true;
      r.heard.heard(e.src, e.hops, e.at);
      if (isPrivate && isProbe(e.payload)) {
        console.notice(`[trace] probe from ${formatNodeId(e.src)} (${e.hops} hop${e.hops === 1 ? "" : "s"}), acknowledged`);
        continue;
      }
      console.message({ source: e.src, destination: e.dst, payload: e.payload, hops: e.hops, private: isPrivate });
      api.event({ event: "message", from: formatNodeId(e.src), to: e.dst === 0xffffffff ? "all" : formatNodeId(e.dst), hops: e.hops, private: isPrivate, text: decodeUtf8(e.payload) });
    } else if (e.type === "log" && e.level === "warn") {
      // Contacts are added only by the app (console, API, boot), which shows each refusal itself.
      if (e.text.startsWith(CONTACT_REFUSED_LOG)) continue;
      const last = logged.get(e.text);
      if (last !== undefined && e.at - last < LOG_REPEAT_MS) continue;
      logged.set(e.text, e.at);
      if (logged.size > 32) logged.delete(logged.keys().next().value as string);
      console.notice(`warning: ${e.text}`);
    } else if (e.type === "acked") {
      r.heard.heard(e.dst, e.hops, e.at);
      const trace = r.probes.settle(e.seq, e.at, { hops: e.hops });
      if (trace !== undefined) {
        console.notice(`[trace] ${formatNodeId(trace.to)}: ${e.hops} hop${e.hops === 1 ? "" : "s"}, round trip ${(trace.roundTripMs / 1000).toFixed(1)} s`);
        api.event({ event: "traceroute", seq: e.seq, to: formatNodeId(trace.to), ok: true, hops: e.hops, roundTripMs: Math.round(trace.roundTripMs) });
        continue;
      }
      console.notice(`[ack] #${e.seq} to ${formatNodeId(e.dst)} arrived (${e.hops} hop${e.hops === 1 ? "" : "s"})`);
      api.event({ event: "ack", seq: e.seq, to: formatNodeId(e.dst), hops: e.hops });
    } else if (e.type === "send-failed") {
      const trace = r.probes.settle(e.seq, e.at, { reason: e.reason });
      if (trace !== undefined) {
        console.notice(`[trace] ${formatNodeId(trace.to)}: no answer: ${e.reason} (${e.code})`);
        api.event({ event: "traceroute", seq: e.seq, to: formatNodeId(trace.to), ok: false, code: e.code, reason: e.reason });
        continue;
      }
      console.notice(`[failed] #${e.seq} to ${formatNodeId(e.dst)}: ${e.reason} (${e.code})`);
      api.event({ event: "failed", seq: e.seq, to: formatNodeId(e.dst), code: e.code, reason: e.reason });
    }
  }
}

/**
 * Reacts to another node heard under this node's id (docs/security.md §13.5): the core already
 * warned on the console; an automatically drawn id is replaced by a new one and the node restarts
 * under it. A set or MAC-derived id is the user's to change (set id), so it is only reported.
 */
function duplicateIdWatch(
  secure: SecureStation,
  identity: NodeIdentity,
  prefs: PreferenceLike,
  random32: () => number,
  say: (text: string) => void,
  reboot: () => void,
): { check(): void } {
  let done = false;
  return {
    check() {
      if (done || secure.stats.duplicateId === 0) return;
      done = true;
      if (identity.source === "key") {
        say(`warning: another node seals frames under this node's id ${formatNodeId(identity.id)}, the key id of its node key: two boards share this node key (a copied flash image: reset node-key on one of them) or someone impersonates this node`);
        return;
      }
      if (identity.source !== "random") {
        say(`warning: another node uses this node's id ${formatNodeId(identity.id)} (${identity.source === "set" ? "set by you" : "from the MAC"}): give one of them another id (set node <8 hex digits>)`);
        return;
      }
      const r = redrawAutoId(prefs, random32, identity.id);
      if (!r.ok) return say(`warning: another node uses this node's id ${formatNodeId(identity.id)}; a new id could not be stored (${r.error})`);
      say(`warning: another node uses this node's id ${formatNodeId(identity.id)}, which was drawn at random: this node takes the new id ${formatNodeId(r.id)} and restarts`);
      reboot();
    },
  };
}

/**
 * Receiver noise into the entropy pool before the node key, the core's RNG seed or a new id are
 * drawn (docs/security.md §13.7). The radio must be in receive for its noise to move.
 */
function mixRadioNoise(radio: Radio, chip: RadioChip, entropy: EntropyPool, say: (line: string) => void): void {
  if (radio.randomBytes === undefined) return say("warning: entropy: this radio gives no noise; random draws rest on Math.random and the clock");
  try {
    radio.startReceive();
    entropy.mix(`${chip} receiver noise`, radio.randomBytes(RADIO_NOISE_BYTES));
  } catch (e) {
    say(`warning: entropy: no receiver noise from the ${chip} (${e instanceof Error ? e.message : String(e)}); random draws rest on Math.random and the clock`);
  }
}
