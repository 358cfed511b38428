import { Ajv2020 } from "ajv/dist/2020.js";
import type { ErrorObject } from "ajv";
import type { ReleaseManifest } from "../../schemas/release-manifest.js";
import { UserError } from "../errors.js";
// Imported, not read at run time: the build bundles the checked-in schema into the command.
import releaseManifestSchema from "../../schemas/release-manifest.schema.json" with { type: "json" };

let validator: ReturnType<Ajv2020["compile"]> | undefined;

/** ajv compiled from the checked-in JSON Schema: what reads a manifest from outside trusts. */
function compiled() {
  validator ??= new Ajv2020({ allErrors: true, strict: true }).compile(releaseManifestSchema);
  return validator;
}

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
  const validate = compiled();
  if (!validate(data)) {
    const lines = (validate.errors ?? []).map((error) => `  ${describe(error)}`);
    throw new UserError(`${origin}: the release manifest fails schemas/release-manifest.schema.json:\n${lines.join("\n")}`);
  }
  return data as ReleaseManifest;
}
