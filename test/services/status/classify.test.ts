import { describe, expect, it } from "vitest";
import { ApplianceStatus } from "../../../schemas/status.js";
import { classifySnapshot } from "../../../src/services/status/classify.js";
import { parseClusterSnapshot } from "../../../src/services/status/cluster-snapshot.js";
import { fixtureScenarios } from "./fixture-scenarios.js";
import { NOW, fixturePath, loadFixture, statusSchemaValidator } from "./status-fixtures.js";
import { readFileSync } from "node:fs";

const classify = (name: string, extra: Partial<Parameters<typeof classifySnapshot>[1]> = {}) =>
  classifySnapshot(loadFixture(name), { now: NOW, siteId: "appliance-single-node", urls: { login: "http://192.168.64.8:3000", status: "http://192.168.64.8:8090" }, ...extra });

describe("classifier: one snapshot per failure the appliance team met", () => {
  it("a healthy appliance is fully healthy with every tier ready", () => {
    const status = classify("healthy");
    expect(status.rollup.state).toBe("fully_healthy");
    expect(Object.values(status.tiers).every((tier) => tier.ready)).toBe(true);
    expect(status.topBlockers).toEqual([]);
    expect(status.release).toEqual({
      version: "1.0-rc5",
      channel: null,
      bundleDigest: `sha256:${"4f".repeat(32)}`,
      sourceRevision: "release/1.0-rc5",
    });
  });

  it("DNS lookups refused by the resolver: action required, DNS named as the cause, not the Kustomizations", () => {
    const status = classify("dns-failure");
    expect(status.rollup.state).toBe("failed_action_required");
    const [top] = status.topBlockers;
    expect(top).toMatchObject({ layer: "Upstream DNS resolution", component: "flux-source", tier: "platform", loginBlocking: true, retryable: true });
    expect(top!.reason).toContain("ghcr.io");
    expect(top!.reason).toContain("192.168.64.1:53");
    expect(top!.nextAction).toMatch(/DNS server that answers/);
    // Advice fits where the problem is: never "use 1.1.1.1" instead of the site's resolver.
    expect(top!.nextAction).not.toMatch(/1\.1\.1\.1|8\.8\.8\.8/);
    expect(top!.evidence.object).toEqual({ kind: "OCIRepository", namespace: "flux-system", name: "alga-appliance" });
    expect(top!.symptoms.map((s) => s.name)).toEqual(["alga-background", "alga-core", "alga-platform"]);
    expect(status.tiers.platform.ready).toBe(false);
    expect(status.topBlockers).toHaveLength(1);
  });

  it("a Helm timeout caused by the Postgres subPath error names the subPath error, with the timeout as a symptom", () => {
    const status = classify("postgres-subpath");
    expect(status.rollup.state).toBe("failed_action_required");
    const [top] = status.topBlockers;
    expect(top).toMatchObject({ layer: "Core Postgres storage initialization", component: "db", tier: "core", loginBlocking: true, retryable: false });
    expect(top!.evidence.object).toEqual({ kind: "Pod", namespace: "msp", name: "db-0" });
    expect(top!.evidence.event?.message).toContain('failed to create subPath directory for volumeMount "db-data"');
    expect(top!.nextAction).toContain("delete pod msp/db-0");
    const symptoms = top!.symptoms.map((s) => `${s.kind}/${s.name}`);
    expect(symptoms).toContain("HelmRelease/alga-core");
    expect(symptoms).toContain("Job/alga-core-sebastian-bootstrap-r1");
    // The Helm timeout and the job's give-up are explained by the root cause, not reported beside it.
    expect(status.topBlockers.some((b) => /context deadline exceeded|backoff limit/i.test(b.reason))).toBe(false);
    expect(status.rollup.message).toContain("subPath");
    expect(status.tiers.core).toMatchObject({ ready: false });
  });

  it("a missing background image tag leaves login ready (workflow-worker is background)", () => {
    const status = classify("missing-tag-background");
    expect(status.rollup.state).toBe("ready_with_background_issues");
    expect(status.tiers.login.ready).toBe(true);
    expect(status.tiers.background.ready).toBe(false);
    expect(status.topBlockers[0]).toMatchObject({ layer: "Image tag availability", component: "workflow-worker", tier: "background", loginBlocking: false, retryable: false });
    expect(status.topBlockers[0]!.reason).toContain("ghcr.io/nine-minds/workflow-worker:61e4a00e");
  });

  it("a missing core image tag blocks login (alga-core is the login tier)", () => {
    const status = classify("missing-tag-core");
    expect(status.rollup.state).toBe("failed_action_required");
    expect(status.topBlockers[0]).toMatchObject({ layer: "Image tag availability", component: "alga-core", tier: "login", loginBlocking: true, retryable: false });
    expect(status.rollup.nextAction).toContain("ghcr.io/nine-minds/alga-psa-ee:94446747");
  });

  it("one missing image seen on two pods (the app and its bootstrap job) is one blocker", () => {
    const list = JSON.parse(readFileSync(fixturePath("missing-tag-core"), "utf8"));
    const appPod = list.items.find((o: any) => o.kind === "Pod" && o.metadata.name.startsWith("alga-core-sebastian-"));
    const jobPod = { ...appPod, metadata: { ...appPod.metadata, name: "alga-core-sebastian-bootstrap-r1-x7k2p", labels: { "app.kubernetes.io/component": "bootstrap", "app.kubernetes.io/instance": "alga-core" }, ownerReferences: [{ kind: "Job", name: "alga-core-sebastian-bootstrap-r1" }] } };
    list.items.push(jobPod);
    const failed = list.items.find((o: any) => o.kind === "Event" && o.reason === "Failed");
    list.items.push({ ...failed, metadata: { ...failed.metadata, name: "job-pull" }, involvedObject: { kind: "Pod", namespace: "msp", name: jobPod.metadata.name } });
    const status = classifySnapshot({ items: list.items }, { now: NOW });
    const imageBlockers = status.topBlockers.filter((b) => b.layer === "Image tag availability");
    expect(imageBlockers).toHaveLength(1);
    const names = [imageBlockers[0]!.evidence.object.name, ...imageBlockers[0]!.symptoms.map((s) => s.name)];
    expect(names).toEqual(expect.arrayContaining([appPod.metadata.name, jobPod.metadata.name]));
    expect(status.rollup.state).toBe("failed_action_required");
  });

  it("an interrupted pull (context canceled) is told apart from a missing tag: retryable", () => {
    const status = classify("interrupted-pull");
    expect(status.rollup.state).toBe("ready_with_background_issues");
    expect(status.topBlockers[0]).toMatchObject({ layer: "Image pull interruption", component: "email-service", loginBlocking: false, retryable: true });
    expect(status.topBlockers[0]!.reason).toContain("context canceled");
    expect(status.topBlockers.some((b) => b.layer === "Image tag availability")).toBe(false);
  });

  it("Temporal without autosetup: schema failure named, login unaffected", () => {
    const status = classify("temporal-schema");
    expect(status.rollup.state).toBe("ready_with_background_issues");
    expect(status.topBlockers[0]).toMatchObject({ layer: "Temporal schema initialization", component: "temporal", loginBlocking: false });
    expect(status.topBlockers[0]!.nextAction).toContain("autosetup");
    expect(status.topBlockers[0]!.evidence.event?.message).toContain("sql schema version compatibility check failed");
  });

  it("a service-link env collision in Temporal UI is recognised with its fix", () => {
    const status = classify("service-link-collision");
    expect(status.rollup.state).toBe("ready_with_background_issues");
    expect(status.topBlockers[0]).toMatchObject({ layer: "Kubernetes service-link environment collision", component: "temporal-ui", loginBlocking: false });
    expect(status.topBlockers[0]!.nextAction).toContain("enableServiceLinks: false");
  });

  it("a core image still pulling is installing, not failed, with the pull and its elapsed time", () => {
    const status = classify("core-image-pulling");
    expect(status.rollup.state).toBe("installing");
    expect(status.topBlockers.filter((b) => b.severity === "failure")).toEqual([]);
    expect(status.activeOperations[0]).toMatchObject({
      kind: "image-pull",
      component: "alga-core",
      image: "ghcr.io/nine-minds/alga-psa-ee:94446747",
      elapsedSeconds: 12 * 60,
      progressAvailable: false,
    });
    expect(status.activeOperations[0]!.progressNote).toMatch(/not how many bytes/);
    expect(status.rollup.message).toContain("12 min");
  });

  it("background still starting while login works: ready", () => {
    const status = classify("background-starting");
    expect(status.rollup.state).toBe("ready");
    expect(status.tiers.login.ready).toBe(true);
    expect(status.topBlockers).toEqual([]);
  });

  it("in progress for unusually long becomes a warning (kstatus: stuck is not failed)", () => {
    const status = classify("background-starting", { now: NOW + 40 * 60_000 });
    const warning = status.topBlockers.find((b) => b.severity === "warning");
    expect(warning).toMatchObject({ layer: "Slow progress", component: "temporal-worker", loginBlocking: false });
    expect(status.rollup.state).toBe("ready_with_background_issues");
  });

  it("a suspended Flux object is shown as suspended", () => {
    const status = classify("suspended");
    expect(status.components.find((c) => c.name === "email-service")).toMatchObject({ suspended: true, status: "Current" });
    expect(status.topBlockers[0]).toMatchObject({ layer: "Flux reconciliation suspended", component: "email-service" });
    expect(status.topBlockers[0]!.nextAction).toContain("flux resume helmrelease email-service -n alga-system");
    expect(status.rollup.state).toBe("ready_with_background_issues");
    expect(status.tiers.fullHealth.ready).toBe(false);
  });

  it("history is not a problem: a superseded failed bootstrap job and an evicted pod of a ready Deployment", () => {
    const status = classify("bootstrap-retried");
    expect(status.rollup.state).toBe("fully_healthy");
    expect(status.topBlockers).toEqual([]);
    expect(status.tiers.bootstrap).toMatchObject({ ready: true, reason: "bootstrap job alga-core-sebastian-bootstrap-r2 completed" });
    const job = status.components.find((c) => c.name === "bootstrap")!.objects.find((o) => o.ref.name === "alga-core-sebastian-bootstrap-r1")!;
    expect(job.message).toContain("superseded by the newer Job alga-core-sebastian-bootstrap-r2");
    // Without the newer job, the same failure is action required.
    expect(classify("postgres-subpath").tiers.bootstrap.ready).toBe(false);
  });

  it("probes: no seeded users keeps bootstrap (and login) from ready; a failing login URL keeps login from ready", () => {
    expect(classify("healthy", { probes: { seededUsers: 0 } }).tiers.bootstrap).toMatchObject({ ready: false, reason: expect.stringContaining("no users") });
    const loginDown = classify("healthy", { probes: { login: { ok: false, detail: "connection refused" } } });
    expect(loginDown.tiers.login).toMatchObject({ ready: false, reason: expect.stringContaining("connection refused") });
    expect(loginDown.rollup.state).toBe("installing");
    expect(classify("healthy", { probes: { seededUsers: 7, login: { ok: true, detail: "HTTP 307" } } }).tiers.bootstrap.reason).toContain("7 users");
  });

  it("a Deployment without pods is explained by its ReplicaSet's events (e.g. a Pod Security rejection)", () => {
    const list = JSON.parse(readFileSync(fixturePath("healthy"), "utf8"));
    const worker = list.items.find((o: any) => o.kind === "Deployment" && o.metadata.name === "email-service");
    worker.status = { observedGeneration: 1, replicas: 0, updatedReplicas: 0, readyReplicas: 0, availableReplicas: 0, conditions: [{ type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: "pods are forbidden", lastTransitionTime: "2026-04-30T11:00:00Z" }] };
    list.items = list.items.filter((o: any) => !(o.kind === "Pod" && o.metadata.name.startsWith("email-service-")));
    const message = 'pods "email-service-5d8f7-" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false';
    list.items.push({ apiVersion: "v1", kind: "Event", metadata: { name: "rs.1", namespace: "alga-system" }, involvedObject: { kind: "ReplicaSet", namespace: "alga-system", name: "email-service-5d8f7" }, reason: "FailedCreate", message, type: "Warning", count: 9, lastTimestamp: "2026-04-30T11:58:00Z" });
    const status = classifySnapshot({ items: list.items }, { now: NOW });
    // A Warning event that names its cause is a failure from the first minute, not "slow progress".
    expect(status.topBlockers[0]).toMatchObject({ component: "email-service", severity: "failure", loginBlocking: false, error: message });
    expect(status.topBlockers[0]!.evidence.event?.message).toBe(message);
  });

  it("forbidden kinds become a blocker, not a crash", () => {
    const status = classify("healthy", { accessErrors: [{ kind: "events", code: 403, message: "forbidden" }] });
    expect(status.topBlockers[0]).toMatchObject({ layer: "Status service access", loginBlocking: false });
    expect(status.topBlockers[0]!.reason).toContain("403");
  });

  it("output validates against the zod schema and the checked-in JSON Schema, for every fixture", () => {
    const validate = statusSchemaValidator();
    for (const name of Object.keys(fixtureScenarios())) {
      const status = classify(name);
      expect(() => ApplianceStatus.parse(status), name).not.toThrow();
      expect(validate(status), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it("is deterministic: the order of the snapshot's items does not change a byte", () => {
    for (const name of ["postgres-subpath", "missing-tag-background", "core-image-pulling"]) {
      const snapshot = loadFixture(name);
      const reversed = { items: [...snapshot.items].reverse() };
      const rotated = { items: [...snapshot.items.slice(7), ...snapshot.items.slice(0, 7)] };
      const expected = JSON.stringify(classify(name));
      expect(JSON.stringify(classifySnapshot(reversed, { now: NOW, siteId: "appliance-single-node", urls: { login: "http://192.168.64.8:3000", status: "http://192.168.64.8:8090" } }))).toBe(expected);
      expect(JSON.stringify(classifySnapshot(rotated, { now: NOW, siteId: "appliance-single-node", urls: { login: "http://192.168.64.8:3000", status: "http://192.168.64.8:8090" } }))).toBe(expected);
    }
  });

  it("the checked-in fixtures are what the scenarios build (regenerate with write-fixtures.ts)", () => {
    for (const [name, list] of Object.entries(fixtureScenarios())) {
      expect(JSON.parse(readFileSync(fixturePath(name), "utf8")), name).toEqual(JSON.parse(JSON.stringify(list)));
    }
  });

  it("bad snapshots are refused with the file, the item and the field", () => {
    expect(() => parseClusterSnapshot("{", "snap.json")).toThrow(/snap\.json: not JSON/);
    expect(() => parseClusterSnapshot('{"kind":"Pod"}', "snap.json")).toThrow(/snap\.json: items: expected a Kubernetes List/);
    expect(() => parseClusterSnapshot('{"items":[{"kind":"Pod","metadata":{}}]}', "snap.json")).toThrow(/items\[0\]\.metadata\.name/);
  });
});
