// The internet side of a gateway (issue 16): one MQTT connection to a broker, as the app sees it.
// Two implementations: the Moddable SDK's MQTT client over Wi-Fi on the device
// (src/app/mqtt-device.ts) and the npm `mqtt` package on the host (src/host/mqtt-link.ts). A link
// is one connection attempt: it reports up once, then down once (refused, lost, closed), and is
// dropped; the bridge driver (src/app/bridge-driver.ts) makes a new one after a backoff, so the
// reconnect rule is written once for both platforms.
//
// What a link carries is opaque bytes on topics: frames sealed exactly as on the air, and the
// presence records of the gateways. It never opens, builds or checks a frame.

/** Where the broker is: `mqtt://host[:port]` (plain TCP, port 1883) or `mqtts://host[:port]` (TLS, port 8883). */
export interface BrokerAddress {
  readonly tls: boolean;
  readonly host: string;
  readonly port: number;
}

export interface MqttLinkOptions {
  readonly broker: BrokerAddress;
  /** MQTT client id: unique per gateway on one broker (the broker drops the older session). */
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  /** Keep-alive period; the broker declares the client dead (and publishes its will) after 1.5 × this. */
  readonly keepaliveMs: number;
  /** Give up a connection attempt (TCP, TLS and CONNACK) after this long. */
  readonly connectTimeoutMs: number;
  /** Published by the broker, retained, when the connection dies without a DISCONNECT. */
  readonly will: { readonly topic: string; readonly payload: Uint8Array };
  /**
   * mqtts:// only: the DER certificate of the CA that signed the broker's certificate (setting
   * mqttca); undefined = the platform's bundled roots. The broker's chain and host name are
   * always verified; there is no way to turn that off.
   */
  readonly caCert?: Uint8Array;
  /** The Wi-Fi network the device joins before it connects (the host has its own network). */
  readonly wifi?: { readonly ssid: string; readonly password?: string };
}

export interface MqttLinkEvents {
  /** The broker accepted the connection (CONNACK 0): subscribe and publish from now on. */
  onUp(): void;
  /** The attempt failed or the connection ended; called at most once per link, never after close(). */
  onDown(reason: string): void;
  /** A message on a subscribed topic. */
  onMessage(topic: string, payload: Uint8Array): void;
}

export interface MqttLink {
  /** QoS 0 publish; false (nothing sent) while the link is not up. */
  publish(topic: string, payload: Uint8Array, retain: boolean): boolean;
  /** QoS 0 subscription; ignored while the link is not up. */
  subscribe(filter: string): void;
  /** Ends a subscription made by subscribe(); ignored while the link is not up. */
  unsubscribe(filter: string): void;
  /** Ends the connection with a DISCONNECT (the broker then does not publish the will). */
  close(): void;
}

export type MqttLinkFactory = (options: MqttLinkOptions, events: MqttLinkEvents) => MqttLink;

export const MQTT_PORT = 1883;
export const MQTTS_PORT = 8883;
/** Longest host name (DNS limit). */
const HOST_MAX = 253;

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/**
 * `mqtt://host[:port]` or `mqtts://host[:port]`; the host is a DNS name, an IPv4 address or an
 * IPv6 address in brackets. Credentials go in their own settings (mqttuser, mqttpass), never in
 * the URL: the URL is shown by `get` and `bridge`. No URL global on the device, so parsed here.
 */
export function parseBrokerUrl(text: string): Parsed<BrokerAddress> {
  const t = text.trim();
  const m = /^([A-Za-z]+):\/\/(.*)$/.exec(t);
  if (m === null) {
    // A scheme-less `user:pw@host` would otherwise be echoed to the console and its log.
    if (t.includes("@")) return { ok: false, error: "broker must look like mqtt://host:1883 or mqtts://host:8883, with no user name or password in it (use set mqttuser and set mqttpass)" };
    return { ok: false, error: `broker must look like mqtt://host:1883 or mqtts://host:8883, got "${printableShort(t)}"` };
  }
  const scheme = m[1].toLowerCase();
  if (scheme !== "mqtt" && scheme !== "mqtts") return { ok: false, error: `broker scheme must be mqtt:// (plain) or mqtts:// (TLS), got ${printableShort(scheme)}://` };
  let rest = m[2];
  if (rest.endsWith("/")) rest = rest.slice(0, -1);
  if (rest.includes("@")) return { ok: false, error: "broker: no user name or password in the URL; use set mqttuser and set mqttpass" };
  if (/[/?#]/.test(rest)) return { ok: false, error: "broker: no path or query after the host (MQTT over WebSocket is not supported); e.g. mqtt://192.168.1.10:1883" };
  const hostPort = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(rest);
  if (hostPort === null) return { ok: false, error: `broker: "${printableShort(rest)}" is not host or host:port` };
  const host = hostPort[1];
  const bare = host.startsWith("[") ? host.slice(1, -1) : host;
  if (!host.startsWith("[") && (host.length > HOST_MAX || !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host))) {
    return { ok: false, error: `broker: "${printableShort(host)}" is not a host name or IPv4 address` };
  }
  const tls = scheme === "mqtts";
  const port = hostPort[2] === undefined ? (tls ? MQTTS_PORT : MQTT_PORT) : Number(hostPort[2]);
  if (!(port >= 1 && port <= 65535)) return { ok: false, error: `broker: port ${hostPort[2]} is outside 1..65535` };
  return { ok: true, value: Object.freeze({ tls, host: bare, port }) };
}

/** The canonical URL of a broker address (what `get broker` shows). */
export function formatBroker(b: BrokerAddress): string {
  const host = b.host.includes(":") ? `[${b.host}]` : b.host;
  return `${b.tls ? "mqtts" : "mqtt"}://${host}:${b.port}`;
}

function printableShort(text: string): string {
  const t = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return t.replace(/[^\x20-\x7e]/g, "?");
}
