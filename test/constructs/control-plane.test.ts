import { describe, expect, it } from "vitest";
import { allObjects, fileOf, findObject, renderedRelease } from "../support/rendered.js";

const files = renderedRelease("1.0-rc5");
const READ = ["get", "list", "watch"];

describe("control plane", () => {
  const deployment = findObject(files, "Deployment", "appliance-control-plane");
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];

  it("runs one replica on the host network, recreated so the host port is never taken twice", () => {
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy).toEqual({ type: "Recreate" });
    expect(pod.hostNetwork).toBe(true);
    expect(pod.dnsPolicy).toBe("ClusterFirstWithHostNet");
    expect(container.ports).toEqual([{ containerPort: 8080 }]);
  });

  it("runs as UID 10001, non-root, read-only root filesystem", () => {
    expect(pod.securityContext).toMatchObject({ runAsUser: 10001, runAsGroup: 10001, runAsNonRoot: true });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false });
  });

  it("runs the release's control-plane image, probed on /healthz", () => {
    expect(container.image).toBe("ghcr.io/nine-minds/alga-appliance-control-plane:1.0-rc5");
    for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) expect(container[probe].httpGet).toMatchObject({ path: "/healthz", port: 8080 });
  });

  it("mounts the host state directory and the setup-token Secret (read-only)", () => {
    const volumes = Object.fromEntries(pod.volumes.map((volume: any) => [volume.name, volume]));
    expect(volumes["host-state"].hostPath.path).toBe("/var/lib/alga-appliance");
    expect(volumes["setup-token"].secret.secretName).toBe("appliance-setup-token");
    expect(container.volumeMounts).toEqual(
      expect.arrayContaining([
        { mountPath: "/var/lib/alga-appliance", name: "host-state" },
        { mountPath: "/etc/alga-appliance/setup-token", name: "setup-token", readOnly: true },
      ]),
    );
  });

  it("is rendered into control-plane/ with its own kustomization.yaml", () => {
    expect(fileOf(files, "control-plane/kustomization.yaml").objects[0]).toMatchObject({
      resources: ["deployment.yaml", "namespaces.yaml", "rbac.yaml"],
    });
    expect(fileOf(files, "control-plane/deployment.yaml").objects.map((o) => o.kind)).toEqual(["Deployment"]);
  });

  it("can never read a Secret: it creates Secrets and updates only the ones setup names", () => {
    const roles = allObjects(files).filter((object) => object.kind === "Role") as any[];
    const secretRules = roles.flatMap((role) => role.rules.filter((rule: any) => rule.resources.includes("secrets")).map((rule: any) => ({ ns: role.metadata.namespace, ...rule })));
    expect(secretRules.length).toBeGreaterThan(0);
    for (const rule of secretRules) {
      expect(rule.verbs).not.toEqual(expect.arrayContaining(["get"]));
      for (const verb of ["get", "list", "watch"]) expect(rule.verbs).not.toContain(verb);
      if (rule.verbs.includes("update")) expect(rule.resourceNames).toHaveLength(1);
    }
    const named = secretRules.filter((rule) => rule.ns === "msp" && rule.resourceNames).flatMap((rule) => rule.resourceNames).sort();
    expect(named).toEqual(["appliance-initial-tenant", "appliance-license-seed"]);
  });

  it("may write only Flux sources/Kustomizations in flux-system and values, Secrets, HelmReleases in the app namespaces", () => {
    const roles = allObjects(files).filter((object) => object.kind === "Role" && object.metadata?.name === "appliance-control-plane-setup") as any[];
    const byNamespace = Object.fromEntries(roles.map((role) => [role.metadata.namespace, role.rules]));
    expect(Object.keys(byNamespace).sort()).toEqual(["alga-appliance-control-plane", "alga-system", "flux-system", "msp"]);
    const resources = (rules: any[]) => rules.flatMap((rule) => rule.resources).sort();
    expect(resources(byNamespace["flux-system"])).toEqual(["kustomizations", "ocirepositories"]);
    expect([...new Set(resources(byNamespace["msp"]))]).toEqual(["configmaps", "helmreleases", "secrets"]);
    for (const role of roles) for (const rule of role.rules) expect(rule.verbs).not.toContain("delete");
    const helmReleaseRule = byNamespace["alga-system"].find((rule: any) => rule.resources.includes("helmreleases"));
    expect(helmReleaseRule.verbs).toEqual(["get", "list", "watch", "patch"]);
    const clusterRoles = allObjects(files).filter((object) => object.kind === "ClusterRole") as any[];
    for (const role of clusterRoles) for (const rule of role.rules) expect(READ).toEqual(expect.arrayContaining(rule.verbs));
  });
});

describe("appliance-status RBAC", () => {
  const role = findObject(files, "ClusterRole", "appliance-status-readonly");

  it("reads nodes, pods, PVCs, events, ConfigMaps, jobs, deployments, statefulsets, the Flux objects, Services and EndpointSlices", () => {
    const resources = role.rules!.flatMap((rule: any) => rule.resources).sort();
    expect(resources).toEqual(
      [
        "configmaps", "deployments", "endpointslices", "events", "gitrepositories", "helmcharts", "helmreleases", "helmrepositories", "jobs",
        "kustomizations", "nodes", "ocirepositories", "persistentvolumeclaims", "pods", "services", "statefulsets",
      ].sort(),
    );
  });

  it("is read-only and never touches Secrets", () => {
    for (const rule of role.rules!) {
      // Services and EndpointSlices are only listed (cluster-wide), so they get list and watch only.
      expect(rule.verbs).toEqual(rule.resources.includes("services") || rule.resources.includes("endpointslices") ? ["list", "watch"] : READ);
      expect(rule.resources).not.toContain("secrets");
      expect(rule.resources).not.toContain("*");
    }
  });

  it("is bound to the appliance-status service account", () => {
    expect(findObject(files, "ClusterRoleBinding", "appliance-status-readonly")).toMatchObject({
      roleRef: { kind: "ClusterRole", name: "appliance-status-readonly" },
      subjects: [{ kind: "ServiceAccount", name: "appliance-status", namespace: "alga-system" }],
    });
  });
});
