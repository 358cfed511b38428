import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { parseAllDocuments } from "yaml";
import { COMPONENT_NAMES } from "../../schemas/components.js";
import { COMPONENT_PLACEMENT } from "../../schemas/components.js";
import { ReferenceCollector, type ReleaseReference } from "../synth/reference-collector.js";
import type { KubernetesObject, RenderedFile } from "../policy/rendered-file.js";
import type { StagedRelease } from "./staged-release.js";

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".yaml"))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/**
 * What a staged release (dist/<version>/) references, exactly as it will be published: the images
 * and charts its release manifest pins, and every image of the rendered pod templates.
 */
export function stagedReferences(distDir: string, staged: StagedRelease): ReleaseReference[] {
  const collector = new ReferenceCollector();
  const { manifest } = staged;
  for (const name of COMPONENT_NAMES) {
    const component = manifest.components[name];
    const use = { user: name, tier: COMPONENT_PLACEMENT[name].fluxTier };
    collector.image(component.image, use);
    collector.chart(component.chart.repository, component.chart.name, component.chart.version, component.chart.digest, use);
  }
  collector.image(manifest.controlPlane.image, { user: "control-plane", tier: "control-plane" });
  const root = join(distDir, staged.version);
  const rendered: RenderedFile[] = [];
  for (const top of ["config", "control-plane"]) {
    let files: string[];
    try {
      files = yamlFiles(join(root, top));
    } catch {
      continue;
    }
    for (const file of files) {
      const objects = parseAllDocuments(readFileSync(file, "utf8"))
        .map((document) => (Array.isArray(document) ? undefined : document.toJS()) as KubernetesObject | undefined)
        .filter((object): object is KubernetesObject => typeof object === "object" && object !== null && typeof object.kind === "string");
      rendered.push({ path: relative(root, file).split(sep).join("/"), objects });
    }
  }
  collector.renderedImages(rendered);
  return collector.references();
}
