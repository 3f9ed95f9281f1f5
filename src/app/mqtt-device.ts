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
// keep-alive. TLS (mqtts://) is refused with a clear reason: the SDK's TLS stack
// (modules/crypt/tls.json) is not linked into this firmware; what its handshake costs in the
// boards' 77 KB XS chunk heap is not measured yet.
import Client from "mqtt";
import Timer from "timer";
import WiFi from "wifi";
import type { MqttLink, MqttLinkEvents, MqttLinkFactory, MqttLinkOptions } from "./bridge-link";

/** Station mode (the SDK's WiFi.Mode.station). */
const WIFI_STATION = 1;

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
  readonly #onIp = (hasIp: boolean): void => {
    if (hasIp && this.#client === undefined && !this.#over) this.#open();
    else if (!hasIp) this.#end(`Wi-Fi ${this.#options.wifi?.ssid ?? ""} lost`);
  };

  constructor(options: MqttLinkOptions, events: MqttLinkEvents) {
    this.#options = options;
    this.#events = events;
    // Every outcome is reported from a timer, never from inside the constructor (as on the host).
    const wifi = options.wifi;
    if (options.broker.tls) {
      this.#later("TLS (mqtts://) is not in this firmware build; use mqtt:// (a broker on your own network, or a local bridge that adds TLS)");
      return;
    }
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
      this.#end(s.hasIp ? `no answer from ${options.broker.host}:${options.broker.port} within ${options.connectTimeoutMs / 1000} s` : `no IP address from Wi-Fi ${wifi.ssid} within ${options.connectTimeoutMs / 1000} s (out of range, or a wrong wifipass?)`);
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
    let client: Client;
    try {
      client = new Client({
        host: o.broker.host,
        port: o.broker.port,
        id: o.clientId,
        ...(o.username === undefined ? {} : { user: o.username }),
        ...(o.password === undefined ? {} : { password: o.password }),
        will: { topic: o.will.topic, message: bufferOf(o.will.payload), retain: true, quality: 0 },
        timeout: o.keepaliveMs,
      });
    } catch (e) {
      return this.#end(e instanceof Error ? e.message : String(e));
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
    client.onClose = () => this.#end(this.#up ? "connection lost" : `${o.broker.host}:${o.broker.port} refused or closed the connection`);
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
