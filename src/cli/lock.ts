import { writeFileSync, renameSync } from "node:fs";
import { basename, resolve } from "node:path";
import { UsageError, UserError } from "../errors.js";
import { checkLock } from "../distribution/lock-check.js";
import { lockRelease, serializeLock } from "../distribution/lock-release.js";
import { ReferenceRegistries } from "../distribution/reference-registries.js";
import { lockFileFor, resolveReleaseFile } from "../release/release-files.js";
import { loadRelease } from "../release/load-release.js";
import { releaseReferences } from "../synth/release-references.js";
import { readServiceBundle } from "../distribution/status-service-image.js";
import { projectRoot } from "../project-root.js";
import { sourceDateEpoch } from "../synth/source-date-epoch.js";
import { runCli } from "./run.js";
import { commandDeadline, DEFAULT_TIMEOUT } from "./store-options.js";

const HELP = `Usage: npm run lock -- --release <version|file> [--check] [--offline] [--base-layout DIR] [--concurrency N] [--timeout D] [--json]

Resolves every image (components, control plane, every image of a rendered pod template) and every
chart (OCI, under chartRepository) of a release to a manifest digest with registry HEAD requests,
and writes releases/<version>.lock.yaml beside the release: reference, digest, media type (for a
multi-platform image: the index digest and its platforms). synth then renders repo:tag@sha256:…
and records the digests in the release manifest, without touching the network.
A digest the release already pins is checked by digest and kept.
The image the kit builds itself (statusService.build) is not looked up: lock builds it (its base from
--base-layout, else assembled from build.baseDefinition, else from the base's registry; the service's
bundle; SOURCE_DATE_EPOCH) and records the digest it built and what from (base and application layer
digests); synth pins that digest and publish pushes exactly that image.

  --release V        version (releases/V.yaml) or path to a release file
  --check            write nothing; re-resolve every tag and exit 1 when one moved since the lock
                     (or is missing, refused, or not locked); exit 2 when the only problem is
                     that registries could not be reached (nothing is known to have moved)
  --offline          ask no registry: take the digests the release itself pins (all must be pinned);
                     a kit-built image needs build.baseDefinition or --base-layout
  --base-layout DIR  read statusService.build.base from this OCI image layout (a mirror), not its
                     definition or registry
  --concurrency N    requests in flight (default 8)
  --timeout D        overall deadline, e.g. 90s or 10m (env ARK_TIMEOUT; default ${DEFAULT_TIMEOUT})
  --releases DIR     release definitions (default: releases)
  --json             print the lock (or the drift) as JSON
  --help             show this help

Credentials: each registry host its own docker config.json entry (docker login HOST), else anonymous;
OCI_USERNAME/OCI_PASSWORD/OCI_TOKEN are never sent to the registries a release references.
Loopback registries (127.0.0.0/8, localhost, [::1]) are spoken to over plain HTTP, all others over HTTPS.`;

await runCli(
  HELP,
  { release: { type: "string" }, check: { type: "boolean" }, offline: { type: "boolean" }, "base-layout": { type: "string" }, concurrency: { type: "string" }, releases: { type: "string" }, timeout: { type: "string" } },
  async ({ values, output }) => {
    if (!values.release) throw new UsageError(`--release is required\n\n${HELP}`);
    if (values.check && values.offline) throw new UsageError("--check re-resolves tags and cannot be --offline");
    const concurrency = values.concurrency === undefined ? 8 : Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new UsageError(`--concurrency "${values.concurrency}": must be a whole number from 1 to 64`);
    const file = resolveReleaseFile(resolve(values.releases ?? "releases"), values.release);
    const loaded = loadRelease(file);
    const registries = new ReferenceRegistries({ deadline: commandDeadline(values.timeout) });
    const lockFile = lockFileFor(file);
    // Only a release whose status image the kit builds reads the service's bundle.
    const kitImage = loaded.definition.statusService.build
      ? { bundle: readServiceBundle(projectRoot()), epochSeconds: sourceDateEpoch(), progress: output.progress, ...(values["base-layout"] ? { baseLayout: values["base-layout"] } : {}) }
      : undefined;
    if (values["base-layout"] && !kitImage) throw new UsageError(`--base-layout: ${basename(file)} has no statusService.build, so lock builds no image`);

    if (values.check) {
      if (!loaded.lock) throw new UserError(`${lockFile}: no lock file to check; run npm run lock -- --release ${loaded.definition.version}`);
      output.progress(`checking ${basename(lockFile)}`);
      const { drift, lookups } = await checkLock(loaded.lock.lock, releaseReferences(loaded.definition, loaded.profile), {
        registries,
        concurrency,
        progress: output.progress,
        ...(kitImage ? { kitImage: { release: loaded, inputs: kitImage } } : {}),
      });
      const result = { release: loaded.definition.version, lockFile, drift };
      // Only unreachable registries: nothing is known to have moved, and "re-lock" would be the wrong fix.
      if (drift.length > 0 && drift.every((d) => d.problem === "unreachable")) {
        const hosts = [...new Set(lookups.filter((l) => l.status === "unreachable").map((l) => l.reference.registry))].sort();
        output.fail(
          `${lockFile}: the registries could not be reached (${hosts.join(", ")}), so ${drift.length} reference(s) could not be checked and nothing is known to have moved:\n` +
            `${drift.map((d) => `  ${d.reference}: ${d.detail ?? "unreachable"}`).join("\n")}\nCheck the network (or the registries), then run npm run lock -- --release ${loaded.definition.version} --check again`,
          { ...result, unreachable: hosts },
          2,
        );
      }
      if (drift.length > 0) {
        const lines = drift.map((d) =>
          d.problem === "moved"
            ? `  ${d.reference} moved: locked ${d.locked}, now ${d.current}`
            : d.problem === "stale-build"
              ? `  ${d.reference} is stale: the lock pins the build ${d.locked}, but the kit now builds ${d.current} (${d.detail})`
              : `  ${d.reference}: ${d.problem}${d.detail ? `: ${d.detail}` : ""}`,
        );
        output.fail(`${lockFile}: ${drift.length} reference(s) differ from the lock:\n${lines.join("\n")}\nRe-lock deliberately with npm run lock -- --release ${loaded.definition.version}`, result);
      }
      output.done(`${lockFile}: every tag still resolves to its locked digest`, result);
      return;
    }

    output.progress(`locking ${basename(file)}`);
    const { lock } = await lockRelease(loaded, {
      registries,
      concurrency,
      progress: output.progress,
      offline: values.offline ?? false,
      ...(kitImage ? { kitImage } : {}),
    });
    // Written whole or not at all: a temp file renamed into place.
    const temp = `${lockFile}.tmp-${process.pid}`;
    writeFileSync(temp, serializeLock(lock, values.offline ?? false), { mode: 0o644 });
    renameSync(temp, lockFile);
    const lines = [...lock.images, ...lock.charts].map((entry) => `  ${entry.reference}@${entry.digest}${entry.platforms ? ` (index: ${entry.platforms.join(", ")})` : ""}`);
    output.done(`${lockFile}: locked ${lock.images.length} image(s) and ${lock.charts.length} chart(s)\n${lines.join("\n")}`, { lockFile, lock });
  },
);
