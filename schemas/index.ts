export * from "./common.js";
export * from "./components.js";
export * from "./release.js";
export * from "./profile.js";
export * from "./release-manifest.js";
export * from "./license-service.js";
export * from "./status.js";
