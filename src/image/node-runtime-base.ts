/**
 * A Node.js runtime base image assembled from pinned inputs, the way distroless assembles its
 * images: the shared libraries of a few Debian packages (pinned by sha256) and the official Node.js
 * binary as npm ships it (pinned by its sha512 integrity), with no shell and no package manager.
 *
 * Per platform, two layers, both deterministic tars (sorted entries, uid/gid 0 unless said, mtime 0,
 * normalized modes, symlinks kept) compressed by the kit's reproducible gzip:
 *   1. system: the packages' shared libraries and dynamic loader (with their symlinks, e.g.
 *      /lib64/ld-linux-x86-64.so.2), their copyright files, /etc/passwd and /etc/group with root,
 *      nobody and nonroot (65532), /etc/nsswitch.conf, /tmp (01777) and /home/nonroot;
 *   2. node: /nodejs/bin/node and its LICENSE.
 * The config runs /nodejs/bin/node as 65532:65532 (as distroless's nonroot images); an image built
 * on it (assemble-image.ts) appends its script to that entrypoint. Before anything is written the
 * binary's ELF interpreter and DT_NEEDED libraries are resolved inside the layer, recursively, so a
 * base for a platform this machine cannot run is still known to be complete.
 *
 * The result depends on the definition alone: no clock, no host file, no SOURCE_DATE_EPOCH (a base
 * is shared by releases; its digest must not move with a checkout's commit time).
 */
import { gunzip } from "../bundle/gunzip.js";
import { deterministicGzip } from "../bundle/gzip.js";
import { readTar } from "../bundle/tar-reader.js";
import { createDeterministicTar, type TarEntry } from "../bundle/tar-writer.js";
import { UserError } from "../errors.js";
import { ANNOTATION_CREATED, ANNOTATION_VERSION } from "../oci/annotations.js";
import { blobOf, type Blob } from "../oci/build-artifact.js";
import { sha256Digest } from "../oci/digest.js";
import { OCI_IMAGE_CONFIG_MEDIA_TYPE, OCI_IMAGE_INDEX, OCI_IMAGE_LAYER_GZIP, OCI_IMAGE_MANIFEST } from "../oci/media-types.js";
import type { ContentRepository } from "../oci/types.js";
import { readDebianPackage, type PackageEntry } from "./debian-package.js";
import { elfDependencies } from "./elf-dependencies.js";
import { fetchPinnedInput, type PinnedInput } from "./pinned-input.js";
import { formatPlatform, parsePlatform, platformMatches, type Platform } from "./platform.js";

/** What a base is made of (schemas/node-runtime-base.ts validates the file; this is its shape). */
export interface RuntimeBaseDefinition {
  readonly name: string;
  readonly tag: string;
  readonly nodeVersion: string;
  readonly npmRegistry: string;
  readonly debianMirror: string;
  readonly platforms: readonly {
    readonly platform: string;
    readonly node: { readonly package: string; readonly integrity: string };
    readonly debian: readonly { readonly package: string; readonly version: string; readonly filename: string; readonly sha256: string }[];
  }[];
}

export interface RuntimeBasePlatformImage {
  readonly platform: Platform;
  readonly manifest: Blob;
  readonly config: Blob;
  readonly layers: readonly Blob[];
}

export interface RuntimeBaseImage {
  readonly index: Blob;
  readonly platforms: readonly RuntimeBasePlatformImage[];
}

export interface BuildRuntimeBaseOptions {
  /** Platforms to build (default: every platform the definition lists). */
  readonly platforms?: readonly Platform[];
  readonly cacheDir: string;
  readonly progress?: (message: string) => void;
}

/** Where the runtime lives, as in distroless nodejs images; the entrypoint. */
const NODE_RUNTIME_PATH = "/nodejs/bin/node";
const NONROOT = { uid: 65532, gid: 65532 };
const CREATED = "1970-01-01T00:00:00Z";
/** The node layer is 120 MB of binary: level 6 compresses it three times faster than 9 for 0.7 % more bytes. */
const GZIP_LEVEL = 6;

/**
 * The paths a runtime needs from a library package: shared objects (and their symlinks) directly in
 * the dynamic loader's directories (/lib, /lib64, /lib/<triplet>, /usr/lib/<triplet>). Left out:
 * gconv and audit modules in subdirectories (Node uses ICU, not iconv), development files, docs
 * other than the copyright, lintian overrides, gdb scripts, ld.so.conf.d (no ldconfig, no cache:
 * Debian's loader searches its multiarch directories by default).
 */
const RUNTIME_LIBRARY = /^(?:lib|lib64|(?:usr\/)?lib\/[a-z0-9_]+-linux-gnu[a-z0-9_]*)\/[^/]+\.so(?:\.[0-9]+)*$/;
/** Licence files: each package's copyright, and the doc-directory symlinks that point one package at another's (libgcc-s1 → gcc-12-base). */
const COPYRIGHT = /^usr\/share\/doc\/[^/]+\/copyright$/;
const DOC_LINK = /^usr\/share\/doc\/[^/]+$/;

const SYSTEM_FILES: Record<string, string> = {
  "etc/passwd": "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n",
  "etc/group": "root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n",
  // Without it glibc asks DNS before /etc/hosts, so even localhost would wait on a resolver.
  "etc/nsswitch.conf": "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n",
};

const encoder = new TextEncoder();
const json = (value: unknown) => encoder.encode(JSON.stringify(value));

/** Builds the base for each wanted platform and the index over them; nothing is written anywhere but the input cache. */
export async function buildRuntimeBase(definition: RuntimeBaseDefinition, options: BuildRuntimeBaseOptions): Promise<RuntimeBaseImage> {
  const declared = definition.platforms.map((entry) => ({ entry, platform: parsePlatform(entry.platform) }));
  const wanted = options.platforms ?? declared.map((d) => d.platform);
  const selected = wanted.map((want) => {
    const found = declared.find((d) => platformMatches(d.platform, want));
    if (!found) throw new UserError(`the base definition has no ${formatPlatform(want)} platform (it lists ${declared.map((d) => formatPlatform(d.platform)).join(", ")})`);
    return found;
  });
  const platforms: RuntimeBasePlatformImage[] = [];
  for (const { entry, platform } of selected) {
    options.progress?.(`assembling the ${formatPlatform(platform)} base`);
    platforms.push(await buildPlatform(definition, entry, platform, options));
  }
  const index = blobOf(
    OCI_IMAGE_INDEX,
    json({
      schemaVersion: 2,
      mediaType: OCI_IMAGE_INDEX,
      manifests: platforms.map((image) => ({ ...image.manifest.descriptor, platform: image.platform })),
      annotations: { [ANNOTATION_CREATED]: CREATED, [ANNOTATION_VERSION]: definition.nodeVersion },
    }),
  );
  return { index, platforms };
}

type PlatformEntry = RuntimeBaseDefinition["platforms"][number];

/** Every input of one platform, with the URL it is fetched from and the digest it must have. */
export function pinnedInputs(definition: RuntimeBaseDefinition, entry: PlatformEntry, platform: Platform): { debian: PinnedInput[]; node: PinnedInput } {
  const where = formatPlatform(platform);
  return {
    debian: entry.debian.map((pkg) => ({
      name: `Debian package ${pkg.package} ${pkg.version} (${where})`,
      url: `${definition.debianMirror.replace(/\/+$/, "")}/${pkg.filename}`,
      digest: { algorithm: "sha256", value: pkg.sha256 },
    })),
    node: {
      name: `npm package ${entry.node.package}@${definition.nodeVersion} (${where})`,
      url: `${definition.npmRegistry.replace(/\/+$/, "")}/${entry.node.package}/-/${entry.node.package}-${definition.nodeVersion}.tgz`,
      digest: { algorithm: "sha512", value: entry.node.integrity.replace(/^sha512-/, "") },
    },
  };
}

async function buildPlatform(definition: RuntimeBaseDefinition, entry: PlatformEntry, platform: Platform, options: BuildRuntimeBaseOptions): Promise<RuntimeBasePlatformImage> {
  const fetchOptions = { cacheDir: options.cacheDir, ...(options.progress ? { progress: options.progress } : {}) };

  const systemEntries = new Map<string, TarEntry>();
  const packageOf = new Map<string, string>();
  const inputs = pinnedInputs(definition, entry, platform);
  for (const [index, pkg] of entry.debian.entries()) {
    const input = inputs.debian[index]!;
    const bytes = await fetchPinnedInput(input, fetchOptions);
    for (const file of await readDebianPackage(bytes, input.name)) {
      const kept = keptEntry(file);
      if (!kept) continue;
      const previous = systemEntries.get(kept.path);
      if (previous && !sameEntry(previous, kept)) throw new UserError(`${input.name} and ${packageOf.get(kept.path)} both install ${kept.path}, differently`);
      systemEntries.set(kept.path, kept);
      packageOf.set(kept.path, pkg.package);
    }
  }
  for (const [path, text] of Object.entries(SYSTEM_FILES)) systemEntries.set(path, { type: "file", path, data: encoder.encode(text) });
  systemEntries.set("tmp", { type: "directory", path: "tmp", mode: 0o1777 });
  systemEntries.set("root", { type: "directory", path: "root", mode: 0o700 });
  systemEntries.set("home/nonroot", { type: "directory", path: "home/nonroot", mode: 0o700, owner: NONROOT });

  const nodeInput = inputs.node;
  const nodeFiles = nodeRuntimeFiles(await fetchPinnedInput(nodeInput, fetchOptions), nodeInput.name);
  assertLinkable(nodeFiles.binary, systemEntries, `${nodeInput.name}: bin/node`);

  const systemLayer = layerOf([...systemEntries.values()]);
  const nodeLayer = layerOf([
    { type: "file", path: NODE_RUNTIME_PATH.slice(1), data: nodeFiles.binary, executable: true },
    { type: "file", path: "nodejs/LICENSE", data: nodeFiles.license },
  ]);
  const packages = entry.debian.map((pkg) => `${pkg.package} ${pkg.version}`).join(", ");
  const config = blobOf(
    OCI_IMAGE_CONFIG_MEDIA_TYPE,
    json({
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      created: CREATED,
      config: {
        User: `${NONROOT.uid}:${NONROOT.gid}`,
        Env: ["PATH=/nodejs/bin:/usr/local/bin:/usr/bin:/bin"],
        Entrypoint: [NODE_RUNTIME_PATH],
        WorkingDir: "/home/nonroot",
      },
      rootfs: { type: "layers", diff_ids: [systemLayer.diffId, nodeLayer.diffId] },
      history: [
        { created: CREATED, created_by: `appliance-release-kit base: Debian packages ${packages}` },
        { created: CREATED, created_by: `appliance-release-kit base: Node.js ${definition.nodeVersion} from npm ${entry.node.package}` },
      ],
    }),
  );
  const layers = [systemLayer.blob, nodeLayer.blob];
  const manifest = blobOf(
    OCI_IMAGE_MANIFEST,
    json({ schemaVersion: 2, mediaType: OCI_IMAGE_MANIFEST, config: config.descriptor, layers: layers.map((layer) => layer.descriptor) }),
  );
  return { platform, manifest, config, layers };
}

function layerOf(entries: readonly TarEntry[]): { blob: Blob; diffId: string } {
  const tar = createDeterministicTar(entries);
  return { blob: blobOf(OCI_IMAGE_LAYER_GZIP, deterministicGzip(tar, { level: GZIP_LEVEL })), diffId: sha256Digest(tar) };
}

/** The tar entry a package path becomes in the image, or undefined when the runtime does not need it. */
function keptEntry(file: PackageEntry): TarEntry | undefined {
  const wanted = RUNTIME_LIBRARY.test(file.path) || COPYRIGHT.test(file.path) || (DOC_LINK.test(file.path) && file.kind === "symlink");
  if (!wanted) return undefined;
  if (file.kind === "symlink") return { type: "symlink", path: file.path, target: file.linkName };
  if (file.kind !== "file") return undefined;
  return { type: "file", path: file.path, data: file.data, ...((file.mode & 0o111) !== 0 ? { executable: true } : {}) };
}

function sameEntry(a: TarEntry, b: TarEntry): boolean {
  if (a.type !== b.type) return false;
  if (a.type === "symlink" && b.type === "symlink") return a.target === b.target;
  if (a.type === "file" && b.type === "file") return Buffer.compare(a.data, b.data) === 0 && Boolean(a.executable) === Boolean(b.executable);
  return true;
}

/** bin/node and LICENSE from the npm package (a tarball with everything under package/, as nodejs.org's). */
function nodeRuntimeFiles(tarball: Uint8Array, what: string): { binary: Uint8Array; license: Uint8Array } {
  const entries = readTar(gunzip(tarball, { maxBytes: 1024 * 1024 * 1024 }), { maxEntries: 20_000 });
  const file = (path: string) => {
    const found = entries.find((entry) => entry.path === path && entry.kind === "file");
    if (!found) throw new UserError(`${what} has no ${path}: it is not a Node.js binary package`);
    return found.data;
  };
  return { binary: file("package/bin/node"), license: file("package/LICENSE") };
}

/**
 * Refuses a binary whose loader or libraries the layer lacks: each soname is looked up in the
 * loader's directories, symlinks followed inside the layer, and each library found is checked in turn.
 */
function assertLinkable(binary: Uint8Array, entries: ReadonlyMap<string, TarEntry>, what: string): void {
  const resolveFile = (path: string): Extract<TarEntry, { type: "file" }> | undefined => {
    let current = path.replace(/^\/+/, "");
    for (let hops = 0; hops < 16; hops++) {
      const found = entries.get(current);
      if (!found) return undefined;
      if (found.type === "file") return found;
      if (found.type !== "symlink") return undefined;
      current = found.target.startsWith("/") ? found.target.slice(1) : normalize(`${current.slice(0, current.lastIndexOf("/"))}/${found.target}`);
    }
    return undefined;
  };
  const directories = [...new Set([...entries.keys()].filter((path) => RUNTIME_LIBRARY.test(path)).map((path) => path.slice(0, path.lastIndexOf("/"))))].sort();
  const root = elfDependencies(binary, what);
  if (!root) throw new UserError(`${what} is not an ELF64 little-endian executable`);
  if (root.interpreter && !resolveFile(root.interpreter)) throw new UserError(`${what} is loaded by ${root.interpreter}, which the base's Debian packages do not install; add the package that does (libc6)`);
  const pending = [...root.needed];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const soname = pending.shift()!;
    if (seen.has(soname)) continue;
    seen.add(soname);
    const library = directories.map((dir) => resolveFile(`${dir}/${soname}`)).find((found) => found !== undefined);
    if (!library) throw new UserError(`${what} needs ${soname}, which none of the base's Debian packages install (looked in ${directories.map((d) => `/${d}`).join(", ")}); add the package that ships it`);
    pending.push(...(elfDependencies(library.data, library.path)?.needed ?? []));
  }
}

function normalize(path: string): string {
  const parts: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") parts.pop();
    else parts.push(segment);
  }
  return parts.join("/");
}

export interface WriteRuntimeBaseReport {
  readonly blobsUploaded: number;
  readonly bytesUploaded: number;
}

/**
 * Stores a built base in `target`: blobs the target lacks, each manifest by digest, the index by
 * digest, then the tag (moved only when it names other bytes). An unchanged base uploads nothing.
 */
export async function writeRuntimeBase(target: ContentRepository, image: RuntimeBaseImage, options: { tag: string; progress?: (message: string) => void }): Promise<WriteRuntimeBaseReport> {
  let blobsUploaded = 0;
  let bytesUploaded = 0;
  for (const platform of image.platforms) {
    for (const blob of [...platform.layers, platform.config]) {
      if (await target.hasBlob(blob.descriptor.digest)) continue;
      options.progress?.(`uploading ${blob.descriptor.digest.slice(0, 19)} (${blob.descriptor.size} bytes)`);
      await target.pushBlob(blob.descriptor, blob.data, { knownAbsent: true });
      blobsUploaded++;
      bytesUploaded += blob.descriptor.size;
    }
    if (!(await target.resolve(platform.manifest.descriptor.digest))) await target.pushManifest(platform.manifest.data, OCI_IMAGE_MANIFEST, platform.manifest.descriptor.digest);
  }
  if (!(await target.resolve(image.index.descriptor.digest))) await target.pushManifest(image.index.data, OCI_IMAGE_INDEX, image.index.descriptor.digest);
  if ((await target.resolve(options.tag))?.digest !== image.index.descriptor.digest) await target.pushManifest(image.index.data, OCI_IMAGE_INDEX, options.tag);
  return { blobsUploaded, bytesUploaded };
}
