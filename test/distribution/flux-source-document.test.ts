/**
 * pull writes flux/source.yaml from plain objects (it must not load cdk8s); the same two objects
 * are what synth renders into an offline release's flux/source.yaml (renderFluxSource). This keeps them byte-identical,
 * so a change to a construct's output shows up here rather than on an appliance.
 */
import { describe, expect, it } from "vitest";
import { fluxSourceObjects, fluxSourceYaml, type FluxSourceInput } from "../../src/distribution/flux-source-document.js";
import { renderFluxSource } from "../../src/synth/compose-release.js";
import { serializeFile } from "../../src/synth/serialize.js";
import { validateAgainstUpstreamSchemas } from "../../src/synth/upstream-schemas.js";

/** The source and root Kustomization as synth renders them (validated against the upstream schemas). */
function renderedBySynth(input: FluxSourceInput) {
  const files = renderFluxSource(input);
  validateAgainstUpstreamSchemas(files, "flux/source.yaml");
  return files;
}

describe("the Flux source a pull writes", () => {
  it.each([true, false])("is exactly what the constructs render (insecure: %s)", (insecure) => {
    const input = { url: "oci://registry.local:5000/alga/alga-appliance-config", digest: `sha256:${"ab".repeat(32)}`, insecure };
    const [rendered] = renderedBySynth(input);
    expect(fluxSourceYaml(fluxSourceObjects(input), "# header")).toBe(serializeFile(rendered!, "# header"));
  });
});
