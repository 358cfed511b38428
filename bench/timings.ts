// In-process timings (a function run several times in this process): the lock, signing, ISO and
// status benchmarks use these; whole processes are timed in interleaved rounds by measure.ts.
import { performance } from "node:perf_hooks";
import { median } from "./measure.js";

export { median };

export interface Timing {
  readonly label: string;
  readonly runs: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly note?: string;
}

function summarize(label: string, samples: number[], note?: string): Timing {
  return { label, runs: samples.length, medianMs: median(samples), minMs: Math.min(...samples), maxMs: Math.max(...samples), ...(note ? { note } : {}) };
}

/** Times an in-process async function `runs` times, after one warm-up call unless told otherwise. */
export async function timeFunction(label: string, fn: () => Promise<unknown> | unknown, runs: number, note?: string, warmup = true): Promise<Timing> {
  if (warmup) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return summarize(label, samples, note);
}

export function printTimings(title: string, timings: readonly Timing[]): void {
  console.log(`\n${title}`);
  const width = Math.max(...timings.map((timing) => timing.label.length));
  for (const t of timings) {
    const figures = `median ${t.medianMs.toFixed(1).padStart(8)} ms   min ${t.minMs.toFixed(1).padStart(8)}   max ${t.maxMs.toFixed(1).padStart(8)}   (${t.runs} runs)`;
    console.log(`  ${t.label.padEnd(width)}  ${figures}${t.note ? `   ${t.note}` : ""}`);
  }
}
