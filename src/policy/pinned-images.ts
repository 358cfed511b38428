import { parseImageReference } from "../../schemas/common.js";
import { describeObject } from "./rendered-file.js";
import { containersOf } from "./pod-templates.js";
import { objectsOf, type Policy, type PolicyViolation } from "./violation.js";

/** Every rendered container image names its registry and an exact tag (never `latest`). */
export const pinnedImages: Policy = (files) => {
  const violations: PolicyViolation[] = [];
  for (const { file, object } of objectsOf(files)) {
    for (const { path, container } of containersOf(object)) {
      const image = container.image ?? "";
      const parts = parseImageReference(image);
      if (!parts?.tag || parts.tag === "latest") {
        violations.push({
          file: file.path,
          object: describeObject(object),
          field: `${path}.image`,
          message: `"${image}" is not pinned: use registry/repository:<exact tag>[@sha256:<digest>]`,
        });
      }
    }
  }
  return violations;
};
