import { median, medianRatio, quantile, roundRatios, type ProcessCase, type Samples } from "./measure.js";

/** A goal: (numerator − minus)/denominator (sums of cases per round) at most `max`. */
export interface RatioGoal {
  readonly label: string;
  readonly numerator: readonly string[];
  readonly denominator: readonly string[];
  readonly minus?: readonly string[];
  readonly max: number;
}

/** Issue 11's goals, tightened by issue 17 (synth ≤ 3× the floor; pull and publish above the floor ≤ 1× skopeo). */
export const GOALS: readonly RatioGoal[] = [
  { label: "synth / node -e 0", numerator: ["synth"], denominator: ["floor"], max: 3 },
  { label: "synth / cdk8s template runner", numerator: ["synth"], denominator: ["cdk8s"], max: 0.15 },
  { label: "pull --help / node -e 0", numerator: ["pull-help"], denominator: ["floor"], max: 2 },
  { label: "pull / skopeo copy of both artifacts", numerator: ["pull"], denominator: ["skopeo-pull-release", "skopeo-pull-config"], max: 1 },
  { label: "(pull − node -e 0) / skopeo copy of both", numerator: ["pull"], minus: ["floor"], denominator: ["skopeo-pull-release", "skopeo-pull-config"], max: 1 },
  { label: "cold publish / skopeo copy of both artifacts", numerator: ["publish"], denominator: ["skopeo-push-config", "skopeo-push-release"], max: 1.5 },
  { label: "(cold publish − node -e 0) / skopeo copy of both", numerator: ["publish"], minus: ["floor"], denominator: ["skopeo-push-config", "skopeo-push-release"], max: 1 },
];

/** A stale command rebuilt and run (`pull --help` after the bytes of a source it is built from changed), in ms on an idle machine. */
export const STALE_REBUILD_GOAL_MS = 1500;

/** Pull's peak RSS goal, in MB. */
export const PULL_PEAK_RSS_GOAL_MB = 80;

function verdict(value: number, max: number): string {
  return value <= max ? "met" : "MISSED";
}

export function printProcesses(cases: readonly ProcessCase[], samples: Samples): void {
  const width = Math.max(...cases.map((kase) => kase.label.length));
  console.log(`\n${"process".padEnd(width)}  median ms   × node -e 0 (median of per-round ratios)`);
  for (const kase of cases) {
    const values = samples.get(kase.id)!;
    console.log(`${kase.label.padEnd(width)}  ${median(values).toFixed(0).padStart(9)}   ${medianRatio(samples, [kase.id], ["floor"]).toFixed(2).padStart(6)}×`);
  }
}

export function printGoals(samples: Samples, pullPeakRssMb: number | undefined): void {
  const goals = GOALS.filter((goal) => [...goal.numerator, ...goal.denominator, ...(goal.minus ?? [])].every((id) => samples.has(id)));
  const width = Math.max(...goals.map((goal) => goal.label.length), 20);
  // The verdict is the median's; beside it, how the rounds spread (quartiles) and how many rounds met
  // the goal on their own, so a goal met by the median of rounds that half miss it reads as such.
  console.log(`\n${"goal (issues 11, 17)".padEnd(width)}   ratio    goal           rounds: quartiles, within goal`);
  for (const goal of goals) {
    const ratios = roundRatios(samples, goal.numerator, goal.denominator, goal.minus);
    const ratio = median(ratios);
    // Three decimals for goals below 1 (0.15), so the printed figure shows which side of the goal it is.
    const digits = goal.max < 1 ? 3 : 2;
    const within = ratios.filter((value) => value <= goal.max).length;
    const spread = `${quantile(ratios, 0.25).toFixed(digits)}–${quantile(ratios, 0.75).toFixed(digits)}, ${within}/${ratios.length}`;
    console.log(`${goal.label.padEnd(width)}  ${ratio.toFixed(digits).padStart(6)}  ≤ ${String(goal.max).padEnd(5)} ${verdict(ratio, goal.max).padEnd(7)}  ${spread}`);
  }
  if (samples.has("stale-rebuild")) {
    const ms = median(samples.get("stale-rebuild")!);
    console.log(`${"stale command rebuilt and run (ms)".padEnd(width)}  ${ms.toFixed(0).padStart(6)}  ≤ ${String(STALE_REBUILD_GOAL_MS).padEnd(5)} ${verdict(ms, STALE_REBUILD_GOAL_MS)} (idle machine)`);
  }
  if (pullPeakRssMb !== undefined) {
    console.log(`${"pull peak RSS (MB)".padEnd(width)}  ${pullPeakRssMb.toFixed(1).padStart(6)}  ≤ ${String(PULL_PEAK_RSS_GOAL_MB).padEnd(5)} ${verdict(pullPeakRssMb, PULL_PEAK_RSS_GOAL_MB)}`);
  }
}
