// The Pulumi program (Pulumi.yaml `main`). Its exports are the stack outputs.
import { runVendorProgram } from "./program.js";

const outputs = runVendorProgram();

export const licenseServiceUrl = outputs.licenseServiceUrl;
export const bucket = outputs.bucket;
export const applianceIsoKey = outputs.applianceIsoKey;
