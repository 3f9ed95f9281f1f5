// Nodes heard through the mesh (not only neighbours): when each was last heard from and how many
// hops its last message or acknowledgement took. The console's `nodes` and the API's node list
// merge this with the neighbour table. Bounded: the least recently heard is forgotten first.

const MAX_NODES = 64;

export interface Heard {
  readonly at: number;
  readonly hops: number;
}

export class HeardNodes {
  readonly #nodes = new Map<number, Heard>();

  heard(id: number, hops: number, at: number): void {
    this.#nodes.delete(id);
    this.#nodes.set(id, { at, hops });
    if (this.#nodes.size > MAX_NODES) this.#nodes.delete(this.#nodes.keys().next().value as number);
  }

  get(id: number): Heard | undefined {
    return this.#nodes.get(id);
  }

  ids(): number[] {
    return [...this.#nodes.keys()];
  }
}
