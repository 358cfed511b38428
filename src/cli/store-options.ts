import { ChannelName } from "../../schemas/common.js";
import { UsageError } from "../errors.js";
import type { StoreOptions } from "../distribution/release-store.js";
import type { CliOutput } from "./run.js";

/** Flags every command that talks to a store shares. */
export const STORE_FLAGS = {
  registry: { type: "string" },
  "plain-http": { type: "boolean" },
  "oci-layout": { type: "string" },
} as const;

export const STORE_HELP = `  --registry HOST[:PORT]/NAMESPACE   an OCI registry (credentials: OCI_USERNAME/OCI_PASSWORD,
                                     OCI_TOKEN, or docker's config.json)
  --plain-http                       talk HTTP instead of HTTPS to --registry
  --oci-layout DIR                   an OCI image layout directory (one layout per repository)`;

export function storeOptions(values: { registry?: string; "plain-http"?: boolean; "oci-layout"?: string }, output: CliOutput): StoreOptions {
  return {
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
