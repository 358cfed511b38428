import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { ReleaseVersion } from "../../schemas/common.js";
import { UsageError, UserError } from "../errors.js";
import { BOOTSTRAP_ARCHIVE_NAME, K3S_IMAGES_DIRECTORY } from "../iso/k3s-node.js";
import { runCli, type CliOutput, type CliValues } from "./run.js";
import { loadVerificationKeys } from "./key-files.js";
import { channelName, commandDeadline, storeOptions } from "./store-options.js";

const EXPORT_HELP = `Usage: npm run airgap -- export --release V (--registry HOST[:PORT]/NAMESPACE [--plain-http] | --oci-layout DIR)
                      (--out FILE.tar | --layout-out DIR) [--platform OS/ARCH[,…]] [--mirror DIR]
                      [--since V0] [--channel NAME] [--max-layer-size BYTES] [--releases DIR] [--timeout D] [--json]

Writes the whole of a release as one OCI image layout packed as a tar, for an appliance with no
network: every image the lock (releases/V.lock.yaml) pins (for an image index: the index and the
chosen platforms' manifests and blobs), every chart, the release artifact and config bundle read
from the release store (--registry/--oci-layout, where publish put them), and the signatures of
all of them (cosign .sig images and sigstore bundle referrers). Each blob once. The same lock,
store and platforms give the same bytes on any machine (the digest is printed).

index.json names every image by its full reference (io.containerd.image.name and
org.opencontainers.image.ref.name: repo:tag and repo@sha256:…), so \`ctr -n k8s.io images import\`
and k3s's auto-import (/var/lib/rancher/k3s/agent/images/) serve pinned pods with no network.

  --release V            the release version (releases/V.yaml and its lock)
  --registry HOST/NS     the release store holding the release artifact (or --oci-layout DIR;
                         --plain-http for a registry over HTTP)
  --out FILE.tar         the archive (written via FILE.tar.partial; an interrupted export resumes,
                         keeping every blob already written and verified)
  --layout-out DIR       write an OCI image layout directory instead (blobs already there are kept)
  --platform LIST        platforms to keep from image indexes (default linux/amd64)
  --mirror DIR           read images and charts from this OCI layout (e.g. an earlier --layout-out)
                         instead of their registries
  --since V0             a delta: leave out every blob V0's archive (same platforms) holds, which an
                         appliance on V0 already has; import refuses it where V0's content is missing
  --channel NAME         carry the channel's current signed statement (and its signatures), which
                         import --channel NAME needs; refused unless the channel points at --release
  --max-layer-size N     ceiling for one image layer, in bytes (default 8 GiB)
  --releases DIR         release definitions (default: releases)
  --timeout D            overall deadline (default 2h)

Images and charts are read from the registries the lock names, each host with its own docker
config.json credentials (as lock does); loopback registries over plain HTTP. The total size is
printed first and free disk checked; progress (bytes, rate, ETA) goes to stderr.`;

const IMPORT_HELP = `Usage: npm run airgap -- import --file FILE.tar (--registry HOST[:PORT][/NAMESPACE] [--plain-http] | --oci-layout DIR)
                      [--verify-key FILE]… [--identity HOST[:PORT]/NAMESPACE] [--channel NAME]
                      [--max-layer-size BYTES] [--timeout D] [--json]

Checks the whole archive first: its tar (only an OCI layout's files; no links, no other paths),
every blob against its digest, every manifest and what it references, declared sizes, each name
once, and with --verify-key the release's and config bundle's cosign signatures. Only then pushes:
blobs the registry lacks, manifests by digest, version tags, and the channel tag last. A refused
import writes nothing; an interrupted one leaves no tag naming missing content.

Images keep their repository paths (ghcr.io/nine-minds/x → HOST/nine-minds/x), so a node mirroring
their registries to HOST finds them; the release and config bundle go under HOST/NAMESPACE, where
pull reads them.

With --oci-layout DIR the archive goes into one OCI image layout instead, named as the archive names
it (full references, io.containerd.image.name on images: what export --layout-out writes; skopeo
reads oci:DIR:REFERENCE, and a later export can read it with --mirror DIR). Blob files go in first,
each hashed while written; index.json gets every new reference at once, last, under the layout's lock.

  --file FILE.tar        the archive
  --registry HOST/NS     the registry to import into (credentials: OCI_USERNAME/OCI_PASSWORD, OCI_TOKEN,
                         docker's config.json)
  --plain-http           talk HTTP to --registry
  --oci-layout DIR       import into this OCI image layout (created when missing) instead of a registry
  --verify-key FILE      refuse unless the release and config bundle carry a cosign signature by this key
  --identity HOST/NS     the registry namespace the signatures name (cosign's docker-reference);
                         default: the registry namespace the archive was exported from
  --channel NAME         point this channel at the archive's release, last: needs the channel's signed
                         statement in the archive (export --channel NAME), checked as pull checks it
  --max-layer-size N     ceiling for one image layer, in bytes (default 8 GiB)
  --timeout D            overall deadline (default 2h)`;

// ── bootstrap (issue 18, point 5): the offline ISO's bootstrap images ──
const BOOTSTRAP_HELP = `Usage: npm run airgap -- bootstrap --release V (--overlay DIR | --out FILE.tar) [--platform OS/ARCH[,…]]
                      [--mirror DIR] [--max-layer-size BYTES] [--releases DIR] [--timeout D] [--json]

Writes the images an offline appliance (distribution: {mode: offline} in releases/V.yaml) needs
before its local registry holds anything: the local registry, the control plane and the status
service, at the digests the release or its lock pins, as one OCI archive and nothing else. k3s
imports it from ${K3S_IMAGES_DIRECTORY}/ when it starts, so they run with no network;
index.json names each as repo:tag and repo@sha256:… (io.containerd.image.name). Same pins and
platforms, same bytes. synth renders the rest of the ISO overlay; this step needs the images' bytes.

  --release V            an offline release (releases/V.yaml and its lock)
  --overlay DIR          the ISO overlay (e.g. dist/V/iso/overlay, after synth): writes
                         DIR/${K3S_IMAGES_DIRECTORY}/${BOOTSTRAP_ARCHIVE_NAME}
  --out FILE.tar         write the archive here instead
  --platform LIST        platforms to keep from image indexes (default linux/amd64)
  --mirror DIR           read the images from this OCI layout (e.g. an export --layout-out)
                         instead of their registries
  --max-layer-size N     ceiling for one image layer, in bytes (default 8 GiB)
  --releases DIR         release definitions (default: releases)
  --timeout D            overall deadline (default 2h)`;

const BOOTSTRAP_OPTIONS = {
      release: { type: "string" },
      overlay: { type: "string" },
      out: { type: "string" },
      platform: { type: "string" },
      mirror: { type: "string" },
      "max-layer-size": { type: "string" },
      releases: { type: "string" },
      timeout: { type: "string" },
} as const;

async function bootstrapCommand({ values, output }: { values: CliValues<typeof BOOTSTRAP_OPTIONS>; output: CliOutput }): Promise<void> {
      const { DEFAULT_IMAGE_LAYER_CEILING, DEFAULT_PLATFORMS } = await import("../airgap/vocabulary.js");
      if (!values.release) throw new UsageError(`--release is required\n\n${BOOTSTRAP_HELP}`);
      if (!ReleaseVersion.safeParse(values.release).success) throw new UsageError(`--release "${values.release}" is not a release version (e.g. 1.0.0)`);
      if ((values.out === undefined) === (values.overlay === undefined)) throw new UsageError(`give exactly one of --overlay DIR and --out FILE.tar\n\n${BOOTSTRAP_HELP}`);
      const out = values.out !== undefined ? refuseExistingOut(values.out) : join(resolve(values.overlay!), K3S_IMAGES_DIRECTORY, BOOTSTRAP_ARCHIVE_NAME);
      const { exportBootstrap } = await import("../airgap/export-bootstrap.js");
      const result = await exportBootstrap({
        releasesDir: resolve(values.releases ?? "releases"),
        version: values.release,
        out,
        platforms: platformList(values.platform, DEFAULT_PLATFORMS),
        layerCeiling: layerCeiling(values["max-layer-size"], DEFAULT_IMAGE_LAYER_CEILING),
        ...(values.mirror ? { mirror: resolve(values.mirror) } : {}),
        deadline: commandDeadline(values.timeout ?? DEFAULT_AIRGAP_TIMEOUT),
        progress: output.progress,
        terminal: Boolean(process.stderr.isTTY) && !output.json,
      });
      output.done(`${result.path}: bootstrap images of ${values.release} (${result.images.join(", ")}), ${result.blobs} blob(s), ${result.blobBytes} bytes, ${result.digest}`, { ...result });
}
// ── end bootstrap ──

const HELP = `Usage: npm run airgap -- (export | import | bootstrap) [flags]   (--help after a subcommand for its flags)

${EXPORT_HELP}

${IMPORT_HELP}

${BOOTSTRAP_HELP}`;

const DEFAULT_AIRGAP_TIMEOUT = "2h";

function layerCeiling(value: string | undefined, defaultValue: number): number {
  if (value === undefined) return defaultValue;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--max-layer-size "${value}": must be a positive whole number of bytes`);
  return n;
}

function platformList(value: string | undefined, defaults: readonly string[]): string[] {
  if (value === undefined) return [...defaults];
  const list = value.split(",").map((p) => p.trim());
  for (const platform of list) {
    if (!/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(platform)) throw new UsageError(`--platform "${platform}": write os/architecture[/variant], e.g. linux/amd64`);
  }
  return [...new Set(list)].sort();
}

const subcommand = process.argv[2];
const argv = process.argv.slice(3);

const EXPORT_OPTIONS = {
      release: { type: "string" },
      registry: { type: "string" },
      "plain-http": { type: "boolean" },
      "oci-layout": { type: "string" },
      out: { type: "string" },
      "layout-out": { type: "string" },
      platform: { type: "string" },
      mirror: { type: "string" },
      since: { type: "string" },
      channel: { type: "string" },
      "max-layer-size": { type: "string" },
      releases: { type: "string" },
      timeout: { type: "string" },
} as const;

/** An existing --out is refused as every command refuses it (exit 1): an archive is never silently replaced. */
function refuseExistingOut(file: string): string {
  const path = resolve(file);
  if (existsSync(path)) throw new UserError(`--out ${path} already exists; move it away or choose another --out`);
  return path;
}

async function exportCommand({ values, output }: { values: CliValues<typeof EXPORT_OPTIONS>; output: CliOutput }): Promise<void> {
      const { DEFAULT_IMAGE_LAYER_CEILING, DEFAULT_PLATFORMS } = await import("../airgap/vocabulary.js");
      if (!values.release) throw new UsageError(`--release is required\n\n${EXPORT_HELP}`);
      if (!ReleaseVersion.safeParse(values.release).success) throw new UsageError(`--release "${values.release}" is not a release version (e.g. 1.0.0)`);
      if ((values.out === undefined) === (values["layout-out"] === undefined)) throw new UsageError(`give exactly one of --out FILE.tar and --layout-out DIR\n\n${EXPORT_HELP}`);
      if (!values.registry && !values["oci-layout"]) throw new UsageError(`name the release store: --registry HOST/NAMESPACE or --oci-layout DIR\n\n${EXPORT_HELP}`);
      if (values.channel) channelName(values.channel);
      if (values.since !== undefined && !ReleaseVersion.safeParse(values.since).success) throw new UsageError(`--since "${values.since}" is not a release version`);
      const platforms = platformList(values.platform, DEFAULT_PLATFORMS);
      const ceiling = layerCeiling(values["max-layer-size"], DEFAULT_IMAGE_LAYER_CEILING);
      const { exportRelease } = await import("../airgap/export-release.js");
      const result = await exportRelease({
        releasesDir: resolve(values.releases ?? "releases"),
        version: values.release,
        store: storeOptions({ ...values, timeout: values.timeout ?? DEFAULT_AIRGAP_TIMEOUT }, output),
        ...(values.out ? { out: refuseExistingOut(values.out) } : { layoutOut: resolve(values["layout-out"]!) }),
        platforms,
        layerCeiling: ceiling,
        ...(values.mirror ? { mirror: resolve(values.mirror) } : {}),
        ...(values.since ? { since: values.since } : {}),
        ...(values.channel ? { channel: values.channel } : {}),
        progress: output.progress,
        terminal: Boolean(process.stderr.isTTY) && !output.json,
      });
      output.done(
        `${result.path}: release ${values.release}, ${result.entries} reference(s), ${result.blobs} blob(s), ${result.blobBytes} bytes${result.digest ? `, ${result.digest}` : ""}`,
        { ...result },
      );
}

const IMPORT_OPTIONS = {
      file: { type: "string" },
      registry: { type: "string" },
      "plain-http": { type: "boolean" },
      "oci-layout": { type: "string" },
      "verify-key": { type: "string", multiple: true },
      identity: { type: "string" },
      channel: { type: "string" },
      "max-layer-size": { type: "string" },
      timeout: { type: "string" },
} as const;

async function importCommand({ values, output }: { values: CliValues<typeof IMPORT_OPTIONS>; output: CliOutput }): Promise<void> {
      const { DEFAULT_IMAGE_LAYER_CEILING } = await import("../airgap/vocabulary.js");
      if (!values.file) throw new UsageError(`--file FILE.tar is required\n\n${IMPORT_HELP}`);
      if ((values.registry === undefined) === (values["oci-layout"] === undefined)) throw new UsageError(`give exactly one of --registry HOST[:PORT][/NAMESPACE] and --oci-layout DIR\n\n${IMPORT_HELP}`);
      if (values["oci-layout"] !== undefined && values["plain-http"]) throw new UsageError("--plain-http applies only with --registry");
      if (values.channel) channelName(values.channel);
      const keys = loadVerificationKeys(values["verify-key"] ?? [], "--verify-key");
      if (values.identity && keys.length === 0) throw new UsageError("--identity applies only with --verify-key");
      const ceiling = layerCeiling(values["max-layer-size"], DEFAULT_IMAGE_LAYER_CEILING);
      const { importRelease } = await import("../airgap/import-release.js");
      const report = await importRelease({
        file: resolve(values.file),
        ...(values.registry !== undefined ? { registry: values.registry } : { layout: resolve(values["oci-layout"]!) }),
        plainHttp: values["plain-http"] ?? false,
        keys,
        ...(values.identity ? { identity: values.identity } : {}),
        ...(values.channel ? { channel: values.channel } : {}),
        layerCeiling: ceiling,
        deadline: commandDeadline(values.timeout ?? DEFAULT_AIRGAP_TIMEOUT),
        progress: output.progress,
        terminal: Boolean(process.stderr.isTTY) && !output.json,
      });
      output.done(
        `${values.file} → ${values.registry ?? values["oci-layout"]}: ${report.blobsSent} blob(s) sent (${report.bytesSent} bytes), ${report.blobsPresent} already there, ${report.manifests} manifest(s), ${report.tags.length} tag(s)${report.verified ? "; signatures verified" : ""}`,
        { ...report },
      );
}

const SUBCOMMANDS = ["export", "import", "bootstrap"];
if (!SUBCOMMANDS.includes(subcommand ?? "")) {
  if (subcommand === "--help" || subcommand === "-h") process.stdout.write(`${HELP}\n`);
  else {
    process.stderr.write(`error: ${subcommand === undefined ? "name a subcommand" : `unknown subcommand "${subcommand}"`}: export, import or bootstrap\n\n${HELP}\n`);
    process.exitCode = 2;
  }
}

// One top-level runCli (the build starts it without awaiting; see bin/build.mjs).
await runCli(
  subcommand === "import" ? IMPORT_HELP : subcommand === "bootstrap" ? BOOTSTRAP_HELP : EXPORT_HELP,
  (subcommand === "import" ? IMPORT_OPTIONS : subcommand === "bootstrap" ? BOOTSTRAP_OPTIONS : EXPORT_OPTIONS) as typeof EXPORT_OPTIONS & typeof IMPORT_OPTIONS & typeof BOOTSTRAP_OPTIONS,
  (args) =>
    subcommand === "import" ? importCommand(args) : subcommand === "export" ? exportCommand(args) : subcommand === "bootstrap" ? bootstrapCommand(args) : undefined,
  SUBCOMMANDS.includes(subcommand ?? "") ? argv : [],
);
