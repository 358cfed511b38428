/**
 * The rendered-file vocabulary lives in src/policy/rendered-file.ts, below synth, so that policy
 * never imports synth (synth runs the policies). Re-exported here for synth's own modules.
 */
export { describeObject, isKustomizeFile, KUSTOMIZE_FILE_API_VERSION, type KubernetesObject, type RenderedFile } from "../policy/rendered-file.js";
