import { parseImageReference } from "../../schemas/common.js";
import { COMPONENT_NAMES } from "../../schemas/components.js";
import type { ReleaseDefinition } from "../../schemas/release.js";
import type { ReleaseLock } from "../../schemas/release-lock.js";
import { UserError } from "../errors.js";
import { chartReference } from "./reference-collector.js";
import type { KubernetesObject, RenderedFile } from "./rendered-file.js";

function lockedDigest(entries: ReleaseLock["images"], reference: string): string | undefined {
  return entries.find((entry) => entry.reference === reference)?.digest;
}

/**
 * The release with every image and chart pinned to its locked digest. A release that pins a digest
 * the lock disagrees with, or a reference the lock lacks, is refused: the lock is stale.
 */
export function applyLock(definition: ReleaseDefinition, lock: ReleaseLock, lockFile: string): ReleaseDefinition {
  const rerun = `run npm run lock -- --release ${definition.version}`;
  const problems: string[] = [];
  const pinImage = (image: string, field: string): string => {
    const parts = parseImageReference(image);
    if (!parts?.tag) return image;
    const reference = `${parts.registry}/${parts.repository}:${parts.tag}`;
    const digest = lockedDigest(lock.images, reference);
    if (digest === undefined) {
      problems.push(`${field}: ${reference} is not in the lock; ${rerun}`);
      return image;
    }
    if (parts.digest && parts.digest !== digest) {
      problems.push(`${field}: the release pins ${parts.digest} but the lock has ${digest}; fix the pin or ${rerun}`);
      return image;
    }
    return `${reference}@${digest}`;
  };
  const components = Object.fromEntries(
    COMPONENT_NAMES.map((name) => {
      const component = definition.components[name];
      const chart = chartReference(definition.chartRepository, component.chart.name, component.chart.version);
      const digest = lockedDigest(lock.charts, chart.reference);
      if (digest === undefined) problems.push(`components.${name}.chart: ${chart.reference} is not in the lock; ${rerun}`);
      else if (component.chart.digest && component.chart.digest !== digest) {
        problems.push(`components.${name}.chart.digest: the release pins ${component.chart.digest} but the lock has ${digest}; fix the pin or ${rerun}`);
      }
      return [
        name,
        {
          image: pinImage(component.image, `components.${name}.image`),
          chart: { ...component.chart, ...(digest ? { digest } : {}) },
        },
      ];
    }),
  ) as ReleaseDefinition["components"];
  const controlPlane = { image: pinImage(definition.controlPlane.image, "controlPlane.image") };
  const statusService = { ...definition.statusService, image: pinImage(definition.statusService.image, "statusService.image") };
  if (problems.length > 0) {
    throw new UserError(`${lockFile}: does not match ${definition.version}.yaml:\n${problems.map((line) => `  ${line}`).join("\n")}`);
  }
  return { ...definition, controlPlane, statusService, components };
}

function withLockedImages(value: unknown, lock: ReleaseLock): unknown {
  if (Array.isArray(value)) return value.map((item) => withLockedImages(item, lock));
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === "image" && typeof child === "string") {
      const parts = parseImageReference(child);
      const digest = parts?.tag && !parts.digest ? lockedDigest(lock.images, `${parts.registry}/${parts.repository}:${parts.tag}`) : undefined;
      out[key] = digest ? `${child}@${digest}` : child;
    } else out[key] = withLockedImages(child, lock);
  }
  return out;
}

/**
 * Pins the images of rendered pod templates that do not come from the release definition
 * (sidecars, Jobs, init containers of other constructs) to their locked digests; what the lock
 * lacks is left for the pinned-images policy to report.
 */
export function lockRenderedImages(files: readonly RenderedFile[], lock: ReleaseLock): RenderedFile[] {
  return files.map((file) => ({
    path: file.path,
    objects: file.objects.map((object) => {
      if (object.kind === "HelmRelease" || !("spec" in object)) return object;
      return { ...object, spec: withLockedImages(object["spec"], lock) } as KubernetesObject;
    }),
  }));
}

