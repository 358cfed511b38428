import { UserError } from "../errors.js";

/** `SOURCE_DATE_EPOCH` (reproducible-builds.org) in seconds; 0 when unset, so digests stay reproducible. */
export function sourceDateEpoch(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env["SOURCE_DATE_EPOCH"];
  if (raw === undefined || raw === "") return 0;
  if (!/^[0-9]+$/.test(raw) || !Number.isSafeInteger(Number(raw)) || Number(raw) > 0o77777777777) {
    throw new UserError(`SOURCE_DATE_EPOCH="${raw}" is not a whole number of seconds since 1970-01-01; unset it or set e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)`);
  }
  return Number(raw);
}
