import { join } from "node:path";
import { UserError } from "../errors.js";
import { autoinstallValidator } from "./autoinstall-validator.js";

/** Subiquity's autoinstall JSON Schema, vendored (source and commit in iso/README.md). */
const AUTOINSTALL_SCHEMA_PATH = join("iso", "autoinstall-schema.json");

/** Throws a UserError naming every field of `autoinstall` the installer's schema refuses. */
export function validateAutoinstall(autoinstall: unknown, origin: string): void {
  const validate = autoinstallValidator();
  if (validate(autoinstall)) return;
  const problems = (validate.errors ?? []).map((error) => `  autoinstall${error.instancePath.replace(/\//g, ".")}: ${error.message ?? "invalid"}`);
  throw new UserError(`${origin}: the rendered autoinstall seed does not match Subiquity's schema (${AUTOINSTALL_SCHEMA_PATH}):\n${problems.join("\n")}`);
}
