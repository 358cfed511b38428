import { existsSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { LicenseServiceDefinition } from "../../schemas/license-service.js";
import { UserError } from "../errors.js";
import { listReleaseFiles, resolveReleaseFile } from "../release/release-files.js";
import { readYamlDocument } from "../release/read-yaml-document.js";
import { sourceDateEpoch } from "../synth/source-date-epoch.js";
import { synthesizeRelease, synthesizeVendor, type SynthesizedRelease } from "../synth/synth-release.js";
import { withSynthOutputLock } from "../synth/output-lock.js";
import { writeRelease, writeVendor } from "../synth/write-output.js";
import { runCli } from "./run.js";

const HELP = `Usage: npm run synth [-- --release <version|file>] [--out DIR] [--releases DIR] [--json]

Renders release definitions into dist/: for each release <version>,
  dist/<version>/config/                the Flux tree (the config bundle's content)
  dist/<version>/control-plane/         applied by the host bootstrap
  dist/<version>/release-manifest.json  what an appliance reads
  dist/<version>/iso/                   autoinstall seed and overlay (from releases/iso/appliance-iso.yaml)
  dist/<version>/oci/                   the bundle and release artifacts staged for publish, with
                                        release-inputs.json (the definition, profile and lock used)
and dist/vendor/ (the license service). Every object is validated against the upstream
Kubernetes and Flux schemas and the release policies before anything is written; a release that
fails leaves nothing of itself in the output (not even an earlier rendering).

  --release V     render one release: a version (releases/V.yaml) or a path to a release file
  --out DIR       output root (default: $CDK8S_OUTDIR or dist)
  --releases DIR  release definitions (default: releases)
  --json          print a JSON summary on stdout
  --help          show this help

Without --release, earlier synth output that this run did not produce is removed (other files in
the output root are never touched). Two synth runs into one output root render at once but write
one after the other (the second says it waits for the lock <out>/.synth.lock). SOURCE_DATE_EPOCH sets the
bundle's created time and tar mtimes (default: the epoch, so digests are reproducible).`;

/** A directory synth writes: a release (it holds release-manifest.json), vendor/, or a staging leftover. */
function isSynthOutput(path: string, name: string): boolean {
  return name === "vendor" || /^\..+\.tmp-[0-9a-f]+$/.test(name) || existsSync(join(path, "release-manifest.json"));
}

await runCli(
  HELP,
  { release: { type: "string" }, out: { type: "string" }, releases: { type: "string" } },
  async ({ values, output }) => {
    const releasesDir = resolve(values.releases ?? "releases");
    const outRoot = resolve(values.out ?? process.env["CDK8S_OUTDIR"] ?? "dist");
    const epoch = sourceDateEpoch();
    if (!existsSync(releasesDir)) throw new UserError(`${releasesDir}: no releases directory; pass --releases DIR`);
    const files = values.release ? [resolveReleaseFile(releasesDir, values.release)] : listReleaseFiles(releasesDir);
    if (files.length === 0) throw new UserError(`${releasesDir}: no release files (expected <version>.yaml)`);

    // Everything is rendered and validated in memory first; only then is anything written.
    const vendorFile = join(releasesDir, "vendor", "license-service.yaml");
    const vendorFiles = existsSync(vendorFile)
      ? synthesizeVendor(readYamlDocument(vendorFile, LicenseServiceDefinition, "license service definition"), "releases/vendor/license-service.yaml")
      : undefined;
    const written: SynthesizedRelease[] = [];
    const failures: { file: string; error: string }[] = [];
    for (const file of files) {
      output.progress(`synth ${basename(file)}`);
      try {
        written.push(synthesizeRelease(file, epoch));
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        failures.push({ file, error: error.message });
      }
    }

    // Written under the output root's lock: a concurrent synth waits, so each release directory
    // is one run's whole output and no run removes another's staging directory.
    const write = async () => {
      for (const release of written) await writeRelease(outRoot, release);
      const vendor = vendorFiles ? await writeVendor(outRoot, vendorFiles) : undefined;
      // A failed release leaves nothing behind, not even an older rendering of it.
      for (const failure of failures) await rm(join(outRoot, basename(failure.file).replace(/\.yaml$/, "")), { recursive: true, force: true });
      if (!values.release && existsSync(outRoot)) {
        // Recreated from scratch: earlier synth output that this run did not produce is removed.
        // Only what synth itself writes is touched, whatever else the directory holds.
        const keep = new Set([...written.map((release) => release.version), ...(vendor ? ["vendor"] : [])]);
        for (const entry of await readdir(outRoot)) {
          if (!keep.has(entry) && isSynthOutput(join(outRoot, entry), entry)) await rm(join(outRoot, entry), { recursive: true, force: true });
        }
      }
      return vendor;
    };
    // Nothing to write and no output root: nothing is created, not even the lock.
    const vendorDir = written.length > 0 || vendorFiles || existsSync(outRoot) ? await withSynthOutputLock(outRoot, output.progress, write) : undefined;

    const summary = {
      outDir: outRoot,
      releases: written.map((release) => ({
        version: release.version,
        dir: join(outRoot, release.version),
        files: release.files.size,
        configBundle: release.bundle.manifest.descriptor.digest,
        releaseArtifact: release.releaseArtifact.manifest.descriptor.digest,
        waivers: release.waivers,
      })),
      ...(vendorDir ? { vendor: vendorDir } : {}),
      failures,
    };
    if (failures.length > 0) {
      output.fail(failures.map((failure) => failure.error).join("\n"), summary);
    }
    const lines = summary.releases.map(
      (release) =>
        `${release.version}: ${release.files} files in ${release.dir}\n  config bundle    ${release.configBundle}\n  release artifact ${release.releaseArtifact}` +
        release.waivers
          .map((waiver) => `\n  waived ${waiver.policy} for ${waiver.object} (${waiver.covers.length} finding(s)${waiver.fields ? `: ${waiver.fields.join(", ")}` : ""}): ${waiver.reason}`)
          .join(""),
    );
    output.done(lines.join("\n"), summary);
  },
);
