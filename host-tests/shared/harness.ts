// The shared test harness: cases written once, run by vitest on Node and by host-tests/xs/main.ts
// on the XS engine. Only ES2022 features here, no Node APIs: the same bundle runs on XS 13.

export class AssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AssertionError";
  }
}

function show(v: unknown): string {
  if (v instanceof Uint8Array) return `Uint8Array[${Array.from(v).map((b) => b.toString(16).padStart(2, "0")).join(" ")}]`;
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "bigint") return `${v}n`;
  try {
    const s = JSON.stringify(v, (_k, x) => (x instanceof Uint8Array ? Array.from(x) : typeof x === "bigint" ? `${x}n` : x));
    return s === undefined ? String(v) : s;
  } catch {
    return String(v);
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !deepEqual(v, b.get(k))) return false;
    return true;
  }
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

export interface Assert {
  ok(value: unknown, message?: string): void;
  equal<T>(actual: T, expected: T, message?: string): void;
  notEqual<T>(actual: T, expected: T, message?: string): void;
  deepEqual(actual: unknown, expected: unknown, message?: string): void;
  /** |actual − expected| ≤ tolerance */
  near(actual: number, expected: number, tolerance: number, message?: string): void;
  atLeast(actual: number, bound: number, message?: string): void;
  atMost(actual: number, bound: number, message?: string): void;
  /** fn must throw; when `pattern` is given the error message must match it. */
  throws(fn: () => unknown, pattern?: RegExp, message?: string): void;
  fail(message: string): never;
}

function prefix(message: string | undefined): string {
  return message === undefined ? "" : `${message}: `;
}

export const assert: Assert = {
  ok(value, message) {
    if (!value) throw new AssertionError(`${prefix(message)}expected a truthy value, got ${show(value)}`);
  },
  equal(actual, expected, message) {
    if (!Object.is(actual, expected)) throw new AssertionError(`${prefix(message)}expected ${show(expected)}, got ${show(actual)}`);
  },
  notEqual(actual, expected, message) {
    if (Object.is(actual, expected)) throw new AssertionError(`${prefix(message)}expected anything but ${show(expected)}`);
  },
  deepEqual(actual, expected, message) {
    if (!deepEqual(actual, expected)) throw new AssertionError(`${prefix(message)}expected ${show(expected)}, got ${show(actual)}`);
  },
  near(actual, expected, tolerance, message) {
    if (!(Math.abs(actual - expected) <= tolerance)) {
      throw new AssertionError(`${prefix(message)}expected ${expected} ± ${tolerance}, got ${actual}`);
    }
  },
  atLeast(actual, bound, message) {
    if (!(actual >= bound)) throw new AssertionError(`${prefix(message)}expected ≥ ${bound}, got ${actual}`);
  },
  atMost(actual, bound, message) {
    if (!(actual <= bound)) throw new AssertionError(`${prefix(message)}expected ≤ ${bound}, got ${actual}`);
  },
  throws(fn, pattern, message) {
    let threw = false;
    try {
      fn();
    } catch (e) {
      threw = true;
      const text = e instanceof Error ? e.message : String(e);
      if (pattern !== undefined && !pattern.test(text)) {
        throw new AssertionError(`${prefix(message)}error "${text}" does not match ${pattern}`);
      }
    }
    if (!threw) throw new AssertionError(`${prefix(message)}expected an error`);
  },
  fail(message) {
    throw new AssertionError(message);
  },
};

export type CaseFn = (t: Assert) => void;

export interface Suite {
  readonly name: string;
  readonly cases: ReadonlyArray<{ readonly name: string; readonly run: CaseFn }>;
}

export function suite(name: string, cases: Record<string, CaseFn>): Suite {
  return { name, cases: Object.keys(cases).map((k) => ({ name: k, run: cases[k] })) };
}

export interface SuiteResult {
  passed: number;
  failed: number;
  failures: string[];
}

/** Runs suites synchronously, collecting failures instead of stopping at the first. */
export function runSuites(suites: readonly Suite[], onCase?: (suite: string, name: string, error?: unknown) => void): SuiteResult {
  const result: SuiteResult = { passed: 0, failed: 0, failures: [] };
  for (const s of suites) {
    for (const c of s.cases) {
      try {
        c.run(assert);
        result.passed++;
        onCase?.(s.name, c.name);
      } catch (e) {
        result.failed++;
        const text = e instanceof Error ? `${e.name}: ${e.message}${e.stack ? `\n${e.stack}` : ""}` : String(e);
        result.failures.push(`${s.name} › ${c.name}: ${text}`);
        onCase?.(s.name, c.name, e);
      }
    }
  }
  return result;
}
