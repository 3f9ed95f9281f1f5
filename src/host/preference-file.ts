// A node's flash on the host: the HostPreference store (device limits enforced) kept in a JSON
// file, written after every change, so a node's settings, node key and frame counter survive
// between runs of `system5 node` / `system5 mesh` as they survive power cycles on a board.
// A damaged file is never overwritten: it is moved aside (<file>.bad) and the node boots with
// defaults, saying so.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { PreferenceValue } from "../app/settings";
import { formatNodeId } from "../core/station";
import { HostPreference } from "./preference";

type Stored = { readonly s: string } | { readonly n: number } | { readonly b: boolean } | { readonly buf: string };

/** The data folder: $SYSTEM5_DATA, else $XDG_DATA_HOME/system5, else ~/.local/share/system5. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SYSTEM5_DATA) return env.SYSTEM5_DATA;
  const base = env.XDG_DATA_HOME || path.join(os.homedir(), ".local", "share");
  return path.join(base, "system5");
}

/** Where the node with this id keeps its flash. */
export function nodeStorePath(dataDir: string, id: number): string {
  return path.join(dataDir, "nodes", `${formatNodeId(id)}.json`);
}

export class FilePreference extends HostPreference {
  readonly file: string;
  /** Set when the file existed but could not be read (it was moved aside). */
  readonly problem: string | undefined;

  constructor(file: string) {
    super();
    this.file = file;
    let problem: string | undefined;
    let text: string | undefined;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") problem = `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
    }
    if (text !== undefined) {
      try {
        this.#load(JSON.parse(text));
      } catch (e) {
        this.domains.clear();
        problem = `${file} is damaged (${e instanceof Error ? e.message : String(e)}); kept as ${path.basename(file)}.bad, starting from defaults`;
        try {
          renameSync(file, `${file}.bad`);
        } catch {
          // leave it where it is; the next save replaces it
        }
      }
    }
    this.problem = problem;
  }

  override set(domain: string, key: string, value: PreferenceValue): void {
    super.set(domain, key, value);
    this.#save();
  }

  override delete(domain: string, key: string): void {
    super.delete(domain, key);
    this.#save();
  }

  /** Erases everything (factory reset) and saves the empty store. */
  clear(): void {
    this.domains.clear();
    this.#save();
  }

  #load(raw: unknown): void {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error("not a JSON object");
    for (const [domain, entries] of Object.entries(raw as Record<string, unknown>)) {
      if (typeof entries !== "object" || entries === null) throw new Error(`domain ${domain} is not an object`);
      const map = new Map<string, PreferenceValue>();
      for (const [key, v] of Object.entries(entries as Record<string, Stored>)) map.set(key, decode(v, `${domain}.${key}`));
      this.domains.set(domain, map);
    }
  }

  #save(): void {
    const out: Record<string, Record<string, Stored>> = {};
    for (const [domain, entries] of this.domains) {
      out[domain] = {};
      for (const [key, v] of entries) out[domain][key] = encode(v);
    }
    mkdirSync(path.dirname(this.file), { recursive: true });
    // Write then rename: a crash mid-write leaves the previous file whole, as NVS commits do.
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(out, null, 1));
    renameSync(tmp, this.file);
  }
}

function encode(v: PreferenceValue): Stored {
  if (typeof v === "string") return { s: v };
  if (typeof v === "number") return { n: v };
  if (typeof v === "boolean") return { b: v };
  return { buf: Buffer.from(v).toString("base64") };
}

function decode(v: Stored, where: string): PreferenceValue {
  if (typeof v !== "object" || v === null) throw new Error(`${where} is not a stored value`);
  if ("s" in v && typeof v.s === "string") return v.s;
  if ("n" in v && Number.isInteger(v.n)) return v.n;
  if ("b" in v && typeof v.b === "boolean") return v.b;
  if ("buf" in v && typeof v.buf === "string") {
    const bytes = Buffer.from(v.buf, "base64");
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }
  throw new Error(`${where} is not a stored value`);
}
