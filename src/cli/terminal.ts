// The terminal side of `system5 node` and `system5 mesh`: stdin to a node's serial port, in two
// modes. At a terminal, keys go to the node as they are typed (raw mode: the node echoes and
// edits the line, Ctrl-C drops it); Ctrl-D or Ctrl-] quits; Ctrl-N / Ctrl-P switch node (mesh).
// Piped input is read line by line, each line sent with its Enter, so scripts work:
//   @wait <s>    wait <s> seconds of the nodes' time before the next line
//   @<n>         (mesh) type into node n from now on (1..N, or its id)
// After the last line the nodes get a moment to answer, then the run ends.
import { createInterface } from "node:readline";
import { FrameSplitter } from "../app/api-frame";

/** Ctrl-D or Ctrl-] at a raw terminal ends the run (Ctrl-C is the console's "drop the line"). */
const QUIT_BYTES = new Set([0x04, 0x1d]);
const NEXT_NODE = 0x0e; // Ctrl-N
const PREVIOUS_NODE = 0x10; // Ctrl-P
/** Real time the nodes get to answer the last piped line. */
const LAST_LINE_GRACE_MS = 500;

export interface TerminalTarget {
  /** Bytes typed at the current node. */
  send(bytes: Uint8Array): void;
  /** Switches to another node; `to` is the text after @ (piped) or ±1 (keys). Returns an error text or undefined. */
  switchTo?(to: string | 1 | -1): string | undefined;
  /** Resolves after `ms` of the nodes' (virtual) time. */
  wait(ms: number): Promise<void>;
  /** The run is over. */
  finish(): void;
}

export function runTerminal(target: TerminalTarget, stdin: NodeJS.ReadStream = process.stdin, firstLineDelay?: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      if (stdin.isTTY) stdin.setRawMode(false);
      stdin.pause();
      target.finish();
      resolve();
    };
    if (stdin.isTTY) {
      stdin.setRawMode(true);
      process.stderr.write(`system5: Ctrl-D or Ctrl-] quits${target.switchTo === undefined ? "" : "; Ctrl-N / Ctrl-P switch node"}\r\n`);
      stdin.on("data", (chunk: Buffer) => {
        const start = 0;
        for (let i = start; i < chunk.length; i++) {
          const b = chunk[i];
          if (QUIT_BYTES.has(b)) return finish();
          if ((b === NEXT_NODE || b === PREVIOUS_NODE) && target.switchTo !== undefined) {
            const error = target.switchTo(b === NEXT_NODE ? 1 : -1);
            if (error !== undefined) process.stderr.write(`system5: ${error}\r\n`);
            continue;
          }
          target.send(Uint8Array.of(b));
        }
      });
      return;
    }
    const lines = createInterface({ input: stdin, crlfDelay: Infinity });
    const queue: string[] = [];
    let ended = false;
    let busy = false;
    const pump = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      if (firstLineDelay !== undefined) {
        await firstLineDelay();
        firstLineDelay = undefined;
      }
      while (queue.length > 0 && !done) {
        const line = queue.shift() as string;
        const wait = /^@wait\s+(\d+(?:\.\d+)?)\s*$/.exec(line);
        if (wait !== null) {
          await target.wait(Number(wait[1]) * 1000);
          continue;
        }
        if (line.startsWith("@") && target.switchTo !== undefined) {
          const error = target.switchTo(line.slice(1).trim());
          if (error !== undefined) process.stderr.write(`system5: ${error}\n`);
          continue;
        }
        target.send(Buffer.from(`${line}\r`, "utf8"));
        // One line at a time, as a person types: the node answers before the next arrives.
        await target.wait(50);
      }
      busy = false;
      if (ended && queue.length === 0) setTimeout(finish, LAST_LINE_GRACE_MS);
    };
    lines.on("line", (line) => {
      queue.push(line);
      void pump();
    });
    lines.on("close", () => {
      ended = true;
      void pump();
    });
  });
}

/** What a person should see of a serial port's bytes: the text, without the device API's frames. */
export function textOnly(sink: (bytes: Uint8Array) => void): (bytes: Uint8Array) => void {
  const splitter = new FrameSplitter({ now: () => Date.now(), onText: sink, onFrame: () => undefined, onError: () => undefined });
  return (bytes) => splitter.push(bytes);
}
