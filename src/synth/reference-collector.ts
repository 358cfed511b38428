// What a release references and the collector that gathers it, without the renderer: publish's
// checks (pins, preflight) read a staged release's files and must not load cdk8s or the constructs.
import { parseImageReference } from "../../schemas/common.js";
import { containersOf } from "../policy/pod-templates.js";
import { TIERS, type Tier } from "./component-catalog.js";
import { describeObject, type RenderedFile } from "./rendered-file.js";

/** Where a reference is used: the tiers, and the control plane the host bootstrap runs. */
export type ReferenceTier = Tier | "control-plane";

export interface ReferenceUse {
  /** A component name, `control-plane`, or the rendered object (`Deployment ns/name`). */
  readonly user: string;
  readonly tier: ReferenceTier;
}

/** One image or chart a release references, split for registry requests. */
export interface ReleaseReference {
  readonly kind: "image" | "chart";
  /** Without digest: `registry/repository:tag`, or `oci://host/path/chart:version`. */
  readonly reference: string;
  readonly registry: string;
  readonly repository: string;
  readonly tag: string;
  /** Digest the release itself pins, if any. */
  readonly pinned?: string;
  readonly uses: readonly ReferenceUse[];
}

/** Only the background tier may fail without blocking login (the seeds' tier contract). */
export function blocksLogin(reference: ReleaseReference): boolean {
  return reference.uses.some((use) => use.tier !== "background");
}

/** `oci://ghcr.io/nine-minds/charts` + chart + version → the chart's OCI reference. */
export function chartReference(chartRepository: string, name: string, version: string): { reference: string; registry: string; repository: string; tag: string } {
  const [registry, ...path] = chartRepository.replace(/^oci:\/\//, "").split("/");
  // Helm stores `+` (SemVer build metadata) as `_` in OCI tags, which cannot hold `+`.
  const tag = version.replace(/\+/g, "_");
  return { reference: `${chartRepository}/${name}:${version}`, registry: registry!, repository: [...path, name].join("/"), tag };
}

function tierOfFile(path: string): ReferenceTier {
  if (path.startsWith("control-plane/")) return "control-plane";
  return TIERS.find((tier) => path.startsWith(`config/${tier}/`)) ?? "platform";
}

/** Gathers references, merging the uses of one reference. */
export class ReferenceCollector {
  private readonly byKey = new Map<string, { base: Omit<ReleaseReference, "uses">; uses: ReferenceUse[] }>();

  /** Adds an image; one without a tag is skipped (the pinned-images policy reports it). */
  image(image: string, use: ReferenceUse): void {
    const parts = parseImageReference(image);
    if (!parts?.tag) return;
    const reference = `${parts.registry}/${parts.repository}:${parts.tag}`;
    this.add(`image ${reference}`, { kind: "image", reference, registry: parts.registry, repository: parts.repository, tag: parts.tag, ...(parts.digest ? { pinned: parts.digest } : {}) }, use);
  }

  chart(chartRepository: string, name: string, version: string, digest: string | undefined, use: ReferenceUse): void {
    const chart = chartReference(chartRepository, name, version);
    this.add(`chart ${chart.reference}`, { kind: "chart", ...chart, ...(digest ? { pinned: digest } : {}) }, use);
  }

  /** Every image in the pod templates of rendered files (paths relative to `dist/<version>/`). */
  renderedImages(files: readonly RenderedFile[]): void {
    for (const file of files) {
      for (const object of file.objects) {
        for (const { container } of containersOf(object)) {
          if (container.image) this.image(container.image, { user: describeObject(object), tier: tierOfFile(file.path) });
        }
      }
    }
  }

  /** Images first, then charts, each sorted by reference. */
  references(): ReleaseReference[] {
    return [...this.byKey.values()]
      .map(({ base, uses }) => ({ ...base, uses }))
      .sort((a, b) => (a.kind === b.kind ? (a.reference < b.reference ? -1 : 1) : a.kind === "image" ? -1 : 1));
  }

  private add(key: string, base: Omit<ReleaseReference, "uses">, use: ReferenceUse): void {
    const entry = this.byKey.get(key) ?? { base, uses: [] };
    if (!entry.uses.some((known) => known.user === use.user)) entry.uses.push(use);
    this.byKey.set(key, entry);
  }
}
