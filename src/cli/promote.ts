import { ReleaseVersion } from "../../schemas/common.js";
import { UsageError } from "../errors.js";
import { promoteChannel } from "../distribution/channels.js";
import { DEFAULT_LAYOUT_DIR, openReleaseStore } from "../distribution/release-store.js";
import { runCli } from "./run.js";
import { channelName, STORE_FLAGS, STORE_HELP, storeOptions } from "./store-options.js";

const HELP = `Usage: npm run promote -- --channel NAME --release VERSION [--registry HOST[:PORT]/NAMESPACE [--plain-http] | --oci-layout DIR] [--json]

Points a channel tag (stable, nightly, any name) at a published version; also how to roll back.
The tag moves only after the release manifest validates and its config bundle is present and verified.

  --channel NAME     the channel tag to move
  --release VERSION  a version already published
${STORE_HELP}
                     (default: ${DEFAULT_LAYOUT_DIR}/)
  --json             print the result as JSON
  --help             show this help`;

await runCli(HELP, { ...STORE_FLAGS, channel: { type: "string" }, release: { type: "string" } }, async ({ values, output }) => {
  if (!values.channel || !values.release) throw new UsageError(`--channel and --release are both required\n\n${HELP}`);
  const channel = channelName(values.channel);
  if (!ReleaseVersion.safeParse(values.release).success) throw new UsageError(`--release "${values.release}" is not a release version`);
  const store = openReleaseStore(storeOptions(values, output), DEFAULT_LAYOUT_DIR);
  const report = await promoteChannel(store, channel, values.release, output.progress);
  const from = report.previous ? ` (was ${report.previous.version ?? report.previous.digest})` : " (new channel)";
  output.done(
    report.moved ? `${channel} -> ${report.version}${from}\n  ${report.digest}` : `${channel} already points at ${report.version}\n  ${report.digest}`,
    { target: store.location, ...report },
  );
});
