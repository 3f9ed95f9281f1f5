// A real Mosquitto broker for the bridge tests: started on a free loopback port with a config of
// its own (listener on 127.0.0.1 only, no persistence), stopped (SIGKILL or SIGTERM) and started
// again on the same port, so a test can take the internet away and give it back. .ci/run installs
// the Debian package; without it the tests fail with a message saying how to install it.
// TLS listeners (mqtts://) may be added, each on its own loopback port with its own certificate.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const CANDIDATES = ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/opt/homebrew/sbin/mosquitto", "mosquitto"];

/** The mosquitto binary, or an Error saying how to get one. */
export function mosquittoBinary(): string {
  for (const c of CANDIDATES) {
    const r = spawnSync(c, ["-h"], { encoding: "utf8" });
    if (r.error === undefined && /mosquitto version/i.test(`${r.stdout}${r.stderr}`)) return c;
  }
  throw new Error("mosquitto is not installed: the bridge tests run a real broker. Install it with `sudo apt-get install -y mosquitto` (Debian/Ubuntu; .ci/run does this) or `brew install mosquitto`.");
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** A TLS listener: the files Mosquitto reads (certfile may hold the chain: server certificate, then CA). */
export interface TlsListener {
  readonly certfile: string;
  readonly keyfile: string;
}

export class Mosquitto {
  readonly port: number;
  /** The ports of the TLS listeners, in the order given to start(). */
  readonly tlsPorts: readonly number[];
  readonly url: string;
  readonly #bin: string;
  readonly #dir: string;
  readonly #conf: string;
  #proc: ChildProcess | undefined;
  log = "";

  private constructor(bin: string, port: number, tls: ReadonlyArray<TlsListener & { port: number }>) {
    this.#bin = bin;
    this.port = port;
    this.tlsPorts = tls.map((l) => l.port);
    this.url = `mqtt://127.0.0.1:${port}`;
    this.#dir = mkdtempSync(path.join(os.tmpdir(), "s5-mosquitto-"));
    this.#conf = path.join(this.#dir, "mosquitto.conf");
    // per_listener_settings false: allow_anonymous applies to every listener.
    // Mosquitto started as root reads certificates after it drops to the user "mosquitto", who
    // cannot read a test's private temporary folder: it stays the user who started it.
    const listeners = tls.flatMap((l) => [`listener ${l.port} 127.0.0.1`, `certfile ${l.certfile}`, `keyfile ${l.keyfile}`]);
    if (tls.length > 0) listeners.push(`user ${os.userInfo().username}`);
    writeFileSync(this.#conf, [`listener ${port} 127.0.0.1`, ...listeners, "allow_anonymous true", "persistence false", "log_dest stderr", "log_type error", "log_type warning", ""].join("\n"));
  }

  /** Starts a broker on a free loopback port (and one more per TLS listener). */
  static async start(tls: readonly TlsListener[] = []): Promise<Mosquitto> {
    const ports: number[] = [];
    while (ports.length < tls.length + 1) {
      const p = await freePort();
      if (!ports.includes(p)) ports.push(p);
    }
    const m = new Mosquitto(mosquittoBinary(), ports[tls.length], tls.map((l, i) => ({ ...l, port: ports[i] })));
    await m.resume();
    return m;
  }

  get running(): boolean {
    return this.#proc !== undefined;
  }

  /** (Re)starts the broker on its port; resolves once it accepts connections. */
  async resume(): Promise<void> {
    if (this.#proc !== undefined) return;
    const proc = spawn(this.#bin, ["-c", this.#conf], { stdio: ["ignore", "ignore", "pipe"] });
    proc.stderr?.on("data", (d: Buffer) => (this.log += d.toString()));
    this.#proc = proc;
    const exited = new Promise<never>((_, reject) => proc.once("exit", (code) => reject(new Error(`mosquitto exited (${code}): ${this.log}`))));
    const deadline = Date.now() + 5_000;
    for (;;) {
      const open = (await Promise.race([Promise.all([this.port, ...this.tlsPorts].map(portOpen)), exited])).every(Boolean);
      if (open) return;
      if (Date.now() > deadline) throw new Error(`mosquitto did not listen on 127.0.0.1:${this.port} within 5 s: ${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Kills the broker (SIGKILL: the internet link is cut, no goodbye to anyone); resolves once it is gone. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const proc = this.#proc;
    if (proc === undefined) return;
    this.#proc = undefined;
    if (proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once("exit", () => resolve());
      proc.kill(signal);
    });
  }

  async stop(): Promise<void> {
    await this.kill("SIGTERM");
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
