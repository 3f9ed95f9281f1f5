// A small checked reader for scenario files: every problem is reported with its JSON path and
// what was expected, and unknown keys are errors (a typo must not silently become a default).

export class ScenarioError extends Error {
  override readonly name = "ScenarioError";
}

type Json = unknown;

export class Reader {
  readonly #value: Record<string, Json>;
  readonly #path: string;
  readonly #used = new Set<string>();

  constructor(value: Json, path: string) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new ScenarioError(`${path || "scenario"}: expected an object, got ${describe(value)}`);
    }
    this.#value = value as Record<string, Json>;
    this.#path = path;
  }

  has(key: string): boolean {
    return this.#value[key] !== undefined;
  }

  raw(key: string): Json {
    this.#used.add(key);
    return this.#value[key];
  }

  at(key: string): string {
    return this.#path ? `${this.#path}.${key}` : key;
  }

  num(key: string, fallback: number | undefined, opts: { min?: number; max?: number; integer?: boolean; unit?: string } = {}): number {
    const v = this.raw(key);
    if (v === undefined) {
      if (fallback === undefined) throw new ScenarioError(`${this.at(key)}: required${opts.unit ? ` (${opts.unit})` : ""}`);
      return fallback;
    }
    return checkNumber(v, this.at(key), opts);
  }

  str(key: string, fallback: string | undefined): string {
    const v = this.raw(key);
    if (v === undefined) {
      if (fallback === undefined) throw new ScenarioError(`${this.at(key)}: required`);
      return fallback;
    }
    if (typeof v !== "string") throw new ScenarioError(`${this.at(key)}: expected a string, got ${describe(v)}`);
    return v;
  }

  oneOf<T extends string>(key: string, choices: readonly T[], fallback: T | undefined): T {
    const v = this.str(key, fallback);
    if (!(choices as readonly string[]).includes(v)) {
      throw new ScenarioError(`${this.at(key)}: "${v}" is not one of ${choices.join(", ")}`);
    }
    return v as T;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    if (typeof v !== "boolean") throw new ScenarioError(`${this.at(key)}: expected true or false, got ${describe(v)}`);
    return v;
  }

  /** A [low, high] pair (a single number means low = high). */
  pair(key: string, fallback: readonly [number, number], opts: { min?: number; max?: number; unit?: string } = {}): [number, number] {
    const v = this.raw(key);
    if (v === undefined) return [fallback[0], fallback[1]];
    if (typeof v === "number") {
      const x = checkNumber(v, this.at(key), opts);
      return [x, x];
    }
    if (!Array.isArray(v) || v.length !== 2) throw new ScenarioError(`${this.at(key)}: expected [low, high] or a number, got ${describe(v)}`);
    const lo = checkNumber(v[0], `${this.at(key)}[0]`, opts);
    const hi = checkNumber(v[1], `${this.at(key)}[1]`, opts);
    if (lo > hi) throw new ScenarioError(`${this.at(key)}: low ${lo} is above high ${hi}`);
    return [lo, hi];
  }

  child(key: string): Reader | undefined {
    const v = this.raw(key);
    return v === undefined ? undefined : new Reader(v, this.at(key));
  }

  array(key: string): Json[] | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) throw new ScenarioError(`${this.at(key)}: expected an array, got ${describe(v)}`);
    return v;
  }

  /** Throws on keys nobody read: misspelt or unsupported settings. */
  done(): void {
    for (const k of Object.keys(this.#value)) {
      if (!this.#used.has(k) && !k.startsWith("$") && k !== "comment") {
        throw new ScenarioError(`${this.at(k)}: unknown setting (see docs/simulator.md for the schema)`);
      }
    }
  }
}

export function checkNumber(v: Json, path: string, opts: { min?: number; max?: number; integer?: boolean; unit?: string }): number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new ScenarioError(`${path}: expected a number${opts.unit ? ` (${opts.unit})` : ""}, got ${describe(v)}`);
  if (opts.integer && !Number.isInteger(v)) throw new ScenarioError(`${path}: expected a whole number, got ${v}`);
  if (opts.min !== undefined && v < opts.min) throw new ScenarioError(`${path}: ${v} is below the minimum ${opts.min}`);
  if (opts.max !== undefined && v > opts.max) throw new ScenarioError(`${path}: ${v} is above the maximum ${opts.max}`);
  return v;
}

function describe(v: Json): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return `"${v}"`;
  return typeof v === "object" ? "an object" : String(v);
}
