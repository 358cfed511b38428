import { parseImageReference } from "../../schemas/common.js";
import { describeObject, type KubernetesObject } from "./rendered-file.js";
import { HELM_CHART_CONTENT_MEDIA_TYPE } from "../oci/media-types.js";
import { containersOf } from "./pod-templates.js";
import { objectsOf, type Policy, type PolicyContext, type PolicyViolation } from "./violation.js";

function imageProblem(image: string, context: PolicyContext): string | undefined {
  const parts = parseImageReference(image);
  if (!parts) return `"${image}" is not a full image reference: write registry/repository:<exact tag>[@sha256:<digest>]`;
  if (!parts.tag) return `"${image}" has no tag: pin the exact build, registry/repository:<exact tag>[@sha256:<digest>]`;
  if (parts.tag === "latest") return `"${image}" uses the moving tag "latest": pin the exact build tag`;
  if (context.locked && !parts.digest) return `"${image}" is not in the release's lock file: run npm run lock -- --release <version> so it renders by digest`;
  return undefined;
}

/** Images written into HelmRelease values as `{repository, tag}` (the chart builds `repository:tag`). */
function* valueImages(value: unknown, path: string): Generator<{ path: string; image: string }> {
  if (typeof value !== "object" || value === null) return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* valueImages(value[i], `${path}[${i}]`);
    return;
  }
  const node = value as Record<string, unknown>;
  if (typeof node["repository"] === "string" && node["repository"].includes("/") && "tag" in node) {
    yield { path: `${path}.tag`, image: `${node["repository"]}${typeof node["tag"] === "string" && node["tag"] !== "" ? `:${node["tag"]}` : ""}` };
  }
  for (const [key, child] of Object.entries(node)) yield* valueImages(child, `${path}.${key}`);
}

/** An OCIRepository that carries a Helm chart (by its layer selector, or the kit's chart-source label). */
function isHelmChartSource(object: KubernetesObject): boolean {
  const spec = object["spec"] as { layerSelector?: { mediaType?: string } } | undefined;
  const labels = (object.metadata?.["labels"] ?? {}) as Record<string, string>;
  return spec?.layerSelector?.mediaType === HELM_CHART_CONTENT_MEDIA_TYPE || labels["app.kubernetes.io/component"] === "chart-source";
}

/** A Flux OCIRepository holding a Helm chart must pin it by digest when the release is locked. */
function chartSourceProblem(object: KubernetesObject): string | undefined {
  const ref = (object["spec"] as { ref?: { digest?: string } } | undefined)?.ref;
  return ref?.digest ? undefined : "the chart is pulled by tag although the release is locked: run npm run lock -- --release <version> so it is pinned by digest";
}

/**
 * Every image the kit renders names its registry and an exact tag (never `latest`); with a lock
 * file, every image and chart is pinned by digest.
 */
export const pinnedImages: Policy = (files, context) => {
  const violations: PolicyViolation[] = [];
  for (const { file, object } of objectsOf(files)) {
    const push = (field: string, message: string) => violations.push({ file: file.path, object: describeObject(object), field, message });
    for (const { path, container } of containersOf(object)) {
      const problem = imageProblem(container.image ?? "", context);
      if (problem) push(`${path}.image`, problem);
    }
    if (object.kind === "HelmRelease") {
      for (const { path, image } of valueImages((object["spec"] as { values?: unknown } | undefined)?.values, "spec.values")) {
        const problem = imageProblem(image, context);
        if (problem) push(path, problem);
      }
    }
    const isChartSource = object.kind === "OCIRepository" && isHelmChartSource(object);
    if (context.locked && isChartSource) {
      const problem = chartSourceProblem(object);
      if (problem) push("spec.ref", problem);
    }
  }
  return violations;
};
