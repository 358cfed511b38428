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

export const CLASSIFY_HELP = `  --site-id ID             the appliance's site id (default: appliance)
  --login-url URL          where operators sign in, e.g. http://192.168.64.8:3000
  --status-url URL         where this status is served
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

type ClassifyFlagValues = { [K in keyof typeof CLASSIFY_FLAGS]?: string };

/** Everything but `now`. */
export function classifyOptionsFrom(values: ClassifyFlagValues): Omit<ClassifyOptions, "now"> {
  const login = url(values["login-url"], "--login-url");
  const status = url(values["status-url"], "--status-url");
  return {
    ...(values["site-id"] ? { siteId: values["site-id"] } : {}),
    urls: { login: login ?? null, status: status ?? null },
    ...(values["release-manifest"] ? { release: loadReleaseInfo(values["release-manifest"], values.channel) } : values.channel ? { release: { channel: values.channel } } : {}),
    ...(values.probes ? { probes: loadProbes(values.probes) } : {}),
  };
}
