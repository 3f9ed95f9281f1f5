// A pseudo-terminal for an emulated node's USB serial port, so that tools made for boards
// (`system5 connect --port`, picocom, screen, Meshtastic-style scripts) open it like /dev/ttyUSB0.
// Node has no pty API; python3 (present wherever the project runs) opens the pair and relays
// bytes between the pty's master side and this process. The slave side is set raw (no echo, no
// line editing), as a USB-serial adapter is. What the node writes waits in the bridge while the
// reader is slow (up to 1 MiB; beyond that, with nobody reading, the oldest bytes are dropped,
// as a UART with nobody listening loses them).
import { spawn, type ChildProcess } from "node:child_process";

const BRIDGE = String.raw`
import os, pty, select, tty, errno
m, s = pty.openpty()
tty.setraw(s)
os.set_blocking(m, False)
os.write(1, (os.ttyname(s) + "\n").encode())
pending = bytearray()
LIMIT = 1 << 20
while True:
    r, w, _ = select.select([m, 0], [m] if pending else [], [])
    if m in w and pending:
        try:
            del pending[:os.write(m, pending)]
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.EIO):
                raise
    if 0 in r:
        data = os.read(0, 65536)
        if not data:
            break
        pending += data
        if len(pending) > LIMIT:
            del pending[:len(pending) - LIMIT]
    if m in r:
        try:
            data = os.read(m, 65536)
        except OSError as e:
            if e.errno in (errno.EAGAIN, errno.EIO):
                continue
            raise
        while data:
            data = data[os.write(1, data):]
`;

export interface PtyPort {
  /** The slave device path (e.g. /dev/pts/7): open it as a serial port. */
  readonly path: string;
  /** Bytes the node writes to its UART. */
  write(bytes: Uint8Array | string): void;
  close(): void;
}

/** Opens a pty; `onInput` gets the bytes a program writes to it. */
export function openPty(onInput: (bytes: Uint8Array) => void): Promise<PtyPort> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn("python3", ["-c", BRIDGE], { stdio: ["pipe", "pipe", "inherit"] });
    } catch (e) {
      reject(new Error(`cannot open a pseudo-terminal (python3: ${e instanceof Error ? e.message : String(e)})`));
      return;
    }
    let head = Buffer.alloc(0);
    let path: string | undefined;
    child.once("error", (e) => reject(new Error(`cannot open a pseudo-terminal (python3: ${e.message})`)));
    child.once("exit", (code) => {
      if (path === undefined) reject(new Error(`cannot open a pseudo-terminal (python3 exited with ${code})`));
    });
    child.stdin?.on("error", () => undefined);
    child.stdout?.on("data", (chunk: Buffer) => {
      if (path !== undefined) return onInput(new Uint8Array(chunk));
      head = Buffer.concat([head, chunk]);
      const nl = head.indexOf(0x0a);
      if (nl < 0) return;
      path = head.subarray(0, nl).toString("utf8");
      const rest = head.subarray(nl + 1);
      const port: PtyPort = {
        path,
        write: (bytes) => {
          if (child.stdin?.writable) child.stdin.write(bytes);
        },
        close: () => {
          child.stdin?.end();
          child.kill();
        },
      };
      resolve(port);
      if (rest.length > 0) onInput(new Uint8Array(rest));
    });
  });
}
