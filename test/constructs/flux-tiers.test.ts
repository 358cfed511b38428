import { describe, expect, it } from "vitest";
import { allObjects, fileOf, findObject, renderedRelease } from "../support/rendered.js";

const files = renderedRelease("1.0-rc5");

describe("Flux tiers", () => {
  it("chains alga-platform → alga-core → alga-background with dependsOn", () => {
    expect(findObject(files, "Kustomization", "alga-platform").spec.dependsOn).toBeUndefined();
    expect(findObject(files, "Kustomization", "alga-core").spec.dependsOn).toEqual([{ name: "alga-platform", namespace: "flux-system" }]);
    expect(findObject(files, "Kustomization", "alga-background").spec.dependsOn).toEqual([{ name: "alga-core", namespace: "flux-system" }]);
  });

  it("gives each tier its own path, pruning, waiting and a timeout, from the alga-appliance OCIRepository", () => {
    for (const [name, path] of [["alga-platform", "./platform"], ["alga-core", "./core"], ["alga-background", "./background"]] as const) {
      const spec = findObject(files, "Kustomization", name).spec;
      expect(spec).toMatchObject({ path, prune: true, wait: true, sourceRef: { kind: "OCIRepository", name: "alga-appliance", namespace: "flux-system" } });
      expect(spec.timeout).toMatch(/^\d+m$/);
      expect(spec.interval).toMatch(/^\d+m$/);
    }
  });

  it("puts each tier's objects in its own directory with a kustomization.yaml, and the root lists only the tiers and namespaces", () => {
    expect(fileOf(files, "config/kustomization.yaml").objects[0]).toMatchObject({ resources: ["namespaces.yaml", "tiers.yaml"] });
    expect(fileOf(files, "config/core/kustomization.yaml").objects[0]).toMatchObject({ resources: ["alga-core.yaml", "pgbouncer.yaml"] });
    expect(fileOf(files, "config/background/kustomization.yaml").objects[0]).toMatchObject({
      resources: ["email-service.yaml", "temporal-worker.yaml", "temporal.yaml", "workflow-worker.yaml"],
    });
    expect(fileOf(files, "config/platform/kustomization.yaml").objects[0]).toMatchObject({ resources: ["appliance-status.yaml", "status-service.yaml"] });
  });

  it("renders only GA Flux API versions", () => {
    const fluxVersions = new Set(allObjects(files).map((object) => object.apiVersion).filter((version) => version.includes("fluxcd.io")));
    expect([...fluxVersions].sort()).toEqual(["helm.toolkit.fluxcd.io/v2", "kustomize.toolkit.fluxcd.io/v1", "source.toolkit.fluxcd.io/v1"]);
  });

  it("protects every namespace of the bundle from Flux pruning", () => {
    const namespaces = fileOf(files, "config/namespaces.yaml").objects;
    expect(namespaces.map((ns) => ns.metadata?.name)).toEqual(["flux-system", "alga-system", "msp"]);
    for (const ns of namespaces) expect((ns.metadata as any).annotations).toEqual({ "kustomize.toolkit.fluxcd.io/prune": "disabled" });
  });
});
