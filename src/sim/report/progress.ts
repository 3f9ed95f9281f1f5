// Progress bar on stderr for runs longer than a moment, and only when stderr is a terminal (a
// pipe or a CI log gets nothing).
import * as cliProgress from "cli-progress";

const SHOW_AFTER_MS = 1500;

export interface Progress {
  update(fraction: number): void;
  stop(): void;
}

export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update() {}, stop() {} };
  const t0 = performance.now();
  let bar: cliProgress.SingleBar | undefined;
  return {
    update(fraction: number) {
      if (!bar) {
        if (performance.now() - t0 < SHOW_AFTER_MS) return;
        bar = new cliProgress.SingleBar(
          { format: `${label} [{bar}] {percentage}% | ETA {eta_formatted}`, stream, hideCursor: true, clearOnComplete: true, etaBuffer: 50 },
          cliProgress.Presets.shades_classic,
        );
        bar.start(1000, 0);
      }
      bar.update(Math.round(fraction * 1000));
    },
    stop() {
      bar?.stop();
    },
  };
}
