// Node settings: schema, validation, persistence in a Preference-like store.
//
// Storage rules (Moddable Preference, moddable.md §7): domain and key ≤ 15 characters; values
// are strings, booleans, integers (a non-integer number throws "float unsupported") or
// ArrayBuffers; every set() commits to flash, so only explicit user changes write.
//
// Loading never throws and never refuses to boot: a missing value is its default; an invalid,
// mistyped or unreadable value is replaced by its default with a warning and removed from the
// store, so the next boot is clean. Regions and presets come from the core (src/core) — this
// file never lists them.
import { PRESET_NAMES, presetByName, type PresetName } from "../core/presets";
import { REGION_NAMES, regionByName, subBandFor, type RegionName } from "../core/regions";
import { formatNodeId } from "../core/station";
import { looksLikeShareString, parseShareString } from "../core/security/keys";
import { formatBroker, parseBrokerUrl } from "./bridge-link";
import { parseNodeId } from "./node-id";
import { CA_CERT_MAX_BYTES, describeCaCert, fromBase64, parseCaCert, toBase64 } from "./ca-cert";

export type PreferenceValue = string | number | boolean | ArrayBuffer;

/** The Moddable `preference` module's shape (its default export fits as is). */
export interface PreferenceLike {
  get(domain: string, key: string): PreferenceValue | undefined;
  set(domain: string, key: string, value: PreferenceValue): void;
  delete(domain: string, key: string): void;
  keys(domain: string): string[];
}

/** Node roles: stored and shown only. The core has no roles yet (its relays silence themselves by its own rule, docs/protocol.md §12); see the README. */
export type RoleName = "client" | "router" | "mute";
export const ROLE_NAMES: readonly RoleName[] = Object.freeze(["client", "router", "mute"] as RoleName[]);

export interface Settings {
  /** Node id set by the user; undefined = derived from the MAC. */
  readonly nodeId: number | undefined;
  readonly region: RegionName;
  readonly preset: PresetName;
  readonly txPowerDbm: number;
  /** Geohash characters that make a cluster id (1 = continent-sized … 6 = ~1 km). */
  readonly clusterPrecision: number;
  readonly networkName: string;
  readonly role: RoleName;
  /**
   * The network passphrase; undefined = the public default (DEFAULT_PASSPHRASE), which any
   * System 5 node knows: a fresh node joins the default network, which keeps out nobody.
   */
  readonly passphrase: string | undefined;
  /** MQTT broker URL (mqtt:// or mqtts:// for TLS) of a gateway; undefined = not a gateway. */
  readonly broker: string | undefined;
  readonly mqttUser: string | undefined;
  /** Never shown. */
  readonly mqttPassword: string | undefined;
  /** Wi-Fi network a gateway board joins (the host run has no Wi-Fi). */
  readonly wifiSsid: string | undefined;
  /** Never shown; undefined = an open network. */
  readonly wifiPassword: string | undefined;
  /** The broker's CA certificate for mqtts:// (DER as base64); undefined = the firmware's bundled roots (docs/gateway.md "TLS"). */
  readonly mqttCa: string | undefined;
  /** Fixed metric of the bridge link (MeshConfig.bridgeCost): higher keeps more traffic on LoRa. */
  readonly bridgeCost: number;
}

/** Transmit power range of the radio chip, dBm. */
export interface PowerRange {
  readonly minDbm: number;
  readonly maxDbm: number;
}

export const SETTINGS_DOMAIN = "s5";
/** Where a random node id is kept when the MAC cannot give one (ids not from keys). */
export const AUTO_ID_KEY = "autoid";
/** The id a node had before its id came from its node key, and where it came from (src/app/key-identity.ts). */
export const FORMER_ID_KEY = "formerid";
/** Written with every save; a store from a newer firmware is read as far as it is understood. */
export const SETTINGS_SCHEMA = 1;

export const CLUSTER_PRECISION_MIN = 1;
export const CLUSTER_PRECISION_MAX = 6;
export const NETWORK_NAME_MAX = 24;
/** Passphrase length, as WPA's: 8..63 printable ASCII characters. */
export const PASSPHRASE_MIN = 8;
export const PASSPHRASE_MAX = 63;
/**
 * The public default passphrase (like Meshtastic's default channel key): published here, so the
 * default network is open to everyone; the node says so at every boot until `set key`.
 */
export const DEFAULT_PASSPHRASE = "system5-public";

export const DEFAULT_SETTINGS: Settings = Object.freeze({
  nodeId: undefined,
  region: "EU868",
  preset: "LONG_FAST",
  // 17 dBm: inside every region plan's channel limit and every supported chip's range
  // (SX127x PA_BOOST 2…20 dBm, SX1262 −9…+22 dBm; radios.md §2.4, §3.4).
  txPowerDbm: 17,
  clusterPrecision: 4,
  networkName: "system5",
  role: "client",
  passphrase: undefined,
  broker: undefined,
  mqttUser: undefined,
  mqttPassword: undefined,
  wifiSsid: undefined,
  wifiPassword: undefined,
  mqttCa: undefined,
  // The core's default (src/core/config.ts): about 4.7 good LoRa hops (docs/protocol.md §20.3, B1).
  bridgeCost: 1024,
});

/** Console names of the settings, in display order. */
export const SETTING_KEYS = Object.freeze(["node", "region", "preset", "txpower", "precision", "name", "role", "key", "broker", "mqttuser", "mqttpass", "wifi", "wifipass", "mqttca", "bridgecost"] as const);
export const BRIDGE_COST_MAX = 16_384;
export const SSID_MAX_BYTES = 32;
export const MQTT_CREDENTIAL_MAX = 64;
export type SettingKey = (typeof SETTING_KEYS)[number];

/** Preference keys (≤ 15 characters). */
const STORE_KEY: Readonly<Record<SettingKey | "schema", string>> = Object.freeze({
  node: "node",
  region: "region",
  preset: "preset",
  txpower: "txpower",
  precision: "precision",
  name: "name",
  role: "role",
  key: "key",
  broker: "broker",
  mqttuser: "mqttuser",
  mqttpass: "mqttpass",
  wifi: "wifi",
  wifipass: "wifipass",
  mqttca: "mqttca",
  bridgecost: "bridgecost",
  schema: "schema",
});

const FIELD: Readonly<Record<SettingKey, keyof Settings>> = Object.freeze({
  node: "nodeId",
  region: "region",
  preset: "preset",
  txpower: "txPowerDbm",
  precision: "clusterPrecision",
  name: "networkName",
  role: "role",
  key: "passphrase",
  broker: "broker",
  mqttuser: "mqttUser",
  mqttpass: "mqttPassword",
  wifi: "wifiSsid",
  wifipass: "wifiPassword",
  mqttca: "mqttCa",
  bridgecost: "bridgeCost",
});

export const SETTING_HELP: Readonly<Record<SettingKey, string>> = Object.freeze({
  node: "node id: on the device it comes from the node key and cannot be set (reset node-key draws a new key and id); host runs with scripted ids: 8 hex digits or decimal, \"auto\" = from the MAC",
  region: `radio region: ${REGION_NAMES.join(", ")}`,
  preset: `modem preset: ${PRESET_NAMES.join(", ")}`,
  txpower: "transmit power in dBm (integer, within the region and radio limits)",
  precision: `cluster precision: geohash characters ${CLUSTER_PRECISION_MIN}..${CLUSTER_PRECISION_MAX}`,
  name: `network name: 1..${NETWORK_NAME_MAX} printable ASCII characters`,
  role: `node role: ${ROLE_NAMES.join(", ")}`,
  key: `network passphrase (${PASSPHRASE_MIN}..${PASSPHRASE_MAX} printable ASCII characters) or a share string from key random, the same on every node; never shown ("default" = the public key)`,
  broker: "MQTT broker of a gateway: mqtt://host[:port] or mqtts://host[:port] (TLS); \"none\" = not a gateway",
  mqttuser: `broker user name, 1..${MQTT_CREDENTIAL_MAX} printable ASCII characters ("none" = anonymous)`,
  mqttpass: `broker password, 1..${MQTT_CREDENTIAL_MAX} printable ASCII characters; never shown ("none" = no password)`,
  wifi: `Wi-Fi network (SSID, 1..${SSID_MAX_BYTES} bytes) a gateway board joins`,
  wifipass: "Wi-Fi password: 8..63 printable ASCII characters or 64 hex digits (WPA2); never shown (\"none\" = open network)",
  mqttca: `CA certificate that signed the mqtts:// broker's certificate (PEM: type set mqttca, then paste it; at most ${CA_CERT_MAX_BYTES} bytes DER); "none" = the bundled roots only (Let's Encrypt's ISRG Root X1 on a board, the system's on a host); a board trusts ISRG Root X1 even with mqttca set, a host trusts mqttca only`,
  bridgecost: `gateway: fixed route metric of the internet bridge, 0..${BRIDGE_COST_MAX} (default 1024, about 4.7 good LoRa hops: shorter LoRa paths stay on LoRa)`,
});

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (error: string): { readonly ok: false; readonly error: string } => ({ ok: false, error });

function isSettingKey(key: string): key is SettingKey {
  return (SETTING_KEYS as readonly string[]).includes(key);
}

/** Parses console text for one setting (no cross-field checks). */
export function parseSetting(key: SettingKey, text: string): Parsed<Settings[keyof Settings]> {
  const t = text.trim();
  switch (key) {
    case "node": {
      if (t.toLowerCase() === "auto") return ok(undefined);
      const id = parseNodeId(t);
      return id.ok ? ok(id.id) : bad(id.error);
    }
    case "region":
      try {
        return ok(regionByName(t).name);
      } catch (e) {
        return bad((e as Error).message);
      }
    case "preset":
      try {
        return ok(presetByName(t).name);
      } catch (e) {
        return bad((e as Error).message);
      }
    case "txpower":
      if (!/^[-+]?\d{1,3}$/.test(t)) return bad(`txpower must be a whole number of dBm, got "${t}"`);
      return ok(Number(t));
    case "precision": {
      const n = /^\d{1,2}$/.test(t) ? Number(t) : NaN;
      if (!(n >= CLUSTER_PRECISION_MIN && n <= CLUSTER_PRECISION_MAX)) {
        return bad(`precision must be a whole number ${CLUSTER_PRECISION_MIN}..${CLUSTER_PRECISION_MAX}, got "${t}"`);
      }
      return ok(n);
    }
    case "name":
      if (t.length < 1 || t.length > NETWORK_NAME_MAX || !/^[\x20-\x7e]+$/.test(t)) {
        return bad(`name must be 1..${NETWORK_NAME_MAX} printable ASCII characters`);
      }
      return ok(t);
    case "key":
      // The error never repeats the text: it may be a passphrase with one typo.
      if (looksLikeShareString(t)) {
        const share = parseShareString(t);
        return share.ok ? ok(t.toLowerCase()) : bad(`key: ${share.error}`);
      }
      if (t.length < PASSPHRASE_MIN || t.length > PASSPHRASE_MAX || !/^[\x20-\x7e]+$/.test(t)) {
        return bad(`key must be ${PASSPHRASE_MIN}..${PASSPHRASE_MAX} printable ASCII characters (got ${t.length} characters${/^[\x20-\x7e]*$/.test(t) ? "" : ", some not printable ASCII"})`);
      }
      return ok(t);
    case "broker": {
      if (t.toLowerCase() === "none" || t.toLowerCase() === "off") return ok(undefined);
      const b = parseBrokerUrl(t);
      return b.ok ? ok(formatBroker(b.value)) : bad(b.error);
    }
    case "mqttuser":
    case "mqttpass": {
      if (t.toLowerCase() === "none") return ok(undefined);
      if (t.length < 1 || t.length > MQTT_CREDENTIAL_MAX || !/^[\x21-\x7e]+$/.test(t)) {
        return bad(`${key} must be 1..${MQTT_CREDENTIAL_MAX} printable ASCII characters without spaces (got ${t.length} characters)`);
      }
      return ok(t);
    }
    case "mqttca": {
      if (t.toLowerCase() === "none") return ok(undefined);
      const ca = parseCaCert(t);
      return ca.ok ? ok(toBase64(ca.der)) : bad(`mqttca: ${ca.error}`);
    }
    case "wifi": {
      if (t.toLowerCase() === "none") return ok(undefined);
      const bytes = utf8Length(t);
      if (bytes < 1 || bytes > SSID_MAX_BYTES || /[\x00-\x1f\x7f]/.test(t)) return bad(`wifi must be a network name (SSID) of 1..${SSID_MAX_BYTES} bytes without control characters (got ${bytes} bytes)`);
      return ok(t);
    }
    case "bridgecost": {
      const n = /^\d{1,5}$/.test(t) ? Number(t) : NaN;
      if (!(n >= 0 && n <= BRIDGE_COST_MAX)) return bad(`bridgecost must be a whole number 0..${BRIDGE_COST_MAX}, got "${t}"`);
      return ok(n);
    }
    case "wifipass": {
      if (t.toLowerCase() === "none") return ok(undefined);
      if (/^[0-9A-Fa-f]{64}$/.test(t)) return ok(t);
      if (t.length < 8 || t.length > 63 || !/^[\x20-\x7e]+$/.test(t)) return bad(`wifipass must be 8..63 printable ASCII characters or 64 hex digits (got ${t.length} characters)`);
      return ok(t);
    }
    case "role": {
      const r = t.toLowerCase();
      return (ROLE_NAMES as readonly string[]).includes(r) ? ok(r as RoleName) : bad(`unknown role "${t}"; known: ${ROLE_NAMES.join(", ")}`);
    }
  }
}

export interface SettingsProblem {
  readonly key: SettingKey;
  readonly message: string;
}

/** Every reason these settings cannot be used together, empty when they can. */
export function validateSettings(s: Settings, power: PowerRange): SettingsProblem[] {
  const errors: SettingsProblem[] = [];
  const plan = regionByName(s.region);
  const preset = presetByName(s.preset);
  const band = subBandFor(plan, plan.defaultFrequencyHz, preset.bandwidthHz);
  if (band === undefined) {
    errors.push({
      key: "preset",
      message: `preset ${preset.name} (${preset.bandwidthHz / 1000} kHz) does not fit the ${plan.name} channel at ${plan.defaultFrequencyHz / 1e6} MHz`,
    });
  }
  const maxDbm = Math.min(power.maxDbm, band === undefined ? power.maxDbm : band.maxPowerDbm);
  if (!Number.isInteger(s.txPowerDbm) || s.txPowerDbm < power.minDbm || s.txPowerDbm > maxDbm) {
    const why = band !== undefined && band.maxPowerDbm < power.maxDbm ? `${plan.name} ${band.name} allows ≤ ${band.maxPowerDbm} dBm` : `the radio does ${power.minDbm}..${power.maxDbm} dBm`;
    errors.push({ key: "txpower", message: `txpower ${s.txPowerDbm} dBm is outside ${power.minDbm}..${maxDbm} dBm (${why})` });
  }
  return errors;
}

/** Display text for one setting. */
export function formatSetting(s: Settings, key: SettingKey): string {
  switch (key) {
    case "node":
      return s.nodeId === undefined ? "auto" : formatNodeId(s.nodeId);
    case "txpower":
      return `${s.txPowerDbm}`;
    case "precision":
      return `${s.clusterPrecision}`;
    case "bridgecost":
      return `${s.bridgeCost}`;
    case "key":
      // Never the passphrase itself: `status` shows the key's public network id instead.
      return s.passphrase === undefined || s.passphrase === DEFAULT_PASSPHRASE ? "default (public: anyone can read this network)" : "set (hidden; status shows its network id)";
    case "broker":
      return s.broker ?? "none (not a gateway)";
    case "mqttuser":
      return s.mqttUser ?? "none (anonymous)";
    case "mqttpass":
      return s.mqttPassword === undefined ? "none" : "set (hidden)";
    case "wifi":
      return s.wifiSsid ?? "none";
    case "wifipass":
      return s.wifiPassword === undefined ? "none (open network)" : "set (hidden)";
    case "mqttca": {
      const der = s.mqttCa === undefined ? undefined : fromBase64(s.mqttCa);
      return der === undefined ? "none (bundled roots)" : `set (${describeCaCert(der)})`;
    }
    default:
      return String(s[FIELD[key]]);
  }
}

/** A stored value back to a setting, or an error saying what is wrong with it. */
function fromStored(key: SettingKey, raw: PreferenceValue): Parsed<Settings[keyof Settings]> {
  const numeric = key === "txpower" || key === "precision" || key === "bridgecost";
  if (numeric ? typeof raw !== "number" : typeof raw !== "string") {
    return bad(`stored ${key} has the wrong type (${raw instanceof ArrayBuffer ? "binary" : typeof raw})`);
  }
  if (key === "node" && raw === "auto") return bad("stored node \"auto\" (auto is stored as no value)");
  return parseSetting(key, String(raw));
}

function toStored(key: SettingKey, value: Settings[keyof Settings]): PreferenceValue | undefined {
  if (key === "node") return value === undefined ? undefined : formatNodeId(value as number);
  return value as PreferenceValue;
}

export type SetResult = { readonly ok: true; readonly message: string } | { readonly ok: false; readonly error: string };

export interface LoadResult {
  readonly settings: Settings;
  readonly warnings: readonly string[];
}

/** Settings backed by a Preference-like store. */
export class SettingsStore {
  readonly #store: PreferenceLike;
  readonly #domain: string;
  #power: PowerRange;
  #current: Settings = DEFAULT_SETTINGS;
  /** Ids come from node keys (the device, src/app/key-identity.ts): `node` is neither read nor set. */
  readonly #idsFromKeys: boolean;

  constructor(store: PreferenceLike, power: PowerRange, domain = SETTINGS_DOMAIN, options: { readonly idsFromKeys?: boolean } = {}) {
    if (domain.length < 1 || domain.length > 15) throw new RangeError(`Preference domain must be 1..15 characters: "${domain}"`);
    this.#store = store;
    this.#power = power;
    this.#domain = domain;
    this.#idsFromKeys = options.idsFromKeys === true;
  }

  get current(): Settings {
    return this.#current;
  }

  get powerRange(): PowerRange {
    return this.#power;
  }

  /** Reads and validates the stored settings. Never throws; problems become warnings. */
  load(): LoadResult {
    const warnings: string[] = [];
    const next: Record<string, unknown> = { ...DEFAULT_SETTINGS };
    let stored: string[] = [];
    try {
      stored = this.#store.keys(this.#domain);
    } catch (e) {
      warnings.push(`settings store unreadable (${errorText(e)}); using defaults`);
      this.#current = DEFAULT_SETTINGS;
      return { settings: DEFAULT_SETTINGS, warnings };
    }
    const known = new Set<string>([...Object.values(STORE_KEY), AUTO_ID_KEY, FORMER_ID_KEY]);
    const unknown = stored.filter((k) => !known.has(k));
    if (unknown.length > 0) warnings.push(`ignoring unknown stored settings: ${unknown.join(", ")}`);

    const schema = this.#read(STORE_KEY.schema, warnings);
    if (schema !== undefined && schema !== SETTINGS_SCHEMA) {
      warnings.push(`settings were written by schema ${String(schema)} (this firmware: ${SETTINGS_SCHEMA}); reading what it understands`);
    }
    for (const key of SETTING_KEYS) {
      // A user-set id of older firmware: kept in the store (key-identity.ts moves it to formerid), not used.
      if (key === "node" && this.#idsFromKeys) continue;
      const raw = this.#read(STORE_KEY[key], warnings);
      if (raw === undefined) continue;
      const parsed = fromStored(key, raw);
      if (parsed.ok) next[FIELD[key]] = parsed.value;
      else this.#discard(key, `${parsed.error}; using ${formatSetting(DEFAULT_SETTINGS, key)}`, warnings);
    }
    let settings = next as unknown as Settings;
    // Cross-field problems: fall back field by field, preset before power (power depends on the band).
    const has = (s: Settings, key: SettingKey) => validateSettings(s, this.#power).find((p) => p.key === key);
    if (has(settings, "preset")) {
      warnings.push(`stored preset ${settings.preset} does not fit region ${settings.region}; using ${DEFAULT_SETTINGS.preset}`);
      settings = { ...settings, preset: DEFAULT_SETTINGS.preset };
      if (has(settings, "preset")) settings = { ...settings, region: DEFAULT_SETTINGS.region };
    }
    const powerError = has(settings, "txpower");
    if (powerError !== undefined) {
      warnings.push(`stored ${powerError.message}; using ${DEFAULT_SETTINGS.txPowerDbm} dBm`);
      settings = { ...settings, txPowerDbm: DEFAULT_SETTINGS.txPowerDbm };
    }
    this.#current = Object.freeze(settings);
    return { settings: this.#current, warnings };
  }

  /**
   * Narrows the power range once the radio chip is known (the T-Beam decides at run time).
   * A current txpower outside the new range is clamped in memory (not written) with a warning.
   */
  setPowerRange(power: PowerRange): string[] {
    this.#power = power;
    const s = this.#current;
    if (validateSettings(s, power).some((p) => p.key === "txpower")) {
      const clamped = Math.max(power.minDbm, Math.min(s.txPowerDbm, power.maxDbm));
      this.#current = Object.freeze({ ...s, txPowerDbm: clamped });
      return [`txpower ${s.txPowerDbm} dBm is beyond this radio (${power.minDbm}..${power.maxDbm} dBm); using ${clamped} dBm`];
    }
    return [];
  }

  get(key: string): Parsed<string> {
    const k = key.toLowerCase();
    if (!isSettingKey(k)) return bad(unknownKey(key));
    return ok(this.#format(k));
  }

  list(): Array<[SettingKey, string]> {
    return SETTING_KEYS.map((k) => [k, this.#format(k)]);
  }

  #format(k: SettingKey): string {
    return k === "node" && this.#idsFromKeys ? "from the node key" : formatSetting(this.#current, k);
  }

  /** The user-set id stored by older firmware (read only where ids come from keys, for the record of the former id). */
  storedNodeId(): number | undefined {
    const raw = this.#read(STORE_KEY.node, []);
    if (typeof raw !== "string") return undefined;
    const id = parseNodeId(raw);
    return id.ok ? id.id : undefined;
  }

  /** Validates and saves one setting; "default" restores (and unstores) the default. */
  set(key: string, text: string): SetResult {
    const k = key.toLowerCase();
    if (!isSettingKey(k)) return bad(unknownKey(key));
    if (k === "node" && this.#idsFromKeys) {
      return bad("the node id comes from the node key (docs/security.md §7.3) and cannot be set: `reset node-key` draws a new key pair, and with it a new id");
    }
    const toDefault = text.trim().toLowerCase() === "default";
    const parsed = toDefault ? ok(DEFAULT_SETTINGS[FIELD[k]]) : parseSetting(k, text);
    if (!parsed.ok) return bad(parsed.error);
    const next = Object.freeze({ ...this.#current, [FIELD[k]]: parsed.value }) as Settings;
    const errors = validateSettings(next, this.#power);
    if (errors.length > 0) return bad(errors.map((p) => p.message).join("; "));
    const storeKey = STORE_KEY[k];
    const value = toDefault ? undefined : toStored(k, parsed.value);
    try {
      if (value === undefined) this.#store.delete(this.#domain, storeKey);
      else this.#store.set(this.#domain, storeKey, value);
      this.#store.set(this.#domain, STORE_KEY.schema, SETTINGS_SCHEMA);
    } catch (e) {
      return bad(`could not save ${k}: ${errorText(e)}`);
    }
    this.#current = next;
    return { ok: true, message: `${k} = ${formatSetting(next, k)} (saved; takes effect after reboot)` };
  }

  #read(key: string, warnings: string[]): PreferenceValue | undefined {
    try {
      return this.#store.get(this.#domain, key);
    } catch (e) {
      warnings.push(`stored ${key} unreadable (${errorText(e)}); using the default`);
      return undefined;
    }
  }

  #discard(key: SettingKey, why: string, warnings: string[]): void {
    warnings.push(why);
    try {
      this.#store.delete(this.#domain, STORE_KEY[key]);
    } catch {
      // Leaving the bad value is harmless: it is rejected again on every boot.
    }
  }
}
Object.freeze(SettingsStore.prototype);

/** Bytes of `text` in UTF-8 (an SSID's limit is in bytes). */
function utf8Length(text: string): number {
  let n = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

function unknownKey(key: string): string {
  return `unknown setting "${key}"; known: ${SETTING_KEYS.join(", ")}`;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** "key": the key id of the node key (the device); "pending": that key is not drawn yet (before the radio starts). */
export type NodeIdSource = "set" | "mac" | "random" | "key" | "pending";

export interface NodeIdentity {
  readonly id: number;
  readonly source: NodeIdSource;
}

/**
 * The node's id: the one set by the user, else the MAC-derived one, else a random id drawn
 * once and kept in the store (so a board whose MAC cannot be read keeps its identity).
 */
export function resolveNodeId(
  settings: Settings,
  macId: number | undefined,
  store: PreferenceLike,
  random32: () => number,
  domain = SETTINGS_DOMAIN,
): NodeIdentity {
  if (settings.nodeId !== undefined) return { id: settings.nodeId, source: "set" };
  if (macId !== undefined) return { id: macId, source: "mac" };
  try {
    const raw = store.get(domain, AUTO_ID_KEY);
    if (typeof raw === "string") {
      const parsed = parseNodeId(raw);
      if (parsed.ok) return { id: parsed.id, source: "random" };
    }
  } catch {
    // fall through to a fresh id
  }
  const id = drawId(random32, undefined);
  try {
    store.set(domain, AUTO_ID_KEY, formatNodeId(id));
  } catch {
    // Not persisted: a new id next boot, which is still a working node.
  }
  return { id, source: "random" };
}

function drawId(random32: () => number, avoid: number | undefined): number {
  const bad = (x: number): boolean => x === 0 || x === 0xffffffff || x === avoid;
  let id = random32() >>> 0;
  for (let i = 0; bad(id) && i < 8; i++) id = random32() >>> 0;
  return bad(id) ? (avoid === 1 ? 2 : 1) : id;
}

/**
 * Another node was heard using this node's automatically drawn id (docs/security.md §13.5): a
 * new id other than `current` is drawn and stored for the next boot. Returns it, or an error text
 * when it could not be stored.
 */
export function redrawAutoId(store: PreferenceLike, random32: () => number, current: number, domain = SETTINGS_DOMAIN): { ok: true; id: number } | { ok: false; error: string } {
  const id = drawId(random32, current);
  try {
    store.set(domain, AUTO_ID_KEY, formatNodeId(id));
  } catch (e) {
    return { ok: false, error: errorText(e) };
  }
  return { ok: true, id };
}
