/**
 * Issue 19 points 1 and 4: the image's config (user, port, paths, command) is what the rendered
 * Deployment runs, and the image is assembled as specified: base history and diff_ids extended,
 * one manifest per platform on the base index's matching manifest, one deterministic layer.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { gunzip } from "../../src/bundle/gunzip.js";
import { readTar } from "../../src/bundle/tar-reader.js";
import { buildStatusImage, readServiceBundle, type BuiltStatusImage } from "../../src/distribution/status-service-image.js";
import { loadRelease } from "../../src/release/load-release.js";
import { STATUS_CONTAINER } from "../../schemas/status-container.js";
import { findObject, renderedRelease, RELEASES_DIR } from "../support/rendered.js";
import { PROJECT_ROOT } from "../support/run-cli.js";
import { tempDir } from "../support/temp-dir.js";
import { writeTinyBase } from "./tiny-base.js";

const EPOCH = 1_767_225_600; // 2026-01-01T00:00:00Z

let built: BuiltStatusImage;
let base: Awaited<ReturnType<typeof writeTinyBase>>;
const json = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes));

beforeAll(async () => {
  base = await writeTinyBase(tempDir("ark-tiny-base-"));
  const release = loadRelease(join(RELEASES_DIR, "1.0.0.yaml"));
  const withBase = { ...release, definition: { ...release.definition, statusService: { ...release.definition.statusService, build: { base: base.reference } } } };
  built = await buildStatusImage({
    release: withBase,
    bundle: readServiceBundle(PROJECT_ROOT),
    platforms: [
      { os: "linux", architecture: "amd64" },
      { os: "linux", architecture: "arm64" },
    ],
    epochSeconds: EPOCH,
    baseRepository: base.repository,
  });
});

describe("the status image and the Deployment agree", () => {
  const deployment = findObject(renderedRelease("1.0.0"), "Deployment", "appliance-status");
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];

  it("on the user: the pod runs as the image's user, which owns the application files", () => {
    const config = json(built.image.platforms[0]!.config.data).config;
    expect(config.User).toBe("65532:65532");
    expect(`${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`).toBe(config.User);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
  });

  it("on the port: the image exposes what the container declares and the Service targets", () => {
    const config = json(built.image.platforms[0]!.config.data).config;
    expect(Object.keys(config.ExposedPorts)).toEqual([`${container.ports[0].containerPort}/tcp`]);
    expect(findObject(renderedRelease("1.0.0"), "Service", "appliance-status").spec.ports[0].targetPort).toBe(8090);
  });

  it("on the command: the Deployment's args are the image's default command, with the token file where the Secret is mounted", () => {
    const config = json(built.image.platforms[0]!.config.data).config;
    expect(container.command).toBeUndefined();
    expect(container.args).toEqual(config.Cmd);
    const tokenFile = config.Cmd[config.Cmd.indexOf("--token-file") + 1];
    const mount = container.volumeMounts.find((m: { name: string }) => m.name === "token");
    expect(tokenFile).toBe(`${mount.mountPath}/token`);
    expect(config.Entrypoint).toEqual(["/nodejs/bin/node", STATUS_CONTAINER.script]);
    expect(config.WorkingDir).toBe("/app");
  });

  it("on the filesystem: the root is read-only and the one scratch path is an emptyDir", () => {
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    const scratch = container.volumeMounts.find((m: { mountPath: string }) => m.mountPath === STATUS_CONTAINER.scratchDirectory);
    expect(pod.volumes.find((v: { name: string }) => v.name === scratch.name).emptyDir).toBeDefined();
  });
});

describe("the status image", () => {
  it("has one manifest per platform, each on the base index's matching manifest", async () => {
    const index = json(built.image.index.data);
    const baseIndex = json(await base.repository.fetchManifest(base.index.digest).then((m) => m.bytes));
    expect(index.manifests.map((m: { platform: unknown }) => m.platform)).toEqual(baseIndex.manifests.map((m: { platform: unknown }) => m.platform));
    for (const [i, platform] of built.image.platforms.entries()) {
      const manifest = json(platform.manifest.data);
      const baseManifest = json((await base.repository.fetchManifest(baseIndex.manifests[i].digest)).bytes);
      expect(manifest.layers.slice(0, -1)).toEqual(baseManifest.layers);
      expect(manifest.layers.at(-1)).toEqual(built.image.layer.blob.descriptor);
      expect(manifest.annotations["org.opencontainers.image.base.digest"]).toBe(base.index.digest);
      const baseConfig = json(await base.repository.fetchBlob(baseManifest.config.digest));
      const config = json(platform.config.data);
      expect(config.architecture).toBe(baseConfig.architecture);
      expect(config.rootfs.diff_ids).toEqual([...baseConfig.rootfs.diff_ids, built.image.layer.diffId]);
      expect(config.history.slice(0, -1)).toEqual(baseConfig.history);
      expect(config.history.at(-1).created).toBe("2026-01-01T00:00:00Z");
      // The base's environment and labels are kept, the kit's labels added.
      expect(config.config.Env).toEqual(baseConfig.config.Env);
      expect(config.config.Labels).toEqual({
        "base.label": "kept",
        "org.opencontainers.image.created": "2026-01-01T00:00:00Z",
        "org.opencontainers.image.revision": "3f9c2b7e5a1d4c8b9e0f6a2d7c4b1e8f5a3d9c60",
        "org.opencontainers.image.source": "https://github.com/nine-minds/alga-psa",
        "org.opencontainers.image.version": "1.0.0",
      });
    }
  });

  it("has one application layer: the bundle, sorted, owned by 65532, mtime SOURCE_DATE_EPOCH, nothing else", () => {
    const entries = readTar(gunzip(built.image.layer.blob.data));
    expect(entries.map((e) => [e.kind, e.path, e.mode.toString(8), e.uid, e.gid, e.uname, e.gname, e.mtime])).toEqual([
      ["directory", "app/", "755", 65532, 65532, "", "", EPOCH],
      ["file", "app/status-service.cjs", "644", 65532, 65532, "", "", EPOCH],
    ]);
    expect(Buffer.from(entries[1]!.data).equals(readServiceBundle(PROJECT_ROOT).script)).toBe(true);
  });

  it("lists every bundled npm package in its SBOM with version, licence and purl", () => {
    const { packages } = built.sbom;
    const lock = JSON.parse(readFileSync(join(PROJECT_ROOT, "package-lock.json"), "utf8"));
    // The status service bundles yaml (its kubeconfig reader) and zod (the status schema).
    const yaml = packages.find((p) => p.name === "yaml")!;
    expect(yaml.versionInfo).toBe(lock.packages["node_modules/yaml"].version);
    expect(yaml.licenseDeclared).toBe("ISC");
    expect(yaml.externalRefs?.[0]?.referenceLocator).toBe(`pkg:npm/yaml@${yaml.versionInfo}`);
    const zod = packages.find((p) => p.name === "zod")!;
    expect(zod.licenseDeclared).toBe("MIT");
    expect(zod.externalRefs?.[0]?.referenceLocator).toBe(`pkg:npm/zod@${lock.packages["node_modules/zod"].version}`);
    // Exactly the packages esbuild bundled: the status service loads no cdk8s, no AWS SDK.
    const bundled = new Set(readServiceBundle(PROJECT_ROOT).inputs.filter((p) => p.startsWith("node_modules/")).map((p) => /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(p)![1]));
    expect(new Set(packages.slice(1).map((p) => p.name))).toEqual(bundled);
    expect(packages.some((p) => p.name === "cdk8s")).toBe(false);
  });
});
