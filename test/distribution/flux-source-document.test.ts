/**
 * pull writes flux/source.yaml from plain objects (it must not load cdk8s); the same two objects
 * are what the ConfigBundleSource and FluxTier constructs render. This keeps them byte-identical,
 * so a change to a construct's output shows up here rather than on an appliance.
 */
import { describe, expect, it } from "vitest";
import { ConfigBundleSource } from "../../constructs/config-bundle-source.js";
import { FluxTier } from "../../constructs/flux-tier.js";
import { APPLIANCE_NAME } from "../../schemas/names.js";
import { fluxSourceObjects, fluxSourceYaml, type FluxSourceInput } from "../../src/distribution/flux-source-document.js";
import { ChartFiles } from "../../src/synth/chart-files.js";
import { serializeFile } from "../../src/synth/serialize.js";
import { validateAgainstUpstreamSchemas } from "../../src/synth/upstream-schemas.js";

/** The source and root Kustomization as the constructs render them (validated against the upstream schemas). */
function renderedByConstructs(input: FluxSourceInput) {
  const charts = new ChartFiles();
  charts.file("flux/source.yaml", (scope) => {
    const source = new ConfigBundleSource(scope, "Source", { url: input.url, digest: input.digest, insecure: input.insecure, name: APPLIANCE_NAME });
    new FluxTier(scope, "Root", {
      name: APPLIANCE_NAME,
      path: "./",
      source: { kind: "OCIRepository", name: source.name, namespace: source.namespace },
      wait: false,
      timeout: "5m",
    });
  });
  const files = charts.render();
  validateAgainstUpstreamSchemas(files, "flux/source.yaml");
  return files;
}

describe("the Flux source a pull writes", () => {
  it.each([true, false])("is exactly what the constructs render (insecure: %s)", (insecure) => {
    const input = { url: "oci://registry.local:5000/alga/alga-appliance-config", digest: `sha256:${"ab".repeat(32)}`, insecure };
    const [rendered] = renderedByConstructs(input);
    expect(fluxSourceYaml(fluxSourceObjects(input), "# header")).toBe(serializeFile(rendered!, "# header"));
  });
});
