// The host side of the device API (docs/api.md): requests out as frames, answers matched by id,
// events to a listener, the console's text ignored (or handed to `onText`). Works over any byte
// transport: a serial port (a board's /dev/ttyUSB0, or the pseudo-terminal of an emulated node)
// or an emulated node's socket on a shared air.
import { SerialPort } from "serialport";
import { encodeFrame, FrameSplitter } from "../app/api-frame";
import { airSocketPath, connectAir } from "./air-hub";

export type ApiRecord = Record<string, unknown>;

export interface Transport {
  write(bytes: Uint8Array): void;
  onData(listener: (bytes: Uint8Array) => void): void;
  /** Called when the far end goes away. */
  onClose(listener: (error?: Error) => void): void;
  close(): Promise<void>;
}

export class ApiError extends Error {}

/** Events kept while a request's answer is awaited (`requestThenEvent`); a request answers within seconds. */
const EARLY_EVENTS_MAX = 256;

export class ApiClient {
  readonly #transport: Transport;
  readonly #pending = new Map<number, { resolve: (r: ApiRecord) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>();
  readonly #eventListeners = new Set<(e: ApiRecord) => void>();
  #nextId = 1;
  #closed: Error | undefined;
  /** Records the device sent with no matching request (errors for dropped frames, late answers). */
  readonly unmatched: ApiRecord[] = [];

  constructor(transport: Transport, options: { readonly onText?: (bytes: Uint8Array) => void } = {}) {
    this.#transport = transport;
    const splitter = new FrameSplitter({
      now: () => Date.now(),
      onText: (bytes) => options.onText?.(bytes),
      onFrame: (payload) => this.#record(payload),
      // The device's own output is trusted less than nothing: a bad frame from it is skipped.
      onError: () => undefined,
    });
    transport.onData((bytes) => splitter.push(bytes));
    transport.onClose((error) => {
      this.#closed = error ?? new ApiError("the port closed");
      for (const p of this.#pending.values()) {
        clearTimeout(p.timer);
        p.reject(this.#closed);
      }
      this.#pending.clear();
    });
  }

  /** Sends `{id, cmd, ...args}`; resolves with the answer, rejects with the device's error or a timeout. */
  request(cmd: string, args: ApiRecord = {}, timeoutMs = 5000): Promise<ApiRecord> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new ApiError(`no answer to ${cmd} within ${timeoutMs / 1000} s: is this a System 5 node?`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.sendRaw(new TextEncoder().encode(JSON.stringify({ ...args, id, cmd })));
    });
  }

  /** Sends one frame with this payload as is (tests use it for malformed records). */
  sendRaw(payload: Uint8Array): void {
    this.#transport.write(encodeFrame(payload));
  }

  onEvent(listener: (e: ApiRecord) => void): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  /**
   * Sends a request and waits for the event it leads to (a delivery report, a traceroute result):
   * `match` sees the answer and each event. Events are watched from before the request goes, since
   * the event can arrive in the same read as the answer and be handed out before a listener added
   * after the answer would exist (a loaded host, or a fast mesh, makes that common). `onAnswer`
   * runs when the answer comes, before the wait.
   */
  async requestThenEvent(cmd: string, args: ApiRecord, match: (answer: ApiRecord, e: ApiRecord) => boolean, timeoutMs: number, onAnswer?: (answer: ApiRecord) => void): Promise<{ readonly answer: ApiRecord; readonly event: ApiRecord }> {
    const early: ApiRecord[] = [];
    const off = this.onEvent((e) => {
      if (early.length < EARLY_EVENTS_MAX) early.push(e);
    });
    let answer: ApiRecord;
    try {
      answer = await this.request(cmd, args);
    } finally {
      off();
    }
    onAnswer?.(answer);
    const seen = early.find((e) => match(answer, e));
    return { answer, event: seen ?? (await this.waitForEvent((e) => match(answer, e), timeoutMs)) };
  }

  /** Resolves with the first event `match` accepts, or rejects after `timeoutMs`. */
  waitForEvent(match: (e: ApiRecord) => boolean, timeoutMs: number): Promise<ApiRecord> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new ApiError(`no such event within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const off = this.onEvent((e) => {
        if (!match(e)) return;
        clearTimeout(timer);
        off();
        resolve(e);
      });
    });
  }

  close(): Promise<void> {
    for (const p of this.#pending.values()) clearTimeout(p.timer);
    this.#pending.clear();
    return this.#transport.close();
  }

  #record(payload: Uint8Array): void {
    let r: ApiRecord;
    try {
      const parsed: unknown = JSON.parse(new TextDecoder().decode(payload));
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return;
      r = parsed as ApiRecord;
    } catch {
      return;
    }
    if (typeof r.event === "string") {
      for (const l of this.#eventListeners) l(r);
      return;
    }
    const p = typeof r.re === "number" ? this.#pending.get(r.re) : undefined;
    if (p === undefined) {
      this.unmatched.push(r);
      return;
    }
    this.#pending.delete(r.re as number);
    clearTimeout(p.timer);
    if (r.ok === true) p.resolve(r);
    else p.reject(new ApiError(typeof r.error === "string" ? r.error : "the node refused"));
  }
}

/** A serial port (a board, or an emulated node's pseudo-terminal), 115200 8N1. */
export async function serialTransport(path: string): Promise<Transport> {
  const port = await new Promise<SerialPort>((resolve, reject) => {
    const p = new SerialPort({ path, baudRate: 115_200, autoOpen: false });
    p.open((error) => (error ? reject(new Error(`cannot open ${path}: ${error.message}`)) : resolve(p)));
  });
  // Whatever the node sent before we came is stale (old events, console text): drop it.
  await new Promise<void>((resolve) => port.flush(() => resolve()));
  return {
    write: (bytes) => void port.write(Buffer.from(bytes)),
    onData: (l) => void port.on("data", (b: Buffer) => l(new Uint8Array(b))),
    onClose: (l) => void port.on("close", (e?: Error) => l(e ?? undefined)),
    close: () => new Promise((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}

/** Node `node`'s serial port on the shared air `air` (src/host/air-hub.ts). */
export async function airTransport(dataDir: string, air: string, node: string): Promise<Transport> {
  const { socket } = await connectAir(airSocketPath(dataDir, air), { attach: node });
  return {
    write: (bytes) => void socket.write(bytes),
    onData: (l) => void socket.on("data", (b: Buffer) => l(new Uint8Array(b))),
    onClose: (l) => void socket.on("close", () => l()),
    close: () =>
      new Promise((resolve) => {
        socket.end(() => resolve());
        socket.destroy();
      }),
  };
}
