import { App, Chart } from "cdk8s";
import { describe, expect, it } from "vitest";
import { StatusService } from "../../constructs/status-service.js";
import { LISTED_KINDS } from "../../src/services/status/live-cluster.js";
import { allObjects, fileOf, findObject, renderedRelease } from "../support/rendered.js";

describe.each(["1.0-rc5", "1.0.0"])("status service in release %s", (version) => {
  const files = renderedRelease(version);
  const file = fileOf(files, "config/platform/status-service.yaml");
  const deployment = findObject(files, "Deployment", "appliance-status");
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];

  it("is rendered in the platform tier with its Service", () => {
    expect(file.objects.map((o) => o.kind).sort()).toEqual(["Deployment", "Service"]);
    expect(fileOf(files, "config/platform/kustomization.yaml").objects[0]).toMatchObject({ resources: expect.arrayContaining(["status-service.yaml"]) });
    const service = findObject(files, "Service", "appliance-status");
    expect(service.spec.ports).toEqual([{ name: "http", port: 8090, protocol: "TCP", targetPort: 8090 }]);
    expect(service.spec.selector).toEqual({ "app.kubernetes.io/name": "appliance-status" });
    // Published on the node's address by k3s's ServiceLB, keeping the client address for rate limiting.
    expect(service.spec.type).toBe("LoadBalancer");
    expect(service.spec.externalTrafficPolicy).toBe("Local");
    expect(deployment.spec.template.metadata.labels["app.kubernetes.io/name"]).toBe("appliance-status");
  });

  it("runs the image the release file pins", async () => {
    const { loadRelease } = await import("../../src/release/load-release.js");
    const { RELEASES_DIR } = await import("../support/rendered.js");
    const { definition } = loadRelease(`${RELEASES_DIR}/${version}.yaml`);
    expect(container.image).toBe(definition.statusService.image);
    expect(container.image).toMatch(/^ghcr\.io\/nine-minds\/alga-appliance-status:/);
  });

  it("listens on 8090, never the control plane's 8080, and binds no host port", () => {
    const controlPlane = findObject(files, "Deployment", "appliance-control-plane");
    expect(controlPlane.spec.template.spec.containers[0].ports).toEqual([{ containerPort: 8080 }]);
    expect(container.ports).toEqual([{ containerPort: 8090, name: "http" }]);
    expect(container.args).toEqual(expect.arrayContaining(["--port", "8090", "--host", "0.0.0.0"]));
    expect(pod.hostNetwork).toBe(false);
    expect(container.ports.some((p: any) => p.hostPort)).toBe(false);
  });

  it("meets the restricted Pod Security level", () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } });
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container.securityContext.capabilities.add).toBeUndefined();
    expect(pod.volumes.every((v: any) => !v.hostPath)).toBe(true);
  });

  it("reads the token from the Secret the control plane writes, mounted where --token-file points", () => {
    const volume = pod.volumes.find((v: any) => v.name === "token");
    expect(volume.secret).toEqual({ secretName: "appliance-status-auth", optional: true });
    const mount = container.volumeMounts.find((m: any) => m.name === "token");
    expect(mount).toEqual({ mountPath: "/var/run/appliance-status/token", name: "token", readOnly: true });
    expect(container.args[container.args.indexOf("--token-file") + 1]).toBe("/var/run/appliance-status/token/token");
  });

  it("takes the site values from the optional ConfigMap the control plane writes", () => {
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.valueFrom.configMapKeyRef]));
    expect(env).toEqual({
      APPLIANCE_LOGIN_URL: { key: "loginUrl", name: "appliance-status-settings", optional: true },
      APPLIANCE_SITE_ID: { key: "siteId", name: "appliance-status-settings", optional: true },
      APPLIANCE_STATUS_URL: { key: "statusUrl", name: "appliance-status-settings", optional: true },
    });
    const setup = allObjects(files).find((o: any) => o.kind === "Role" && o.metadata.name === "appliance-control-plane-setup" && o.metadata.namespace === "alga-system") as any;
    expect(setup.rules.find((r: any) => r.resources.includes("configmaps")).verbs).toEqual(expect.arrayContaining(["create", "update"]));
  });

  it("runs as the appliance-status account, which is bound to the read-only ClusterRole covering every kind it lists", () => {
    expect(pod.serviceAccountName).toBe("appliance-status");
    const account = findObject(files, "ServiceAccount", "appliance-status");
    expect(account.metadata?.namespace).toBe(deployment.metadata?.namespace);
    const binding = findObject(files, "ClusterRoleBinding", "appliance-status-readonly") as any;
    expect(binding.roleRef.name).toBe("appliance-status-readonly");
    expect(binding.subjects).toEqual([expect.objectContaining({ kind: "ServiceAccount", name: "appliance-status", namespace: "alga-system" })]);
    const role = findObject(files, "ClusterRole", "appliance-status-readonly");
    for (const kind of LISTED_KINDS) {
      const rule = role.rules!.find((r: any) => r.resources.includes(kind.resource) && r.apiGroups.includes(kind.group));
      expect(rule, kind.resource).toBeDefined();
      expect(rule.verbs).toContain("list");
    }
    // Services and EndpointSlices (login needs a ready endpoint) are only listed, so only list and watch are granted.
    expect(role.rules!.filter((r: any) => r.resources.includes("services") || r.resources.includes("endpointslices"))).toEqual([
      { apiGroups: [""], resourceNames: [], resources: ["services"], verbs: ["list", "watch"] },
      { apiGroups: ["discovery.k8s.io"], resourceNames: [], resources: ["endpointslices"], verbs: ["list", "watch"] },
    ]);
    // The status service's own account can never touch Secrets.
    const bindings = allObjects(files).filter((o: any) => (o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding") && o.subjects?.some((s: any) => s.name === "appliance-status")) as any[];
    expect(bindings.map((b) => b.roleRef.name)).toEqual(["appliance-status-readonly"]);
  });

  it("lets the control plane write that one Secret by name (create cannot be limited by name)", () => {
    const role = findObject(files, "Role", "appliance-control-plane-status-token");
    expect(role.metadata?.namespace).toBe("alga-system");
    expect(role.rules).toEqual([
      { apiGroups: [""], resourceNames: ["appliance-status-auth"], resources: ["secrets"], verbs: ["update", "patch"] },
      { apiGroups: [""], resources: ["secrets"], verbs: ["create"] },
    ]);
    const binding = findObject(files, "RoleBinding", "appliance-control-plane-status-token") as any;
    expect(binding.subjects).toEqual([expect.objectContaining({ name: "appliance-control-plane", namespace: "alga-appliance-control-plane" })]);
    expect(fileOf(files, "control-plane/rbac.yaml").objects).toContainEqual(expect.objectContaining({ kind: "Role", metadata: expect.objectContaining({ name: "appliance-control-plane-status-token" }) }));
  });
});

describe("StatusService construct", () => {
  it("refuses the control plane's port", () => {
    const chart = new Chart(new App(), "test");
    expect(() => new StatusService(chart, "S", { image: "ghcr.io/nine-minds/alga-appliance-status:1.0.0", port: 8080 })).toThrow(/8080 belongs to the control plane/);
  });
});
