import type { LicenseServiceDefinition } from "../../schemas/license-service.js";
import { enforcePolicies } from "../policy/index.js";
import { composeVendor } from "../synth/compose-release.js";
import { isKustomizeFile, type KubernetesObject } from "../policy/rendered-file.js";
import { validateAgainstUpstreamSchemas } from "../synth/upstream-schemas.js";

/**
 * The license service's cluster objects, rendered in memory by the same constructs `npm run synth`
 * writes to dist/vendor/, and held to the same upstream schemas and policies. The stack deploys
 * these, so the manifests and the stack cannot drift apart.
 */
export function renderLicenseServiceObjects(definition: LicenseServiceDefinition, origin: string): KubernetesObject[] {
  const files = composeVendor(definition);
  validateAgainstUpstreamSchemas(files, origin);
  enforcePolicies(files, origin);
  return files.flatMap((file) => file.objects).filter((object) => !isKustomizeFile(object));
}
