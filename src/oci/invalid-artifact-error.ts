/**
 * Content that is not what it claims to be: a manifest that is not an OCI image manifest, a
 * document over its size ceiling, a layout file that is not JSON. The message names the artifact
 * (its location and reference) and what is wrong with it.
 */
export class InvalidArtifactError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidArtifactError";
  }
}
