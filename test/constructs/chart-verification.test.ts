import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ReleaseDefinition } from "../../schemas/release.js";
import { loadRelease } from "../../src/release/load-release.js";
import { composeRelease } from "../../src/synth/compose-release.js";
import { validateAgainstUpstreamSchemas } from "../../src/synth/upstream-schemas.js";
import { allObjects, RELEASES_DIR } from "../support/rendered.js";

const chartSources = (files: ReturnType<typeof composeRelease>) => allObjects(files).filter((object) => object.kind === "OCIRepository") as any[];

describe("chart OCIRepositories and signature verification", () => {
  const { definition, profile } = loadRelease(join(RELEASES_DIR, "1.0-rc5.yaml"));

  it("verify nothing unless the release asks (existing releases render unchanged)", () => {
    const sources = chartSources(composeRelease(definition, profile));
    expect(sources).toHaveLength(6);
    for (const source of sources) expect(source.spec.verify).toBeUndefined();
  });

  it("with chartVerification, every chart source makes Flux verify cosign signatures with the named Secret, and stays schema-valid", () => {
    const release = ReleaseDefinition.parse({ ...definition, chartVerification: { provider: "cosign", secretName: "nine-minds-charts-cosign" } });
    const files = composeRelease(release, profile);
    const sources = chartSources(files);
    expect(sources).toHaveLength(6);
    for (const source of sources) expect(source.spec.verify).toEqual({ provider: "cosign", secretRef: { name: "nine-minds-charts-cosign" } });
    expect(() => validateAgainstUpstreamSchemas(files, "1.0-rc5.yaml")).not.toThrow();
  });

  it("the release schema refuses another provider, naming the field", () => {
    const result = ReleaseDefinition.safeParse({ ...definition, chartVerification: { provider: "notation", secretName: "x" } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["chartVerification", "provider"]);
  });
});
