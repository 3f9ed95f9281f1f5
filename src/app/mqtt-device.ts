/// <reference path="./moddable-mqtt.d.ts" />
// The device's MQTT link (src/app/bridge-link.ts): the Moddable SDK's MQTT client
// (modules/network/mqtt, MQTT 3.1.1, QoS 0) over the board's Wi-Fi (the SDK's "wifi" module in
// station mode). Device-only: imported by main.ts, never preloaded (it starts the radio of the
// ESP32's Wi-Fi, which xsl's link step cannot).
//
// Wi-Fi is joined once, at the first connection attempt, and kept. The SDK's ESP32 station does
// not join again by itself after a connection that once succeeded drops (it retries only while
// the first join is failing), so the station notes a "disconnect", and each new MQTT attempt (paced by the
// bridge driver's backoff) that finds no IP address after one asks WiFi.connect to join again.
// Each MQTT attempt waits for an IP address (up to its connect timeout) before it opens the socket. A lost IP address ends the MQTT connection at once rather than at the next
// keep-alive.
//
// mqtts:// (docs/gateway.md "TLS"): the SDK's own TLS 1.2 (modules/crypt/tls.json, SecureSocket)
// under the same client. The broker's chain is verified (the SDK's default; this file never
// passes verify: false) against the roots bundled in the firmware's resources (manifest.json:
// ISRG Root X1) and also the mqttca certificate when one is set: the SDK's verify accepts either,
// so mqttca adds a trust anchor, it does not narrow trust (docs/gateway.md "TLS"); it checks the host name against
// the certificate's subjectAltName. Certificates have dates, and a board boots in 1970: before
// its first TLS attempt the link asks an SNTP server for the time (unauthenticated, see
// docs/security.md §14) and sets the clock once.
import Client from "mqtt";
import SecureSocket from "securesocket";
import SNTP from "sntp";
import Time from "time";
import Timer from "timer";
import WiFi from "wifi";
import type { MqttLink, MqttLinkEvents, MqttLinkFactory, MqttLinkOptions } from "./bridge-link";

/** Station mode (the SDK's WiFi.Mode.station). */
const WIFI_STATION = 1;
/** TLS 1.2, the SDK's newest (its default minimum is TLS 1.1). */
const TLS_1_2 = 0x303;
/** A clock before this has not been set since boot (no certificate is checked against it). */
export const CLOCK_FLOOR_MS = Date.UTC(2025, 0, 1);
/** Asked in turn for the time (UDP 123); the pool answers from servers near the gateway. */
const SNTP_HOSTS: readonly string[] = Object.freeze(["pool.ntp.org", "time.google.com"]);

/** The SDK's SNTP client as this file uses it (closed once it reports the time or gives up). */
interface ClockQuery {
  close(): void;
}

interface Station {
  readonly key: string;
  readonly wifi: WiFi;
  hasIp: boolean;
  /** The station reported "disconnect" since it last joined; it will not rejoin on its own. */
  dropped: boolean;
  /** Attempts waiting for an IP address, and connections to end when it is lost. */
  readonly listeners: Set<(hasIp: boolean) => void>;
}

let station: Station | undefined;

function joinWifi(ssid: string, password: string | undefined): Station {
  const key = `${ssid}\u0000${password ?? ""}`;
  if (station !== undefined && station.key === key) return station;
  station?.wifi.close();
  WiFi.mode = WIFI_STATION;
  const listeners = new Set<(hasIp: boolean) => void>();
  const s: Station = {
    key,
    hasIp: false,
    dropped: false,
    listeners,
    wifi: new WiFi(password === undefined ? { ssid } : { ssid, password }, (message: string) => {
      const had = s.hasIp;
      if (message === "gotIP") {
        s.hasIp = true;
        s.dropped = false;
      } else if (message === "lostIP" || message === "disconnect") s.hasIp = false;
      if (message === "disconnect") s.dropped = true;
      if (had !== s.hasIp) for (const l of [...listeners]) l(s.hasIp);
    }),
  };
  station = s;
  return s;
}

export function moddableMqttLink(): MqttLinkFactory {
  return (options, events) => new DeviceMqttLink(options, events);
}

class DeviceMqttLink implements MqttLink {
  readonly #options: MqttLinkOptions;
  readonly #events: MqttLinkEvents;
  #client: Client | undefined;
  #up = false;
  #over = false;
  #timer: ReturnType<typeof Timer.set> | undefined;
  #station: Station | undefined;
  #sntp: ClockQuery | undefined;
  /** What this attempt is waiting for, for the connect-timeout message. */
  #waiting: "ip" | "clock" | "broker" = "ip";
  readonly #onIp = (hasIp: boolean): void => {
    if (hasIp && this.#client === undefined && !this.#over) this.#open();
    else if (!hasIp) this.#end(`Wi-Fi ${this.#options.wifi?.ssid ?? ""} lost`);
  };

  constructor(options: MqttLinkOptions, events: MqttLinkEvents) {
    this.#options = options;
    this.#events = events;
    // Every outcome is reported from a timer, never from inside the constructor (as on the host).
    const wifi = options.wifi;
    if (wifi === undefined) {
      this.#later("no Wi-Fi network set: set wifi <ssid> and set wifipass <password>, then reboot");
      return;
    }
    let s: Station;
    try {
      s = joinWifi(wifi.ssid, wifi.password);
    } catch (e) {
      this.#later(`Wi-Fi could not start (${e instanceof Error ? e.message : String(e)})`);
      return;
    }
    this.#station = s;
    if (!s.hasIp && s.dropped) {
      s.dropped = false;
      try {
        WiFi.connect(wifi.password === undefined ? { ssid: wifi.ssid } : { ssid: wifi.ssid, password: wifi.password });
      } catch {
        // No IP follows; the connect timeout below reports it and the driver retries later.
      }
    }
    s.listeners.add(this.#onIp);
    this.#timer = Timer.set(() => {
      this.#timer = undefined;
      const within = `within ${options.connectTimeoutMs / 1000} s`;
      if (this.#waiting === "clock") return this.#end(`no time from SNTP (${SNTP_HOSTS.join(", ")}) ${within}: TLS needs the date to check the broker's certificate`);
      if (this.#waiting === "broker") return this.#end(`no answer from ${options.broker.host}:${options.broker.port} ${within}${options.broker.tls ? " (TCP, TLS handshake and CONNACK)" : ""}`);
      this.#end(`no IP address from Wi-Fi ${wifi.ssid} ${within} (out of range, or a wrong wifipass?)`);
    }, options.connectTimeoutMs);
    if (s.hasIp) this.#open();
  }

  publish(topic: string, payload: Uint8Array, retain: boolean): boolean {
    if (!this.#up || this.#over || this.#client === undefined) return false;
    try {
      this.#client.publish(topic, bufferOf(payload), { retain });
      return true;
    } catch {
      return false;
    }
  }

  subscribe(filter: string): void {
    if (!this.#up || this.#over || this.#client === undefined) return;
    try {
      this.#client.subscribe(filter);
    } catch {
      // The connection is going down; onClose reports it.
    }
  }

  unsubscribe(filter: string): void {
    if (!this.#up || this.#over || this.#client === undefined) return;
    try {
      this.#client.unsubscribe(filter);
    } catch {
      // The connection is going down; onClose reports it.
    }
  }

  close(): void {
    if (this.#over) return;
    this.#over = true;
    this.#release();
    try {
      this.#client?.close(false);
    } catch {
      // already closed
    }
    this.#client = undefined;
  }

  #open(): void {
    const o = this.#options;
    if (o.broker.tls && Date.now() < CLOCK_FLOOR_MS) return this.#askTime();
    this.#waiting = "broker";
    let client: Client;
    try {
      client = new Client({
        host: o.broker.host,
        port: o.broker.port,
        ...(o.broker.tls ? { Socket: SecureSocket, secure: { protocolVersion: TLS_1_2, ...(o.caCert === undefined ? {} : { certificate: bufferOf(o.caCert) }) } } : {}),
        id: o.clientId,
        ...(o.username === undefined ? {} : { user: o.username }),
        ...(o.password === undefined ? {} : { password: o.password }),
        will: { topic: o.will.topic, message: bufferOf(o.will.payload), retain: true, quality: 0 },
        timeout: o.keepaliveMs,
      });
    } catch (e) {
      // SecureSocket throws here for a CA certificate it cannot use (unparsable, or out of its dates).
      const why = e instanceof Error ? e.message : String(e);
      return this.#end(o.broker.tls ? `TLS could not start (${why}): check set mqttca` : why);
    }
    this.#client = client;
    client.onReady = () => {
      if (this.#over) return;
      if (this.#timer !== undefined) Timer.clear(this.#timer);
      this.#timer = undefined;
      this.#up = true;
      this.#events.onUp();
    };
    client.onMessage = (topic, body) => {
      if (!this.#over) this.#events.onMessage(topic, new Uint8Array(body));
    };
    client.onClose = () => this.#end(this.#up ? "connection lost" : o.broker.tls ? `TLS to ${o.broker.host}:${o.broker.port} failed or was closed: a refused certificate (not signed by ${o.caCert === undefined ? "the bundled roots; set mqttca" : "the mqttca certificate nor the bundled root"}, host name not in it, expired, or the chain not sent whole), or the broker refused the connection` : `${o.broker.host}:${o.broker.port} refused or closed the connection`);
  }

  /** Sets the clock from SNTP (the servers of SNTP_HOSTS in turn), then opens the connection. */
  #askTime(): void {
    this.#waiting = "clock";
    let index = 0;
    try {
      this.#sntp = new SNTP({ host: SNTP_HOSTS[index] }, (message, value) => {
        if (this.#over) return;
        if (message === SNTP.time && value !== undefined) {
          this.#sntp = undefined; // the SDK's client closed itself
          Time.set(value);
          if (Date.now() >= CLOCK_FLOOR_MS) return this.#open();
          return this.#end(`SNTP ${SNTP_HOSTS[index]} gave a date before 2025; TLS cannot check the broker's certificate`);
        }
        if (message !== SNTP.error) return;
        // Returning a host makes the SDK's client ask it next; returning nothing closes it.
        if (++index < SNTP_HOSTS.length) return SNTP_HOSTS[index];
        this.#sntp = undefined;
        this.#end(`no time from SNTP (${SNTP_HOSTS.join(", ")}: ${String(value)}): TLS needs the date to check the broker's certificate`);
      }) as ClockQuery;
    } catch (e) {
      this.#end(`SNTP could not start (${e instanceof Error ? e.message : String(e)})`);
    }
  }

  #later(reason: string): void {
    this.#timer = Timer.set(() => {
      this.#timer = undefined;
      this.#end(reason);
    }, 0);
  }

  #end(reason: string): void {
    if (this.#over) return;
    this.#over = true;
    this.#up = false;
    this.#release();
    const client = this.#client;
    this.#client = undefined;
    try {
      client?.close(true);
    } catch {
      // already closed
    }
    this.#events.onDown(reason);
  }

  #release(): void {
    if (this.#timer !== undefined) Timer.clear(this.#timer);
    this.#timer = undefined;
    try {
      this.#sntp?.close();
    } catch {
      // already closed
    }
    this.#sntp = undefined;
    this.#station?.listeners.delete(this.#onIp);
  }
}
Object.freeze(DeviceMqttLink.prototype);

/** The bytes of `view` as an ArrayBuffer of their own (the SDK client takes ArrayBuffers). */
function bufferOf(view: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(view.length);
  copy.set(view);
  return copy.buffer;
}
