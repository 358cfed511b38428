import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";

/** One process the benchmark starts each round. `args` may differ per round (fresh output directories). */
export interface ProcessCase {
  readonly id: string;
  readonly label: string;
  readonly command: string;
  readonly args: (round: number) => string[];
  readonly cwd?: string;
}

export type Samples = ReadonlyMap<string, readonly number[]>;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A process that did not finish within PROCESS_TIMEOUT_MS. */
export class ProcessTimeout extends Error {}

const PROCESS_TIMEOUT_MS = 60_000;

/**
 * Wall time of one run of a case, in ms; a failing process stops the benchmark with its stderr.
 * Asynchronous on purpose: the registry under test is a child of this process writing its log to a
 * pipe, and a blocked event loop (spawnSync) stops reading it, which stalls the registry.
 */
export function timeOnce(kase: ProcessCase, round: number): Promise<number> {
  const args = kase.args(round);
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(kase.command, args, { cwd: kase.cwd, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), PROCESS_TIMEOUT_MS);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const elapsed = performance.now() - start;
      clearTimeout(timer);
      if (signal === "SIGKILL") reject(new ProcessTimeout(`${kase.label}: no answer within ${PROCESS_TIMEOUT_MS / 1000} s`));
      else if (code !== 0) reject(new Error(`${kase.label}: ${kase.command} ${args.join(" ")} exited ${code ?? signal}: ${stderr}`));
      else resolve(elapsed);
    });
  });
}

/**
 * Runs every case once per round, cases interleaved, so that a busy moment of the (shared) machine
 * hits all cases of a round alike; round 0 is a warm-up (page cache, build check) and not recorded.
 * A round in which a process hangs is dropped whole (ratios are per round) and run again, at most twice.
 */
export async function interleavedRounds(cases: readonly ProcessCase[], rounds: number, onRound?: (round: number, note?: string) => void): Promise<Samples> {
  const samples = new Map<string, number[]>(cases.map((kase) => [kase.id, []]));
  let recorded = 0;
  let retries = 0;
  for (let round = 0; recorded < rounds; round++) {
    const times: number[] = [];
    try {
      for (const kase of cases) times.push(await timeOnce(kase, round));
    } catch (error) {
      if (!(error instanceof ProcessTimeout) || ++retries > 2) throw error;
      onRound?.(round, `dropped: ${error.message}`);
      continue;
    }
    if (round > 0) {
      cases.forEach((kase, index) => samples.get(kase.id)!.push(times[index]!));
      recorded++;
    }
    onRound?.(round);
  }
  return samples;
}

/** The sum of several cases per round (e.g. the two `skopeo copy`s that match one pull). */
export function perRound(samples: Samples, ids: readonly string[]): number[] {
  const series = ids.map((id) => {
    const values = samples.get(id);
    if (!values) throw new Error(`no samples for ${id}`);
    return values;
  });
  return series[0]!.map((_, round) => series.reduce((sum, values) => sum + values[round]!, 0));
}

/**
 * Median over rounds of numerator/denominator measured in the same round: robust to load that
 * changes between rounds. `minus`: cases subtracted from the numerator first (the process floor,
 * for "time above `node -e 0`").
 */
export function medianRatio(samples: Samples, numerator: readonly string[], denominator: readonly string[], minus: readonly string[] = []): number {
  return median(roundRatios(samples, numerator, denominator, minus));
}

/** (numerator − minus)/denominator of each round, in round order. */
export function roundRatios(samples: Samples, numerator: readonly string[], denominator: readonly string[], minus: readonly string[] = []): number[] {
  const top = perRound(samples, numerator);
  const floor = minus.length > 0 ? perRound(samples, minus) : top.map(() => 0);
  const bottom = perRound(samples, denominator);
  return top.map((value, round) => (value - floor[round]!) / bottom[round]!);
}

/** The value below which `fraction` of `values` lie (nearest rank; 0.25 and 0.75 give the quartiles). */
export function quantile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}
