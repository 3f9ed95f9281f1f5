// Our declarations of the Moddable SDK's MQTT client (modules/network/mqtt/mqtt.js, module name
// "mqtt"), which neither @moddable/typings 5.6.0 nor the SDK's typings folder describe (they have
// only "mqtt/js"). Written from the SDK's documented use (examples/network/mqtt): MQTT 3.1.1 over
// a socket, QoS 0, callbacks as properties. Only what src/app/mqtt-device.ts uses.
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
    /** Keep-alive period, ms (0: none); the client pings within it and fails after 1.5 × it without input. */
    timeout?: number;
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
