import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { channelHistory, type ChannelHistoryEntry } from "../distribution/channel-statements.js";
import { listChannels } from "../distribution/channels.js";
import { DEFAULT_LAYOUT_DIR, openReleaseStore } from "../distribution/release-store.js";
import { UserError } from "../errors.js";
import { runCli } from "./run.js";
import { STORE_FLAGS, STORE_HELP, storeOptions } from "./store-options.js";

const HELP = `Usage: npm run channels [-- --registry HOST[:PORT]/NAMESPACE [--plain-http] | --oci-layout DIR] [--json]

Lists the published versions, which version each channel tag points at, and each channel's
history: its channel statements (sequence, version, issued-at, expires-at, rollback), newest first.

${STORE_HELP}
                     (default: ${DEFAULT_LAYOUT_DIR}/)
  --json             print the listing as JSON
  --help             show this help`;

function historyLine(entry: ChannelHistoryEntry): string {
  if (!entry.statement) return `      unreadable: ${entry.problem}`;
  const { sequence, release, issuedAt, expiresAt, rollback } = entry.statement;
  return `      #${sequence} ${release.version}  issued ${issuedAt}  expires ${expiresAt}${rollback ? "  rollback" : ""}`;
}

await runCli(HELP, { ...STORE_FLAGS }, async ({ values, output }) => {
  if (!values.registry) {
    // A layout that does not exist is a wrong path, not an empty store.
    const dir = resolve(values["oci-layout"] ?? DEFAULT_LAYOUT_DIR);
    if (!existsSync(dir)) throw new UserError(`${dir}: no OCI image layout there; name the directory publish wrote with --oci-layout DIR, or a registry with --registry`);
  }
  const store = openReleaseStore(storeOptions(values, output), DEFAULT_LAYOUT_DIR);
  await store.check();
  const listing = await listChannels(store);
  const history = await channelHistory(store);
  const versions = Object.values(listing.versions).sort();
  const names = [...new Set([...listing.channels.map((channel) => channel.channel), ...Object.keys(history)])].sort();
  const lines = [`${store.location}`, `  versions: ${versions.join(", ") || "none"}`];
  for (const name of names) {
    const channel = listing.channels.find((candidate) => candidate.channel === name);
    lines.push(channel ? `  ${name} -> ${channel.version ?? "(untagged release)"}  ${channel.digest}` : `  ${name} -> (no channel tag)`);
    const entries = history[name] ?? [];
    lines.push(entries.length > 0 ? "    statements:" : "    statements: none (moved before statements, or written outside publish/promote)");
    lines.push(...entries.map(historyLine));
  }
  output.done(lines.join("\n"), {
    target: store.location,
    versions,
    channels: listing.channels.map((channel) => ({ ...channel, history: history[channel.channel] ?? [] })),
    history,
  });
});
