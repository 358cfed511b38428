import { UsageError } from "../errors.js";
import type { ClassifyOptions } from "../services/status/classify.js";
import { loadProbes, loadReleaseInfo } from "../services/status/status-inputs.js";

/** Flags `status` and `status-service` share: what the classifier is told besides the cluster. */
export const CLASSIFY_FLAGS = {
  "site-id": { type: "string" },
  "login-url": { type: "string" },
  "status-url": { type: "string" },
  "release-manifest": { type: "string" },
  channel: { type: "string" },
  probes: { type: "string" },
} as const;

export const CLASSIFY_HELP = `  --site-id ID             the appliance's site id (default: $APPLIANCE_SITE_ID, else appliance)
  --login-url URL          where operators sign in, e.g. http://192.168.64.8:3000 ($APPLIANCE_LOGIN_URL)
  --status-url URL         where this status is served ($APPLIANCE_STATUS_URL)
  --release-manifest FILE  the release-manifest.json the appliance pulled (default: read the
                           version and bundle digest from the cluster's Flux source)
  --channel NAME           the channel the release was pulled from
  --probes FILE            probe answers: {"login": {"ok": true, "detail": "HTTP 307"}, "seededUsers": 7}`;

function url(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed = new URL(value);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error("not http");
  } catch {
    throw new UsageError(`${flag} "${value}" is not an http(s) URL (e.g. http://192.168.64.8:3000)`);
  }
  return value;
}

type ClassifyFlagValues = { -readonly [K in keyof typeof CLASSIFY_FLAGS]?: string };

/**
 * Environment defaults for the site flags: in the cluster they come from the optional ConfigMap
 * the control plane writes at setup (constructs/status-service.ts maps it to these variables).
 */
const SITE_ENVIRONMENT = { "site-id": "APPLIANCE_SITE_ID", "login-url": "APPLIANCE_LOGIN_URL", "status-url": "APPLIANCE_STATUS_URL" } as const;

/** Everything but `now`. */
export function classifyOptionsFrom(flags: ClassifyFlagValues, env: NodeJS.ProcessEnv = process.env): Omit<ClassifyOptions, "now"> {
  const values: ClassifyFlagValues = { ...flags };
  for (const [flag, variable] of Object.entries(SITE_ENVIRONMENT) as [keyof typeof SITE_ENVIRONMENT, string][]) {
    if (values[flag] === undefined && env[variable]) values[flag] = env[variable];
  }
  const login = url(values["login-url"], "--login-url");
  const status = url(values["status-url"], "--status-url");
  return {
    ...(values["site-id"] ? { siteId: values["site-id"] } : {}),
    urls: { login: login ?? null, status: status ?? null },
    ...(values["release-manifest"] ? { release: loadReleaseInfo(values["release-manifest"], values.channel) } : values.channel ? { release: { channel: values.channel } } : {}),
    ...(values.probes ? { probes: loadProbes(values.probes) } : {}),
  };
}
