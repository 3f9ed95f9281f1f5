// The host node's MQTT link (src/app/bridge-link.ts) on the npm `mqtt` package: one connection
// attempt per link, no reconnect of its own (the bridge driver owns the backoff). The host node
// runs in virtual time: every event of the real connection is handed to the node as a clock task
// (VirtualClock.set(…, 0)), so it runs on the node's JavaScript "thread" between clock steps, as
// a Moddable callback runs between timers, never inside one.
import mqtt from "mqtt";
import type { RadioClock } from "../../drivers/radio";
import type { MqttLink, MqttLinkEvents, MqttLinkFactory, MqttLinkOptions } from "../app/bridge-link";
import { caCertPem } from "../app/ca-cert";

/** The factory for nodes on `clock` (undefined: events run at once, for a process without virtual time). */
export function hostMqttLink(clock?: Pick<RadioClock, "set">): MqttLinkFactory {
  return (options, events) => new HostMqttLink(options, events, clock);
}

export class HostMqttLink implements MqttLink {
  readonly #client: mqtt.MqttClient;
  #up = false;
  #over = false;
  readonly #defer: (fn: () => void) => void;
  readonly #events: MqttLinkEvents;

  constructor(options: MqttLinkOptions, events: MqttLinkEvents, clock: Pick<RadioClock, "set"> | undefined) {
    this.#events = events;
    this.#defer = clock === undefined ? (fn) => fn() : (fn) => void clock.set(fn, 0);
    const b = options.broker;
    this.#client = mqtt.connect({
      protocol: b.tls ? "mqtts" : "mqtt",
      host: b.host,
      port: b.port,
      protocolVersion: 4,
      clientId: options.clientId,
      clean: true,
      keepalive: Math.max(1, Math.round(options.keepaliveMs / 1000)),
      connectTimeout: options.connectTimeoutMs,
      reconnectPeriod: 0,
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
      will: { topic: options.will.topic, payload: Buffer.from(options.will.payload), qos: 0, retain: true },
      // mqtts://: Node's tls verifies the chain (against the mqttca certificate, else the system's
      // roots) and the host name; never turned off, as on the device.
      ...(b.tls ? { rejectUnauthorized: true, ...(options.caCert === undefined ? {} : { ca: caCertPem(options.caCert) }) } : {}),
    });
    this.#client.on("connect", () => this.#defer(() => {
      if (this.#over) return;
      this.#up = true;
      events.onUp();
    }));
    this.#client.on("message", (topic, payload) => {
      const bytes = new Uint8Array(payload.buffer.slice(payload.byteOffset, payload.byteOffset + payload.byteLength));
      this.#defer(() => {
        if (!this.#over) events.onMessage(topic, bytes);
      });
    });
    // "error" carries the reason (ECONNREFUSED, bad credentials …); "close" follows every end.
    let reason = "connection closed";
    this.#client.on("error", (e: Error & { code?: string | number }) => {
      reason = describe(e, options);
      this.#end(reason);
    });
    this.#client.on("close", () => this.#end(this.#up ? "connection lost" : reason));
    this.#client.on("offline", () => this.#end(this.#up ? "connection lost" : reason));
  }

  publish(topic: string, payload: Uint8Array, retain: boolean): boolean {
    if (!this.#up || this.#over || !this.#client.connected) return false;
    this.#client.publish(topic, Buffer.from(payload), { qos: 0, retain });
    return true;
  }

  subscribe(filter: string): void {
    if (!this.#up || this.#over) return;
    this.#client.subscribe(filter, { qos: 0 });
  }

  unsubscribe(filter: string): void {
    if (!this.#up || this.#over) return;
    this.#client.unsubscribe(filter);
  }

  /** The connection dies without a DISCONNECT (power pulled, cable cut): the broker publishes the will. */
  sever(): void {
    if (this.#over) return;
    this.#over = true;
    this.#client.stream?.destroy();
    this.#client.end(true);
  }

  close(): void {
    if (this.#over) return;
    this.#over = true;
    this.#client.end(false);
  }

  #end(reason: string): void {
    if (this.#over) return;
    this.#over = true;
    this.#up = false;
    this.#client.end(true);
    this.#defer(() => this.#events.onDown(reason));
  }
}

/** Node's codes for a certificate that failed verification (chain, dates or host name). */
const TLS_REFUSALS = /CERT|SELF_SIGNED|UNABLE_TO_(VERIFY|GET)|ALTNAME|ISSUER/;

function describe(e: Error & { code?: string | number }, options: MqttLinkOptions): string {
  const where = `${options.broker.host}:${options.broker.port}`;
  if (e.code === "ECONNREFUSED") return `nothing listens at ${where}`;
  if (e.code === "ENOTFOUND" || e.code === "EAI_AGAIN") return `host ${options.broker.host} not found`;
  if (e.code === "ETIMEDOUT") return `${where} did not answer`;
  if (typeof e.code === "string" && TLS_REFUSALS.test(e.code)) return `TLS: the broker's certificate was refused (${e.code}: ${e.message}); set mqttca to the CA that signed it, or fix the broker's host name`;
  if (e.code === 4 || e.code === 5 || /not authori[sz]ed|bad user ?name or password/i.test(e.message)) return `the broker refused the user name or password (${e.message})`;
  return e.message || String(e.code ?? "error");
}
