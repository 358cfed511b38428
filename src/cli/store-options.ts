import { ChannelName } from "../../schemas/common.js";
import { UsageError } from "../errors.js";
import { Deadline, parseDuration } from "../oci/deadline.js";
import type { StoreOptions } from "../distribution/release-store.js";
import type { CliOutput } from "./run.js";

/** Flags every command that talks to a store shares. */
export const STORE_FLAGS = {
  registry: { type: "string" },
  "plain-http": { type: "boolean" },
  "oci-layout": { type: "string" },
  timeout: { type: "string" },
} as const;

/** The overall deadline when neither --timeout nor ARK_TIMEOUT is given. */
export const DEFAULT_TIMEOUT = "5m";

export const STORE_HELP = `  --registry HOST[:PORT]/NAMESPACE   an OCI registry (credentials: OCI_USERNAME/OCI_PASSWORD,
                                     OCI_TOKEN, or docker's config.json)
  --plain-http                       talk HTTP instead of HTTPS to --registry
  --oci-layout DIR                   an OCI image layout directory (one layout per repository)
  --timeout DURATION                 overall deadline, e.g. 90s or 10m (env ARK_TIMEOUT; default ${DEFAULT_TIMEOUT});
                                     every request and retry fits inside it`;

export function storeOptions(
  values: { registry?: string; "plain-http"?: boolean; "oci-layout"?: string; timeout?: string },
  output: CliOutput,
  env: Readonly<Record<string, string | undefined>> = process.env,
): StoreOptions {
  return {
    deadline: commandDeadline(values.timeout, env),
    ...(values.registry ? { registry: values.registry } : {}),
    ...(values["plain-http"] ? { plainHttp: true } : {}),
    ...(values["oci-layout"] ? { ociLayout: values["oci-layout"] } : {}),
    onProgress: (event) => {
      if (event.kind === "blob-upload" && event.total > 0) output.progress(`  ${event.digest.slice(0, 19)} ${Math.round((100 * event.bytes) / event.total)}% of ${event.total} bytes`);
    },
  };
}

/** Validates a channel name from the command line. */
export function channelName(value: string): string {
  const result = ChannelName.safeParse(value);
  if (!result.success) throw new UsageError(`--channel "${value}": ${result.error.issues[0]?.message ?? "invalid"}`);
  return value;
}

/** The command's overall deadline: --timeout wins over ARK_TIMEOUT, which wins over the default. Starts now. */
export function commandDeadline(flag: string | undefined, env: Readonly<Record<string, string | undefined>> = process.env): Deadline {
  const fromEnv = env["ARK_TIMEOUT"];
  const [text, setBy] =
    flag !== undefined ? [flag, `--timeout ${flag}`] : fromEnv ? [fromEnv, `ARK_TIMEOUT=${fromEnv}`] : [DEFAULT_TIMEOUT, `the default ${DEFAULT_TIMEOUT}`];
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`${flag !== undefined ? "--timeout" : "ARK_TIMEOUT"} "${text}" is not a duration: write e.g. 90s, 10m or 1h`);
  return new Deadline(ms, setBy);
}
