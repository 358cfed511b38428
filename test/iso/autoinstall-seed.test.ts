import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
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
      "tar -C /cdrom/alga-appliance/overlay -cf - . | tar -C /target -xf - --no-overwrite-dir --no-same-owner",
      "curtin in-target --target=/target -- systemctl enable alga-appliance-bootstrap.service alga-host-agent.service",
      "curtin in-target --target=/target -- passwd --lock alga-admin",
      "printf '%s\\n' 'alga-admin ALL=(ALL) NOPASSWD:ALL' > /target/etc/sudoers.d/90-alga-admin && chmod 0440 /target/etc/sudoers.d/90-alga-admin",
    ]);
  });

  it("takes a crypt hash for a password login and then allows passwords over SSH", () => {
    const { autoinstall } = seedOf({ releaseRegistry: "ghcr.io/nine-minds", admin: { password: { hash: SHA512_HASH } } });
    expect(subiquitySchema(autoinstall)).toBe(true);
    expect(autoinstall.identity.password).toBe(SHA512_HASH);
    expect(autoinstall.ssh["allow-pw"]).toBe(true);
    expect(autoinstall["late-commands"].join("\n")).not.toContain("passwd --lock");
    // With a password, sudo asks for it (Subiquity puts the user in group sudo): no NOPASSWD rule.
    expect(autoinstall["late-commands"].join("\n")).not.toContain("sudoers");
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

describe("the seed's late-commands applied to a fake target tree (/target replaced by a temp directory)", () => {
  const release = synthesizeRelease(join(RELEASES_DIR, "1.0.0.yaml"), 0);
  const isRoot = process.getuid?.() === 0;

  /** The install medium's overlay, with the medium's directory modes (read-only, another owner where we may set one). */
  function overlayOnMedium(): string {
    const overlay = join(tempDir(), "overlay");
    for (const [path, data] of release.files) {
      if (!path.startsWith("iso/overlay/")) continue;
      const target = join(overlay, path.slice("iso/overlay/".length));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, data);
    }
    for (const dir of [overlay, join(overlay, "etc"), join(overlay, "opt")]) {
      chmodSync(dir, 0o700);
      if (isRoot) chownSync(dir, 4321, 4321);
    }
    return overlay;
  }

  function runLateCommand(command: string, target: string): void {
    execFileSync("sh", ["-c", command.replaceAll("/target", target)], { stdio: "pipe" });
  }

  it("copies the overlay in and keeps the owner and mode of /target, /target/etc and /target/opt", () => {
    const overlay = overlayOnMedium();
    const target = join(tempDir(), "target");
    for (const dir of ["", "etc", "opt"]) mkdirSync(join(target, dir), { recursive: true, mode: 0o755 });
    for (const dir of ["", "etc", "opt"]) chmodSync(join(target, dir), 0o755);
    const before = ["", "etc", "opt"].map((dir) => statSync(join(target, dir)));
    const seed = parse(renderAutoinstallSeed(ApplianceIsoDefinition.parse({ releaseRegistry: "ghcr.io/nine-minds", overlaySource: overlay, admin: { sshAuthorizedKeys: [SSH_KEY] } }), "t.yaml"));
    const copy = seed.autoinstall["late-commands"][0] as string;
    expect(copy).toContain(overlay);
    runLateCommand(copy, target);
    ["", "etc", "opt"].forEach((dir, index) => {
      const after = statSync(join(target, dir));
      expect((after.mode & 0o7777).toString(8), `/target/${dir} mode`).toBe((before[index]!.mode & 0o7777).toString(8));
      expect([after.uid, after.gid], `/target/${dir} owner`).toEqual([before[index]!.uid, before[index]!.gid]);
    });
    for (const [path, data] of release.files) {
      if (path.startsWith("iso/overlay/")) expect(readFileSync(join(target, path.slice("iso/overlay/".length))), path).toEqual(Buffer.from(data));
    }
    if (isRoot) expect(statSync(join(target, "etc", "alga-appliance", "appliance.env")).uid).toBe(0);
  });

  it("gives the key-only support login (alga-admin) the sudo rule the README documents, as a valid 0440 sudoers drop-in", () => {
    const target = join(tempDir(), "target");
    mkdirSync(join(target, "etc", "sudoers.d"), { recursive: true });
    const seed = parse(renderAutoinstallSeed(ApplianceIsoDefinition.parse({ releaseRegistry: "ghcr.io/nine-minds", admin: { sshAuthorizedKeys: [SSH_KEY] } }), "t.yaml"));
    const rule = (seed.autoinstall["late-commands"] as string[]).find((command) => command.includes("sudoers.d"))!;
    runLateCommand(rule, target);
    const file = join(target, "etc", "sudoers.d", "90-alga-admin");
    expect(readFileSync(file, "utf8")).toBe("alga-admin ALL=(ALL) NOPASSWD:ALL\n");
    expect((statSync(file).mode & 0o777).toString(8)).toBe("440");
    for (const visudo of ["/usr/sbin/visudo", "/usr/bin/visudo"]) {
      if (existsSync(visudo)) execFileSync(visudo, ["-cf", file], { stdio: "pipe" });
    }
    // The README says the same.
    expect(readFileSync("README.md", "utf8")).toContain("alga-admin ALL=(ALL) NOPASSWD:ALL");
  });
});
