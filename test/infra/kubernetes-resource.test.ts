import { describe, expect, it } from "vitest";
import { createKubernetesResource } from "../../src/infra/kubernetes-resource.js";

describe("typed Pulumi resources for rendered objects", () => {
  it("refuses a kind the stack has no typed resource for, naming the object and where to add it", () => {
    const object = { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "rotate", namespace: "alga-license" } };
    expect(() => createKubernetesResource(object, {})).toThrow(
      /CronJob .*rotate.*: the stack has no typed resource for batch\/v1 CronJob; add it to RESOURCE_CLASSES in src\/infra\/kubernetes-resource\.ts/,
    );
  });
});
