/**
 * What a message may tell a person to do about one registry depends on the command that talks to
 * it: which credentials it sends there, and whether it has a --plain-http flag for it. A command's
 * own target takes the environment's credentials and --plain-http; a registry it only reads on the
 * side (the images a release names) takes nothing but its own docker config.json entry, and its
 * scheme is not the user's choice. Advice naming a source or flag the command ignores sends the
 * person the wrong way.
 */
export interface RegistryAdvice {
  /** OCI_USERNAME/OCI_PASSWORD/OCI_TOKEN are sent to this registry (besides its config.json entry). */
  readonly environmentCredentials: boolean;
  /** The command has `--plain-http` for this registry. */
  readonly plainHttpFlag: boolean;
}

/** A registry given to the command with --registry: environment credentials and --plain-http apply. */
export const TARGET_REGISTRY_ADVICE: RegistryAdvice = { environmentCredentials: true, plainHttpFlag: true };

/** Where a person puts credentials for `registry`, as the command in use reads them. */
export function credentialsFix(registry: string, advice: RegistryAdvice): string {
  return advice.environmentCredentials
    ? `set OCI_USERNAME/OCI_PASSWORD (or OCI_TOKEN), or log in with \`docker login ${registry}\``
    : `log in with \`docker login ${registry}\` (its entry in $DOCKER_CONFIG/config.json or ~/.docker/config.json); ` +
        `OCI_USERNAME/OCI_PASSWORD/OCI_TOKEN are never sent to ${registry}, only to the registry a command publishes to`;
}

/** What to check when `registry` refused the credentials it was sent. */
export function refusedCredentialsFix(registry: string, advice: RegistryAdvice): string {
  return advice.environmentCredentials
    ? `Check OCI_USERNAME/OCI_PASSWORD, or log in with \`docker login ${registry}\``
    : `Check its entry in $DOCKER_CONFIG/config.json or ~/.docker/config.json, or log in again with \`docker login ${registry}\``;
}
