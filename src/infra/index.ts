// The Pulumi program (Pulumi.yaml `main`). Its exports are the stack outputs.
import { runVendorProgram } from "./program.js";

const outputs = runVendorProgram();

export const licenseServiceUrl = outputs.licenseServiceUrl;
export const bucket = outputs.bucket;
export const applianceIsoKey = outputs.applianceIsoKey;
/** For `npm run iso-publish` (OBJECT_STORE_ACCESS_KEY / _SECRET_KEY); secret: `pulumi stack output --show-secrets`. */
export const isoPublisherAccessKey = outputs.isoPublisherAccessKey;
export const isoPublisherSecretKey = outputs.isoPublisherSecretKey;
