import { OciUrl, ReleaseVersion } from "../../schemas/common.js";
import { resolve } from "node:path";
import { isDigest } from "../oci/digest.js";
import { UsageError, UserError } from "../errors.js";
import type { ReleaseStore } from "../distribution/release-store.js";
import type { VerificationKey } from "../signing/signing-keys.js";
import { runCli } from "./run.js";
import { loadVerificationKeys } from "./key-files.js";
import { IDENTITY_HELP } from "./signing-options.js";
import { channelName, STORE_FLAGS, STORE_HELP, storeOptions } from "./store-options.js";

const HELP = `Usage: npm run pull -- (--registry HOST[:PORT]/NAMESPACE [--plain-http] | --oci-layout DIR)
                    (--channel NAME | --release VERSION | --digest sha256:...) --out DIR
                    [--flux-url oci://...] [--verify-key FILE]... [--identity HOST[:PORT]/NAMESPACE]
                    [--state FILE] [--replace] [--json]

What an appliance does: resolve the channel or version to a release manifest, validate it,
fetch the config bundle by digest, verify it, and extract it safely. Writes
  DIR/config/                 the Flux tree
  DIR/release-manifest.json   the verified release manifest
  DIR/flux/source.yaml        the OCIRepository (pinned by digest) and root Kustomization to apply
A failed or refused pull leaves nothing behind.

${STORE_HELP}
  --channel NAME       pull what a channel points at
  --release VERSION    pull a version
  --digest sha256:...  pull a release artifact by digest
  --out DIR            where to write (must not exist unless --replace)
  --flux-url URL       oci:// URL Flux reads the bundle from (default: the --registry pulled from;
                       without it, a pull from --oci-layout writes no flux/ directory)
  --verify-key FILE    refuse the release unless both artifacts carry a cosign signature by this public
                       key (cosign.pub) naming exactly their digest and repository; repeatable, any may
                       match. flux/source.yaml then makes Flux verify too (spec.verify, Secret
                       alga-appliance-cosign holding the keys)
${IDENTITY_HELP}
  --state FILE         with --channel and --verify-key: the channel statements this appliance accepted
                       (default: DIR.channel-state.json beside --out). The channel needs a current signed
                       statement (npm run promote writes them) that is not expired, names the release the
                       channel tag points at, and is not older (sequence) or lower (version, unless the
                       statement says rollback) than the last one accepted; ARK_NOW sets the time
  --replace            replace an existing DIR
  --json               print the result as JSON
  --help               show this help`;

await runCli(
  HELP,
  { ...STORE_FLAGS, channel: { type: "string" }, release: { type: "string" }, digest: { type: "string" }, out: { type: "string" }, "flux-url": { type: "string" }, replace: { type: "boolean" }, "verify-key": { type: "string", multiple: true }, identity: { type: "string" }, state: { type: "string" } },
  async ({ values, output }) => {
    const references = [values.channel, values.release, values.digest].filter((value) => value !== undefined);
    if (references.length !== 1) throw new UsageError(`give exactly one of --channel, --release, --digest\n\n${HELP}`);
    if (!values.out) throw new UsageError(`--out DIR is required\n\n${HELP}`);
    if (!values.registry && !values["oci-layout"]) throw new UsageError(`give --registry or --oci-layout\n\n${HELP}`);
    if (values.digest && !isDigest(values.digest)) throw new UsageError(`--digest "${values.digest}" is not a sha256 digest`);
    if (values.channel) channelName(values.channel);
    if (values.release && !ReleaseVersion.safeParse(values.release).success) throw new UsageError(`--release "${values.release}" is not a release version (e.g. 1.0-rc5)`);
    const fluxUrl = values["flux-url"];
    if (fluxUrl && !OciUrl.safeParse(fluxUrl).success) throw new UsageError(`--flux-url "${fluxUrl}" must be an oci:// URL such as oci://registry.local/alga/alga-appliance-config`);
    const keys = loadVerificationKeys(values["verify-key"] ?? [], "--verify-key");
    if (values.identity && keys.length === 0) throw new UsageError("--identity applies only with --verify-key");
    // Loaded once the flags are known to be good: --help and usage errors do not pay for the client.
    const [{ openReleaseStore }, { pullRelease }] = await Promise.all([import("../distribution/release-store.js"), import("../distribution/pull-release.js")]);
    const signatures = keys.length > 0 ? await import("../distribution/release-signatures.js") : undefined;
    if (values.state && !(values.channel && keys.length > 0)) throw new UsageError("--state applies only with --channel and --verify-key");
    const store = openReleaseStore(storeOptions(values, output));
    // A channel pulled with keys is taken from its signed statement, checked against what this appliance accepted before.
    const trust = values.channel && keys.length > 0 ? await channelTrust(store, values.channel, keys, values.identity, values.state, values.out, output.progress) : undefined;
    const report = await pullRelease(store, {
      ...(signatures
        ? {
            verify: async (release) => {
              if (trust && release.manifest.version !== trust.statement.release.version) {
                throw new UserError(`${release.reference}: holds release ${release.manifest.version}, but the signed channel statement names ${trust.statement.release.version}; refusing`);
              }
              await signatures.verifyReleaseSignatures(store, release, keys, values.identity);
            },
            fluxVerifyKeys: keys.map((key) => key.pem),
          }
        : {}),
      reference: trust ? trust.statement.release.digest : references[0]!,
      outDir: values.out,
      ...(values["flux-url"] ? { fluxUrl: values["flux-url"] } : {}),
      replace: values.replace ?? false,
      progress: output.progress,
    });
    if (trust) await trust.record();
    output.done(
      (trust ? `channel ${values.channel}: signed statement #${trust.statement.sequence} (issued ${trust.statement.issuedAt}, expires ${trust.statement.expiresAt}${trust.statement.rollback ? ", a deliberate rollback" : ""}), recorded in ${trust.stateFile}\n` : "") +
      `pulled ${report.version} from ${report.reference}\n  release ${report.releaseDigest}\n  bundle  ${report.bundleDigest}\n  ${report.files} files in ${report.outDir}/config` +
        (report.fluxSource ? `\n  apply ${report.fluxSource}` : ""),
      { ...report, ...(trust ? { channelStatement: { ...trust.statement, digest: trust.descriptor.digest, stateFile: trust.stateFile } } : {}) },
    );
  },
);

/** Reads the state, verifies the channel's statement against it, and returns how to record it once the release is in place. */
async function channelTrust(store: ReleaseStore, channel: string, keys: readonly VerificationKey[], identity: string | undefined, stateFlag: string | undefined, outDir: string, progress: (message: string) => void) {
  const [{ commandClock }, { defaultStateFile, readChannelState, recordAcceptedStatement }, { verifyChannelStatement }] = await Promise.all([
    import("../distribution/clock.js"),
    import("../distribution/channel-state.js"),
    import("../distribution/channel-trust.js"),
  ]);
  const clock = commandClock();
  const stateFile = stateFlag ? resolve(stateFlag) : defaultStateFile(outDir);
  progress(`verifying the channel statement of ${channel} (state ${stateFile})`);
  await store.check();
  const trusted = await verifyChannelStatement(store, channel, { keys, ...(identity ? { identity } : {}), now: clock(), state: readChannelState(stateFile), stateFile });
  return { ...trusted, stateFile, record: () => recordAcceptedStatement(stateFile, channel, trusted.accepted(clock())) };
}
