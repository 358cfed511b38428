import type { ApplianceStatus } from "../../../schemas/status.js";
import { classifySnapshot, type AccessError, type ClassifyOptions } from "./classify.js";
import type { ClusterSnapshot } from "./cluster-snapshot.js";
import type { StatusProbes } from "./readiness-tiers.js";

/** Where snapshots come from: a file, or the live cluster (one paginated list per kind). */
export interface SnapshotCollector {
  readonly description: string;
  /** Reads the cluster; gives up promptly once `signal` aborts (the service is stopping or the refresh timed out). */
  collect(signal?: AbortSignal): Promise<{ snapshot: ClusterSnapshot; accessErrors: AccessError[] }>;
}

export interface PolledStatus {
  readonly status: ApplianceStatus;
  /** ms since the epoch: when this status was computed. */
  readonly collectedAt: number;
  /** ms since the epoch: the last complete read of the cluster the status shows; null before the first. */
  readonly lastSuccessAt: number | null;
  readonly accessErrors: readonly AccessError[];
}

/**
 * Collects and classifies on an interval; requests read the last result. The cluster is read
 * once per interval however many people look at the page (no per-request fan-out), at most one
 * refresh is in flight, and a failed read never takes the service down: the last good state
 * stays, re-classified with how stale it is and why (a staleness blocker after two intervals).
 */
export class StatusPoller {
  private latestResult: PolledStatus | undefined;
  private lastGood: { snapshot: ClusterSnapshot; accessErrors: AccessError[]; at: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private controller: AbortController | undefined;
  private stopped = false;
  lastError: string | undefined;

  constructor(
    private readonly collector: SnapshotCollector,
    private readonly options: Omit<ClassifyOptions, "now" | "accessErrors" | "freshness">,
    readonly intervalMs: number,
    private readonly clock: () => number = Date.now,
    /** A collection that takes longer is aborted, so one hung request never stops the refreshes. */
    private readonly collectTimeoutMs = 30_000,
    /** Probes run beside each collection (the login URL); their answers join the static ones. */
    private readonly probe?: () => Promise<StatusProbes>,
  ) {}

  latest(): PolledStatus | undefined {
    return this.latestResult;
  }

  /** True while a refresh is in flight (a second caller shares it; the interval skips a beat). */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** One collection and classification; concurrent callers share the one in flight. */
  refresh(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.collectOnce()
      // Whatever else fails (the classifier on an object it did not expect) is recorded like a failed
      // collection: refresh never rejects, since the interval timer has no one to hand a rejection to
      // and an unhandled rejection would end the process.
      .catch((error: unknown) => {
        this.lastError = `the status could not be computed: ${(error as Error)?.message ?? String(error)}`;
        if (this.latestResult) this.latestResult = { ...this.latestResult, accessErrors: [{ kind: "cluster", code: null, message: this.lastError }] };
      })
      .finally(() => {
        this.running = undefined;
        this.controller = undefined;
      });
    return this.running;
  }

  private async collectOnce(): Promise<void> {
    const probed = this.probe?.();
    const controller = new AbortController();
    this.controller = controller;
    let collected: { snapshot: ClusterSnapshot; accessErrors: AccessError[] } | undefined;
    let failure: string | undefined;
    const timer = setTimeout(() => controller.abort(), this.collectTimeoutMs);
    try {
      const aborted = new Promise<never>((_, reject) =>
        controller.signal.addEventListener("abort", () => reject(new Error(this.stopped ? "the service is stopping" : `the cluster did not answer within ${this.collectTimeoutMs / 1000} s`)), { once: true }),
      );
      collected = await Promise.race([this.collector.collect(controller.signal), aborted]);
    } catch (error) {
      failure = (error as Error).message;
    } finally {
      clearTimeout(timer);
    }
    if (this.stopped) return;
    const probes = { ...this.options.probes, ...(probed ? await probed.catch(() => ({})) : {}) };
    const now = this.clock();
    // The last good read (or nothing, before the first), marked with how old it is and why it is not fresher.
    const source = collected ? { ...collected, at: now } : (this.lastGood ?? { snapshot: { items: [] }, accessErrors: [], at: null });
    const accessErrors = collected ? collected.accessErrors : [...source.accessErrors, ...(this.lastGood ? [] : [{ kind: "cluster", code: null, message: failure ?? "no answer" }])];
    const status = classifySnapshot(source.snapshot, {
      ...this.options,
      probes,
      now,
      accessErrors,
      freshness: { lastSuccessfulRead: source.at, intervalMs: this.intervalMs, error: collected ? null : (failure ?? null) },
    });
    // Only a snapshot the classifier could read becomes the last good one.
    if (collected) this.lastGood = { ...collected, at: now };
    this.lastError = collected ? undefined : failure;
    this.latestResult = { status, collectedAt: now, lastSuccessAt: source.at, accessErrors: collected ? accessErrors : [...accessErrors.filter((e) => e.kind !== "cluster"), { kind: "cluster", code: null, message: failure ?? "" }] };
  }

  start(): Promise<void> {
    const first = this.refresh();
    // A refresh still in flight when the next is due is not doubled: refresh() shares it.
    this.timer = setInterval(() => void this.refresh(), this.intervalMs);
    return first;
  }

  /** Stops the interval and abandons the refresh in flight (its requests are destroyed); resolves once it has let go. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.controller?.abort();
    await this.running;
  }
}
