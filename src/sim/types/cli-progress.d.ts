// Minimal typings for the part of cli-progress (no bundled types) the simulator uses.
declare module "cli-progress" {
  export interface Options {
    format?: string;
    stream?: NodeJS.WritableStream;
    hideCursor?: boolean;
    clearOnComplete?: boolean;
    barsize?: number;
    etaBuffer?: number;
    noTTYOutput?: boolean;
  }
  export class SingleBar {
    constructor(options: Options, preset?: unknown);
    start(total: number, start: number, payload?: Record<string, unknown>): void;
    update(value: number, payload?: Record<string, unknown>): void;
    stop(): void;
  }
  export const Presets: { shades_classic: unknown; legacy: unknown; rect: unknown };
}
