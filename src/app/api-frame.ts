// Framing of the device API on the USB serial port (docs/api.md §1): every API record travels as
//
//   0x94 0xC3  LEN_HI LEN_LO  LEN bytes of UTF-8 JSON (one object)
//
// the same start bytes and big-endian length as Meshtastic's serial framing. Text (the console's
// lines, typed keys) flows between frames on the same port. The splitter below separates the
// two, in either direction: the device feeds it what the host sends, the host client what the
// device sends. 0x94 never starts a character in UTF-8 (it is a continuation byte), so inside
// text it can only be the middle of a character: the splitter tracks UTF-8 sequences and only
// takes 0x94 0xC3 at a character boundary as the start of a frame.
//
// Malformed input never throws: a length over the limit or a frame left incomplete for more than
// FRAME_TIMEOUT_MS is reported through onError and the splitter goes back to text.
// ES2022 only (runs on the device): no TextEncoder, no timers.

export const FRAME_START_1 = 0x94;
export const FRAME_START_2 = 0xc3;
export const FRAME_HEADER_BYTES = 4;
/** Longest payload either side accepts, bytes. */
export const MAX_FRAME_PAYLOAD = 4096;
/** A frame whose next byte does not arrive within this long is dropped, ms. */
export const FRAME_TIMEOUT_MS = 1000;

/** `payload` with the frame header in front. Throws RangeError when it is over the limit. */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  if (payload.length > MAX_FRAME_PAYLOAD) throw new RangeError(`API record of ${payload.length} bytes is over ${MAX_FRAME_PAYLOAD}`);
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  out[0] = FRAME_START_1;
  out[1] = FRAME_START_2;
  out[2] = payload.length >> 8;
  out[3] = payload.length & 0xff;
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

export interface FrameSplitterOptions {
  readonly onFrame: (payload: Uint8Array) => void;
  /** Bytes that are not part of a frame, in order. */
  readonly onText: (bytes: Uint8Array) => void;
  /** A malformed frame was dropped. */
  readonly onError: (reason: string) => void;
  readonly now: () => number;
}

// A frozen object rather than an enum (tsc emits enums as a mutable `var`, kept in RAM by xsl).
const State = Object.freeze({ Text: 0, Start: 1, Length1: 2, Length2: 3, Body: 4 } as const);
type State = (typeof State)[keyof typeof State];

export class FrameSplitter {
  readonly #o: FrameSplitterOptions;
  #state: State = State.Text;
  #length = 0;
  #body: Uint8Array = new Uint8Array(0);
  #filled = 0;
  #lastByteAt = 0;
  /** UTF-8 continuation bytes still due in the text. */
  #continuation = 0;
  #text: number[] = [];

  constructor(options: FrameSplitterOptions) {
    this.#o = options;
  }

  push(chunk: Uint8Array | ArrayBuffer): void {
    const bytes = chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk);
    const now = this.#o.now();
    if (this.#state !== State.Text && now - this.#lastByteAt > FRAME_TIMEOUT_MS) {
      this.#reset();
      this.#o.onError(`incomplete frame dropped (no byte for ${FRAME_TIMEOUT_MS} ms)`);
    }
    this.#lastByteAt = now;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      switch (this.#state) {
        case State.Text:
          if (b === FRAME_START_1 && this.#continuation === 0) {
            this.#state = State.Start;
            break;
          }
          this.#textByte(b);
          break;
        case State.Start:
          if (b === FRAME_START_2) {
            this.#flushText();
            this.#state = State.Length1;
          } else {
            this.#state = State.Text;
            this.#textByte(FRAME_START_1);
            i--; // look at this byte again as text
          }
          break;
        case State.Length1:
          this.#length = b << 8;
          this.#state = State.Length2;
          break;
        case State.Length2:
          this.#length |= b;
          if (this.#length > MAX_FRAME_PAYLOAD) {
            const length = this.#length;
            this.#reset();
            this.#o.onError(`frame length ${length} is over ${MAX_FRAME_PAYLOAD}`);
          } else if (this.#length === 0) {
            this.#reset();
            this.#o.onFrame(new Uint8Array(0));
          } else {
            this.#body = new Uint8Array(this.#length);
            this.#filled = 0;
            this.#state = State.Body;
          }
          break;
        case State.Body: {
          const take = Math.min(bytes.length - i, this.#length - this.#filled);
          this.#body.set(bytes.subarray(i, i + take), this.#filled);
          this.#filled += take;
          i += take - 1;
          if (this.#filled === this.#length) {
            const body = this.#body;
            this.#reset();
            this.#o.onFrame(body);
          }
          break;
        }
      }
    }
    this.#flushText();
  }

  #textByte(b: number): void {
    if (b >= 0xc0 && b < 0xf8) this.#continuation = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : 1;
    else if (b >= 0x80 && b < 0xc0) this.#continuation = Math.max(0, this.#continuation - 1);
    else this.#continuation = 0;
    this.#text.push(b);
  }

  #flushText(): void {
    if (this.#text.length === 0) return;
    const text = Uint8Array.from(this.#text);
    this.#text = [];
    this.#o.onText(text);
  }

  #reset(): void {
    this.#state = State.Text;
    this.#length = 0;
    this.#filled = 0;
    this.#body = new Uint8Array(0);
    this.#continuation = 0;
  }
}
Object.freeze(FrameSplitter.prototype);
