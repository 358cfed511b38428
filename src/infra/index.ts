// The Pulumi program (package.json `main`). Its default export is what Pulumi's nodejs host runs:
// the object it returns holds the stack outputs. A function rather than named exports, so an output
// a configuration does not have (the publisher key of an external-static store) is absent instead
// of an undefined value the engine warns about.
import { runVendorProgram } from "./program.js";

export default function vendorStack(): Record<string, unknown> {
  const outputs = runVendorProgram();
  return {
    licenseServiceUrl: outputs.licenseServiceUrl,
    bucket: outputs.bucket,
    applianceIsoKey: outputs.applianceIsoKey,
    // For `npm run iso-publish` (OBJECT_STORE_ACCESS_KEY / _SECRET_KEY); secret: `pulumi stack output --show-secrets`.
    ...(outputs.isoPublisherAccessKey ? { isoPublisherAccessKey: outputs.isoPublisherAccessKey, isoPublisherSecretKey: outputs.isoPublisherSecretKey } : {}),
    // The license service's read-only key, for `iso-publish` to sign the printed URL with (OBJECT_STORE_READ_*).
    ...(outputs.isoReaderAccessKey ? { isoReaderAccessKey: outputs.isoReaderAccessKey, isoReaderSecretKey: outputs.isoReaderSecretKey } : {}),
  };
}
