// Progress while a run goes: a bar redrawn in place on a terminal, or a plain line at each tenth when
// the output is a file or a CI log (where carriage returns would pile up).
import type { RunProgress } from './runner.ts';

/** A progress reporter for one run, writing to `stream`. */
export function progressReporter(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): {
  update: (progress: RunProgress) => void;
  finish: () => void;
} {
  const started = performance.now();
  let lastTenth = -1;
  let drawn = false;
  const text = ({ done, failed, total }: RunProgress) => {
    const seconds = (performance.now() - started) / 1000;
    return `${done}/${total} done, ${failed} failed, ${seconds.toFixed(1)} s, ${(done / Math.max(seconds, 1e-9)).toFixed(2)} req/s`;
  };
  return {
    update(progress) {
      if (stream.isTTY) {
        const width = 30;
        const filled = Math.round((progress.done / progress.total) * width);
        stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text(progress)}\x1b[K`);
        drawn = true;
        return;
      }
      const tenth = Math.floor((progress.done / progress.total) * 10);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        stream.write(`${label}: ${text(progress)}\n`);
      }
    },
    finish() {
      if (drawn) stream.write('\n');
    },
  };
}
