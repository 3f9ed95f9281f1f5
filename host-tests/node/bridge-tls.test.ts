// mqtts:// on the host link (src/host/mqtt-link.ts) against a real Mosquitto with TLS listeners on
// loopback, certificates made at test time (host-tests/node/test-certs.ts): the link connects
// when the broker's certificate chains to the configured CA (setting mqttca) and names the host
// it dialled, and refuses, with a reason that says so, a broker signed by another CA or one whose
// certificate names another host. Nothing falls back to plain or unverified.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { MqttLinkOptions } from "../../src/app/bridge-link";
import { parseCaCert } from "../../src/app/ca-cert";
import { hostMqttLink } from "../../src/host/mqtt-link";
import { Mosquitto } from "./mosquitto";
import { makeCa, makeServer, type TestCa } from "./test-certs";

let dir: string;
let broker: Mosquitto;
let ca: TestCa;
let rogue: TestCa;
/** tlsPorts[0]: signed by `ca` for 127.0.0.1; [1]: signed by `ca` for another host only; [2]: signed by `rogue` for 127.0.0.1. */
let ports: readonly number[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "s5-tls-"));
  ca = makeCa(dir, "s5-test-ca");
  rogue = makeCa(dir, "rogue-ca");
  broker = await Mosquitto.start([
    makeServer(dir, ca, "good", ["IP:127.0.0.1", "DNS:localhost"]),
    makeServer(dir, ca, "elsewhere", ["DNS:broker.example"]),
    makeServer(dir, rogue, "impostor", ["IP:127.0.0.1"]),
  ]);
  ports = broker.tlsPorts;
}, 30_000);

afterAll(async () => {
  await broker?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

function der(caPem: string): Uint8Array {
  const r = parseCaCert(caPem);
  if (!r.ok) throw new Error(r.error);
  return r.der;
}

/** One connection attempt; resolves with "up" or the reason it went down. */
function attempt(port: number, caCert: Uint8Array | undefined, host = "127.0.0.1"): Promise<string> {
  return new Promise((resolve) => {
    const options: MqttLinkOptions = {
      broker: { tls: true, host, port },
      clientId: `s5-tls-${port}-${Math.floor(Math.random() * 1e6)}`,
      keepaliveMs: 10_000,
      connectTimeoutMs: 5_000,
      will: { topic: "s5/test/will", payload: new Uint8Array([0]) },
      ...(caCert === undefined ? {} : { caCert }),
    };
    const link = hostMqttLink()(options, {
      onUp: () => {
        link.close();
        resolve("up");
      },
      onDown: (reason) => resolve(reason),
      onMessage: () => undefined,
    });
  });
}

describe("mqtts:// with a real broker", () => {
  test("connects when the broker's chain leads to the mqttca certificate and names the host", async () => {
    expect(await attempt(ports[0], der(ca.pem))).toBe("up");
  });

  test("a frame goes through the TLS listener to a subscriber on the plain one (same broker)", async () => {
    const sub = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    const got = new Promise<Buffer>((resolve) => sub.on("message", (_t, p) => resolve(p)));
    await sub.subscribeAsync("s5/test/tls");
    await new Promise<void>((resolve, reject) => {
      const link = hostMqttLink()(
        { broker: { tls: true, host: "127.0.0.1", port: ports[0] }, clientId: "s5-tls-pub", keepaliveMs: 10_000, connectTimeoutMs: 5_000, will: { topic: "s5/test/will", payload: new Uint8Array([0]) }, caCert: der(ca.pem) },
        {
          onUp: () => {
            expect(link.publish("s5/test/tls", new Uint8Array([1, 2, 3]), false)).toBe(true);
            resolve();
          },
          onDown: (reason) => reject(new Error(reason)),
          onMessage: () => undefined,
        },
      );
    });
    expect([...(await got)]).toEqual([1, 2, 3]);
    await sub.endAsync();
  });

  test("refuses a broker whose certificate another CA signed", async () => {
    const reason = await attempt(ports[2], der(ca.pem));
    expect(reason).toMatch(/^TLS: the broker's certificate was refused/);
    expect(reason).toMatch(/set mqttca/);
  });

  test("refuses a certificate of the right CA that names another host", async () => {
    const reason = await attempt(ports[1], der(ca.pem));
    expect(reason).toMatch(/^TLS: the broker's certificate was refused \(ERR_TLS_CERT_ALTNAME_INVALID/);
  });

  test("without mqttca, the system's roots do not include a private CA: refused, never unverified", async () => {
    expect(await attempt(ports[0], undefined)).toMatch(/^TLS: the broker's certificate was refused/);
  });

  test("mqtts:// to a plain listener fails, it does not fall back to plain MQTT", async () => {
    const reason = await attempt(broker.port, der(ca.pem));
    expect(reason).not.toBe("up");
  });
});
