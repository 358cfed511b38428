import { z } from "zod";
import { ChannelName, DnsLabel } from "./common.js";

/** The installer's admin account name; the host services and docs rely on it. */
export const APPLIANCE_ADMIN_USER = "alga-admin";

/** crypt(3) hashes Subiquity accepts for `identity.password`: SHA-512 ($6$), SHA-256 ($5$) or yescrypt ($y$). */
const PasswordHash = z
  .string()
  .regex(/^\$(6|5)\$(rounds=[0-9]+\$)?[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{43,86}$|^\$y\$[./0-9A-Za-z]+\$[./0-9A-Za-z]+\$[./0-9A-Za-z]{43}$/, {
    error: "must be a crypt(3) hash ($6$…, $5$… or $y$…), e.g. from `mkpasswd -m sha-512`; never a plain password",
  });

const SshPublicKey = z
  .string()
  .regex(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\n]*)?$/, {
    error: "must be one OpenSSH public key line (e.g. ssh-ed25519 AAAA… comment)",
  });

const CosignPublicKey = z
  .string()
  .regex(/^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+\n-----END PUBLIC KEY-----\n?$/, {
    error: "must be a PEM public key (-----BEGIN PUBLIC KEY----- … -----END PUBLIC KEY-----), e.g. cosign.pub",
  });

/** `releases/iso/appliance-iso.yaml`: what the appliance ISO's autoinstall seed and overlay hold. */
export const ApplianceIsoDefinition = z
  .strictObject({
    hostname: DnsLabel.default("alga-appliance"),
    admin: z
      .strictObject({
        realname: z.string().min(1).default("Alga Appliance Admin"),
        /** A crypt hash, or `locked`: no password login at all, SSH keys only. */
        password: z.union([z.literal("locked"), z.strictObject({ hash: PasswordHash })]).default("locked"),
        sshAuthorizedKeys: z.array(SshPublicKey).default([]),
      })
      .prefault({})
      .describe(`The ${APPLIANCE_ADMIN_USER} account the installer creates.`),
    locale: z.string().min(1).default("en_US.UTF-8"),
    keyboardLayout: z.string().min(1).default("us"),
    timezone: z.string().min(1).default("Etc/UTC"),
    /** Where the ISO build puts the overlay tree on the install medium. */
    overlaySource: z.string().regex(/^\/[^\s]*[^/\s]$/, { error: "must be an absolute path without spaces or a trailing /" }).default("/cdrom/alga-appliance/overlay"),
    channel: ChannelName.default("stable").describe("The channel a fresh appliance follows."),
    releaseRegistry: z
      .string()
      .regex(/^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)*$/, { error: "must be a registry host and namespace, e.g. ghcr.io/nine-minds" })
      .describe("Registry namespace the appliance resolves releases from."),
    cosignPublicKey: CosignPublicKey.optional().describe("Public key release signatures are verified with; omitted: not verified."),
  })
  .superRefine((definition, ctx) => {
    if (definition.admin.password === "locked" && definition.admin.sshAuthorizedKeys.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["admin", "sshAuthorizedKeys"],
        message: "a locked password needs at least one SSH key, or nobody can log in: add a key, or set admin.password.hash",
      });
    }
  })
  .describe("The appliance ISO's autoinstall seed and overlay configuration.");
export type ApplianceIsoDefinition = z.infer<typeof ApplianceIsoDefinition>;
