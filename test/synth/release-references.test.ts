import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadRelease } from "../../src/release/load-release.js";
import { applyLock, lockRenderedImages } from "../../src/synth/apply-lock.js";
import { blocksLogin, releaseReferences } from "../../src/synth/release-references.js";
import type { RenderedFile } from "../../src/synth/rendered-file.js";
import { composeRelease } from "../../src/synth/compose-release.js";
import { RELEASES_DIR } from "../support/rendered.js";

const { definition, profile } = loadRelease(join(RELEASES_DIR, "1.0-rc5.yaml"));
const digest = (c: string) => `sha256:${c.repeat(64)}`;

/** A Job with an init container and a sidecar, as another construct might render in a tier. */
const migrationJob: RenderedFile = {
  path: "config/core/migrations.yaml",
  objects: [
    {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "migrate", namespace: "msp" },
      spec: { template: { spec: { initContainers: [{ name: "wait", image: "ghcr.io/nine-minds/wait-for:1.0" }], containers: [{ name: "migrate", image: "ghcr.io/nine-minds/migrate:7" }] } } },
    },
  ],
};

describe("release references", () => {
  it("cover the components' images and charts, the control plane, and every rendered pod template image, with tiers", () => {
    const references = releaseReferences(definition, profile, [...composeRelease(definition, profile), migrationJob]);
    const byReference = Object.fromEntries(references.map((reference) => [reference.reference, reference]));
    expect(references.filter((r) => r.kind === "chart")).toHaveLength(6);
    expect(byReference["oci://ghcr.io/nine-minds/charts/sebastian:0.1.0-rc5"]).toMatchObject({ registry: "ghcr.io", repository: "nine-minds/charts/sebastian", tag: "0.1.0-rc5" });
    expect(byReference["ghcr.io/nine-minds/wait-for:1.0"]?.uses).toEqual([{ user: "Job msp/migrate", tier: "core" }]);
    expect(byReference["ghcr.io/nine-minds/migrate:7"]).toBeDefined();
    expect(byReference["ghcr.io/nine-minds/alga-appliance-control-plane:1.0-rc5"]?.uses.map((use) => use.tier)).toEqual(["control-plane", "control-plane"]);
    expect(blocksLogin(byReference["ghcr.io/nine-minds/workflow-worker:61e4a00e"]!)).toBe(false);
    expect(blocksLogin(byReference["ghcr.io/nine-minds/alga-psa-ee:94446747"]!)).toBe(true);
    expect(references.every((reference) => reference.pinned === undefined)).toBe(true);
  });

  it("a lock pins the definition and the images of other rendered pod templates", () => {
    const references = releaseReferences(definition, profile, [...composeRelease(definition, profile), migrationJob]);
    const lock = {
      lockVersion: 1 as const,
      release: definition.version,
      images: references.filter((r) => r.kind === "image").map((r, i) => ({ reference: r.reference, digest: digest("0123456789"[i]!) })),
      charts: references.filter((r) => r.kind === "chart").map((r) => ({ reference: r.reference, digest: digest("c") })),
    };
    const locked = applyLock(definition, lock, "releases/1.0-rc5.lock.yaml");
    expect(locked.components.temporal.image).toMatch(/^docker\.io\/temporalio\/server:1\.24\.2@sha256:/);
    expect(locked.components.temporal.chart.digest).toBe(digest("c"));
    const job = lockRenderedImages([migrationJob], lock)[0]!.objects[0] as any;
    expect(job.spec.template.spec.initContainers[0].image).toMatch(/^ghcr\.io\/nine-minds\/wait-for:1\.0@sha256:/);
    expect(releaseReferences(locked, profile).every((reference) => reference.pinned !== undefined)).toBe(true);
  });

  it("a lock that disagrees with a pin in the release is refused, naming both", () => {
    const pinned = { ...definition, controlPlane: { image: `ghcr.io/nine-minds/alga-appliance-control-plane:1.0-rc5@${digest("a")}` } };
    const references = releaseReferences(definition, profile);
    const lock = {
      lockVersion: 1 as const,
      release: definition.version,
      images: references.filter((r) => r.kind === "image").map((r) => ({ reference: r.reference, digest: digest("b") })),
      charts: references.filter((r) => r.kind === "chart").map((r) => ({ reference: r.reference, digest: digest("c") })),
    };
    expect(() => applyLock(pinned, lock, "releases/1.0-rc5.lock.yaml")).toThrow(`controlPlane.image: the release pins ${digest("a")} but the lock has ${digest("b")}`);
  });
});
