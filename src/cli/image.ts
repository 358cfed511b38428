import { resolve } from "node:path";
import { UsageError } from "../errors.js";
import { runCli, type CliOutput, type CliValues } from "./run.js";
import { loadSigningKey } from "./key-files.js";
import { commandDeadline } from "./store-options.js";

const HELP = `Usage: npm run image -- --service status --release <version|file> [--platform P[,P…]]
                     [--registry HOST[:PORT]/NAMESPACE [--plain-http] | --oci-layout DIR] [--sign-key FILE] [--json]

Builds the status service's OCI image without a container engine: the release's Node.js base
image (statusService.build.base, pinned by digest) plus one deterministic layer holding the
service's bundle (app/status-service.cjs, owned by 65532, mtime SOURCE_DATE_EPOCH), run as
65532:65532 from /app, port 8090; an image index with one manifest per platform, each built on the
base index's matching manifest. Same checkout, base and SOURCE_DATE_EPOCH: same digests anywhere.
Stores it as alga-appliance-status:<version> with its SPDX 2.3 SBOM as an OCI referrer and, with a
key, a cosign attestation of the SBOM (in-toto statement in a DSSE envelope). Prints the image
reference with its digest. An image already stored is not uploaded again.

  --service NAME      the service to build: status
  --release V         version or release file whose base, version and source the image takes
  --platform LIST     comma-separated os/arch[/variant] (default linux/amd64,linux/arm64)
  --registry HOST[:PORT]/NAMESPACE   an OCI registry (credentials: OCI_USERNAME/OCI_PASSWORD, OCI_TOKEN, config.json)
  --plain-http        talk HTTP instead of HTTPS to --registry
  --oci-layout DIR    an OCI image layout directory (default: oci-layout/ beside the checkout)
  --sign-key FILE     attest the SBOM with this key (cosign.key or PKCS#8 PEM); default SIGNING_KEY_FILE
  --timeout DURATION  overall deadline (env ARK_TIMEOUT; default 5m)
  --json              print the reference, digests and SBOM summary as JSON
  --help              show this help

The Node.js runtime base itself is assembled from pinned Debian and npm packages by
npm run image -- base --definition releases/base/node22-debian12.yaml (see its --help).`;

const BASE_HELP = `Usage: npm run image -- base --definition FILE [--platform P[,P…]]
                     [--registry HOST[:PORT]/NAMESPACE [--plain-http] | --oci-layout DIR] [--json]

Assembles a Node.js runtime base image from a committed definition (releases/base/*.yaml), as
distroless does: the shared libraries, dynamic loader and copyright files of Debian packages pinned
by sha256, and the Node.js binary of npm's node-linux-<arch> pinned by its sha512 integrity; no
shell, no package manager; /etc/passwd with nonroot (65532), /tmp 01777, entrypoint /nodejs/bin/node.
Inputs are fetched once into ~/.cache/appliance-release-kit/inputs (ARK_CACHE_DIR overrides), keyed
by digest, and verified before every use: other bytes are refused, naming the package and both
digests. The result depends on the definition alone (mtimes 0, sorted entries, fixed owners): same
file, same digests on any machine. Stores it as <name>:<tag> and prints the reference with its digest.

  --definition FILE   the base definition (schema: schemas/node-runtime-base.schema.json)
  --platform LIST     comma-separated os/arch[/variant] (default: every platform of the definition)
  --registry HOST[:PORT]/NAMESPACE   an OCI registry (credentials: OCI_USERNAME/OCI_PASSWORD, OCI_TOKEN, config.json)
  --plain-http        talk HTTP instead of HTTPS to --registry
  --oci-layout DIR    an OCI image layout directory (default: oci-layout/ beside the checkout)
  --json              print the reference and digests as JSON
  --help              show this help`;

async function parsePlatforms(list: string | undefined) {
  if (list === undefined) return undefined;
  const { parsePlatform } = await import("../image/platform.js");
  try {
    return [...new Set(list.split(",").map((p) => p.trim()))].map(parsePlatform);
  } catch (error) {
    throw new UsageError(`--platform: ${(error as Error).message}`);
  }
}

const BASE_OPTIONS = {
  definition: { type: "string" },
  platform: { type: "string" },
  registry: { type: "string" },
  "plain-http": { type: "boolean" },
  "oci-layout": { type: "string" },
} as const;

/** `image base`: assembles a Node.js runtime base from its definition and stores it. */
async function baseCommand({ values, output }: { values: CliValues<typeof BASE_OPTIONS>; output: CliOutput }): Promise<void> {
  if (!values.definition) throw new UsageError(`--definition FILE is required: the base definition to build (e.g. releases/base/node22-debian12.yaml)\n\n${BASE_HELP}`);
  if (values.registry && values["oci-layout"]) throw new UsageError("give either --registry or --oci-layout, not both");
  if (values["plain-http"] && !values.registry) throw new UsageError("--plain-http applies only with --registry");
  const platforms = await parsePlatforms(values.platform);
  const { resolveBase } = await import("../distribution/runtime-base.js");
  const { writeRuntimeBase } = await import("../image/node-runtime-base.js");
  const { formatPlatform } = await import("../image/platform.js");
  const { statusImageTarget } = await import("../distribution/status-image-target.js");
  const started = performance.now();
  const base = await resolveBase(resolve(values.definition), { ...(platforms ? { platforms } : {}), progress: output.progress });
  const seconds = (performance.now() - started) / 1000;
  // The deadline covers storing only: assembling 120 MB per platform takes its time on a busy machine.
  const deadline = commandDeadline(undefined);
  const target = statusImageTarget(
    { ...(values.registry ? { registry: values.registry } : { ociLayout: values["oci-layout"] ?? "oci-layout" }), ...(values["plain-http"] ? { plainHttp: true } : {}), deadline },
    base.definition.name,
  );
  output.progress(`storing ${base.digest} in ${target.repository.location}`);
  const written = await target.run(() => writeRuntimeBase(target.repository, base.image, { tag: base.definition.tag, progress: output.progress }));
  const reference = `${target.dockerReference}:${base.definition.tag}@${base.digest}`;
  const platformsOut = base.image.platforms.map((image) => ({
    platform: formatPlatform(image.platform),
    digest: image.manifest.descriptor.digest,
    compressedBytes: image.layers.reduce((sum, layer) => sum + layer.descriptor.size, 0),
  }));
  output.done(
    [
      reference,
      ...platformsOut.map((p) => `  ${p.platform}: ${p.digest} (${(p.compressedBytes / 1e6).toFixed(1)} MB compressed)`),
      `  built in ${seconds.toFixed(1)} s; uploaded ${written.blobsUploaded} blob(s), ${written.bytesUploaded} bytes`,
    ].join("\n"),
    { reference, digest: base.digest, platforms: platformsOut, ...written, target: target.repository.location, definition: values.definition },
  );
}

const SERVICE_OPTIONS = {
  service: { type: "string" },
  release: { type: "string" },
  platform: { type: "string" },
  registry: { type: "string" },
  "plain-http": { type: "boolean" },
  "oci-layout": { type: "string" },
  "sign-key": { type: "string" },
  timeout: { type: "string" },
} as const;

/** `image --service status`: builds the service's image on the release's base and stores it. */
async function serviceCommand({ values, output }: { values: CliValues<typeof SERVICE_OPTIONS>; output: CliOutput }): Promise<void> {
  if (values.service === undefined) throw new UsageError(`--service is required (the one service the kit builds: status)\n\n${HELP}`);
  if (values.service !== "status") throw new UsageError(`--service "${values.service}": the kit builds one service image, status`);
  if (!values.release) throw new UsageError(`--release V|FILE is required: the image takes its base, version and source from the release\n\n${HELP}`);
  if (values.registry && values["oci-layout"]) throw new UsageError("give either --registry or --oci-layout, not both");
  if (values["plain-http"] && !values.registry) throw new UsageError("--plain-http applies only with --registry");
  const { formatPlatform } = await import("../image/platform.js");
  const { DEFAULT_PLATFORMS } = await import("../distribution/status-service-image.js");
  const platforms = (await parsePlatforms(values.platform)) ?? DEFAULT_PLATFORMS;
  const deadline = commandDeadline(values.timeout);
  const signKeyFile = values["sign-key"] ?? process.env["SIGNING_KEY_FILE"];
  const signingKey = signKeyFile ? await loadSigningKey(signKeyFile, "--sign-key") : undefined;

  const { loadRelease } = await import("../release/load-release.js");
  const { resolveReleaseFile } = await import("../release/release-files.js");
  const { sourceDateEpoch } = await import("../synth/source-date-epoch.js");
  const { projectRoot } = await import("../project-root.js");
  const { buildStatusImage, pushStatusImage, readServiceBundle } = await import("../distribution/status-service-image.js");
  const { statusImageTarget } = await import("../distribution/status-image-target.js");
  const release = loadRelease(resolveReleaseFile(resolve("releases"), values.release));
  const target = statusImageTarget(
    { ...(values.registry ? { registry: values.registry } : { ociLayout: values["oci-layout"] ?? "oci-layout" }), ...(values["plain-http"] ? { plainHttp: true } : {}), deadline },
    release.definition.statusService.image,
  );
  output.progress(`building the status image of ${release.definition.version} for ${platforms.map(formatPlatform).join(", ")}`);
  const { releaseBaseRepository } = await import("../distribution/kit-image-build.js");
  // A base the kit assembles (build.baseDefinition) is read from its cache, else from its registry.
  const baseRepository = release.definition.statusService.build ? await releaseBaseRepository(release, { progress: output.progress }, deadline) : undefined;
  const built = await buildStatusImage({ release, bundle: readServiceBundle(projectRoot()), platforms, epochSeconds: sourceDateEpoch(), deadline, ...(baseRepository ? { baseRepository } : {}) });
  output.progress(`storing ${built.image.index.descriptor.digest} in ${target.repository.location}`);
  const pushed = await target.run(() =>
    pushStatusImage(target.repository, built, {
      tag: release.definition.version,
      dockerReference: target.dockerReference,
      progress: output.progress,
      ...(signingKey ? { signingKey } : {}),
    }),
  );
  const reference = `${target.dockerReference}:${release.definition.version}@${pushed.digest}`;
  output.done(
    [
      reference,
      ...pushed.platforms.map((p) => `  ${p.platform}: ${p.digest}`),
      `  base: ${built.base.reference}`,
      `  uploaded ${pushed.blobsUploaded} blob(s), ${pushed.bytesUploaded} bytes`,
      `  sbom: ${pushed.sbom} (SPDX 2.3, ${pushed.packages} npm package(s))${pushed.attestation ? `, attested ${pushed.attestation}` : ", not attested (no --sign-key)"}`,
    ].join("\n"),
    { reference, ...pushed, base: built.base.reference, target: target.repository.location },
  );
}

const subcommand = process.argv[2] === "base" ? "base" : undefined;
await runCli(
  subcommand === "base" ? BASE_HELP : HELP,
  (subcommand === "base" ? BASE_OPTIONS : SERVICE_OPTIONS) as typeof BASE_OPTIONS & typeof SERVICE_OPTIONS,
  (args) => (subcommand === "base" ? baseCommand(args) : serviceCommand(args)),
  process.argv.slice(subcommand === "base" ? 3 : 2),
);
