import { ConfigBundleSource } from "../../constructs/config-bundle-source.js";
import { FluxTier } from "../../constructs/flux-tier.js";
import { ChartFiles } from "./chart-files.js";
import { CONFIG_SOURCE_NAME } from "./compose-release.js";
import type { RenderedFile } from "./rendered-file.js";
import { validateAgainstUpstreamSchemas } from "./upstream-schemas.js";

export interface FluxSourceInput {
  readonly url: string;
  readonly digest: string;
  readonly insecure: boolean;
}

/**
 * What the control plane applies to install a pulled release: the bundle's OCIRepository pinned by
 * digest and the root Kustomization that applies the bundle's root (namespaces and tiers).
 */
export function composeFluxSource(input: FluxSourceInput): RenderedFile[] {
  const charts = new ChartFiles();
  charts.file("flux/source.yaml", (scope) => {
    const source = new ConfigBundleSource(scope, "Source", { url: input.url, digest: input.digest, insecure: input.insecure, name: CONFIG_SOURCE_NAME });
    new FluxTier(scope, "Root", {
      name: CONFIG_SOURCE_NAME,
      path: "./",
      source: { kind: "OCIRepository", name: source.name, namespace: source.namespace },
      // The root only creates namespaces and the tier Kustomizations; each tier reports its own readiness.
      wait: false,
      timeout: "5m",
    });
  });
  const files = charts.render();
  validateAgainstUpstreamSchemas(files, "flux/source.yaml");
  return files;
}
