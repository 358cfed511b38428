import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { performance } from "node:perf_hooks";

export interface Timing {
  readonly label: string;
  readonly runs: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly note?: string;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function summarize(label: string, samples: number[], note?: string): Timing {
  return { label, runs: samples.length, medianMs: median(samples), minMs: Math.min(...samples), maxMs: Math.max(...samples), ...(note ? { note } : {}) };
}

/** Times a whole process `runs` times (after one warm-up run) and fails loudly if it fails. */
export function timeProcess(label: string, command: string, args: string[], runs: number, options: SpawnSyncOptions = {}, note?: string): Timing {
  const run = () => {
    const start = performance.now();
    const result = spawnSync(command, args, { stdio: ["ignore", "ignore", "pipe"], ...options });
    const elapsed = performance.now() - start;
    if (result.status !== 0) throw new Error(`${label}: ${command} ${args.join(" ")} exited ${result.status}: ${result.stderr?.toString()}`);
    return elapsed;
  };
  run();
  return summarize(label, Array.from({ length: runs }, run), note);
}

/** Times an in-process async function. */
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
