/** An OCI platform (image-spec `image-index.md`): what a manifest in an index runs on. */
export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

const PLATFORM = /^([a-z0-9]+)\/([a-z0-9_]+)(?:\/([a-z0-9]+))?$/;

/** Parses `os/architecture[/variant]`, e.g. `linux/amd64` or `linux/arm/v7`. */
export function parsePlatform(text: string): Platform {
  const match = PLATFORM.exec(text);
  if (!match) throw new Error(`"${text}" is not a platform: write os/architecture[/variant], e.g. linux/amd64`);
  return { os: match[1]!, architecture: match[2]!, ...(match[3] ? { variant: match[3] } : {}) };
}

export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, ...(platform.variant ? [platform.variant] : [])].join("/");
}

/**
 * Whether an index entry's platform serves `wanted`. A wanted platform without a variant takes the
 * entry's (arm64's is v8 by convention, often left out); with one, the variants must agree.
 */
export function platformMatches(entry: Platform, wanted: Platform): boolean {
  if (entry.os !== wanted.os || entry.architecture !== wanted.architecture) return false;
  return wanted.variant === undefined || (entry.variant ?? (entry.architecture === "arm64" ? "v8" : undefined)) === wanted.variant;
}
