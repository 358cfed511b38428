import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ApplianceIsoDefinition } from "../../schemas/appliance-iso.js";
import { autoinstallConfig, renderAutoinstallSeed } from "../../src/iso/autoinstall-seed.js";
import { validateAutoinstall } from "../../src/iso/autoinstall-schema.js";
import { synthesizeRelease } from "../../src/synth/synth-release.js";
import { RELEASES_DIR } from "../support/rendered.js";
import { tempDir } from "../support/temp-dir.js";

// Subiquity's own schema, compiled here independently of the renderer's validator.
const subiquitySchema = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync("iso/autoinstall-schema.json", "utf8")));
const SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ3lX1sQk0W8bq3yF0t4m9R2Zc7uVx5pN6aDkE1oT8hY ops@example.com";
const SHA512_HASH = "$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/";
const decoder = new TextDecoder();

function seedOf(definition: unknown): { text: string; autoinstall: any } {
  const text = renderAutoinstallSeed(ApplianceIsoDefinition.parse(definition), "test.yaml");
  return { text, autoinstall: parse(text).autoinstall };
}

describe("autoinstall seed", () => {
  it("is #cloud-config with only autoinstall: version 1, alga-admin, network and storage interactive, overlay copied and units enabled", () => {
    const { text, autoinstall } = seedOf({ releaseRegistry: "ghcr.io/nine-minds", admin: { sshAuthorizedKeys: [SSH_KEY] } });
    expect(text.startsWith("#cloud-config\n")).toBe(true);
    expect(Object.keys(parse(text))).toEqual(["autoinstall"]);
    expect(subiquitySchema(autoinstall), JSON.stringify(subiquitySchema.errors)).toBe(true);
    expect(autoinstall.version).toBe(1);
    expect(autoinstall["interactive-sections"]).toEqual(["network", "storage"]);
    expect(autoinstall.identity).toMatchObject({ username: "alga-admin", hostname: "alga-appliance", password: "!" });
    expect(autoinstall.ssh).toEqual({ "install-server": true, "authorized-keys": [SSH_KEY], "allow-pw": false });
    expect(autoinstall["late-commands"]).toEqual([
      "cp -a /cdrom/alga-appliance/overlay/. /target/",
      "curtin in-target --target=/target -- systemctl enable alga-appliance-bootstrap.service alga-host-agent.service",
      "curtin in-target --target=/target -- passwd --lock alga-admin",
    ]);
  });

  it("takes a crypt hash for a password login and then allows passwords over SSH", () => {
    const { autoinstall } = seedOf({ releaseRegistry: "ghcr.io/nine-minds", admin: { password: { hash: SHA512_HASH } } });
    expect(subiquitySchema(autoinstall)).toBe(true);
    expect(autoinstall.identity.password).toBe(SHA512_HASH);
    expect(autoinstall.ssh["allow-pw"]).toBe(true);
    expect(autoinstall["late-commands"].join("\n")).not.toContain("passwd --lock");
  });

  it("refuses a plain password and a locked account without SSH keys, naming the field and the fix", () => {
    const plain = ApplianceIsoDefinition.safeParse({ releaseRegistry: "ghcr.io/nine-minds", admin: { password: { hash: "hunter2" } } });
    expect(plain.success).toBe(false);
    expect(JSON.stringify(plain.error?.issues)).toContain("mkpasswd -m sha-512");
    const locked = ApplianceIsoDefinition.safeParse({ releaseRegistry: "ghcr.io/nine-minds" });
    expect(locked.error?.issues[0]).toMatchObject({ path: ["admin", "sshAuthorizedKeys"] });
    expect(locked.error?.issues[0]?.message).toContain("add a key, or set admin.password.hash");
  });

  it("is checked against Subiquity's schema before it is written", () => {
    const good = autoinstallConfig(ApplianceIsoDefinition.parse({ releaseRegistry: "ghcr.io/nine-minds", admin: { sshAuthorizedKeys: [SSH_KEY] } }));
    expect(() => validateAutoinstall(good, "x.yaml")).not.toThrow();
    expect(() => validateAutoinstall({ ...good, version: 2 }, "x.yaml")).toThrow(/x\.yaml: .*\n\s+autoinstall\.version: must be <= 1/);
    expect(() => validateAutoinstall({ ...good, shutdown: "halt" }, "x.yaml")).toThrow(/autoinstall\.shutdown/);
    const { identity, ...withoutIdentityPassword } = good as { identity: Record<string, unknown> };
    expect(() => validateAutoinstall({ ...withoutIdentityPassword, identity: { ...identity, password: undefined } }, "x.yaml")).toThrow(/password/);
  });
});

describe("ISO tree rendered by synth", () => {
  const release = synthesizeRelease(join(RELEASES_DIR, "1.0.0.yaml"), 0);
  const text = (path: string) => decoder.decode(release.files.get(path) ?? new Uint8Array());

  it("holds the seed, NoCloud meta-data and the overlay", () => {
    const iso = [...release.files.keys()].filter((path) => path.startsWith("iso/")).sort();
    expect(iso).toEqual([
      "iso/meta-data",
      "iso/overlay/etc/alga-appliance/appliance.env",
      "iso/overlay/etc/systemd/system/alga-appliance-bootstrap.service",
      "iso/overlay/etc/systemd/system/alga-host-agent.service",
      ...[...release.files.keys()]
        .filter((path) => path.startsWith("control-plane/"))
        .map((path) => `iso/overlay/opt/alga-appliance/manifests/${path}`)
        .sort(),
      "iso/user-data",
    ]);
    expect(subiquitySchema(parse(text("iso/user-data")).autoinstall)).toBe(true);
  });

  it("bakes exactly the release's control-plane manifests", () => {
    for (const path of [...release.files.keys()].filter((candidate) => candidate.startsWith("control-plane/"))) {
      expect(text(`iso/overlay/opt/alga-appliance/manifests/${path}`)).toBe(text(path));
    }
  });

  it("installs both units and names the channel and the release registry", () => {
    expect(text("iso/overlay/etc/systemd/system/alga-appliance-bootstrap.service")).toMatch(/\[Service\]\nType=oneshot[\s\S]*WantedBy=multi-user.target/);
    expect(text("iso/overlay/etc/systemd/system/alga-host-agent.service")).toContain("ExecStart=/usr/bin/node /opt/alga-appliance/host-service/host-agent.mjs");
    const env = text("iso/overlay/etc/alga-appliance/appliance.env");
    expect(env).toContain("ALGA_APPLIANCE_CHANNEL=stable\n");
    expect(env).toContain("ALGA_APPLIANCE_RELEASE_REGISTRY=ghcr.io/nine-minds\n");
    expect(env).toContain("ALGA_APPLIANCE_ISO_RELEASE=1.0.0\n");
    expect(env).not.toContain("COSIGN");
  });

  it("adds the cosign public key when one is configured, and renders the same bytes every time", () => {
    const dir = tempDir();
    cpSync(RELEASES_DIR, join(dir, "releases"), { recursive: true });
    const key = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE0nR5m0eXr7Yd2pG9pLw5o0cQ==\n-----END PUBLIC KEY-----\n";
    const isoFile = join(dir, "releases", "iso", "appliance-iso.yaml");
    writeFileSync(isoFile, `${readFileSync(isoFile, "utf8")}cosignPublicKey: |\n${key.replace(/^/gm, "  ").trimEnd()}\n`);
    const signed = synthesizeRelease(join(dir, "releases", "1.0.0.yaml"), 0);
    expect(decoder.decode(signed.files.get("iso/overlay/etc/alga-appliance/cosign.pub"))).toBe(key);
    expect(decoder.decode(signed.files.get("iso/overlay/etc/alga-appliance/appliance.env"))).toContain(
      "ALGA_APPLIANCE_COSIGN_PUBLIC_KEY=/etc/alga-appliance/cosign.pub\n",
    );
    const again = synthesizeRelease(join(dir, "releases", "1.0.0.yaml"), 0);
    for (const [path, data] of signed.files) if (path.startsWith("iso/")) expect(again.files.get(path), path).toEqual(data);
  });

  it("refuses a bad ISO definition with the file and the field", () => {
    const dir = tempDir();
    cpSync(RELEASES_DIR, join(dir, "releases"), { recursive: true });
    writeFileSync(join(dir, "releases", "iso", "appliance-iso.yaml"), "releaseRegistry: ghcr.io/nine-minds\nchannel: 1.0\nadmin: { sshAuthorizedKeys: [\"" + SSH_KEY + "\"] }\n");
    expect(() => synthesizeRelease(join(dir, "releases", "1.0.0.yaml"), 0)).toThrow(/appliance-iso\.yaml[\s\S]*channel/);
  });
});
