import { listChannels } from "../distribution/channels.js";
import { DEFAULT_LAYOUT_DIR, openReleaseStore } from "../distribution/release-store.js";
import { runCli } from "./run.js";
import { STORE_FLAGS, STORE_HELP, storeOptions } from "./store-options.js";

const HELP = `Usage: npm run channels [-- --registry HOST[:PORT]/NAMESPACE [--plain-http] | --oci-layout DIR] [--json]

Lists the published versions and which version each channel tag points at.

${STORE_HELP}
                     (default: ${DEFAULT_LAYOUT_DIR}/)
  --json             print the listing as JSON
  --help             show this help`;

await runCli(HELP, { ...STORE_FLAGS }, async ({ values, output }) => {
  const store = openReleaseStore(storeOptions(values, output), DEFAULT_LAYOUT_DIR);
  await store.check();
  const listing = await listChannels(store);
  const versions = Object.values(listing.versions).sort();
  const lines = [
    `${store.location}`,
    `  versions: ${versions.join(", ") || "none"}`,
    ...listing.channels.map((channel) => `  ${channel.channel} -> ${channel.version ?? "(untagged release)"}  ${channel.digest}`),
  ];
  output.done(lines.join("\n"), { target: store.location, versions, channels: listing.channels });
});
