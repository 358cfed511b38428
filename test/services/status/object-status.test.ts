import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../src/services/status/cluster-snapshot.js";
import { computeObjectStatus } from "../../../src/services/status/object-status.js";

const meta = (extra: Record<string, unknown> = {}) => ({ name: "x", namespace: "msp", creationTimestamp: "2026-04-30T11:00:00Z", ...extra });
const cond = (type: string, status: string, reason = "", message = "") => ({ type, status, reason, message, lastTransitionTime: "2026-04-30T11:30:00Z" });
const status = (object: Partial<KubeObject> & { kind: string }) => computeObjectStatus({ metadata: meta(), ...object } as KubeObject).status;

describe("kstatus-style object status", () => {
  it("Terminating once deleted; InProgress while the latest generation is not observed", () => {
    expect(status({ kind: "Deployment", metadata: meta({ deletionTimestamp: "2026-04-30T11:59:00Z" }) as any })).toBe("Terminating");
    expect(status({ kind: "HelmRelease", metadata: meta({ generation: 3 }) as any, status: { observedGeneration: 2, conditions: [cond("Ready", "True")] } })).toBe("InProgress");
  });

  it("Flux objects: Ready True is Current, Stalled is Failed, Reconciling and DependencyNotReady are InProgress, Ready False is Failed", () => {
    expect(status({ kind: "Kustomization", status: { conditions: [cond("Ready", "True")] } })).toBe("Current");
    expect(status({ kind: "Kustomization", status: { conditions: [cond("Stalled", "True"), cond("Ready", "False")] } })).toBe("Failed");
    expect(status({ kind: "HelmRelease", status: { conditions: [cond("Reconciling", "True"), cond("Ready", "False")] } })).toBe("InProgress");
    expect(status({ kind: "Kustomization", status: { conditions: [cond("Ready", "False", "DependencyNotReady")] } })).toBe("InProgress");
    expect(status({ kind: "HelmRelease", status: { conditions: [cond("Ready", "False", "InstallFailed")] } })).toBe("Failed");
    expect(status({ kind: "OCIRepository", status: {} })).toBe("InProgress");
  });

  it("Deployments: replicas decide; a progress deadline exceeded is Failed", () => {
    const ok = { observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 };
    expect(status({ kind: "Deployment", spec: { replicas: 1 }, status: ok })).toBe("Current");
    expect(status({ kind: "Deployment", spec: { replicas: 1 }, status: { ...ok, readyReplicas: 0, availableReplicas: 0 } })).toBe("InProgress");
    expect(status({ kind: "Deployment", spec: { replicas: 1 }, status: { ...ok, replicas: 2 } })).toBe("InProgress");
    expect(status({ kind: "Deployment", spec: { replicas: 1 }, status: { ...ok, readyReplicas: 0, conditions: [cond("Progressing", "False", "ProgressDeadlineExceeded")] } })).toBe("Failed");
  });

  it("Jobs, PVCs and nodes", () => {
    expect(status({ kind: "Job", status: { conditions: [cond("Complete", "True")] } })).toBe("Current");
    expect(status({ kind: "Job", status: { conditions: [cond("Failed", "True", "BackoffLimitExceeded")] } })).toBe("Failed");
    expect(status({ kind: "Job", status: { active: 1 } })).toBe("InProgress");
    expect(status({ kind: "PersistentVolumeClaim", status: { phase: "Pending" } })).toBe("InProgress");
    expect(status({ kind: "PersistentVolumeClaim", status: { phase: "Bound" } })).toBe("Current");
    expect(status({ kind: "Node", status: { conditions: [cond("Ready", "False", "KubeletNotReady")] } })).toBe("Failed");
    expect(status({ kind: "Node", status: {} })).toBe("Unknown");
  });

  it("Pods: crash loops and config errors are Failed, pulling is InProgress, unschedulable is Failed", () => {
    const waiting = (reason: string) => ({ phase: reason === "CrashLoopBackOff" ? "Running" : "Pending", containerStatuses: [{ name: "c", state: { waiting: { reason } } }] });
    expect(status({ kind: "Pod", status: waiting("CrashLoopBackOff") })).toBe("Failed");
    expect(status({ kind: "Pod", status: waiting("CreateContainerConfigError") })).toBe("Failed");
    expect(status({ kind: "Pod", status: waiting("ContainerCreating") })).toBe("InProgress");
    expect(status({ kind: "Pod", status: { phase: "Pending", conditions: [cond("PodScheduled", "False", "Unschedulable", "0/1 nodes are available: 1 Insufficient memory.")] } })).toBe("Failed");
    expect(status({ kind: "Pod", status: { phase: "Succeeded" } })).toBe("Current");
  });
});
