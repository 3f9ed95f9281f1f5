// An in-memory Preference store that enforces the device's limits (Moddable modPreference on
// NVS, moddable.md §7): domain and key ≤ 15 characters, integer numbers only ("float
// unsupported"), values ≤ 4000 bytes. Code that passes here respects the device limits. The
// host run keeps one per node across reboots, as NVS is kept; tests use it as their fake.
// ES2022 only: also used by the XS test bundle.
import type { PreferenceLike, PreferenceValue } from "../app/settings";

export class HostPreference implements PreferenceLike {
  readonly domains = new Map<string, Map<string, PreferenceValue>>();
  /** Number of successful set() calls (each is a flash commit on the device). */
  writes = 0;
  /** When set, every call throws this (a failing NVS partition). */
  failWith: string | undefined;

  get(domain: string, key: string): PreferenceValue | undefined {
    this.#check(domain, key);
    const v = this.domains.get(domain)?.get(key);
    return v instanceof ArrayBuffer ? v.slice(0) : v;
  }

  set(domain: string, key: string, value: PreferenceValue): void {
    this.#check(domain, key);
    if (typeof value === "number" && !Number.isInteger(value)) throw new Error("float unsupported");
    if (typeof value === "string" && value.length > 4000) throw new RangeError("value too long");
    if (value instanceof ArrayBuffer && value.byteLength > 4000) throw new RangeError("value too long");
    this.#raw(domain).set(key, value instanceof ArrayBuffer ? value.slice(0) : value);
    this.writes++;
  }

  delete(domain: string, key: string): void {
    this.#check(domain, key);
    this.domains.get(domain)?.delete(key);
  }

  keys(domain: string): string[] {
    if (this.failWith !== undefined) throw new Error(this.failWith);
    return Array.from(this.domains.get(domain)?.keys() ?? []);
  }

  /** Puts any value in place without the checks, as a corrupted or foreign store would hold. */
  corrupt(domain: string, key: string, value: PreferenceValue): void {
    this.#raw(domain).set(key, value);
  }

  #raw(domain: string): Map<string, PreferenceValue> {
    let d = this.domains.get(domain);
    if (d === undefined) this.domains.set(domain, (d = new Map()));
    return d;
  }

  #check(domain: string, key: string): void {
    if (this.failWith !== undefined) throw new Error(this.failWith);
    if (domain.length < 1 || domain.length > 15) throw new RangeError(`domain "${domain}" must be 1..15 characters`);
    if (key.length < 1 || key.length > 15) throw new RangeError(`key "${key}" must be 1..15 characters`);
  }
}
