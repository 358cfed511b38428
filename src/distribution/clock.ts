import { UsageError } from "../errors.js";

/** Milliseconds since the epoch, now. Injected wherever a command reads the time, so tests set it. */
export type Clock = () => number;

/**
 * The clock of a command: the system time, or the fixed time `ARK_NOW` names (RFC 3339), which is
 * how tests (and a dry run of "what will an appliance say next month") set it without waiting.
 */
export function commandClock(env: Readonly<Record<string, string | undefined>> = process.env): Clock {
  const fixed = env["ARK_NOW"];
  if (fixed === undefined || fixed === "") return () => Date.now();
  const ms = Date.parse(fixed);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(fixed) || Number.isNaN(ms)) throw new UsageError(`ARK_NOW "${fixed}" is not an RFC 3339 time such as 2026-12-05T20:00:00Z`);
  return () => ms;
}

/** `2026-12-05T20:00:00Z`: UTC, whole seconds, as statements write times. */
export function utcSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.000Z$/, "Z");
}
