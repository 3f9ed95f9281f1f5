// Our declarations of the Moddable SDK's MQTT client (modules/network/mqtt/mqtt.js, module name
// "mqtt"), which neither @moddable/typings 5.6.0 nor the SDK's typings folder describe (they have
// only "mqtt/js"). Written from the SDK's documented use (examples/network/mqtt): MQTT 3.1.1 over
// a socket, QoS 0, callbacks as properties; TLS as examples/network/mqtt/mqttsecure passes it (the
// SecureSocket class of modules/crypt/securesocket, typed by @moddable/typings' securesocket.d.ts,
// and its `secure` dictionary, documentation/network/securesocket.md). Only what
// src/app/mqtt-device.ts uses.
declare module "mqtt" {
  export interface MqttClientOptions {
    host: string;
    /** Default 1883. */
    port?: number;
    /** Client id. */
    id?: string;
    user?: string;
    password?: string;
    /** Sent in CONNECT; `quality` is the will's QoS. */
    will?: { topic: string; message: ArrayBuffer | string; retain?: boolean; quality?: 0 | 1 | 2 };
    /** The socket class: SecureSocket for mqtts:// (default: the plain TCP Socket). */
    Socket?: new (dictionary: { host: string; port: number; secure?: SecureOptions }) => object;
    /** Handed to `Socket` (SecureSocket's TLS settings). */
    secure?: SecureOptions;
    /** Keep-alive period, ms (0: none); the client pings within it and fails after 1.5 × it without input. */
    timeout?: number;
  }

  /** SecureSocket's `secure` dictionary, the fields used here. */
  export interface SecureOptions {
    /** Lowest TLS version accepted: 0x303 = TLS 1.2 (the SDK's default is 0x302). */
    protocolVersion?: number;
    /** A trusted CA certificate, DER; the bundled store (resources ca.ski and caN.der) is searched as well. */
    certificate?: ArrayBuffer;
  }

  export default class Client {
    constructor(options: MqttClientOptions);
    /** CONNACK accepted. */
    onReady?: () => void;
    onMessage?: (topic: string, body: ArrayBuffer) => void;
    /** The connection failed or ended (socket error, refused CONNECT, keep-alive timeout). */
    onClose?: () => void;
    /** Throws when the connection is not up. */
    publish(topic: string, data: ArrayBuffer | string, flags?: { retain?: boolean; quality?: 0 | 1 | 2 }): void;
    /** QoS 0; throws when the connection is not up. */
    subscribe(topic: string): void;
    /** Throws when the connection is not up. */
    unsubscribe(topic: string): void;
    /** Sends DISCONNECT unless `immediate`, then closes the socket. */
    close(immediate?: boolean): void;
  }
}
