// The physical limit's graph algorithms (docs/simulator.md §The physical limit): shortest paths
// in hops and the greedy connected dominating set of a broadcast, over the usable links the
// simulator knows and no router may: directed, decodable (RSSI ≥ sensitivity) links between live
// nodes. Adjacency is a plain list of out-neighbours per node, so tests can hand in small graphs.

/** Out-neighbours of every node (node indices). */
export type Adjacency = ReadonlyArray<ArrayLike<number>>;

/** Hops of the shortest path from src to every node (−1 where unreachable), by breadth-first search. */
export function hopsFrom(adj: Adjacency, src: number): Int32Array {
  const dist = new Int32Array(adj.length).fill(-1);
  const queue = new Int32Array(adj.length);
  let head = 0;
  let tail = 0;
  dist[src] = 0;
  queue[tail++] = src;
  while (head < tail) {
    const u = queue[head++];
    const out = adj[u];
    for (let k = 0; k < out.length; k++) {
      const v = out[k];
      if (dist[v] >= 0) continue;
      dist[v] = dist[u] + 1;
      queue[tail++] = v;
    }
  }
  return dist;
}

/** Hops of the shortest path src → dst, or −1 when dst is unreachable. */
export function hopsBetween(adj: Adjacency, src: number, dst: number): number {
  return src === dst ? 0 : hopsFrom(adj, src)[dst];
}

export interface BroadcastCover {
  /** Transmitting nodes in the order they transmit; the source first. */
  readonly transmitters: readonly number[];
  /** Nodes that hold the message at the end (the source included): everything reachable from it. */
  readonly covered: Uint8Array;
  readonly coveredCount: number;
}

/**
 * Greedy connected dominating set rooted at the source: the source transmits; then, while some
 * node that holds the message still reaches a node that does not, the holder that reaches the
 * most such nodes transmits (ties: the lowest index). Every reachable node ends up covered, and
 * the transmitters form a connected set (each one was covered by an earlier one).
 */
export function greedyBroadcast(adj: Adjacency, src: number): BroadcastCover {
  const n = adj.length;
  const covered = new Uint8Array(n);
  const sent = new Uint8Array(n);
  // gain[u] = out-neighbours of u not yet covered; only decreases, so a lazy max-heap is exact.
  const gain = new Int32Array(n);
  for (let u = 0; u < n; u++) gain[u] = adj[u].length;
  // Who reaches v: covering v lowers the gain of each of them.
  const inCount = new Int32Array(n + 1);
  for (let u = 0; u < n; u++) for (let k = 0; k < adj[u].length; k++) inCount[adj[u][k] + 1]++;
  for (let v = 0; v < n; v++) inCount[v + 1] += inCount[v];
  const inList = new Int32Array(inCount[n]);
  const fill = inCount.slice(0, n);
  for (let u = 0; u < n; u++) for (let k = 0; k < adj[u].length; k++) inList[fill[adj[u][k]]++] = u;

  const heap = new GainHeap();
  let coveredCount = 0;
  const cover = (v: number): void => {
    if (covered[v]) return;
    covered[v] = 1;
    coveredCount++;
    for (let k = inCount[v]; k < inCount[v + 1]; k++) gain[inList[k]]--;
    heap.push(gain[v], v);
  };
  const transmitters: number[] = [];
  const transmit = (u: number): void => {
    sent[u] = 1;
    transmitters.push(u);
    const out = adj[u];
    for (let k = 0; k < out.length; k++) cover(out[k]);
  };
  cover(src);
  heap.clear();
  transmit(src);
  for (;;) {
    const top = heap.pop();
    if (top < 0) break;
    const g = heap.poppedGain;
    if (sent[top]) continue;
    if (g !== gain[top]) {
      if (gain[top] > 0) heap.push(gain[top], top);
      continue;
    }
    if (g <= 0) break;
    transmit(top);
  }
  return { transmitters, covered, coveredCount };
}

/** Max-heap of (gain, node) ordered by gain, then by the lower node index. */
class GainHeap {
  #g: number[] = [];
  #v: number[] = [];
  poppedGain = 0;

  clear(): void {
    this.#g.length = 0;
    this.#v.length = 0;
  }

  #before(a: number, b: number): boolean {
    const g = this.#g;
    return g[a] > g[b] || (g[a] === g[b] && this.#v[a] < this.#v[b]);
  }

  #swap(a: number, b: number): void {
    const g = this.#g;
    const v = this.#v;
    [g[a], g[b]] = [g[b], g[a]];
    [v[a], v[b]] = [v[b], v[a]];
  }

  push(gain: number, node: number): void {
    this.#g.push(gain);
    this.#v.push(node);
    let i = this.#g.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#before(i, p)) break;
      this.#swap(i, p);
      i = p;
    }
  }

  /** The top node (its gain in poppedGain), or −1 when empty. */
  pop(): number {
    const g = this.#g;
    if (g.length === 0) return -1;
    const node = this.#v[0];
    this.poppedGain = g[0];
    const last = g.length - 1;
    this.#swap(0, last);
    g.pop();
    this.#v.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < g.length && this.#before(l, m)) m = l;
      if (r < g.length && this.#before(r, m)) m = r;
      if (m === i) break;
      this.#swap(i, m);
      i = m;
    }
    return node;
  }
}
