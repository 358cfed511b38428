import { describe, expect, it } from "vitest";
import { policyViolations } from "../../src/policy/index.js";
import type { KubernetesObject, RenderedFile } from "../../src/synth/rendered-file.js";
import { renderedRelease } from "../support/rendered.js";

const file = (...objects: KubernetesObject[]): RenderedFile[] => [{ path: "config/x.yaml", objects }];
const deployment = (container: Record<string, unknown>): KubernetesObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "msp" },
  spec: { template: { spec: { containers: [{ name: "web", ...container }] } } },
});

describe("release policies", () => {
  it("pass on every checked-in release", () => {
    expect(policyViolations(renderedRelease("1.0-rc5"))).toEqual([]);
    expect(policyViolations(renderedRelease("1.0.0"))).toEqual([]);
  });

  it("refuse a v1beta2 Flux source, naming file, object and field", () => {
    const violations = policyViolations(file({ apiVersion: "source.toolkit.fluxcd.io/v1beta2", kind: "OCIRepository", metadata: { name: "x", namespace: "flux-system" } }));
    expect(violations).toEqual([
      expect.objectContaining({ policy: "ga-flux-apis", file: "config/x.yaml", object: "OCIRepository flux-system/x", field: "apiVersion", message: expect.stringContaining("source.toolkit.fluxcd.io/v1") }),
    ]);
  });

  it("refuse an image with latest or no tag", () => {
    expect(policyViolations(file(deployment({ image: "ghcr.io/nine-minds/temporal-worker:latest" })))[0]).toMatchObject({ policy: "pinned-images", field: "spec.template.spec.containers[0].image" });
    expect(policyViolations(file(deployment({ image: "ghcr.io/nine-minds/temporal-worker" })))[0]).toMatchObject({ policy: "pinned-images" });
  });

  it("refuse a literal credential in a container's environment", () => {
    const violations = policyViolations(file(deployment({ image: "ghcr.io/a/b:1", env: [{ name: "OBJECT_STORE_SECRET_KEY", value: "hunter2" }] })));
    expect(violations).toEqual([expect.objectContaining({ policy: "no-literal-credentials", field: "spec.template.spec.containers[0].env[0] (OBJECT_STORE_SECRET_KEY)" })]);
  });

  it("refuse a status role that can read Secrets or write", () => {
    const role: KubernetesObject = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "appliance-status-readonly" },
      rules: [{ apiGroups: [""], resources: ["pods", "secrets"], verbs: ["get", "delete"] }],
    };
    expect(policyViolations(file(role)).map((v) => v.field).sort()).toEqual(["rules[0].resources", "rules[0].verbs"]);
  });

  it("refuse a Temporal HelmRelease without the autosetup and service-link patches", () => {
    const temporal: KubernetesObject = { apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmRelease", metadata: { name: "temporal", namespace: "alga-system" }, spec: {} };
    expect(policyViolations(file(temporal)).map((v) => v.message)).toEqual([
      expect.stringContaining("autosetup"),
      expect.stringContaining("temporal server Deployment keeps service links"),
      expect.stringContaining("temporal-ui Deployment keeps service links"),
    ]);
  });
});
