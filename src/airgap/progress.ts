/**
 * Progress of a long copy on stderr: bytes done of the total, rate and ETA. On a terminal the
 * line is rewritten in place (a bar); otherwise a plain line at most every `intervalMs`, so logs
 * stay readable. Time comes from an injected clock, so tests need no waiting.
 */
export interface ByteProgressOptions {
  readonly total: number;
  readonly write: (line: string) => void;
  readonly terminal: boolean;
  readonly now?: () => number;
  readonly intervalMs?: number;
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

export class ByteProgress {
  private done = 0;
  private lastWrite = Number.NEGATIVE_INFINITY;
  private readonly started: number;
  private readonly now: () => number;

  constructor(private readonly options: ByteProgressOptions) {
    this.now = options.now ?? (() => performance.now());
    this.started = this.now();
  }

  add(bytes: number): void {
    this.done += bytes;
    const now = this.now();
    const interval = this.options.intervalMs ?? (this.options.terminal ? 200 : 5000);
    if (now - this.lastWrite >= interval || this.done >= this.options.total) {
      this.lastWrite = now;
      this.options.write(this.line(now));
    }
  }

  line(now = this.now()): string {
    const { total } = this.options;
    const seconds = Math.max((now - this.started) / 1000, 1e-3);
    const rate = this.done / seconds;
    const eta = rate > 0 ? (total - this.done) / rate : Number.POSITIVE_INFINITY;
    const share = total > 0 ? Math.min(1, this.done / total) : 1;
    const figures = `${formatBytes(this.done)} of ${formatBytes(total)} (${Math.floor(share * 100)}%), ${formatBytes(rate)}/s, ETA ${formatDuration(eta)}`;
    if (!this.options.terminal) return figures;
    const width = 24;
    const filled = Math.round(share * width);
    return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${figures}`;
  }
}
