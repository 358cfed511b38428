import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import { UserError } from "../errors.js";
// Imported, not read at run time: the build bundles the vendored schema into the command.
import autoinstallSchema from "../../iso/autoinstall-schema.json" with { type: "json" };

/** Subiquity's autoinstall JSON Schema, vendored (source and commit in iso/README.md). */
export const AUTOINSTALL_SCHEMA_PATH = join("iso", "autoinstall-schema.json");

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  // Subiquity's schema is plain draft-07 without $schema; strict mode would reject its style, not our data.
  // Its one format, "uri" (the apt/snap proxy), is checked as an absolute URL rather than warned about on every synth.
  compiled ??= new Ajv({ allErrors: true, strict: false, formats: { uri: (value: string) => URL.canParse(value) } }).compile(
    autoinstallSchema,
  );
  return compiled;
}

/** Throws a UserError naming every field of `autoinstall` the installer's schema refuses. */
export function validateAutoinstall(autoinstall: unknown, origin: string): void {
  const validate = validator();
  if (validate(autoinstall)) return;
  const problems = (validate.errors ?? []).map((error) => `  autoinstall${error.instancePath.replace(/\//g, ".")}: ${error.message ?? "invalid"}`);
  throw new UserError(`${origin}: the rendered autoinstall seed does not match Subiquity's schema (${AUTOINSTALL_SCHEMA_PATH}):\n${problems.join("\n")}`);
}
