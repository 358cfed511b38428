import { ReleaseVersion } from "../../schemas/common.js";
import { UsageError } from "../errors.js";
import { signatureFormats, signRelease } from "../distribution/release-signatures.js";
import { DEFAULT_LAYOUT_DIR, openReleaseStore } from "../distribution/release-store.js";
import { resolveRelease } from "../distribution/resolve-release.js";
import { runCli } from "./run.js";
import { loadSigningKey } from "./key-files.js";
import { IDENTITY_HELP, SIGNATURE_FORMAT_HELP } from "./signing-options.js";
import { STORE_FLAGS, STORE_HELP, storeOptions } from "./store-options.js";

const HELP = `Usage: npm run sign -- --release VERSION --key FILE [--registry HOST[:PORT]/NAMESPACE [--plain-http] | --oci-layout DIR]
                    [--identity HOST[:PORT]/NAMESPACE] [--signature-format classic|bundle|both] [--json]

Signs an already published release the way cosign sign --key does: the config bundle and the
release artifact, each by manifest digest, as sha256-<hex>.sig signature images in their own
repositories. A signature this key already made is not added again. (publish --sign-key signs while
publishing, before tags move.)

  --release VERSION  the published version to sign
  --key FILE         private key: cosign.key (passphrase from COSIGN_PASSWORD or a prompt) or a
                     PKCS#8 PEM; default: SIGNING_KEY_FILE
${STORE_HELP}
                     (default: ${DEFAULT_LAYOUT_DIR}/)
${IDENTITY_HELP}
${SIGNATURE_FORMAT_HELP}
  --json             print the signatures as JSON
  --help             show this help`;

await runCli(HELP, { ...STORE_FLAGS, release: { type: "string" }, key: { type: "string" }, identity: { type: "string" }, "signature-format": { type: "string" } }, async ({ values, output }) => {
  if (!values.release) throw new UsageError(`--release is required\n\n${HELP}`);
  if (!ReleaseVersion.safeParse(values.release).success) throw new UsageError(`--release "${values.release}" is not a release version`);
  const keyFile = values.key ?? process.env["SIGNING_KEY_FILE"];
  if (!keyFile) throw new UsageError(`give --key FILE (or set SIGNING_KEY_FILE)\n\n${HELP}`);
  const formats = signatureFormats(values["signature-format"]);
  const store = openReleaseStore(storeOptions(values, output), DEFAULT_LAYOUT_DIR);
  const key = await loadSigningKey(keyFile, "--key");
  await store.check();
  output.progress(`resolving ${store.release.location}:${values.release}`);
  const release = await resolveRelease(store, values.release);
  output.progress("signing");
  const signatures = await signRelease(store, release, key, { formats, ...(values.identity ? { identity: values.identity } : {}) });
  output.done(
    [`signed ${release.manifest.version} with key ${key.fingerprint}`, ...signatures.map((s) => `  ${s.signatureReference} ${s.pushed ? "pushed" : "already signed"} (${s.format}, ${s.dockerReference}@${s.digest})`)].join("\n"),
    { version: release.manifest.version, fingerprint: key.fingerprint, signatures },
  );
});
