/**
 * A real S3 implementation for tests: Debian's Ceph (mon, one OSD, radosgw) as a throw-away
 * single-node cluster on 127.0.0.1, entirely under a temp directory — its own fsid, config file,
 * keyring, data, logs and sockets; nothing under /etc/ceph or /var/lib/ceph is read or written.
 *
 * Chosen to be light on a shared 2-core machine: one monitor, one OSD on `memstore` (objects in
 * the OSD's memory, no device, no file system to format), no manager (nothing here needs one), pools
 * of size 1 with few placement groups, small thread pools. cephx is on with keys generated for this
 * cluster (radosgw cannot reach a monitor with `auth … required = none` in Ceph 16).
 *
 * Every daemon runs in its own process group; close() kills the groups (SIGKILL: the data is thrown
 * away, and a memstore OSD would otherwise write its whole store to disk on the way out) and removes
 * the directory. A failed start cleans up the same way, and the groups are also killed if the test
 * process exits without calling close().
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createHash, createHmac, randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The binaries of Debian's `radosgw`, `ceph-mon` and `ceph-osd` packages (and `ceph-common`, which they pull in) this uses. */
const CEPH_BINARIES = ["/usr/bin/ceph-mon", "/usr/bin/ceph-osd", "/usr/bin/radosgw", "/usr/bin/radosgw-admin", "/usr/bin/ceph", "/usr/bin/monmaptool", "/usr/bin/ceph-authtool"];
const INSTALL = "apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd";

/** How long the whole cluster may take to answer S3 requests (about 13 s on an idle 2-core machine). */
const STARTUP_DEADLINE_MS = 180_000;
/** Time between two probes of the S3 endpoint while it comes up. */
const POLL_INTERVAL_MS = 200;

export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface RadosgwServer {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  readonly port: number;
  /** Milliseconds from the first daemon started to the S3 endpoint answering with the first user made. */
  readonly startupMs: number;
  /** An S3 user that owns the buckets the tests create. */
  readonly owner: S3Credentials;
  /** The OBJECT_STORE_* environment for `bucket`, with the owner's key unless another is given. */
  env(bucket: string, credentials?: S3Credentials, isoKey?: string): Record<string, string>;
  /** Creates another S3 user (no buckets, no policies: it may do nothing until a policy allows it). */
  createUser(uid: string): Promise<S3Credentials>;
  /** Attaches an IAM policy document to a user, as AWS IAM's PutUserPolicy (radosgw's IAM API). */
  putUserPolicy(uid: string, policyName: string, document: string): Promise<void>;
  /** Runs `radosgw-admin` against this cluster and returns its stdout. */
  admin(args: readonly string[]): Promise<string>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function configFile(dir: string, fsid: string, monPort: number, rgwPort: number): string {
  return `# Throw-away test cluster (test/support/radosgw-server.ts): everything lives under ${dir}.
[global]
fsid = ${fsid}
mon host = [v2:127.0.0.1:${monPort}]
public addr = 127.0.0.1
ms bind msgr1 = false
ms bind ipv6 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = ${dir}/keyring
run dir = ${dir}/run
admin socket = ${dir}/run/$name.$pid.asok
log file = ${dir}/log/$name.log
pid file = ${dir}/run/$name.pid
mon data = ${dir}/mon/$name
osd data = ${dir}/osd/$name
# A throw-away cluster on a shared disk: never stop because the disk looks full.
mon data avail warn = 1
mon data avail crit = 0
# One OSD holding everything in memory.
osd objectstore = memstore
memstore device bytes = ${2 * 1024 ** 3}
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
osd op num shards = 1
osd op num threads per shard = 2
ms async op threads = 2

[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw data = ${dir}/rgw
rgw thread pool size = 32
rgw dynamic resharding = false
`;
}

/** The `[v2:…]`-only monitor map and a keyring with every key this cluster uses (the monitor imports them at mkfs). */
async function createKeys(dir: string, fsid: string, monPort: number): Promise<void> {
  const keyring = join(dir, "keyring");
  await run("ceph-authtool", ["--create-keyring", keyring, "--gen-key", "-n", "mon.", "--cap", "mon", "allow *"]);
  await run("ceph-authtool", [keyring, "--gen-key", "-n", "client.admin", "--cap", "mon", "allow *", "--cap", "osd", "allow *", "--cap", "mgr", "allow *"]);
  await run("ceph-authtool", [keyring, "--gen-key", "-n", "osd.0", "--cap", "mon", "allow profile osd", "--cap", "osd", "allow *"]);
  await run("ceph-authtool", [keyring, "--gen-key", "-n", "client.rgw", "--cap", "mon", "allow rw", "--cap", "osd", "allow rwx"]);
  await run("monmaptool", ["--create", "--fsid", fsid, "--addv", "a", `[v2:127.0.0.1:${monPort}]`, join(dir, "monmap")]);
}

/** Signs an IAM API request (AWS Signature Version 4, service `iam`) for radosgw's IAM endpoint. */
function signedIamRequest(endpoint: string, credentials: S3Credentials, form: Record<string, string>): { headers: Record<string, string>; body: string } {
  const body = new URLSearchParams(form).toString();
  const now = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  const day = now.slice(0, 8);
  const host = new URL(endpoint).host;
  const payloadHash = createHash("sha256").update(body).digest("hex");
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", host, "x-amz-content-sha256": payloadHash, "x-amz-date": now };
  const names = Object.keys(headers).sort();
  const canonical = ["POST", "/", "", ...names.map((name) => `${name}:${headers[name]}`), "", names.join(";"), payloadHash].join("\n");
  const scope = `${day}/us-east-1/iam/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", now, scope, createHash("sha256").update(canonical).digest("hex")].join("\n");
  let key: Buffer = createHmac("sha256", `AWS4${credentials.secretAccessKey}`).update(day).digest();
  for (const part of ["us-east-1", "iam", "aws4_request"]) key = createHmac("sha256", key).update(part).digest();
  const signature = createHmac("sha256", key).update(toSign).digest("hex");
  headers["authorization"] = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(";")}, Signature=${signature}`;
  return { headers, body };
}

/** Starts the cluster and radosgw, and creates the owner user. Throws (having cleaned up) if radosgw does not answer by the deadline. */
export async function startRadosgw(): Promise<RadosgwServer> {
  const missing = CEPH_BINARIES.filter((binary) => !existsSync(binary));
  if (missing.length > 0) throw new Error(`Ceph is not installed (${missing.join(", ")} missing): ${INSTALL}`);
  const dir = mkdtempSync(join(tmpdir(), "ark-ceph-"));
  for (const sub of ["run", "log", "mon/mon.a", "osd/osd.0", "rgw"]) mkdirSync(join(dir, sub), { recursive: true });
  const daemons: ChildProcess[] = [];
  const killAll = () => {
    for (const daemon of daemons) {
      if (daemon.exitCode !== null || daemon.signalCode !== null || daemon.pid === undefined) continue;
      try {
        process.kill(-daemon.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  };
  // A test process that ends without close() (a crash, a timeout) still takes the daemons with it.
  process.on("exit", killAll);
  const conf = join(dir, "ceph.conf");
  const ceph = (args: readonly string[]) => run("ceph", ["-c", conf, "--connect-timeout", "60", ...args]);
  const admin = async (args: readonly string[]) => (await run("radosgw-admin", ["-c", conf, "-n", "client.admin", ...args])).stdout;
  const exited = (name: string) =>
    new Promise<never>((_resolve, reject) => {
      const daemon = daemons.at(-1)!;
      daemon.on("exit", (code, signal) => reject(new Error(`${name} exited (${signal ?? code}) while the cluster started; its log: ${logTail(dir, name)}`)));
    });
  const start = (name: string, binary: string, args: readonly string[]) => {
    // detached: a process group of its own, so close() reaches the daemon and every thread/child it has.
    const daemon = spawn(binary, ["-c", conf, "-f", ...args], { detached: true, stdio: ["ignore", "ignore", "ignore"] });
    daemons.push(daemon);
    const failure = exited(name);
    failure.catch(() => undefined);
    return failure;
  };
  const close = async () => {
    killAll();
    await Promise.all(daemons.map((daemon) => (daemon.exitCode !== null || daemon.signalCode !== null ? undefined : new Promise((resolve) => daemon.once("exit", resolve)))));
    process.removeListener("exit", killAll);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const fsid = randomUUID();
    const [monPort, rgwPort] = [await freePort(), await freePort()];
    writeFileSync(conf, configFile(dir, fsid, monPort, rgwPort));
    const began = performance.now();
    await createKeys(dir, fsid, monPort);
    await run("ceph-mon", ["-c", conf, "--mkfs", "-i", "a", "--monmap", join(dir, "monmap"), "--keyring", join(dir, "keyring")]);
    const monFailed = start("mon.a", "ceph-mon", ["-i", "a"]);
    const osdUuid = randomUUID();
    await run("ceph-osd", ["-c", conf, "-i", "0", "--mkfs", "--osd-uuid", osdUuid]);
    // Registers osd.0 with the monitor (waiting for it to form its quorum of one).
    await Promise.race([ceph(["osd", "new", osdUuid, "0"]), monFailed]);
    const osdFailed = start("osd.0", "ceph-osd", ["-i", "0"]);
    const rgwFailed = start("client.rgw", "radosgw", ["-n", "client.rgw"]);
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    // radosgw answers once it has created its pools, which needs the OSD up: poll with a deadline.
    const deadline = Date.now() + STARTUP_DEADLINE_MS;
    const answers = async () => {
      for (;;) {
        const status = await fetch(endpoint, { signal: AbortSignal.timeout(5_000) }).then(
          (response) => response.status,
          () => 0,
        );
        if (status === 200) return;
        if (Date.now() > deadline) throw new Error(`radosgw did not answer at ${endpoint} within ${STARTUP_DEADLINE_MS / 1000} s; its log: ${logTail(dir, "client.rgw")}`);
        await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
      }
    };
    await Promise.race([answers(), monFailed, osdFailed, rgwFailed]);

    const createUser = async (uid: string): Promise<S3Credentials> => {
      const credentials = { accessKeyId: `${uid.toUpperCase().replace(/[^A-Z0-9]/g, "")}${randomBytes(4).toString("hex").toUpperCase()}`, secretAccessKey: randomBytes(24).toString("base64url") };
      await admin(["user", "create", `--uid=${uid}`, `--display-name=${uid}`, `--access-key=${credentials.accessKeyId}`, `--secret-key=${credentials.secretAccessKey}`]);
      return credentials;
    };
    const owner = await createUser("bucket-owner");
    // The owner may attach IAM policies to other users (radosgw's IAM API checks this cap).
    await admin(["caps", "add", "--uid=bucket-owner", "--caps=user-policy=*"]);
    const startupMs = Math.round(performance.now() - began);

    return {
      endpoint,
      port: rgwPort,
      startupMs,
      owner,
      env: (bucket, credentials = owner, isoKey = "appliance/current/alga-appliance.iso") => ({
        OBJECT_STORE_ENDPOINT: endpoint,
        OBJECT_STORE_REGION: "us-east-1",
        OBJECT_STORE_BUCKET: bucket,
        OBJECT_STORE_ACCESS_KEY: credentials.accessKeyId,
        OBJECT_STORE_SECRET_KEY: credentials.secretAccessKey,
        APPLIANCE_ISO_KEY: isoKey,
      }),
      createUser,
      putUserPolicy: async (uid, policyName, document) => {
        const { headers, body } = signedIamRequest(endpoint, owner, { Action: "PutUserPolicy", UserName: uid, PolicyName: policyName, PolicyDocument: document, Version: "2010-05-08" });
        const response = await fetch(endpoint, { method: "POST", headers, body });
        if (response.status !== 200) throw new Error(`PutUserPolicy ${uid}/${policyName}: HTTP ${response.status}: ${await response.text()}`);
      },
      admin,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function logTail(dir: string, name: string): string {
  try {
    return readFileSync(join(dir, "log", `${name}.log`), "utf8").split("\n").slice(-15).join("\n");
  } catch {
    return "(no log)";
  }
}
