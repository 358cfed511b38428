import type { ApplianceStatus } from "../../../schemas/status.js";
import { classifySnapshot, type AccessError, type ClassifyOptions } from "./classify.js";
import type { ClusterSnapshot } from "./cluster-snapshot.js";
import type { StatusProbes } from "./readiness-tiers.js";

/** Where snapshots come from: a file, or the live cluster (one list per kind). */
export interface SnapshotCollector {
  readonly description: string;
  collect(): Promise<{ snapshot: ClusterSnapshot; accessErrors: AccessError[] }>;
}

export interface PolledStatus {
  readonly status: ApplianceStatus;
  /** ms since the epoch */
  readonly collectedAt: number;
  readonly accessErrors: readonly AccessError[];
}

/**
 * Collects and classifies on an interval; requests read the last result. The cluster is read
 * once per interval however many people look at the page (no per-request fan-out), and a
 * failed collection never takes the service down: it becomes a blocker in the status.
 */
export class StatusPoller {
  private latestResult: PolledStatus | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  lastError: string | undefined;

  constructor(
    private readonly collector: SnapshotCollector,
    private readonly options: Omit<ClassifyOptions, "now" | "accessErrors">,
    readonly intervalMs: number,
    private readonly clock: () => number = Date.now,
    /** A collection that takes longer is abandoned, so one hung request never stops the refreshes. */
    private readonly collectTimeoutMs = 30_000,
    /** Probes run beside each collection (the login URL); their answers join the static ones. */
    private readonly probe?: () => Promise<StatusProbes>,
  ) {}

  latest(): PolledStatus | undefined {
    return this.latestResult;
  }

  /** One collection and classification; concurrent callers share the one in flight. */
  refresh(): Promise<void> {
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
      });
    return this.running;
  }

  private async collectOnce(): Promise<void> {
    const probed = this.probe?.();
    let snapshot: ClusterSnapshot = { items: [] };
    let accessErrors: AccessError[];
    try {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the cluster did not answer within ${this.collectTimeoutMs / 1000} s`)), this.collectTimeoutMs);
      });
      try {
        ({ snapshot, accessErrors } = await Promise.race([this.collector.collect(), timeout]));
      } finally {
        clearTimeout(timer);
      }
      this.lastError = undefined;
    } catch (error) {
      this.lastError = (error as Error).message;
      accessErrors = [{ kind: "cluster", code: null, message: this.lastError }];
      // Keep showing what was last seen, marked with why it is not fresher.
      if (this.latestResult) {
        this.latestResult = { ...this.latestResult, accessErrors };
        return;
      }
    }
    const probes = { ...this.options.probes, ...(probed ? await probed : {}) };
    const now = this.clock();
    this.latestResult = { status: classifySnapshot(snapshot, { ...this.options, probes, now, accessErrors }), collectedAt: now, accessErrors };
  }

  start(): Promise<void> {
    const first = this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.intervalMs);
    return first;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
