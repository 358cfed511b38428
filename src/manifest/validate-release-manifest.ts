import type { ErrorObject } from "ajv";
import type { ReleaseManifest } from "../../schemas/release-manifest.js";
import { UserError } from "../errors.js";
import { releaseManifestValidator } from "./release-manifest-validator.js";

function describe(error: ErrorObject): string {
  const path = error.instancePath.replace(/^\//, "").replace(/\//g, ".") || "(root)";
  const extra = error.params["additionalProperty"] ? ` "${String(error.params["additionalProperty"])}"` : "";
  if (error.keyword === "not") return `${path}: must not use the moving tag "latest"`;
  return `${path}: ${error.message ?? "is invalid"}${extra}`;
}

/** Parses and validates release manifest bytes fetched from a registry or layout. */
export function parseReleaseManifest(bytes: Uint8Array, origin: string): ReleaseManifest {
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new UserError(`${origin}: the release manifest is not JSON`);
  }
  const validate = releaseManifestValidator();
  if (!validate(data)) {
    const lines = (validate.errors ?? []).map((error) => `  ${describe(error)}`);
    throw new UserError(`${origin}: the release manifest fails schemas/release-manifest.schema.json:\n${lines.join("\n")}`);
  }
  return data as ReleaseManifest;
}
