/**
 * pull writes flux/source.yaml from plain objects (it must not load cdk8s); synth renders the same
 * two objects from the ConfigBundleSource and FluxTier constructs. This keeps them byte-identical,
 * so a change to either side shows up here rather than on an appliance.
 */
import { describe, expect, it } from "vitest";
import { fluxSourceYaml } from "../../src/distribution/flux-source-document.js";
import { composeFluxSource } from "../../src/synth/compose-flux-source.js";
import { serializeFile } from "../../src/synth/serialize.js";

describe("the Flux source a pull writes", () => {
  it.each([true, false])("is exactly what the constructs render (insecure: %s)", (insecure) => {
    const input = { url: "oci://registry.local:5000/alga/alga-appliance-config", digest: `sha256:${"ab".repeat(32)}`, insecure };
    const [rendered] = composeFluxSource(input);
    expect(rendered?.path).toBe("flux/source.yaml");
    expect(fluxSourceYaml(input, "# header")).toBe(serializeFile(rendered!, "# header"));
  });
});
