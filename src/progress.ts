/**
 * Progress of a long transfer on stderr, for every command that moves bytes (an ISO upload, an
 * offline archive's export and import): bytes done of the total, rate and ETA. On a terminal a bar
 * is redrawn in place, at most every tenth of a second; in a log a plain line is printed when the
 * transfer enters a new tenth, so a multi-GB copy writes about eleven readable lines. Time comes
 * from an injected clock, so tests need no waiting.
 */

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"] as const;

/** `1536` → `1.5 KiB`; whole bytes below a KiB. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(bytes)} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** Seconds as `m:ss` or `h:mm:ss`; `--:--` while there is no rate to tell from. */
function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "--:--";
  const whole = Math.ceil(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = String(whole % 60).padStart(2, "0");
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

/** Where a transfer is: bytes done of the total, after how long. */
export interface TransferState {
  readonly done: number;
  readonly total: number;
  readonly elapsedMs: number;
}

/** The figures of a state: `50% (512.0 MiB of 1.0 GiB, 51.2 MiB/s, ETA 0:10)`. */
function figures({ done, total, elapsedMs }: TransferState): { share: number; text: string } {
  const share = total > 0 ? Math.min(1, done / total) : 1;
  const seconds = elapsedMs / 1000;
  const rate = seconds > 0 ? done / seconds : 0;
  const left = Math.max(0, total - done);
  const eta = left === 0 ? 0 : rate > 0 ? left / rate : Number.POSITIVE_INFINITY;
  return { share, text: `${Math.floor(share * 100)}% (${formatBytes(done)} of ${formatBytes(total)}, ${formatBytes(rate)}/s, ETA ${formatDuration(eta)})` };
}

/** The line for a state: a bar on a terminal, words in a log, after an optional label. */
export function progressLine(state: TransferState, options: { readonly terminal: boolean; readonly label?: string; readonly width?: number }): string {
  const { share, text } = figures(state);
  const prefix = options.label ? `${options.label}: ` : "";
  if (!options.terminal) return prefix + text;
  const width = options.width ?? 24;
  const filled = Math.round(share * width);
  return `${prefix}[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${text}`;
}

export interface ByteProgressOptions {
  readonly total: number;
  readonly write: (line: string) => void;
  readonly terminal: boolean;
  /** Names the transfer in each line (an object key, a file). */
  readonly label?: string;
  /** Milliseconds on a monotonic clock; `performance.now` unless a test injects one. */
  readonly now?: () => number;
}

/** Counts bytes of one transfer (by increments or absolute positions) and writes lines as above. */
export class ByteProgress {
  private done = 0;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private lastTenth = -1;
  private readonly started: number;
  private readonly now: () => number;

  constructor(private readonly options: ByteProgressOptions) {
    this.now = options.now ?? (() => performance.now());
    this.started = this.now();
  }

  /** `bytes` more are done. */
  add(bytes: number): void {
    this.set(this.done + bytes);
  }

  /** `done` bytes are done in all (what an uploader reports). */
  set(done: number): void {
    this.done = done;
    const now = this.now();
    const { total, terminal } = this.options;
    const finished = done >= total;
    if (terminal) {
      if (now - this.lastDraw < 100 && !finished) return;
      this.lastDraw = now;
    } else {
      const tenth = Math.floor((total > 0 ? Math.min(1, done / total) : 1) * 10);
      if (tenth === this.lastTenth) return;
      this.lastTenth = tenth;
    }
    this.options.write(this.line(now));
  }

  line(now = this.now()): string {
    const state = { done: this.done, total: this.options.total, elapsedMs: now - this.started };
    return progressLine(state, { terminal: this.options.terminal, ...(this.options.label ? { label: this.options.label } : {}) });
  }
}
