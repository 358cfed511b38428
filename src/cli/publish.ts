import { basename, join, resolve } from "node:path";
import { ReleaseVersion } from "../../schemas/common.js";
import { UsageError, UserError } from "../errors.js";
import { heldForLater } from "../held-promise.js";
import { preflightRelease, unpinnedReferences, type PreflightReport } from "../distribution/preflight.js";
import { ReferenceRegistries } from "../distribution/reference-registries.js";
import { parseRegistryTarget } from "../oci/registry-reference.js";
import { DEFAULT_LAYOUT_DIR, openReleaseStore } from "../distribution/release-store.js";
import { assertPublishable, lookUpVersionTags, publishRelease, type PublishCheck } from "../distribution/publish-release.js";
import { assertStagedFresh } from "../distribution/staged-freshness.js";
import { openStagedRelease, type StagedRelease } from "../distribution/staged-release.js";
import { listReleaseFiles, lockFileFor, resolveReleaseFile } from "../release/release-files.js";
import type { KitImageInputs } from "../distribution/kit-image-build.js";
import type { KitImagePlan, KitImagePublished } from "../distribution/publish-kit-image.js";
import type { ArtifactSigner } from "../distribution/release-signatures.js";
import type { SigningKey } from "../signing/signing-keys.js";
import type { ReleaseReference } from "../synth/reference-collector.js";
import { projectRoot } from "../project-root.js";
import type { LoadedRelease } from "../release/load-release.js";
import { kitMadeImages } from "../synth/kit-built-image.js";
import { sourceDateEpoch } from "../synth/source-date-epoch.js";
import { runCli } from "./run.js";
import { IDENTITY_HELP, SIGNATURE_FORMAT_HELP, STATEMENT_HELP, statementTtl } from "./signing-options.js";
import { commandClock } from "../distribution/clock.js";
import { parseDuration } from "../oci/deadline.js";
import { channelName, STORE_FLAGS, STORE_HELP, storeOptions } from "./store-options.js";

const HELP = `Usage: npm run publish [-- --release <version|file>] [--registry HOST[:PORT]/NAMESPACE [--plain-http]]
                       [--oci-layout DIR] [--channel NAME]... [--dist DIR] [--dry-run]
                       [--skip-preflight | --preflight] [--allow-unpinned]
                       [--sign-key FILE [--identity HOST[:PORT]/NAMESPACE] [--signature-format F]]
                       [--rollback] [--statement-ttl DURATION] [--base-layout DIR] [--json]

Publishes what npm run synth staged in dist/<version>/: the config bundle as
alga-appliance-config:<version> and the release manifest as alga-appliance-release:<version>.
Order: the status image the kit builds (statusService.build), then blobs, bundle manifest, release
manifest, signatures, version tags, then channel tags last. The status image goes beside the
release (alga-appliance-status:<version>): found there, or built and checked to be exactly the
digest the lock recorded (a stale lock is refused), then pushed with its SBOM.
Version tags are immutable: an unchanged release uploads nothing; a changed one is refused.
Staged output older than its inputs (the release file, its profile and lock file, constructs/,
schemas/) is refused: run synth first. The release definition, profile and lock are read from
dist/<version>/oci/release-inputs.json, as synth staged them, not from the release files.

Preflight (on by default for a registry): before anything is pushed, every image and chart the
release references is looked up in its registry (by digest when pinned); a missing one refuses
the publish, naming the component, the reference, its tier and whether it blocks login. An
unreachable registry or refused credentials are reported as such. Publishing into an OCI image
layout (the offline default) skips the preflight and says so, unless --preflight is given.
Publishing to a channel needs every image and chart pinned by digest (in the release or its lock
file, see npm run lock) unless --allow-unpinned is given. Without --registry or --oci-layout it
publishes into ${DEFAULT_LAYOUT_DIR}/ beside the checkout.

  --release V        version or release file (default: every release in releases/)
${STORE_HELP}
  --channel NAME     also point this channel tag at the release (repeatable)
  --dist DIR         where synth wrote its output (default: dist)
  --dry-run          report what would be uploaded; write nothing
  --skip-preflight   do not check that the referenced images and charts exist (shown in the report)
  --preflight        run the preflight also when publishing into an OCI image layout
  --allow-unpinned   allow --channel for a release with images or charts not pinned by digest
  --sign-key FILE    sign both artifacts with this key (cosign.key, passphrase from COSIGN_PASSWORD or
                     a prompt, or a PKCS#8 PEM) before any tag moves; default: SIGNING_KEY_FILE
${IDENTITY_HELP}
${SIGNATURE_FORMAT_HELP}
${STATEMENT_HELP}
  --base-layout DIR  build the status image on statusService.build.base read from this OCI image
                     layout (a mirror) instead of assembling it (build.baseDefinition) or reading
                     its registry; only when the target lacks the image
  --json             print the references and digests as JSON
  --help             show this help`;

await runCli(
  HELP,
  {
    ...STORE_FLAGS,
    release: { type: "string" },
    channel: { type: "string", multiple: true },
    dist: { type: "string" },
    "dry-run": { type: "boolean" },
    "skip-preflight": { type: "boolean" },
    preflight: { type: "boolean" },
    "allow-unpinned": { type: "boolean" },
    "sign-key": { type: "string" },
    identity: { type: "string" },
    "signature-format": { type: "string" },
    rollback: { type: "boolean" },
    "statement-ttl": { type: "string" },
    "base-layout": { type: "string" },
  },
  async ({ values, output }) => {
    const channels = (values.channel ?? []).map(channelName);
    const versions = values.release
      ? [await versionOf(values.release)]
      : listReleaseFiles(resolve("releases")).map((file) => basename(file, ".yaml"));
    if (channels.length > 0 && versions.length !== 1) throw new UsageError("--channel needs exactly one --release");
    if ((values.rollback || values["statement-ttl"]) && channels.length === 0) throw new UsageError("--rollback and --statement-ttl apply only with --channel");
    const ttl = statementTtl(values["statement-ttl"], parseDuration);
    const now = commandClock()();
    const targetOptions = storeOptions(values, output);
    const store = openReleaseStore(targetOptions, DEFAULT_LAYOUT_DIR);
    const signKeyFile = values["sign-key"] ?? process.env["SIGNING_KEY_FILE"];
    if ((values.identity || values["signature-format"]) && !signKeyFile) throw new UsageError("--identity and --signature-format apply only with --sign-key (or SIGNING_KEY_FILE)");
    // Keys and signature formats (cosign's and sigstore's, with their schemas) load only to sign.
    let signingKey: SigningKey | undefined;
    let signer: ArtifactSigner | undefined;
    if (signKeyFile) {
      const { releaseSigner, signatureFormats } = await import("../distribution/release-signatures.js");
      const formats = signatureFormats(values["signature-format"]);
      signingKey = await (await import("./key-files.js")).loadSigningKey(signKeyFile, "--sign-key");
      signer = releaseSigner(store, signingKey, { formats, ...(values.identity ? { identity: values.identity } : {}) });
    }
    if (values["skip-preflight"] && values.preflight) throw new UsageError("give either --skip-preflight or --preflight, not both");
    // The store is asked now (a registry's /v2/ ping, each release's version tags) and its answers
    // are read after the local checks below: the registry answers while the staged releases are
    // opened and their files read. One turn of the event loop sends the requests.
    const storeCheck = heldForLater(store.check());
    const tagLookups = new Map(versions.map((version) => [version, lookUpVersionTags(store, version)]));
    await new Promise((resolve) => setImmediate(resolve));
    // Every release is opened and checked (pins, the target's version tags, preflight) before
    // anything is uploaded, so one refused release does not leave the others half published.
    const distDir = resolve(values.dist ?? "dist");
    const staged = [];
    const loadedReleases = new Map<string, LoadedRelease>();
    for (const version of versions) {
      const release = await openStagedRelease(distDir, version);
      // Staged output older than the release file, profile, lock, constructs or schemas is refused.
      const releaseFile = values.release && versions.length === 1 && (values.release.endsWith(".yaml") || values.release.includes("/"))
        ? resolveReleaseFile(resolve("releases"), values.release)
        : join(resolve("releases"), `${version}.yaml`);
      assertStagedFresh(distDir, release, releaseFile);
      // What synth rendered from, as it staged it: the release files are not parsed again.
      const { definition, profile, lock } = release.inputs;
      loadedReleases.set(version, { file: releaseFile, definition, profile, ...(lock ? { lock: { file: lockFileFor(releaseFile), lock } } : {}) });
      staged.push(release);
    }
    // Reading every rendered file for its images (~60 ms a release, and the YAML reader) is only
    // needed for the pin check, the preflight and the kit-built image.
    const referenceCache = new Map<string, ReleaseReference[]>();
    // The image the kit builds is published here, so it is not looked up by the preflight.
    const kitMade = (release: StagedRelease) => kitMadeImages(loadedReleases.get(release.version)!.definition);
    const references = async (release: StagedRelease) => {
      let found = referenceCache.get(release.version);
      if (!found) {
        const { stagedReferences } = await import("../distribution/staged-references.js");
        referenceCache.set(release.version, (found = stagedReferences(distDir, release)));
      }
      return found;
    };
    if (channels.length > 0 && !values["allow-unpinned"]) {
      // A channel is what appliances follow: it must never point at something a tag move can change.
      for (const release of staged) {
        const unpinned = unpinnedReferences(await references(release));
        if (unpinned.length > 0) {
          throw new UserError(
            `release ${release.version} is not pinned by digest, so it cannot be published to a channel (${channels.join(", ")}):\n` +
              unpinned.map((reference) => `  ${reference.uses.map((use) => use.user).join(", ")}: ${reference.reference}`).join("\n") +
              `\nRun npm run lock -- --release ${release.version} and npm run synth, or pass --allow-unpinned.`,
          );
        }
      }
    }
    const preflightReason = values["skip-preflight"]
      ? "skipped (--skip-preflight)"
      : !values.registry && !values.preflight
        ? "skipped (publishing into an OCI image layout, which needs no network; pass --preflight to check)"
        : undefined;
    // The store's check (a registry's /v2/ ping) goes out with the version-tag questions; its
    // failure, the clearer message, wins, then the releases' refusals in their order.
    const settled = await Promise.allSettled([storeCheck, ...staged.map((release) => assertPublishable(release, store, tagLookups.get(release.version)))]);
    for (const outcome of settled) if (outcome.status === "rejected") throw outcome.reason;
    const checks = settled.slice(1).map((outcome) => (outcome as PromiseFulfilledResult<PublishCheck>).value);
    const preflight = new Map<string, PreflightReport>();
    if (preflightReason === undefined) {
      // The environment's credentials belong to the publish target only; image registries get their own.
      const registries = new ReferenceRegistries({
        ...(targetOptions.deadline ? { deadline: targetOptions.deadline } : {}),
        ...(values.registry ? { environmentCredentialsHost: parseRegistryTarget(values.registry).registry } : {}),
      });
      for (const release of staged) {
        const found = await references(release);
        output.progress(`preflight ${release.version}: checking ${found.length} reference(s)`);
        const looked = found.filter((reference) => !(reference.kind === "image" && kitMade(release).has(reference.reference)));
        preflight.set(release.version, await preflightRelease(release.version, looked, { registries, progress: output.progress }));
      }
    }
    // Each kit-built image is found in the target or built and checked against its lock for every
    // release before anything is uploaded, then pushed before any release manifest or tag is.
    const kitImagePlans = new Map<string, KitImagePlan>();
    let kitInputs: KitImageInputs | undefined;
    const imageRegistries = new ReferenceRegistries({
      ...(targetOptions.deadline ? { deadline: targetOptions.deadline } : {}),
      ...(values.registry ? { environmentCredentialsHost: parseRegistryTarget(values.registry).registry } : {}),
    });
    for (const release of staged) {
      const loaded = loadedReleases.get(release.version)!;
      if (!loaded.definition.statusService.build) continue;
      const { planKitImage, readServiceBundle, statusImageTarget } = await imageBuilder();
      const target = statusImageTarget(
        {
          ...(values.registry ? { registry: values.registry } : { ociLayout: values["oci-layout"] ?? DEFAULT_LAYOUT_DIR }),
          ...(values["plain-http"] ? { plainHttp: true } : {}),
          ...(targetOptions.deadline ? { deadline: targetOptions.deadline } : {}),
        },
        loaded.definition.statusService.image,
      );
      const plan = await planKitImage(loaded, await references(release), target, {
        inputs: () =>
          (kitInputs ??= { bundle: readServiceBundle(projectRoot()), epochSeconds: sourceDateEpoch(), progress: output.progress, ...(values["base-layout"] ? { baseLayout: values["base-layout"] } : {}) }),
        registries: imageRegistries,
        ...(targetOptions.deadline ? { deadline: targetOptions.deadline } : {}),
        progress: output.progress,
      });
      if (plan) kitImagePlans.set(release.version, plan);
    }
    const kitImages = new Map<string, KitImagePublished>();
    if (!values["dry-run"]) {
      for (const [version, plan] of kitImagePlans) {
        const { publishKitImage } = await imageBuilder();
        output.progress(`publishing ${plan.reference} to ${plan.target.repository.location}`);
        kitImages.set(version, await publishKitImage(plan, { progress: output.progress, ...(signingKey ? { signingKey } : {}) }));
      }
    }
    const reports = [];
    for (const [index, release] of staged.entries()) {
      output.progress(`publishing ${release.version} to ${store.location}`);
      reports.push(
        await publishRelease(release, store, {
          channels,
          dryRun: values["dry-run"] ?? false,
          progress: output.progress,
          checked: checks[index]!,
          statements: { rollback: values.rollback ?? false, now, ...(ttl ? { ttlMs: ttl } : {}) },
          ...(signer ? { signer } : {}),
        }),
      );
    }
    const preflightLine = (version: string) => {
      const report = preflight.get(version);
      return report
        ? `  preflight: ${report.checked} image(s) and chart(s) present (${report.byDigest} by digest, ${report.checked - report.byDigest} by tag)`
        : `  preflight: ${preflightReason}`;
    };
    const kitImageLine = (version: string): string[] => {
      const plan = kitImagePlans.get(version);
      if (!plan) return [];
      const published = kitImages.get(version);
      if (!published) return [`  status image: would ${plan.built ? "push" : "find"} ${plan.target.dockerReference}:${version}@${plan.digest}`];
      return [`  status image: ${published.reference} ${published.alreadyPresent ? "already there, uploaded nothing" : `pushed, uploaded ${published.blobsUploaded} blob(s), ${published.bytesUploaded} bytes`}`];
    };
    const lines = reports.flatMap((report) => [
      `${report.version}: ${report.dryRun ? "dry run, would upload" : report.alreadyPublished ? "already published, uploaded" : "published, uploaded"} ${report.blobsUploaded} blob(s), ${report.bytesUploaded} bytes` +
        (report.blobsMounted > 0 ? `, mounted ${report.blobsMounted}` : ""),
      `  ${report.configBundle.reference}@${report.configBundle.digest}`,
      `  ${report.releaseArtifact.reference}@${report.releaseArtifact.digest}`,
      preflightLine(report.version),
      ...kitImageLine(report.version),
      ...(report.signatures ?? []).map((signature) => `  ${signature.signatureReference} ${signature.pushed ? "signed" : "already signed"} (${signature.format})`),
      ...report.channels.map(
        (channel) =>
          `  ${channel.reference} ${report.dryRun ? "would point at" : "->"} ${report.version}` +
          (channel.statement ? `, statement #${channel.statement.statement.sequence} expires ${channel.statement.statement.expiresAt}${channel.statement.signatures.length > 0 ? "" : " (unsigned)"}` : ""),
      ),
    ]);
    output.done(lines.join("\n"), {
      target: store.location,
      releases: reports.map((report) => ({
        ...report,
        preflight: preflight.get(report.version) ?? { skipped: preflightReason },
        ...(kitImagePlans.has(report.version)
          ? { statusImage: kitImages.get(report.version) ?? { digest: kitImagePlans.get(report.version)!.digest, dryRun: true, alreadyPresent: !kitImagePlans.get(report.version)!.built } }
          : {}),
      })),
    });
  },
);

/**
 * What publishes an image the kit builds (the image builder, the status service's bundle, the
 * runtime base and their schemas): loaded only for a release whose status service the kit builds.
 */
async function imageBuilder() {
  const [{ planKitImage, publishKitImage }, { statusImageTarget }, { readServiceBundle }] = await Promise.all([
    import("../distribution/publish-kit-image.js"),
    import("../distribution/status-image-target.js"),
    import("../distribution/status-service-image.js"),
  ]);
  return { planKitImage, publishKitImage, statusImageTarget, readServiceBundle };
}

/** The version `--release` names: a version as given, or read from the release file given by path. */
async function versionOf(release: string): Promise<string> {
  if (release.endsWith(".yaml") || release.includes("/")) {
    const { loadRelease } = await import("../release/load-release.js");
    return loadRelease(resolveReleaseFile(resolve("releases"), release)).definition.version;
  }
  const parsed = ReleaseVersion.safeParse(release);
  if (!parsed.success) throw new UsageError(`--release "${release}": ${parsed.error.issues[0]?.message ?? "invalid version"}`);
  return release;
}
