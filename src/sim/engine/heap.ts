// Binary min-heap event queue, ordered by (time, insertion sequence) so simultaneous events run
// in the order they were scheduled: runs are deterministic. "Urgent" events run before the
// ordinary ones of the same instant (a reception that ends at t completes before anything else
// the receiver does at t). Struct-of-arrays storage, so pushing
// and popping allocate nothing once the arrays have grown.

const URGENT_OFFSET = 2 ** 52;

export class EventQueue {
  #time = new Float64Array(1024);
  #seq = new Float64Array(1024);
  #type = new Uint8Array(1024);
  #arg = new Int32Array(1024);
  #size = 0;
  #nextSeq = 0;
  /** Fields of the event last returned by pop(). */
  time = 0;
  type = 0;
  arg = 0;

  get size(): number {
    return this.#size;
  }

  push(time: number, type: number, arg: number, urgent = false): void {
    if (this.#size === this.#time.length) this.#grow();
    let i = this.#size++;
    const seq = this.#nextSeq++ - (urgent ? URGENT_OFFSET : 0);
    // Sift up.
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.#time[p] < time || (this.#time[p] === time && this.#seq[p] < seq)) break;
      this.#move(p, i);
      i = p;
    }
    this.#time[i] = time;
    this.#seq[i] = seq;
    this.#type[i] = type;
    this.#arg[i] = arg;
  }

  /** Removes the earliest event into time/type/arg; false when empty. */
  pop(): boolean {
    if (this.#size === 0) return false;
    this.time = this.#time[0];
    this.type = this.#type[0];
    this.arg = this.#arg[0];
    const last = --this.#size;
    if (last === 0) return true;
    const t = this.#time[last];
    const s = this.#seq[last];
    const ty = this.#type[last];
    const a = this.#arg[last];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= last) break;
      const r = c + 1;
      if (r < last && (this.#time[r] < this.#time[c] || (this.#time[r] === this.#time[c] && this.#seq[r] < this.#seq[c]))) c = r;
      if (t < this.#time[c] || (t === this.#time[c] && s < this.#seq[c])) break;
      this.#move(c, i);
      i = c;
    }
    this.#time[i] = t;
    this.#seq[i] = s;
    this.#type[i] = ty;
    this.#arg[i] = a;
    return true;
  }

  peekTime(): number {
    return this.#size === 0 ? Infinity : this.#time[0];
  }

  #move(from: number, to: number): void {
    this.#time[to] = this.#time[from];
    this.#seq[to] = this.#seq[from];
    this.#type[to] = this.#type[from];
    this.#arg[to] = this.#arg[from];
  }

  #grow(): void {
    const n = this.#time.length * 2;
    const grow = <T extends Float64Array | Uint8Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.#time = grow(this.#time, (k) => new Float64Array(k));
    this.#seq = grow(this.#seq, (k) => new Float64Array(k));
    this.#type = grow(this.#type, (k) => new Uint8Array(k));
    this.#arg = grow(this.#arg, (k) => new Int32Array(k));
  }
}
