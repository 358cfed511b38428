import { existsSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { LicenseServiceDefinition } from "../../schemas/license-service.js";
import { UserError } from "../errors.js";
import { listReleaseFiles, resolveReleaseFile } from "../release/load-release.js";
import { readYamlDocument } from "../release/read-yaml-document.js";
import { sourceDateEpoch } from "../synth/source-date-epoch.js";
import { synthesizeRelease, synthesizeVendor, type SynthesizedRelease } from "../synth/synth-release.js";
import { writeRelease, writeVendor } from "../synth/write-output.js";
import { runCli } from "./run.js";

const HELP = `Usage: npm run synth [-- --release <version|file>] [--out DIR] [--releases DIR] [--json]

Renders release definitions into dist/: for each release <version>,
  dist/<version>/config/                the Flux tree (the config bundle's content)
  dist/<version>/control-plane/         applied by the host bootstrap
  dist/<version>/release-manifest.json  what an appliance reads
  dist/<version>/oci/                   the bundle and release artifacts, staged for publish
and dist/vendor/ (the license service). Every object is validated against the upstream
Kubernetes and Flux schemas and the release policies before anything is written.

  --release V     render one release: a version (releases/V.yaml) or a path to a release file
  --out DIR       output root (default: $CDK8S_OUTDIR or dist)
  --releases DIR  release definitions (default: releases)
  --json          print a JSON summary on stdout
  --help          show this help

Without --release the output root is recreated from scratch. SOURCE_DATE_EPOCH sets the
bundle's created time and tar mtimes (default: the epoch, so digests are reproducible).`;

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

    const written: SynthesizedRelease[] = [];
    const failures: { file: string; error: string }[] = [];
    for (const file of files) {
      output.progress(`synth ${basename(file)}`);
      // A failed release leaves nothing behind, not even an older rendering of it.
      const staleDir = join(outRoot, basename(file).replace(/\.yaml$/, ""));
      try {
        const release = synthesizeRelease(file, epoch);
        await writeRelease(outRoot, release);
        written.push(release);
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        await rm(staleDir, { recursive: true, force: true });
        failures.push({ file, error: error.message });
      }
    }

    const vendorFile = join(releasesDir, "vendor", "license-service.yaml");
    let vendorDir: string | undefined;
    if (existsSync(vendorFile)) {
      const licenseService = readYamlDocument(vendorFile, LicenseServiceDefinition, "license service definition");
      vendorDir = await writeVendor(outRoot, synthesizeVendor(licenseService, "releases/vendor/license-service.yaml"));
    }

    if (!values.release) {
      // Recreated from scratch: nothing from an earlier run survives.
      const keep = new Set([...written.map((release) => release.version), "vendor"]);
      for (const entry of await readdir(outRoot)) if (!keep.has(entry)) await rm(join(outRoot, entry), { recursive: true, force: true });
    }

    const summary = {
      outDir: outRoot,
      releases: written.map((release) => ({
        version: release.version,
        dir: join(outRoot, release.version),
        files: release.files.size,
        configBundle: release.bundle.manifest.descriptor.digest,
        releaseArtifact: release.releaseArtifact.manifest.descriptor.digest,
      })),
      ...(vendorDir ? { vendor: vendorDir } : {}),
      failures,
    };
    if (failures.length > 0) {
      output.fail(failures.map((failure) => failure.error).join("\n"), summary);
    }
    const lines = summary.releases.map(
      (release) => `${release.version}: ${release.files} files in ${release.dir}\n  config bundle    ${release.configBundle}\n  release artifact ${release.releaseArtifact}`,
    );
    output.done(lines.join("\n"), summary);
  },
);
