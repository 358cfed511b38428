import { describe, expect, it } from "vitest";
import { enforcePolicies, policyViolations, POLICIES } from "../../src/policy/index.js";
import type { PolicyContext } from "../../src/policy/violation.js";
import type { KubernetesObject, RenderedFile } from "../../src/synth/rendered-file.js";
import { loadRelease } from "../../src/release/load-release.js";
import { RELEASES_DIR, renderedRelease } from "../support/rendered.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ReleaseDefinition } from "../../schemas/release.js";
import { runCli } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";

const file = (...objects: KubernetesObject[]): RenderedFile[] => [{ path: "config/x.yaml", objects }];
const at = (path: string, ...objects: KubernetesObject[]): RenderedFile => ({ path, objects });
const UNLOCKED: PolicyContext = { locked: false };
/** The findings of one policy only, so each fixture tests exactly one check. */
const findings = (policy: string, files: RenderedFile[], context: PolicyContext = UNLOCKED) =>
  policyViolations(files, context).filter((violation) => violation.policy === policy);

const RESTRICTED = {
  allowPrivilegeEscalation: false,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};
const deployment = (container: Record<string, unknown>, pod: Record<string, unknown> = {}, labels: Record<string, string> = {}): KubernetesObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "msp", labels },
  spec: { template: { spec: { ...pod, containers: [{ name: "web", image: "ghcr.io/a/b:1", securityContext: RESTRICTED, ...container }] } } },
});
const helmRelease = (name: string, namespace: string, spec: Record<string, unknown>): KubernetesObject => ({
  apiVersion: "helm.toolkit.fluxcd.io/v2",
  kind: "HelmRelease",
  metadata: { name, namespace },
  spec: { chartRef: { kind: "OCIRepository", name: `${name}-chart` }, ...spec },
});
const chartSource = (name: string, namespace: string, ref: Record<string, string> = { tag: "1.0.0" }): KubernetesObject => ({
  apiVersion: "source.toolkit.fluxcd.io/v1",
  kind: "OCIRepository",
  metadata: { name: `${name}-chart`, namespace, labels: { "app.kubernetes.io/component": "chart-source" } },
  spec: { url: `oci://ghcr.io/x/${name}`, ref },
});

describe("release policies", () => {
  it("pass on every checked-in release, with the control plane's documented waiver", () => {
    for (const version of ["1.0-rc5", "1.0.0"]) {
      const { definition } = loadRelease(join(RELEASES_DIR, `${version}.yaml`));
      const waivers = enforcePolicies(renderedRelease(version), `releases/${version}.yaml`, { waivers: definition.waivers ?? [] });
      expect(waivers.map((w) => [w.policy, w.object, w.covers.length])).toEqual([
        ["restricted-pod-security", "Deployment alga-appliance-control-plane/appliance-control-plane", 2],
      ]);
    }
  });

  it("every policy has an id and is listed", () => {
    expect(Object.keys(POLICIES).sort()).toEqual([
      "ga-flux-apis",
      "helm-chart-sources",
      "license-service-env",
      "no-literal-credentials",
      "no-secret-reads",
      "pinned-images",
      "pod-security-labels",
      "read-only-status-rbac",
      "restricted-pod-security",
      "temporal-hardened",
      "tier-dependencies",
    ]);
  });

  describe("ga-flux-apis", () => {
    it("refuses a v1beta2 Flux source, naming file, object and field", () => {
      const violations = findings("ga-flux-apis", file({ apiVersion: "source.toolkit.fluxcd.io/v1beta2", kind: "OCIRepository", metadata: { name: "x", namespace: "flux-system" } }));
      expect(violations).toEqual([
        expect.objectContaining({ file: "config/x.yaml", object: "OCIRepository flux-system/x", field: "apiVersion", message: expect.stringContaining("source.toolkit.fluxcd.io/v1") }),
      ]);
    });
    it("passes a GA source", () => {
      expect(findings("ga-flux-apis", file({ apiVersion: "source.toolkit.fluxcd.io/v1", kind: "OCIRepository", metadata: { name: "x" } }))).toEqual([]);
    });
  });

  describe("pinned-images", () => {
    it("refuses an image with latest or no tag", () => {
      expect(findings("pinned-images", file(deployment({ image: "ghcr.io/nine-minds/temporal-worker:latest" })))[0]).toMatchObject({ field: "spec.template.spec.containers[0].image" });
      expect(findings("pinned-images", file(deployment({ image: "ghcr.io/nine-minds/temporal-worker" })))).toHaveLength(1);
    });
    it("refuses an init container or a CronJob's container without a tag, and a HelmRelease value image on latest", () => {
      const cron: KubernetesObject = {
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: { name: "c", namespace: "msp" },
        spec: { jobTemplate: { spec: { template: { spec: { initContainers: [{ name: "i", image: "ghcr.io/a/init" }], containers: [{ name: "c", image: "ghcr.io/a/b:1" }] } } } } },
      };
      expect(findings("pinned-images", file(cron)).map((v) => v.field)).toEqual(["spec.jobTemplate.spec.template.spec.initContainers[0].image"]);
      const release = helmRelease("app", "msp", { values: { server: { image: { repository: "ghcr.io/a/app", tag: "latest" } } } });
      expect(findings("pinned-images", file(release)).map((v) => v.field)).toEqual(["spec.values.server.image.tag"]);
    });
    it("with a lock, refuses an image or chart not pinned by digest", () => {
      const digest = `sha256:${"a".repeat(64)}`;
      const locked = { locked: true };
      expect(findings("pinned-images", file(deployment({ image: "ghcr.io/a/b:1" })), locked)[0]?.message).toContain("npm run lock");
      expect(findings("pinned-images", file(chartSource("app", "msp")), locked).map((v) => v.field)).toEqual(["spec.ref"]);
      expect(findings("pinned-images", file(deployment({ image: `ghcr.io/a/b:1@${digest}` }), chartSource("app", "msp", { digest })), locked)).toEqual([]);
    });
    it("passes exact tags without a lock", () => {
      expect(findings("pinned-images", file(deployment({ image: "ghcr.io/a/b:1.2.3" }), chartSource("app", "msp")))).toEqual([]);
    });
  });

  describe("no-literal-credentials", () => {
    it("refuses a literal credential in a container's environment", () => {
      const violations = findings("no-literal-credentials", file(deployment({ env: [{ name: "OBJECT_STORE_SECRET_KEY", value: "hunter2" }] })));
      expect(violations).toEqual([expect.objectContaining({ field: "spec.template.spec.containers[0].env[0] (OBJECT_STORE_SECRET_KEY)" })]);
    });
    it("judges a container's env entries by the environment rule alone: a PEM block there is one finding, a random-looking value of a plain variable none", () => {
      const pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----";
      const env = [
        { name: "TLS_KEY", value: pem },
        { name: "BUILD_ID", value: "Zk3q9XbT0pLw7sVr2mYc" },
      ];
      expect(findings("no-literal-credentials", file(deployment({ env }))).map((v) => v.field)).toEqual(["spec.template.spec.containers[0].env[0] (TLS_KEY)"]);
    });
    it("refuses passwords, tokens, API keys, PEM blocks and random-looking keys in HelmRelease values", () => {
      const release = helmRelease("alga-core", "msp", {
        values: {
          db: { password: "correct horse" },
          smtp: { apiKey: "x" },
          github: { token: "t" },
          tls: { cert: "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----" },
          session: { key: "Zk3q9XbT0pLw7sVr2mYc" },
        },
      });
      expect(findings("no-literal-credentials", file(release)).map((v) => v.field).sort()).toEqual([
        "spec.values.db.password",
        "spec.values.github.token",
        "spec.values.session.key",
        "spec.values.smtp.apiKey",
        "spec.values.tls.cert",
      ]);
      expect(findings("no-literal-credentials", file(release))[0]?.message).toContain("existingSecret");
    });
    it("refuses a rendered Secret with data", () => {
      const secret: KubernetesObject = { apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "msp" }, stringData: { a: "b" } };
      expect(findings("no-literal-credentials", file(secret)).map((v) => v.field)).toEqual(["stringData"]);
    });
    it("passes secretKeyRef env, Secret references and plain values", () => {
      const env = [{ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } }, { name: "DB_HOST", value: "db" }];
      const release = helmRelease("alga-core", "msp", {
        values: {
          db: { existingSecret: "db-credentials", passwordSecretName: "db", secretKey: "password", persistence: { size: "20Gi" } },
          valuesKey: "values.yaml",
          session: { key: "session" },
          oidc: { tokenUrl: "https://login.example.com/oauth/token", tokenTtl: "15m" },
        },
      });
      expect(findings("no-literal-credentials", file(deployment({ env }), release))).toEqual([]);
    });
  });

  describe("read-only-status-rbac", () => {
    it("refuses a status role that can read Secrets or write", () => {
      const role: KubernetesObject = {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: "appliance-status-readonly" },
        rules: [{ apiGroups: [""], resources: ["pods", "secrets"], verbs: ["get", "delete"] }],
      };
      expect(findings("read-only-status-rbac", file(role)).map((v) => v.field).sort()).toEqual(["rules[0].resources", "rules[0].verbs"]);
    });
    it("passes a read-only status role", () => {
      const role: KubernetesObject = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "appliance-status-readonly" }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }] };
      expect(findings("read-only-status-rbac", file(role))).toEqual([]);
    });
    it("passes list/watch on Services and EndpointSlices, and refuses any write verb on them", () => {
      const rules = (verbs: string[]) => [{ apiGroups: [""], resources: ["services"], verbs: ["list", "watch"] }, { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs }];
      const role = (verbs: string[]): KubernetesObject => ({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "appliance-status-readonly" }, rules: rules(verbs) });
      expect(findings("read-only-status-rbac", file(role(["list", "watch"])))).toEqual([]);
      for (const write of ["create", "patch", "update", "delete", "deletecollection", "*"]) {
        const violations = findings("read-only-status-rbac", file(role(["list", write])));
        expect(violations.map((v) => [v.field, v.message]), write).toEqual([["rules[1].verbs", `a read-only status role grants ${write}; keep only get, list, watch`]]);
      }
    });
  });

  describe("no-secret-reads", () => {
    const role = (rules: unknown[]): KubernetesObject => ({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "setup", namespace: "msp" }, rules });
    it("refuses a role that reads Secrets or updates unnamed Secrets", () => {
      const violations = findings("no-secret-reads", [at("control-plane/rbac.yaml", role([{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "watch", "create", "update"] }]))]);
      expect(violations.map((v) => [v.file, v.object, v.field])).toEqual([
        ["control-plane/rbac.yaml", "Role msp/setup", "rules[0].verbs"],
        ["control-plane/rbac.yaml", "Role msp/setup", "rules[0].resourceNames"],
      ]);
      expect(violations[0]?.message).toContain("drop the read verbs");
    });
    it("passes create plus update of named Secrets", () => {
      const rules = [
        { apiGroups: [""], resources: ["secrets"], verbs: ["create"] },
        { apiGroups: [""], resources: ["secrets"], resourceNames: ["appliance-initial-tenant"], verbs: ["update", "patch"] },
        { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] },
      ];
      expect(findings("no-secret-reads", file(role(rules)))).toEqual([]);
    });
  });

  describe("temporal-hardened", () => {
    it("refuses a Temporal HelmRelease without the autosetup and service-link patches", () => {
      const temporal: KubernetesObject = { apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmRelease", metadata: { name: "temporal", namespace: "alga-system" }, spec: {} };
      expect(findings("temporal-hardened", file(temporal)).map((v) => v.message)).toEqual([
        expect.stringContaining("autosetup"),
        expect.stringContaining("temporal server Deployment keeps service links"),
        expect.stringContaining("temporal-ui Deployment keeps service links"),
      ]);
    });
    it("passes the rendered Temporal release", () => {
      expect(findings("temporal-hardened", renderedRelease("1.0.0"))).toEqual([]);
    });
  });

  describe("helm-chart-sources", () => {
    it("refuses a HelmRelease whose chart source is not rendered, or lies outside the bundle", () => {
      const missing = findings("helm-chart-sources", [at("config/core/app.yaml", helmRelease("app", "msp", {}))]);
      expect(missing).toEqual([expect.objectContaining({ field: "spec.chartRef", message: expect.stringContaining("OCIRepository msp/app-chart is not rendered") })]);
      const outside = findings("helm-chart-sources", [at("config/core/app.yaml", helmRelease("app", "msp", {})), at("control-plane/x.yaml", chartSource("app", "msp"))]);
      expect(outside[0]?.message).toContain("outside the config bundle");
    });
    it("passes a HelmRelease beside its chart source", () => {
      expect(findings("helm-chart-sources", [at("config/core/app.yaml", chartSource("app", "msp"), helmRelease("app", "msp", {}))])).toEqual([]);
    });
  });

  describe("tier-dependencies", () => {
    it("refuses a core HelmRelease that depends on a background one", () => {
      const files = [
        at("config/core/alga-core.yaml", helmRelease("alga-core", "msp", { dependsOn: [{ name: "temporal", namespace: "alga-system" }] })),
        at("config/background/temporal.yaml", helmRelease("temporal", "alga-system", {})),
      ];
      expect(findings("tier-dependencies", files)).toEqual([expect.objectContaining({ object: "HelmRelease msp/alga-core", field: "spec.dependsOn[0]", message: expect.stringContaining("never wait for a later tier") })]);
    });
    it("refuses a component rendered into the wrong tier", () => {
      expect(findings("tier-dependencies", [at("config/core/temporal.yaml", helmRelease("temporal", "alga-system", {}))])[0]?.message).toContain("render it into config/background/");
    });
    it("refuses a dependency cycle", () => {
      const files = [
        at("config/background/temporal.yaml", helmRelease("temporal", "alga-system", { dependsOn: [{ name: "temporal-worker" }] })),
        at("config/background/temporal-worker.yaml", helmRelease("temporal-worker", "alga-system", { dependsOn: [{ name: "temporal" }] })),
      ];
      expect(findings("tier-dependencies", files).map((v) => v.message)).toEqual([expect.stringContaining("dependency cycle")]);
    });
    it("refuses a platform tier Kustomization that waits for background", () => {
      const tier = (name: string, dependsOn: string[]): KubernetesObject => ({
        apiVersion: "kustomize.toolkit.fluxcd.io/v1",
        kind: "Kustomization",
        metadata: { name, namespace: "flux-system" },
        spec: { dependsOn: dependsOn.map((n) => ({ name: n })) },
      });
      expect(findings("tier-dependencies", [at("config/tiers.yaml", tier("alga-platform", ["alga-background"]), tier("alga-background", []))])).toHaveLength(1);
    });
    it("passes background depending on core", () => {
      const files = [
        at("config/core/alga-core.yaml", helmRelease("alga-core", "msp", {})),
        at("config/background/temporal.yaml", helmRelease("temporal", "alga-system", { dependsOn: [{ name: "alga-core", namespace: "msp" }] })),
      ];
      expect(findings("tier-dependencies", files)).toEqual([]);
    });
  });

  describe("license-service-env", () => {
    const secretRef = (key: string) => ({ valueFrom: { secretKeyRef: { name: "s", key } } });
    const fullEnv = [
      { name: "DB_HOST", value: "db" },
      { name: "DB_PORT", value: "5432" },
      { name: "DB_NAME", value: "n" },
      { name: "DB_USER_APP", value: "u" },
      { name: "DB_PASSWORD_APP", ...secretRef("password") },
      { name: "LICENSE_SIGNING_KEY", ...secretRef("key") },
      { name: "OBJECT_STORE_ENDPOINT", value: "https://objects" },
      { name: "OBJECT_STORE_REGION", value: "r" },
      { name: "OBJECT_STORE_BUCKET", value: "b" },
      { name: "OBJECT_STORE_ACCESS_KEY", ...secretRef("a") },
      { name: "OBJECT_STORE_SECRET_KEY", ...secretRef("s") },
      { name: "APPLIANCE_ISO_KEY", value: "appliance/current/alga-appliance.iso" },
    ];
    const license = (env: unknown[]) => deployment({ env }, {}, { "app.kubernetes.io/component": "license-service" });
    it("refuses a license service without its object-store env", () => {
      const env = fullEnv.filter((variable) => !variable.name.startsWith("OBJECT_STORE_") && variable.name !== "APPLIANCE_ISO_KEY");
      expect(findings("license-service-env", file(license(env)))[0]?.message).toContain(
        "misses OBJECT_STORE_ENDPOINT, OBJECT_STORE_REGION, OBJECT_STORE_BUCKET, OBJECT_STORE_ACCESS_KEY, OBJECT_STORE_SECRET_KEY, APPLIANCE_ISO_KEY",
      );
    });
    it("refuses a credential that is not a secretKeyRef", () => {
      const env = fullEnv.map((variable) => (variable.name === "OBJECT_STORE_ACCESS_KEY" ? { name: variable.name, valueFrom: { configMapKeyRef: { name: "c", key: "k" } } } : variable));
      expect(findings("license-service-env", file(license(env))).map((v) => v.field)).toEqual(["spec.template.spec.containers[0].env[9] (OBJECT_STORE_ACCESS_KEY)"]);
    });
    it("passes the complete contract", () => {
      expect(findings("license-service-env", file(license(fullEnv)))).toEqual([]);
    });
  });

  describe("restricted-pod-security", () => {
    it("refuses host namespaces, hostPath, privilege escalation, root, kept capabilities and no seccomp", () => {
      const object = deployment({ securityContext: { privileged: true, capabilities: { add: ["SYS_ADMIN"] } } }, { hostNetwork: true, volumes: [{ name: "h", hostPath: { path: "/" } }] });
      expect(findings("restricted-pod-security", file(object)).map((v) => v.field)).toEqual([
        "spec.template.spec.hostNetwork",
        "spec.template.spec.volumes[0].hostPath",
        "spec.template.spec.containers[0].securityContext.privileged",
        "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation",
        "spec.template.spec.containers[0].securityContext.runAsNonRoot",
        "spec.template.spec.containers[0].securityContext.capabilities.drop",
        "spec.template.spec.containers[0].securityContext.capabilities.add",
        "spec.template.spec.containers[0].securityContext.seccompProfile.type",
      ]);
      expect(findings("restricted-pod-security", file(object))[0]?.message).toContain("remove hostNetwork");
    });
    it("refuses the baseline escapes: SELinux user, unmasked /proc, unsafe sysctls, root UID", () => {
      const object = deployment(
        { securityContext: { ...RESTRICTED, procMount: "Unmasked", seLinuxOptions: { user: "system_u" } } },
        { securityContext: { runAsUser: 0, sysctls: [{ name: "kernel.msgmax" }, { name: "net.ipv4.tcp_syncookies" }] } },
      );
      expect(findings("restricted-pod-security", file(object)).map((v) => v.field)).toEqual([
        "spec.template.spec.securityContext.runAsUser",
        "spec.template.spec.securityContext.sysctls[0]",
        "spec.template.spec.containers[0].securityContext.seLinuxOptions.user",
        "spec.template.spec.containers[0].securityContext.procMount",
      ]);
    });
    it("checks every workload kind with a pod template, including Jobs and sidecars", () => {
      const job: KubernetesObject = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j", namespace: "msp" }, spec: { template: { spec: { containers: [{ name: "a", image: "ghcr.io/a/b:1", securityContext: RESTRICTED }, { name: "sidecar", image: "ghcr.io/a/c:1" }] } } } };
      expect(findings("restricted-pod-security", file(job)).every((v) => v.field.startsWith("spec.template.spec.containers[1]"))).toBe(true);
    });
    it("passes a restricted pod (seccomp and non-root may come from the pod)", () => {
      const object = deployment(
        { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } } },
        { securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } }, volumes: [{ name: "t", emptyDir: {} }] },
      );
      expect(findings("restricted-pod-security", file(object))).toEqual([]);
    });
    it("passes every workload of the shipped releases but the waived control-plane fields", () => {
      const fields = findings("restricted-pod-security", renderedRelease("1.0.0")).map((v) => `${v.object} ${v.field}`);
      expect(fields).toEqual([
        "Deployment alga-appliance-control-plane/appliance-control-plane spec.template.spec.hostNetwork",
        "Deployment alga-appliance-control-plane/appliance-control-plane spec.template.spec.volumes[0].hostPath",
      ]);
    });
  });

  describe("pod-security-labels", () => {
    const namespace = (labels: Record<string, string>): KubernetesObject => ({ apiVersion: "v1", kind: "Namespace", metadata: { name: "msp", labels } });
    it("refuses a namespace without Pod Security labels", () => {
      expect(findings("pod-security-labels", file(namespace({}))).map((v) => v.field)).toEqual([
        'metadata.labels["pod-security.kubernetes.io/enforce"]',
        'metadata.labels["pod-security.kubernetes.io/warn"]',
        'metadata.labels["pod-security.kubernetes.io/audit"]',
      ]);
    });
    it("passes enforce plus restricted warn and audit", () => {
      const labels = { "pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/audit": "restricted" };
      expect(findings("pod-security-labels", file(namespace(labels)))).toEqual([]);
    });
  });

  describe("waivers", () => {
    const hostNetwork = deployment({}, { hostNetwork: true });
    it("need a reason, in the release file", () => {
      const release = loadRelease(join(RELEASES_DIR, "1.0.0.yaml")).definition;
      const parsed = ReleaseDefinition.safeParse({ ...release, waivers: [{ policy: "restricted-pod-security", object: "Deployment a/b", reason: "because" }] });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.message).toContain("must say why the check is waived");
    });
    it("are listed by synth and in the release manifest", async () => {
      const out = tempDir();
      const result = await runCli("synth", ["--release", "1.0.0", "--out", out, "--json"]);
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout).releases[0].waivers).toEqual([
        expect.objectContaining({ policy: "restricted-pod-security", object: "Deployment alga-appliance-control-plane/appliance-control-plane", reason: expect.stringContaining("host network") }),
      ]);
      const manifest = JSON.parse(readFileSync(join(out, "1.0.0", "release-manifest.json"), "utf8"));
      expect(manifest.waivers).toEqual([expect.objectContaining({ policy: "restricted-pod-security", fields: ["spec.template.spec.hostNetwork", "spec.template.spec.volumes[0].hostPath"] })]);
      const text = await runCli("synth", ["--release", "1.0.0", "--out", out]);
      expect(text.stdout).toContain("waived restricted-pod-security for Deployment alga-appliance-control-plane/appliance-control-plane (2 finding(s)");
    });
    it("cover exactly the named fields, and are reported with what they covered", () => {
      const applied = enforcePolicies(file(hostNetwork), "releases/x.yaml", {
        waivers: [{ policy: "restricted-pod-security", object: "Deployment msp/web", fields: ["spec.template.spec.hostNetwork"], reason: "needs the host network" }],
      });
      expect(applied).toEqual([expect.objectContaining({ policy: "restricted-pod-security", covers: ["config/x.yaml: spec.template.spec.hostNetwork"] })]);
    });
    it("leave other violations standing, and a waiver that covers nothing is refused", () => {
      const waivers = [{ policy: "restricted-pod-security", object: "Deployment msp/other", reason: "a stale exception" }];
      expect(() => enforcePolicies(file(hostNetwork), "releases/x.yaml", { waivers })).toThrow(/hostNetwork: shares[\s\S]*matches no violation; remove it/);
    });
  });
});
