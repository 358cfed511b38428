import { readFileSync } from "node:fs";
import { z } from "zod";
import { ReleaseManifest } from "../../../schemas/release-manifest.js";
import { UserError } from "../../errors.js";
import type { StatusProbes } from "./readiness-tiers.js";
import { releaseFromManifest, type ReleaseInfo } from "./release-info.js";

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new UserError(`${file}: cannot read the ${what} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

function readJson(file: string, what: string): unknown {
  try {
    return JSON.parse(readText(file, what));
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${file}: the ${what} is not JSON (${(error as Error).message})`);
  }
}

function issues(file: string, error: z.ZodError): string {
  return error.issues.map((issue) => `${file}: ${issue.path.join(".") || "(document)"}: ${issue.message}`).join("\n");
}

/** The release manifest the appliance pulled (release-manifest.json from `npm run pull`). */
export function loadReleaseInfo(file: string, channel?: string): Partial<ReleaseInfo> {
  const parsed = ReleaseManifest.safeParse(readJson(file, "release manifest"));
  if (!parsed.success) throw new UserError(`${issues(file, parsed.error)}\n(give the release-manifest.json that npm run pull wrote)`);
  return releaseFromManifest(parsed.data, channel);
}

const ProbesFile = z.strictObject({
  login: z.strictObject({ ok: z.boolean(), detail: z.string() }).optional(),
  seededUsers: z.number().int().nonnegative().optional(),
});

/** Probe answers gathered outside the cluster: `{"login": {"ok": true, "detail": "HTTP 307"}, "seededUsers": 7}`. */
export function loadProbes(file: string): StatusProbes {
  const parsed = ProbesFile.safeParse(readJson(file, "probe results"));
  if (!parsed.success) throw new UserError(`${issues(file, parsed.error)}\n(expected {"login": {"ok": true, "detail": "HTTP 307"}, "seededUsers": 7}; both fields optional)`);
  return {
    ...(parsed.data.login ? { login: parsed.data.login } : {}),
    ...(parsed.data.seededUsers !== undefined ? { seededUsers: parsed.data.seededUsers } : {}),
  };
}

/** Reads the cluster snapshot file's text. */
export function readSnapshotText(file: string): string {
  return readText(file, "cluster snapshot");
}
