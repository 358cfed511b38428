import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ApplianceStatus } from "../../../schemas/status.js";
import { classifySnapshot, type ClassifyOptions } from "../../../src/services/status/classify.js";
import { parseClusterSnapshot } from "../../../src/services/status/cluster-snapshot.js";
import { NOW, fixturePath, loadFixture, statusSchemaValidator } from "./status-fixtures.js";

/**
 * Issue 14 point 2: alga-core is login-ready only when its Service has a ready endpoint. The
 * fixtures are `kubectl get …,services,endpointslices -A -o json` captures built by
 * fixture-scenarios.ts; the EndpointSlices have the shape the EndpointSlice controller writes
 * (labels copied from the Service, `kubernetes.io/service-name`, an owner reference, one endpoint
 * per running pod with ready/serving/terminating; an empty placeholder for a Service that matches
 * nothing).
 */
const APP_SERVICE = "alga-core-sebastian";
const ROUTING = "Service endpoints";

const classify = (items: unknown[], extra: Partial<ClassifyOptions> = {}) => {
  const status = classifySnapshot(parseClusterSnapshot(JSON.stringify({ kind: "List", items }), "capture.json"), { now: NOW, urls: { login: "http://192.168.64.8:3000", status: null }, ...extra });
  expect(ApplianceStatus.safeParse(status).success).toBe(true);
  expect(statusSchemaValidator()(status)).toBe(true);
  return status;
};
const itemsOf = (name: string): any[] => JSON.parse(readFileSync(fixturePath(name), "utf8")).items;
const appSlice = (items: any[]) => items.find((o) => o.kind === "EndpointSlice" && o.metadata.labels["kubernetes.io/service-name"] === APP_SERVICE);
const appService = (items: any[]) => items.find((o) => o.kind === "Service" && o.metadata.name === APP_SERVICE);
const appDeployment = (items: any[]) => items.find((o) => o.kind === "Deployment" && o.metadata.name === APP_SERVICE);
const routingBlocker = (status: ApplianceStatus) => status.topBlockers.find((b) => b.layer === ROUTING);

describe("login readiness needs a ready endpoint behind alga-core's Service", () => {
  it("healthy: the Service has a ready endpoint, login is ready and says so", () => {
    const items = itemsOf("healthy");
    // The capture holds the cluster's own slices too (out of the appliance's scope).
    expect(items.filter((o) => o.kind === "EndpointSlice").map((o) => `${o.metadata.namespace}/${o.metadata.labels["kubernetes.io/service-name"]}`)).toEqual(
      expect.arrayContaining(["default/kubernetes", "kube-system/kube-dns", `msp/${APP_SERVICE}`]),
    );
    const status = classify(items);
    expect(status.tiers.login).toMatchObject({ ready: true, reason: `alga-core ready (1 ready endpoint behind Service msp/${APP_SERVICE}); login URL not probed` });
    expect(status.rollup.state).toBe("fully_healthy");
    expect(routingBlocker(status)).toBeUndefined();
  });

  it("ready replicas but the readiness probe fails: a login blocker naming the Service, the probe's words verbatim", () => {
    const items = itemsOf("endpoints-unready");
    expect(appDeployment(items).status.readyReplicas).toBe(1);
    expect(appSlice(items).endpoints).toEqual([expect.objectContaining({ conditions: { ready: false, serving: false, terminating: false } })]);
    const status = classify(items);
    expect(status.tiers.login).toMatchObject({ ready: false, state: "failing" });
    expect(status.rollup.state).toBe("failed_action_required");
    expect(status.rollup.message).toMatch(new RegExp(`^Login is blocked: Service msp/${APP_SERVICE} has no ready endpoint`));
    const probe = 'Readiness probe failed: Get "http://10.42.0.87:3000/api/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)';
    const pod = items.find((o) => o.kind === "Pod" && o.metadata.name.startsWith(`${APP_SERVICE}-`)).metadata.name;
    expect(status.topBlockers[0]).toMatchObject({
      layer: ROUTING,
      component: "alga-core",
      tier: "login",
      loginBlocking: true,
      severity: "failure",
      retryable: true,
      error: probe,
      evidence: { object: { kind: "Service", namespace: "msp", name: APP_SERVICE }, event: expect.objectContaining({ reason: "Unhealthy", message: probe }) },
      symptoms: [{ kind: "Pod", namespace: "msp", name: pod }],
    });
    expect(status.topBlockers[0]!.reason).toContain(`pod ${pod} fails its readiness check: ${probe}`);
    expect(status.topBlockers[0]!.commands).toEqual([
      `kubectl -n msp get endpointslices -l kubernetes.io/service-name=${APP_SERVICE} -o wide`,
      `kubectl -n msp describe service ${APP_SERVICE}`,
      `kubectl -n msp describe pod ${pod}`,
      `kubectl -n msp logs ${pod} --all-containers --tail=100`,
    ]);
  });

  it("the Service's selector matches no pod: the controller's empty placeholder slice, or no slice at all, is the same failure", () => {
    const items = itemsOf("service-selector-mismatch");
    expect(appSlice(items)).toMatchObject({ endpoints: null, ports: null });
    const withoutSlice = items.filter((o) => o !== appSlice(items));
    for (const capture of [items, withoutSlice]) {
      const status = classify(capture);
      expect(status.tiers.login.ready).toBe(false);
      expect(status.rollup.state).toBe("failed_action_required");
      const blocker = routingBlocker(status)!;
      expect(blocker).toMatchObject({ component: "alga-core", loginBlocking: true, severity: "failure", retryable: false, error: null, evidence: { object: { kind: "Service", namespace: "msp", name: APP_SERVICE } } });
      expect(blocker.reason).toMatch(
        new RegExp(`^Service msp/${APP_SERVICE} has no ready endpoint: its selector app\\.kubernetes\\.io/instance=alga-core,app\\.kubernetes\\.io/name=alga-core matches no pod in msp; alga-core's pod ${APP_SERVICE}-\\S+ carries app\\.kubernetes\\.io/instance=alga-core,app\\.kubernetes\\.io/name=${APP_SERVICE}$`),
      );
      expect(blocker.commands).toEqual(
        expect.arrayContaining([
          "kubectl -n msp get pods -l app.kubernetes.io/instance=alga-core,app.kubernetes.io/name=alga-core",
          "kubectl -n msp get pods --show-labels",
          "flux -n msp reconcile helmrelease alga-core --force",
        ]),
      );
      expect(blocker.nextAction).toContain("flux -n msp reconcile helmrelease alga-core --force");
    }
  });

  it("only terminating endpoints: the pods being deleted are named, and waiting may fix it", () => {
    const items = itemsOf("healthy");
    const slice = appSlice(items);
    slice.endpoints[0].conditions = { ready: false, serving: true, terminating: true };
    const pod = items.find((o) => o.kind === "Pod" && o.metadata.name === slice.endpoints[0].targetRef.name);
    pod.metadata.deletionTimestamp = "2026-04-30T11:59:30Z";
    const status = classify(items);
    expect(status.tiers.login.ready).toBe(false);
    expect(routingBlocker(status)).toMatchObject({ retryable: true, severity: "failure", loginBlocking: true });
    expect(routingBlocker(status)!.reason).toBe(`Service msp/${APP_SERVICE} has no ready endpoint: its only 1 endpoint is a pod being deleted (${pod.metadata.name}), and no ready pod has taken its place`);
  });

  it("an endpoint whose ready condition is unset counts as ready (EndpointConditions: nil means ready); ready: false does not", () => {
    const items = itemsOf("healthy");
    appSlice(items).endpoints[0].conditions = {};
    expect(classify(items).tiers.login.ready).toBe(true);
    delete appSlice(items).endpoints[0].conditions;
    expect(classify(items).tiers.login.ready).toBe(true);
    appSlice(items).endpoints[0].conditions = { ready: null };
    expect(classify(items).tiers.login.ready).toBe(true);
    appSlice(items).endpoints[0].conditions = { ready: false };
    expect(classify(items).tiers.login.ready).toBe(false);
  });

  it("a Service whose selector picks another component's pods does not make alga-core reachable", () => {
    const items = itemsOf("healthy");
    const redisSlice = items.find((o) => o.kind === "EndpointSlice" && o.metadata.labels["kubernetes.io/service-name"] === "redis");
    appService(items).spec.selector = { "app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": "alga-core" };
    appSlice(items).endpoints = redisSlice.endpoints;
    const status = classify(items);
    expect(status.tiers.login.ready).toBe(false);
    expect(routingBlocker(status)!.reason).toMatch(/picks other pods \(redis-\S+\)$/);
    expect(routingBlocker(status)!.retryable).toBe(false);
  });

  it("alga-core without any Service: nothing routes login traffic to it", () => {
    const items = itemsOf("healthy").filter((o) => o.metadata.name !== APP_SERVICE || (o.kind !== "Service" && o.kind !== "EndpointSlice"));
    const withoutSlice = items.filter((o) => !(o.kind === "EndpointSlice" && o.metadata.labels["kubernetes.io/service-name"] === APP_SERVICE));
    const status = classify(withoutSlice);
    expect(status.tiers.login.ready).toBe(false);
    expect(routingBlocker(status)).toMatchObject({ evidence: { object: { kind: "Deployment", namespace: "msp", name: APP_SERVICE } }, severity: "failure" });
    expect(routingBlocker(status)!.reason).toBe(`alga-core has no Service in msp (none carries its Helm labels): nothing routes login traffic to Deployment msp/${APP_SERVICE}`);
  });

  it("ownership: a slice belongs to its Service by kubernetes.io/service-name; without the Service listed, by the labels copied from it", () => {
    const items = itemsOf("healthy");
    // Another team's alga-core-sebastian Service with no endpoints, in another namespace: not the appliance's.
    const foreign = structuredClone(appService(items));
    foreign.metadata.namespace = "team-b";
    const foreignSlice = { ...structuredClone(appSlice(items)), endpoints: null };
    foreignSlice.metadata.namespace = "team-b";
    expect(classify([...items, foreign, foreignSlice]).tiers.login.ready).toBe(true);
    // A capture of endpointslices but not services: the slice's copied Helm labels place it.
    expect(classify(items.filter((o) => o.kind !== "Service")).tiers.login.ready).toBe(true);
    // Without alga-core's own Service and slice, the other components' ready slices (db, redis) never count for it.
    const relabelled = items.filter((o) => o !== appSlice(items) && o !== appService(items));
    expect(classify(relabelled).tiers.login.ready).toBe(false);
  });

  it("a 403 on listing EndpointSlices is a permissions blocker: login neither ready nor installing", () => {
    const forbidden = { kind: "endpointslices", code: 403, message: 'endpointslices.discovery.k8s.io is forbidden: User "system:serviceaccount:alga-system:appliance-status" cannot list resource "endpointslices" in API group "discovery.k8s.io" at the cluster scope' };
    // What a live read gives when the kind is forbidden: everything else, no slices.
    const items = itemsOf("healthy").filter((o) => o.kind !== "EndpointSlice");
    const status = classify(items, { accessErrors: [forbidden] });
    expect(status.tiers.login).toMatchObject({ ready: false, state: "waiting" });
    expect(status.tiers.login.reason).toMatch(/endpointslices \(403 Forbidden\)/);
    expect(status.rollup.state).toBe("failed_action_required");
    expect(status.rollup.message).toMatch(/^The status cannot tell whether login works: The status service may not list endpointslices \(403 Forbidden\)/);
    const access = status.topBlockers.find((b) => b.layer === "Status service access")!;
    expect(access).toMatchObject({ severity: "failure", evidence: { object: { kind: "APIResource", name: "endpointslices" } } });
    expect(access.commands[0]).toBe("kubectl auth can-i list endpointslices --all-namespaces --as=system:serviceaccount:alga-system:appliance-status");
    expect(routingBlocker(status)).toBeUndefined();
    // Even a capture that still holds the slices is not trusted over the error of this read.
    expect(classify(itemsOf("healthy"), { accessErrors: [forbidden] }).tiers.login.ready).toBe(false);
    // A list that timed out: still unknown, never ready.
    const timedOut = classify(items, { accessErrors: [{ kind: "endpointslices", code: null, message: "no answer from 10.43.0.1:443 within 10 s (GET /apis/discovery.k8s.io/v1/endpointslices)" }] });
    expect(timedOut.tiers.login.ready).toBe(false);
    expect(timedOut.rollup.state).toBe("failed_action_required");
  });

  it("is deterministic: the order of the capture's items does not change a byte", () => {
    for (const name of ["endpoints-unready", "service-selector-mismatch"]) {
      const items = itemsOf(name);
      const expected = JSON.stringify(classify(items));
      expect(JSON.stringify(classify([...items].reverse())), name).toBe(expected);
    }
  });

  it("a snapshot captured without services and endpointslices: replicas decide, and the login reason says the endpoints were not checked", () => {
    const status = classifySnapshot(loadFixture("healthy"), { now: NOW });
    expect(status.tiers.login.ready).toBe(true);
    const older = classify(itemsOf("healthy").filter((o) => o.kind !== "EndpointSlice" && o.kind !== "Service"));
    expect(older.tiers.login).toMatchObject({ ready: true, reason: "alga-core ready (this snapshot holds no EndpointSlices, so its Service endpoints were not checked); login URL not probed" });
  });
});
