// Bounded tables, oldest out first. Every table the core keeps about others (seen frames, askers,
// custody, keys, answers) is bounded (docs/protocol.md §18) by evicting its oldest entry, in
// insertion order, when it is full. These are the one implementation of that rule; a table that
// must refresh an entry it sees again re-inserts it (`setNewest`, `addNewest`), so "oldest" means
// least recently seen.

/** Drops the oldest entries of a Map or Set (insertion order) until one more fits under `max`. */
export function makeRoom<K>(table: Map<K, unknown> | Set<K>, max: number): void {
  while (table.size > 0 && table.size >= max) {
    const oldest = table.keys().next().value as K;
    table.delete(oldest);
  }
}

/** Sets `key` as the newest entry of a Map of at most `max` entries, the oldest dropped to make room. */
export function setNewest<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  makeRoom(map, max);
  map.set(key, value);
}

/** Adds `key` as the newest member of a Set of at most `max`, the oldest dropped to make room; true when it was not there. */
export function addNewest<K>(set: Set<K>, key: K, max: number): boolean {
  const known = set.delete(key);
  makeRoom(set, max);
  set.add(key);
  return !known;
}
