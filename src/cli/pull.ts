import { OciUrl, ReleaseVersion } from "../../schemas/common.js";
import { isDigest } from "../oci/digest.js";
import { UsageError } from "../errors.js";
import { runCli } from "./run.js";
import { IDENTITY_HELP, loadVerificationKeys } from "./signing-options.js";
import { channelName, STORE_FLAGS, STORE_HELP, storeOptions } from "./store-options.js";

const HELP = `Usage: npm run pull -- (--registry HOST[:PORT]/NAMESPACE [--plain-http] | --oci-layout DIR)
                    (--channel NAME | --release VERSION | --digest sha256:...) --out DIR
                    [--flux-url oci://...] [--verify-key FILE]... [--identity HOST[:PORT]/NAMESPACE]
                    [--replace] [--json]

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
  --replace            replace an existing DIR
  --json               print the result as JSON
  --help               show this help`;

await runCli(
  HELP,
  { ...STORE_FLAGS, channel: { type: "string" }, release: { type: "string" }, digest: { type: "string" }, out: { type: "string" }, "flux-url": { type: "string" }, replace: { type: "boolean" }, "verify-key": { type: "string", multiple: true }, identity: { type: "string" } },
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
    const store = openReleaseStore(storeOptions(values, output));
    const report = await pullRelease(store, {
      ...(signatures
        ? {
            verify: async (release) => void (await signatures.verifyReleaseSignatures(store, release, keys, values.identity)),
            fluxVerifyKeys: keys.map((key) => key.pem),
          }
        : {}),
      reference: references[0]!,
      outDir: values.out,
      ...(values["flux-url"] ? { fluxUrl: values["flux-url"] } : {}),
      replace: values.replace ?? false,
      progress: output.progress,
    });
    output.done(
      `pulled ${report.version} from ${report.reference}\n  release ${report.releaseDigest}\n  bundle  ${report.bundleDigest}\n  ${report.files} files in ${report.outDir}/config` +
        (report.fluxSource ? `\n  apply ${report.fluxSource}` : ""),
      { ...report },
    );
  },
);
