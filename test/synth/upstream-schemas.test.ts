import { describe, expect, it } from "vitest";
import { UserError } from "../../src/errors.js";
import { upstreamSchemaProblems, validateAgainstUpstreamSchemas } from "../../src/synth/upstream-schemas.js";
import { renderedRelease } from "../support/rendered.js";

describe("upstream schema validation", () => {
  it("accepts every object of the checked-in releases", () => {
    expect(() => validateAgainstUpstreamSchemas(renderedRelease("1.0-rc5"), "releases/1.0-rc5.yaml")).not.toThrow();
  });

  it("names the file, the object and the field of a schema violation", () => {
    const files = [
      {
        path: "config/core/alga-core.yaml",
        objects: [
          {
            apiVersion: "helm.toolkit.fluxcd.io/v2",
            kind: "HelmRelease",
            metadata: { name: "alga-core", namespace: "msp" },
            spec: { interval: 10, chartRef: { kind: "OCIRepository", name: "x" } },
          },
        ],
      },
    ];
    let error: unknown;
    try {
      validateAgainstUpstreamSchemas(files, "releases/1.0-rc5.yaml");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toContain("releases/1.0-rc5.yaml: rendered objects fail the upstream Kubernetes/Flux schemas");
    expect((error as Error).message).toContain("config/core/alga-core.yaml: HelmRelease msp/alga-core: spec.interval: must be string");
  });

  it("reports a missing required field by name", () => {
    const problems = upstreamSchemaProblems({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "OCIRepository", metadata: { name: "x" }, spec: { interval: "5m" } });
    expect(problems).toEqual([expect.stringMatching(/^spec\.url: /)]);
  });

  it("refuses a kind it has no upstream schema for", () => {
    expect(upstreamSchemaProblems({ apiVersion: "source.toolkit.fluxcd.io/v1beta2", kind: "OCIRepository" })).toEqual([
      expect.stringContaining("no upstream schema is known for source.toolkit.fluxcd.io/v1beta2 OCIRepository"),
    ]);
  });
});
