import { describe, expect, it } from "vitest";
import { COMPONENT_NAMES } from "../../schemas/components.js";
import { TEMPORAL_AUTOSETUP_COMMAND } from "../../constructs/temporal-hardening.js";
import { parse } from "yaml";
import { fileOf, findObject, renderedRelease } from "../support/rendered.js";

const rc5 = renderedRelease("1.0-rc5");
const stable = renderedRelease("1.0.0");

describe("HelmReleases", () => {
  it("places every component in its tier and namespace", () => {
    const placement: Record<string, string> = {
      "alga-core": "config/core/alga-core.yaml",
      pgbouncer: "config/core/pgbouncer.yaml",
      temporal: "config/background/temporal.yaml",
      "temporal-worker": "config/background/temporal-worker.yaml",
      "workflow-worker": "config/background/workflow-worker.yaml",
      "email-service": "config/background/email-service.yaml",
    };
    for (const name of COMPONENT_NAMES) {
      const release = fileOf(rc5, placement[name]!).objects.find((object) => object.kind === "HelmRelease");
      expect(release?.metadata?.name).toBe(name);
      expect(release?.metadata?.namespace).toBe(name === "alga-core" ? "msp" : "alga-system");
    }
  });

  it("bakes the release's image into the values", () => {
    expect(findObject(rc5, "HelmRelease", "alga-core").spec.values.server.image).toEqual({
      repository: "ghcr.io/nine-minds/alga-psa-ee",
      tag: "94446747",
      pullPolicy: "IfNotPresent",
    });
    expect(findObject(rc5, "HelmRelease", "workflow-worker").spec.values.image.tag).toBe("61e4a00e");
  });

  it("keeps profile values under the image values", () => {
    expect(findObject(rc5, "HelmRelease", "alga-core").spec.values.db.persistence).toMatchObject({ storageClass: "local-path", subPath: "data" });
  });

  it("pins images and charts by digest when the release knows them", () => {
    const core = findObject(stable, "HelmRelease", "alga-core");
    expect(core.spec.values.server.image.tag).toBe("b71c04d2@sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9");
    const chart = findObject(stable, "OCIRepository", "alga-core-chart");
    expect(chart.spec.ref).toEqual({ digest: "sha256:1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a" });
    expect(findObject(rc5, "OCIRepository", "alga-core-chart").spec.ref).toEqual({ tag: "0.1.0-rc5" });
  });

  it("sources charts through chartRef to an OCIRepository that copies the Helm chart layer", () => {
    const release = findObject(rc5, "HelmRelease", "temporal");
    expect(release.spec.chartRef).toEqual({ kind: "OCIRepository", name: "temporal-chart", namespace: "alga-system" });
    expect(findObject(rc5, "OCIRepository", "temporal-chart").spec).toMatchObject({
      url: "oci://ghcr.io/nine-minds/charts/temporal",
      layerSelector: { mediaType: "application/vnd.cncf.helm.chart.content.v1.tar+gzip", operation: "copy" },
    });
  });

  it("reads site values from the ConfigMap the control plane writes; only alga-core requires it", () => {
    expect(findObject(rc5, "HelmRelease", "alga-core").spec.valuesFrom).toEqual([
      { kind: "ConfigMap", name: "alga-core-site-values", valuesKey: "values.yaml" },
    ]);
    expect(findObject(rc5, "HelmRelease", "email-service").spec.valuesFrom[0]).toMatchObject({ name: "email-service-site-values", optional: true });
  });

  it("hardens Temporal: autosetup on the server, no service links on server and UI", () => {
    const patches = findObject(rc5, "HelmRelease", "temporal").spec.postRenderers[0].kustomize.patches as { target: any; patch: string }[];
    const server = patches.find((patch) => patch.target.name === "temporal")!;
    const ui = patches.find((patch) => patch.target.name === "temporal-ui")!;
    expect(parse(server.patch)).toEqual(
      expect.arrayContaining([
        { op: "add", path: "/spec/template/spec/enableServiceLinks", value: false },
        { op: "add", path: "/spec/template/spec/containers/0/command", value: [...TEMPORAL_AUTOSETUP_COMMAND] },
      ]),
    );
    expect(parse(ui.patch)).toEqual([{ op: "add", path: "/spec/template/spec/enableServiceLinks", value: false }]);
  });
});
