import { ReleaseVersion } from "../../schemas/common.js";
import { UsageError } from "../errors.js";
import { verifyReleaseSignatures } from "../distribution/release-signatures.js";
import { DEFAULT_LAYOUT_DIR, openReleaseStore } from "../distribution/release-store.js";
import { resolveRelease } from "../distribution/resolve-release.js";
import { runCli, type CliOutput } from "./run.js";
import { loadVerificationKeys } from "./key-files.js";
import { IDENTITY_HELP } from "./signing-options.js";
import { channelName, STORE_FLAGS, STORE_HELP, storeOptions } from "./store-options.js";

const HELP = `Usage: npm run verify -- (--release VERSION | --channel NAME | --image VERSION) --key FILE [--key FILE]...
                      [--registry HOST[:PORT]/NAMESPACE [--plain-http] | --oci-layout DIR]
                      [--identity HOST[:PORT]/NAMESPACE] [--json]

Checks, without pulling, that a release's artifacts carry a cosign signature by one of the keys:
the release artifact and its config bundle, each by manifest digest, with a payload that names
exactly that digest and repository. Exits 1 with the reason for each signature found otherwise.

  --release VERSION  the version to check
  --channel NAME     the release a channel points at
  --image VERSION    instead: the status service image alga-appliance-status:VERSION (npm run image): its
                     SBOM attestation must verify and name that image; prints the packages the SBOM lists
  --key FILE         public key (cosign.pub); repeatable, any may match
${STORE_HELP}
                     (default: ${DEFAULT_LAYOUT_DIR}/)
${IDENTITY_HELP}
  --json             print the result as JSON
  --help             show this help`;

await runCli(
  HELP,
  { ...STORE_FLAGS, release: { type: "string" }, channel: { type: "string" }, key: { type: "string", multiple: true }, identity: { type: "string" }, image: { type: "string" } },
  async ({ values, output }) => {
    const references = [values.release, values.channel].filter((value) => value !== undefined);
    if (values.image !== undefined) {
      if (references.length > 0) throw new UsageError(`give exactly one of --release, --channel, --image\n\n${HELP}`);
      return verifyImage(values, output);
    }
    if (references.length !== 1) throw new UsageError(`give exactly one of --release, --channel, --image\n\n${HELP}`);
    if (values.release && !ReleaseVersion.safeParse(values.release).success) throw new UsageError(`--release "${values.release}" is not a release version`);
    if (values.channel) channelName(values.channel);
    if (!values.key?.length) throw new UsageError(`give at least one --key FILE (a cosign.pub)\n\n${HELP}`);
    const keys = loadVerificationKeys(values.key, "--key");
    const store = openReleaseStore(storeOptions(values, output), DEFAULT_LAYOUT_DIR);
    await store.check();
    output.progress(`resolving ${references[0]}`);
    const release = await resolveRelease(store, references[0]!);
    output.progress("verifying signatures");
    const verified = await verifyReleaseSignatures(store, release, keys, values.identity);
    output.done(
      [
        `verified ${release.manifest.version} (${release.reference})`,
        `  release ${verified.release.dockerReference}@${verified.release.digest} signed by ${verified.release.fingerprint}`,
        `  bundle  ${verified.config.dockerReference}@${verified.config.digest} signed by ${verified.config.fingerprint}`,
      ].join("\n"),
      { reference: release.reference, version: release.manifest.version, verified: true, release: verified.release, config: verified.config },
    );
  },
);

/** `--image VERSION`: the status image's SBOM attestation, and what the SBOM holds. */
async function verifyImage(values: { image?: string; key?: string[]; registry?: string; "plain-http"?: boolean; "oci-layout"?: string; timeout?: string }, output: CliOutput): Promise<void> {
  if (!ReleaseVersion.safeParse(values.image).success) throw new UsageError(`--image "${values.image}" is not a release version`);
  if (!values.key?.length) throw new UsageError(`give at least one --key FILE (a cosign.pub)\n\n${HELP}`);
  const keys = loadVerificationKeys(values.key, "--key");
  const { statusImageTarget, STATUS_IMAGE_REPOSITORY } = await import("../distribution/status-image-target.js");
  const { verifyStatusImage } = await import("../distribution/verify-status-image.js");
  const options = storeOptions(values, output);
  if (values.registry && values["oci-layout"]) throw new UsageError("give either --registry or --oci-layout, not both");
  const target = statusImageTarget(
    {
      ...(values.registry ? { registry: values.registry } : { ociLayout: values["oci-layout"] ?? DEFAULT_LAYOUT_DIR }),
      ...(values["plain-http"] ? { plainHttp: true } : {}),
      ...(options.deadline ? { deadline: options.deadline } : {}),
    },
    STATUS_IMAGE_REPOSITORY,
  );
  output.progress(`verifying the SBOM attestation of ${target.dockerReference}:${values.image}`);
  const verified = await verifyStatusImage(target, values.image!, keys);
  const packages = verified.sbom.packages;
  output.done(
    [
      `verified ${verified.reference}`,
      `  SBOM ${verified.sbom.document} (SPDX 2.3) attested by ${verified.sbom.fingerprint} in ${verified.sbom.attestation}`,
      `  ${packages.length - 1} npm package(s) besides ${packages[0]?.name ?? "the application"}:`,
      ...packages.slice(1).map((pkg) => `    ${pkg.name}@${pkg.version} ${pkg.license}`),
    ].join("\n"),
    { reference: verified.reference, digest: verified.digest, verified: true, sbom: verified.sbom },
  );
}
