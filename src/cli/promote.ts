import { ReleaseVersion } from "../../schemas/common.js";
import { UsageError } from "../errors.js";
import { promoteChannel } from "../distribution/channels.js";
import { assertPinnedForChannel } from "../distribution/manifest-pins.js";
import { verifyReleaseSignatures } from "../distribution/release-signatures.js";
import { DEFAULT_LAYOUT_DIR, openReleaseStore } from "../distribution/release-store.js";
import { runCli } from "./run.js";
import { IDENTITY_HELP, loadVerificationKeys } from "./signing-options.js";
import { channelName, STORE_FLAGS, STORE_HELP, storeOptions } from "./store-options.js";

const HELP = `Usage: npm run promote -- --channel NAME --release VERSION [--registry HOST[:PORT]/NAMESPACE [--plain-http] | --oci-layout DIR]
                       [--verify-key FILE]... [--identity HOST[:PORT]/NAMESPACE] [--allow-unpinned] [--json]

Points a channel tag (stable, nightly, any name) at a published version; also how to roll back.
The tag moves only after the release manifest validates and its config bundle is present and verified,
and only to a release whose images and charts are pinned by digest (see npm run lock).

  --channel NAME     the channel tag to move
  --release VERSION  a version already published
${STORE_HELP}
                     (default: ${DEFAULT_LAYOUT_DIR}/)
  --verify-key FILE  move the channel only if both artifacts carry a cosign signature by this public key
                     naming exactly their digest and repository; repeatable, any may match
${IDENTITY_HELP}
  --allow-unpinned   point the channel at a release whose images or charts are not all pinned by digest
  --json             print the result as JSON
  --help             show this help`;

await runCli(HELP, { ...STORE_FLAGS, channel: { type: "string" }, release: { type: "string" }, "verify-key": { type: "string", multiple: true }, identity: { type: "string" }, "allow-unpinned": { type: "boolean" } }, async ({ values, output }) => {
  if (!values.channel || !values.release) throw new UsageError(`--channel and --release are both required\n\n${HELP}`);
  const channel = channelName(values.channel);
  if (!ReleaseVersion.safeParse(values.release).success) throw new UsageError(`--release "${values.release}" is not a release version`);
  const keys = loadVerificationKeys(values["verify-key"] ?? [], "--verify-key");
  if (values.identity && keys.length === 0) throw new UsageError("--identity applies only with --verify-key");
  const store = openReleaseStore(storeOptions(values, output), DEFAULT_LAYOUT_DIR);
  const verify = async (release: Parameters<typeof verifyReleaseSignatures>[1]) => {
    if (!values["allow-unpinned"]) assertPinnedForChannel(release.manifest, channel);
    if (keys.length > 0) await verifyReleaseSignatures(store, release, keys, values.identity);
  };
  const report = await promoteChannel(store, channel, values.release, output.progress, { verify });
  const from = report.previous ? ` (was ${report.previous.version ?? report.previous.digest})` : " (new channel)";
  output.done(
    report.moved ? `${channel} -> ${report.version}${from}\n  ${report.digest}` : `${channel} already points at ${report.version}\n  ${report.digest}`,
    { target: store.location, ...report },
  );
});
