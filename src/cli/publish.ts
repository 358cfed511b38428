import { resolve } from "node:path";
import { ReleaseVersion } from "../../schemas/common.js";
import { UsageError } from "../errors.js";
import { DEFAULT_LAYOUT_DIR, openReleaseStore } from "../distribution/release-store.js";
import { assertPublishable, publishRelease } from "../distribution/publish-release.js";
import { openStagedRelease } from "../distribution/staged-release.js";
import { listReleaseFiles, loadRelease, resolveReleaseFile } from "../release/load-release.js";
import { runCli } from "./run.js";
import { channelName, STORE_FLAGS, STORE_HELP, storeOptions } from "./store-options.js";

const HELP = `Usage: npm run publish [-- --release <version|file>] [--registry HOST[:PORT]/NAMESPACE [--plain-http]]
                       [--oci-layout DIR] [--channel NAME]... [--dist DIR] [--dry-run] [--json]

Publishes what npm run synth staged in dist/<version>/: the config bundle as
alga-appliance-config:<version> and the release manifest as alga-appliance-release:<version>.
Order: blobs, bundle manifest, release manifest, version tags, then channel tags last.
Version tags are immutable: an unchanged release uploads nothing; a changed one is refused.

  --release V        version or release file (default: every release in releases/)
${STORE_HELP}
                     (default: ${DEFAULT_LAYOUT_DIR}/ beside the checkout, when no --registry is given)
  --channel NAME     also point this channel tag at the release (repeatable)
  --dist DIR         where synth wrote its output (default: dist)
  --dry-run          report what would be uploaded; write nothing
  --json             print the references and digests as JSON
  --help             show this help`;

await runCli(
  HELP,
  { ...STORE_FLAGS, release: { type: "string" }, channel: { type: "string", multiple: true }, dist: { type: "string" }, "dry-run": { type: "boolean" } },
  async ({ values, output }) => {
    const channels = (values.channel ?? []).map(channelName);
    const versions = values.release
      ? [versionOf(values.release)]
      : listReleaseFiles(resolve("releases")).map((file) => loadRelease(file).definition.version);
    if (channels.length > 0 && versions.length !== 1) throw new UsageError("--channel needs exactly one --release");
    const store = openReleaseStore(storeOptions(values, output), DEFAULT_LAYOUT_DIR);
    // Every release is opened and checked against the target's version tags before anything is
    // uploaded, so one refused release does not leave the others half published.
    const staged = [];
    for (const version of versions) staged.push(await openStagedRelease(resolve(values.dist ?? "dist"), version));
    await store.check();
    const checks = [];
    for (const release of staged) checks.push(await assertPublishable(release, store));
    const reports = [];
    for (const [index, release] of staged.entries()) {
      output.progress(`publishing ${release.version} to ${store.location}`);
      reports.push(await publishRelease(release, store, { channels, dryRun: values["dry-run"] ?? false, progress: output.progress, checked: checks[index]! }));
    }
    const lines = reports.flatMap((report) => [
      `${report.version}: ${report.dryRun ? "dry run, would upload" : report.alreadyPublished ? "already published, uploaded" : "published, uploaded"} ${report.blobsUploaded} blob(s), ${report.bytesUploaded} bytes` +
        (report.blobsMounted > 0 ? `, mounted ${report.blobsMounted}` : ""),
      `  ${report.configBundle.reference}@${report.configBundle.digest}`,
      `  ${report.releaseArtifact.reference}@${report.releaseArtifact.digest}`,
      ...report.channels.map((channel) => `  ${channel.reference} ${report.dryRun ? "would point at" : "->"} ${report.version}`),
    ]);
    output.done(lines.join("\n"), { target: store.location, releases: reports });
  },
);

function versionOf(release: string): string {
  if (release.endsWith(".yaml") || release.includes("/")) return loadRelease(resolveReleaseFile(resolve("releases"), release)).definition.version;
  const parsed = ReleaseVersion.safeParse(release);
  if (!parsed.success) throw new UsageError(`--release "${release}": ${parsed.error.issues[0]?.message ?? "invalid version"}`);
  return release;
}
