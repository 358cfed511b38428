/**
 * One overall time budget for a command. Every request's own timeout is cut to what is left of
 * it, and retries stop when it is spent, so a registry that never answers costs at most the
 * budget, not attempts × per-request timeout.
 */
export class Deadline {
  private readonly expiresAt: number;

  constructor(
    /** The whole budget, in milliseconds. */
    readonly budgetMs: number,
    /** Where the budget was set, for messages: e.g. `--timeout` or `ARK_TIMEOUT`. */
    readonly setBy = "the deadline",
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isFinite(budgetMs) || budgetMs <= 0) throw new Error(`a deadline needs a positive budget, got ${budgetMs} ms`);
    this.expiresAt = now() + budgetMs;
  }

  remainingMs(): number {
    return Math.max(0, this.expiresAt - this.now());
  }

  get expired(): boolean {
    return this.remainingMs() <= 0;
  }

  /** The error for having waited `what` until the budget ran out. */
  exceeded(what: string): DeadlineExceededError {
    return new DeadlineExceededError(
      `timed out waiting for ${what}: the command's overall deadline of ${formatSeconds(this.budgetMs)} (${this.setBy}) ran out; ` +
        `raise it with --timeout or ARK_TIMEOUT if the network is slow`,
    );
  }
}

/** The overall deadline ran out. */
export class DeadlineExceededError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeadlineExceededError";
  }
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/**
 * Parses a duration as given on the command line: `90` or `90s` (seconds), `500ms`, `5m`, `1h`.
 * Returns milliseconds, or undefined when the text is not a positive duration.
 */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = match[2] ?? "s";
  const ms = value * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit]!;
  return ms > 0 ? Math.round(ms) : undefined;
}
