/** One progress report of an upload: where it is, and how long it has run (from an injected clock). */
export interface UploadProgress {
  readonly key: string;
  readonly loaded: number;
  readonly total: number;
  readonly elapsedMs: number;
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"] as const;

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "--:--";
  const whole = Math.ceil(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = String(whole % 60).padStart(2, "0");
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

/** Rate (bytes per second) and seconds left, from the bytes sent and the time taken so far. */
function rateAndEta(progress: UploadProgress): { rate: number; etaSeconds: number } {
  const seconds = progress.elapsedMs / 1000;
  const rate = seconds > 0 ? progress.loaded / seconds : 0;
  const left = Math.max(0, progress.total - progress.loaded);
  return { rate, etaSeconds: left === 0 ? 0 : rate > 0 ? left / rate : Number.POSITIVE_INFINITY };
}

/** The bar a terminal redraws in place: `key [#####-----] 50% 1.0 GiB/2.0 GiB 40.0 MiB/s ETA 0:26`. */
export function progressBar(progress: UploadProgress, width = 30): string {
  const fraction = progress.total > 0 ? Math.min(1, progress.loaded / progress.total) : 1;
  const { rate, etaSeconds } = rateAndEta(progress);
  const bar = "#".repeat(Math.round(fraction * width)).padEnd(width, "-");
  return `${progress.key} [${bar}] ${Math.floor(fraction * 100)}% ${formatBytes(progress.loaded)}/${formatBytes(progress.total)} ${formatBytes(rate)}/s ETA ${formatDuration(etaSeconds)}`;
}

/** A plain log line (no terminal): the same facts in words, printed at most once per tenth of the upload. */
function progressLine(progress: UploadProgress): string {
  const fraction = progress.total > 0 ? Math.min(1, progress.loaded / progress.total) : 1;
  const { rate, etaSeconds } = rateAndEta(progress);
  return `${progress.key}: ${Math.floor(fraction * 100)}% (${formatBytes(progress.loaded)} of ${formatBytes(progress.total)}, ${formatBytes(rate)}/s, ETA ${formatDuration(etaSeconds)})`;
}

/**
 * Decides what to print for each report: on a terminal every report redraws the bar; in a log only
 * the first report of each tenth is printed, so a multi-GB upload writes about ten lines.
 */
export function uploadProgressReporter(interactive: boolean, print: (line: string) => void): (progress: UploadProgress) => void {
  let lastTenth = -1;
  return (progress) => {
    if (interactive) return print(progressBar(progress));
    const tenth = Math.floor((progress.total > 0 ? progress.loaded / progress.total : 1) * 10);
    if (tenth === lastTenth) return;
    lastTenth = tenth;
    print(progressLine(progress));
  };
}
