import { describe, expect, it } from "vitest";
import { COMPONENT_PLACEMENT, STATUS_COMPONENTS } from "../../../schemas/components.js";
import { ApplianceStatus } from "../../../schemas/status.js";
import { APPLIANCE_COMPONENTS } from "../../../src/services/status/appliance-components.js";
import { classifySnapshot } from "../../../src/services/status/classify.js";
import { NOW, loadFixture, statusSchemaValidator } from "./status-fixtures.js";

const classify = (name: string, now = NOW, extra: Partial<Parameters<typeof classifySnapshot>[1]> = {}) => {
  const status = classifySnapshot(loadFixture(name), { now, siteId: "appliance-single-node", urls: { login: "http://192.168.64.8:3000", status: null }, ...extra });
  expect(ApplianceStatus.safeParse(status).success).toBe(true);
  return status;
};
const minutes = (n: number) => n * 60_000;

describe("point 1: components by ownership, from the one catalogue", () => {
  it("the status service reads schemas/components.ts: alga-core is applied by the core Flux tier and counted in the login readiness tier", () => {
    expect(APPLIANCE_COMPONENTS.map((c) => c.name)).toEqual(STATUS_COMPONENTS.map((c) => c.name));
    const core = APPLIANCE_COMPONENTS.find((c) => c.name === "alga-core")!;
    expect(core).toMatchObject({ tier: "login", readinessTier: "login", fluxTier: COMPONENT_PLACEMENT["alga-core"].fluxTier });
    // Every release-backed entry agrees with the placement synth renders from.
    for (const entry of STATUS_COMPONENTS) if (entry.release) expect(entry.fluxTier, entry.name).toBe(COMPONENT_PLACEMENT[entry.release].fluxTier);
  });

  it("a failing db-backup Job in another namespace and another team's crashing redis are not the appliance", () => {
    const status = classify("foreign-failures");
    expect(status.rollup.state).toBe("fully_healthy");
    expect(status.topBlockers).toEqual([]);
    const names = status.components.flatMap((c) => c.objects.map((o) => `${o.ref.namespace}/${o.ref.name}`));
    expect(names.some((n) => n.startsWith("backups/") || n.startsWith("default/"))).toBe(false);
    expect(status.components.find((c) => c.name === "db")!.objects.map((o) => o.ref.name).sort()).toEqual(["alga-core-sebastian-postgres-data", "db", "db-0"]);
  });

  it("PVCs belong to the component whose pods mount them", () => {
    const status = classify("pvc-no-storage-class");
    expect(status.components.find((c) => c.name === "db")!.objects.map((o) => o.ref.kind)).toContain("PersistentVolumeClaim");
  });
});

describe("point 2: login readiness is what login needs now", () => {
  it("a running appliance whose source cannot resolve through CoreDNS: login ready, updates blocked", () => {
    const status = classify("running-source-dns");
    expect(status.tiers.login.ready).toBe(true);
    expect(status.tiers.platform.ready).toBe(false);
    expect(status.rollup.state).toBe("ready_updates_blocked");
    expect(status.rollup.message).not.toMatch(/Login is blocked/);
    expect(status.topBlockers[0]).toMatchObject({ component: "flux-source", loginBlocking: false, blocksUpdates: true, severity: "failure" });
  });

  it("expired registry credentials on a running appliance: login ready, updates blocked, renew the credentials", () => {
    const status = classify("running-source-unauthorized");
    expect(status.rollup.state).toBe("ready_updates_blocked");
    expect(status.topBlockers[0]).toMatchObject({ layer: "Registry credentials", loginBlocking: false, retryable: false });
    expect(status.topBlockers[0]!.nextAction).toMatch(/Renew the registry credentials in Secret flux-system\/alga-appliance-pull/);
    expect(status.topBlockers[0]!.nextAction).not.toMatch(/check DNS|resolver/i);
  });

  it("a platform tier failing its health check later leaves login ready", () => {
    const status = classify("platform-health-check");
    expect(status.tiers.login.ready).toBe(true);
    expect(status.rollup.state).toBe("ready_updates_blocked");
  });

  it("a 403 on listing one kind is a permissions blocker, never installing", () => {
    const status = classify("core-image-pulling", NOW, { accessErrors: [{ kind: "pods", code: 403, message: 'pods is forbidden: User "system:serviceaccount:alga-system:appliance-status" cannot list resource "pods" in API group "" at the cluster scope' }] });
    expect(status.rollup.state).toBe("failed_action_required");
    expect(status.rollup.message).toMatch(/may not list pods \(403 Forbidden\)/);
    const access = status.topBlockers.find((b) => b.layer === "Status service access")!;
    expect(access).toMatchObject({ severity: "failure", loginBlocking: false });
    expect(access.commands[0]).toBe("kubectl auth can-i list pods --all-namespaces --as=system:serviceaccount:alga-system:appliance-status");
  });
});

describe("point 3: severity never softens with age", () => {
  it("a Pending PVC with no StorageClass is the same failure at minute 19, 25 and 60", () => {
    const at = [0, 6, 41].map((m) => classify("pvc-no-storage-class", NOW + minutes(m)));
    for (const status of at) {
      expect(status.rollup.state).toBe("failed_action_required");
      expect(status.topBlockers[0]).toMatchObject({ layer: "Storage provisioning", severity: "failure", component: "db" });
      expect(status.topBlockers.some((b) => b.layer === "Slow progress")).toBe(false);
    }
    expect(at[0]!.topBlockers[0]!.error).toBe("no persistent volumes available for this claim and no storage class is set");
  });

  it("an unschedulable pod is a failure from its first minute, not slow progress later", () => {
    for (const m of [-60, 0, 60]) {
      const top = classify("platform-health-check", NOW + minutes(m)).topBlockers[0]!;
      expect(top).toMatchObject({ layer: "Scheduling: node capacity", severity: "failure" });
    }
  });

  it("a pull with Pulling events is progress: never a failure however long, and a pull running long is not a blocker at all", () => {
    for (const m of [0, 60]) {
      const status = classify("core-image-pulling", NOW + minutes(m));
      expect(status.rollup.state).toBe("installing");
      expect(status.topBlockers.filter((b) => b.severity === "failure")).toEqual([]);
    }
  });
});

describe("point 4: the deciding error, verbatim", () => {
  it("a Helm template error: the HelmRelease's install error, not 'retries exhausted'", () => {
    const top = classify("helm-template-error").topBlockers[0]!;
    expect(top.layer).toBe("Helm chart rendering");
    expect(top.error).toBe("Helm install failed for release msp/alga-core with chart sebastian@0.1.0-rc5: execution error at (sebastian/templates/deployment.yaml:42:20): server.image.tag is required");
    expect(top.reason).toContain("server.image.tag is required");
    expect(top.reason).not.toMatch(/Failed to install after 1 attempt/);
  });

  it("OOMKilled with its exit code", () => {
    const top = classify("core-oom-killed").topBlockers[0]!;
    expect(top).toMatchObject({ layer: "Out of memory", component: "alga-core" });
    expect(top.error).toBe("OOMKilled (exit code 137)");
    expect(top.reason).toContain("OOMKilled (exit code 137)");
    expect(top.commands).toContain("kubectl -n msp logs alga-core-sebastian-0n40znj-0hb7t -c alga-core-sebastian --previous --tail=100");
  });

  it("the migration that failed: the Job pods' termination message", () => {
    const top = classify("migration-failed").topBlockers[0]!;
    expect(top.component).toBe("bootstrap");
    expect(top.error).toBe('Error (exit code 1): migration 20260428_add_ticket_sla failed: error: relation "ticket_sla" already exists');
  });

  it("a Kustomization health check: the object that failed and that object's own cause", () => {
    const top = classify("platform-health-check").topBlockers[0]!;
    expect(top.evidence.object).toMatchObject({ kind: "Pod", namespace: "alga-system" });
    expect(top.reason).toContain("0/1 nodes are available: 1 Insufficient memory.");
    expect(top.reason).toContain("Kustomization flux-system/alga-platform: health check failed after 5m0.022178643s: timeout waiting for: [Deployment/alga-system/appliance-status status: 'InProgress']");
    expect(top.symptoms.map((s) => `${s.kind}/${s.name}`)).toEqual(expect.arrayContaining(["Deployment/appliance-status", "Kustomization/alga-platform"]));
  });
});

describe("point 5: one failure, one blocker", () => {
  it("four failed attempts of the bootstrap Job are one blocker with a count, the Job and the HelmRelease as symptoms", () => {
    const status = classify("migration-failed");
    const bootstrap = status.topBlockers.filter((b) => b.component === "bootstrap");
    expect(bootstrap).toHaveLength(1);
    expect(bootstrap[0]!.count).toBe(4);
    expect(bootstrap[0]!.symptoms.map((s) => `${s.kind}/${s.name}`)).toEqual(expect.arrayContaining(["Job/alga-core-sebastian-bootstrap-r1", "HelmRelease/alga-core"]));
    expect(status.blockerCount).toBe(status.topBlockers.length);
  });

  it("an eviction for disk space points at the node, with the evicted pod as its symptom", () => {
    const status = classify("node-disk-pressure");
    expect(status.topBlockers).toHaveLength(1);
    expect(status.topBlockers[0]).toMatchObject({ layer: "Node disk pressure", evidence: { object: { kind: "Node", name: "appliance-single-node" } } });
    expect(status.topBlockers[0]!.symptoms.map((s) => s.kind)).toContain("Pod");
  });
});

describe("point 7: commands an operator can paste", () => {
  it("every blocker of every fixture has commands naming its object's real name and namespace", () => {
    const validate = statusSchemaValidator();
    for (const name of ["running-source-dns", "pvc-no-storage-class", "migration-failed", "helm-template-error", "rate-limited-pull", "postgres-subpath", "dns-failure"]) {
      const status = classify(name);
      expect(validate(status), JSON.stringify(validate.errors)).toBe(true);
      for (const blocker of status.topBlockers) {
        expect(blocker.commands.length, `${name}: ${blocker.layer}`).toBeGreaterThan(0);
        const ref = blocker.evidence.object;
        expect(blocker.commands.some((c) => c.includes(ref.name) && (!ref.namespace || c.includes(`-n ${ref.namespace}`))), `${name}: ${blocker.commands.join(" | ")}`).toBe(true);
      }
    }
    expect(classify("running-source-dns").topBlockers[0]!.commands).toEqual([
      "flux -n flux-system get sources oci alga-appliance",
      "flux -n flux-system reconcile source oci alga-appliance",
      "kubectl -n kube-system get pods -l k8s-app=kube-dns -o wide",
      "kubectl -n kube-system logs -l k8s-app=kube-dns --tail=50",
      "kubectl -n kube-system get configmap coredns -o yaml",
    ]);
  });
});

describe("point 10: lists are capped, with counts, so /api/status stays small", () => {
  it("a bootstrap Job that failed 600 times and 5,000 events about its pods: one blocker with the count, capped symptoms and objects, well under 1 MB", () => {
    const snapshot = loadFixture("migration-failed");
    const attempt = snapshot.items.find((o) => o.kind === "Pod" && o.metadata.name.startsWith("alga-core-sebastian-bootstrap-r1-"))!;
    const items = [...snapshot.items];
    for (let i = 0; i < 600; i++) items.push({ ...attempt, metadata: { ...attempt.metadata, name: `alga-core-sebastian-bootstrap-r1-x${i.toString(36).padStart(4, "0")}` } });
    for (let i = 0; i < 5_000; i++) {
      items.push({ apiVersion: "v1", kind: "Event", metadata: { name: `e${i}`, namespace: "msp" }, involvedObject: { kind: "Pod", namespace: "msp", name: attempt.metadata.name }, type: "Warning", reason: "BackOff", message: `Back-off restarting failed container (${i})`, count: i, lastTimestamp: "2026-04-30T11:00:00Z" });
    }
    const status = classifySnapshot({ items }, { now: NOW });
    const bootstrap = status.topBlockers.filter((b) => b.component === "bootstrap");
    expect(bootstrap).toHaveLength(1);
    expect(bootstrap[0]!.count).toBe(604);
    expect(bootstrap[0]!.symptoms).toHaveLength(20);
    expect(bootstrap[0]!.symptomCount).toBeGreaterThanOrEqual(603);
    const component = status.components.find((c) => c.name === "bootstrap")!;
    expect(component.objects).toHaveLength(50);
    expect(component.objectCount).toBe(605);
    expect(status.recentEvents).toHaveLength(30);
    expect(Buffer.byteLength(JSON.stringify(status, null, 2))).toBeLessThan(1024 * 1024);
  });
});
