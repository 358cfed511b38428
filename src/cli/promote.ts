import { ReleaseVersion } from "../../schemas/common.js";
import { UsageError } from "../errors.js";
import { promoteChannel } from "../distribution/channels.js";
import { assertPinnedForChannel } from "../distribution/manifest-pins.js";
import { releaseSigner, signatureFormats, verifyReleaseSignatures } from "../distribution/release-signatures.js";
import { DEFAULT_LAYOUT_DIR, openReleaseStore } from "../distribution/release-store.js";
import { runCli } from "./run.js";
import { loadSigningKey, loadVerificationKeys } from "./key-files.js";
import { IDENTITY_HELP, SIGNATURE_FORMAT_HELP, STATEMENT_HELP, statementTtl } from "./signing-options.js";
import { commandClock } from "../distribution/clock.js";
import { parseDuration } from "../oci/deadline.js";
import { channelName, STORE_FLAGS, STORE_HELP, storeOptions } from "./store-options.js";

const HELP = `Usage: npm run promote -- --channel NAME --release VERSION [--registry HOST[:PORT]/NAMESPACE [--plain-http] | --oci-layout DIR]
                       [--verify-key FILE]... [--identity HOST[:PORT]/NAMESPACE] [--allow-unpinned]
                       [--sign-key FILE [--signature-format F]] [--rollback] [--statement-ttl DURATION] [--json]

Points a channel tag (stable, nightly, any name) at a published version; also how to roll back.
The tag moves only after the release manifest validates and its config bundle is present and verified,
and only to a release whose images and charts are pinned by digest (see npm run lock).
Every promote (also of a channel already there, which renews it) writes a channel statement:
channel, release, a sequence that only grows, issued-at and expires-at, signed with --sign-key,
which pull --channel --verify-key requires. Moving to a lower version needs --rollback.

  --channel NAME     the channel tag to move
  --release VERSION  a version already published
${STORE_HELP}
                     (default: ${DEFAULT_LAYOUT_DIR}/)
  --verify-key FILE  move the channel only if both artifacts carry a cosign signature by this public key
                     naming exactly their digest and repository; repeatable, any may match
${IDENTITY_HELP}
  --allow-unpinned   point the channel at a release whose images or charts are not all pinned by digest
  --sign-key FILE    sign the channel statement with this key (cosign.key or PKCS#8 PEM); default: SIGNING_KEY_FILE
${SIGNATURE_FORMAT_HELP}
${STATEMENT_HELP}
  --json             print the result as JSON
  --help             show this help`;

await runCli(HELP, { ...STORE_FLAGS, channel: { type: "string" }, release: { type: "string" }, "verify-key": { type: "string", multiple: true }, identity: { type: "string" }, "allow-unpinned": { type: "boolean" }, "sign-key": { type: "string" }, "signature-format": { type: "string" }, rollback: { type: "boolean" }, "statement-ttl": { type: "string" } }, async ({ values, output }) => {
  if (!values.channel || !values.release) throw new UsageError(`--channel and --release are both required\n\n${HELP}`);
  const channel = channelName(values.channel);
  if (!ReleaseVersion.safeParse(values.release).success) throw new UsageError(`--release "${values.release}" is not a release version`);
  const keys = loadVerificationKeys(values["verify-key"] ?? [], "--verify-key");
  const signKeyFile = values["sign-key"] ?? process.env["SIGNING_KEY_FILE"];
  if (values.identity && keys.length === 0 && !signKeyFile) throw new UsageError("--identity applies only with --verify-key or --sign-key");
  if (values["signature-format"] && !signKeyFile) throw new UsageError("--signature-format applies only with --sign-key (or SIGNING_KEY_FILE)");
  const ttl = statementTtl(values["statement-ttl"], parseDuration);
  const now = commandClock()();
  const store = openReleaseStore(storeOptions(values, output), DEFAULT_LAYOUT_DIR);
  const signer = signKeyFile
    ? releaseSigner(store, await loadSigningKey(signKeyFile, "--sign-key"), { formats: signatureFormats(values["signature-format"]), ...(values.identity ? { identity: values.identity } : {}) })
    : undefined;
  const verify = async (release: Parameters<typeof verifyReleaseSignatures>[1]) => {
    if (!values["allow-unpinned"]) assertPinnedForChannel(release.manifest, channel);
    if (keys.length > 0) await verifyReleaseSignatures(store, release, keys, values.identity);
  };
  const report = await promoteChannel(store, channel, values.release, output.progress, {
    verify,
    now,
    rollback: values.rollback ?? false,
    ...(signer ? { signer } : {}),
    ...(ttl ? { statementTtlMs: ttl } : {}),
  });
  const statement = report.statement.statement;
  const statementLine = `\n  statement #${statement.sequence} ${report.statement.reference}@${report.statement.digest}, expires ${statement.expiresAt}${statement.rollback ? ", rollback" : ""}${report.statement.signatures.length > 0 ? `, signed (${report.statement.signatures.map((signature) => signature.format).join(", ")})` : ", unsigned (give --sign-key: appliances verifying channels refuse it)"}`;
  const from = report.previous ? ` (was ${report.previous.version ?? report.previous.digest})` : " (new channel)";
  output.done(
    (report.moved ? `${channel} -> ${report.version}${from}\n  ${report.digest}` : `${channel} already points at ${report.version}\n  ${report.digest}`) + statementLine,
    { target: store.location, ...report },
  );
});
