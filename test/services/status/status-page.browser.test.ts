import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../support/run-cli.js";
import type { SnapshotCollector } from "../../../src/services/status/status-poller.js";
import { TOKEN, startStatusServer, type RunningStatusServer } from "./status-server-harness.js";
import { loadFixture } from "./status-fixtures.js";

/** Debian's chromium (apt-get install chromium; .ci/run installs it). */
const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
/** Screenshots are kept as test artifacts (gitignored). */
const ARTIFACTS = join(PROJECT_ROOT, ".tmp", "status-page");

// Evaluated in the page (the test's own TypeScript has no DOM types).
const NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth";

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

describe("the overview page in a real headless Chromium", { timeout: 120_000 }, () => {
  let browser: Browser;
  let installing: RunningStatusServer;
  let failing: RunningStatusServer;
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
    installing = await startStatusServer("core-image-pulling");
    failing = await startStatusServer("postgres-subpath");
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await installing?.close();
    await failing?.close();
  });

  /** A fresh browser profile that records every URL the page loads. */
  async function open(options: Parameters<Browser["newContext"]>[0] = {}): Promise<{ context: BrowserContext; page: Page; requested: string[] }> {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    const requested: string[] = [];
    page.on("request", (request) => requested.push(request.url()));
    return { context, page, requested };
  }

  it("without the token: a 'Token required' page and nothing of the status", async () => {
    const { context, page } = await open();
    const response = await page.goto(`${installing.url}/`);
    expect(response!.status()).toBe(401);
    const text = await page.locator("body").innerText();
    expect(text).toContain("Token required");
    expect(text).toContain("?token=");
    expect(text).not.toContain("Installing");
    expect(text).not.toContain("alga-psa-ee");
    expect(await page.locator("[data-tier]").count()).toBe(0);
    const wrong = await page.goto(`${installing.url}/?token=not-the-token-at-all`);
    expect(wrong!.status()).toBe(401);
    expect(await page.locator("body").innerText()).toContain("That token is not valid");
    await page.screenshot({ path: join(ARTIFACTS, "no-token.png"), fullPage: true });
    await context.close();
  });

  it("with ?token=: the token leaves the address bar, and the page shows the rollup, the tiers and the active pull", async () => {
    const { context, page, requested } = await open({ viewport: { width: 1280, height: 900 } });
    const response = await page.goto(`${installing.url}/?token=${encodeURIComponent(TOKEN)}`);
    expect(response!.status()).toBe(200);
    expect(page.url()).toBe(`${installing.url}/`);
    const cookies = await context.cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: "Strict" });
    expect(cookies[0]!.value).not.toContain(TOKEN);
    expect(await page.evaluate("document.cookie")).toBe("");

    await expect.poll(() => page.locator("#rollup").innerText()).toContain("Installing");
    expect(await page.locator("#rollup").innerText()).toContain("pulling ghcr.io/nine-minds/alga-psa-ee:94446747 for alga-core (12 min so far)");
    const tiers = await page.locator("[data-tier]").allInnerTexts();
    expect(tiers.map((t) => t.split("\n").slice(0, 2).join(" "))).toEqual([
      "Platform Ready",
      "Core services Ready",
      "Bootstrap In progress",
      "Login Waiting",
      // Background only waits for the core Flux tier: grey, not "in progress" (test fails before).
      "Background Waiting",
      "Full health In progress",
    ]);
    // The install-progress view: when the install began, each tier's state and when it became ready, what is coming up.
    const progress = await page.locator("#progress").innerText();
    expect(progress).toContain("Install started 08:40:00 UTC, 3 h 20 min ago.");
    expect(progress).toMatch(/Core services ready since 10:50:00 UTC \(2 h 10 min after the start\)/);
    expect(progress).toMatch(/Bootstrap in progress/);
    expect(progress).toContain("Pod msp/alga-core-sebastian-bootstrap-r1-x7k2p (bootstrap): pending: ContainerCreating, for 12 min 0 s");
    expect(await page.locator('[data-step="login"]').getAttribute("class")).toBe("step waiting");
    const pulls = await page.locator("#pulls").innerText();
    expect(pulls).toContain("alga-core: pulling ghcr.io/nine-minds/alga-psa-ee:94446747");
    expect(pulls).toContain("12 min 0 s so far");
    expect(pulls).toContain("not how many bytes");
    expect(await page.locator('meta[http-equiv="refresh"]').getAttribute("content")).toBe("15");
    await page.screenshot({ path: join(ARTIFACTS, "desktop-installing.png"), fullPage: true });

    // The cookie alone carries the session on reload.
    const reloaded = await page.reload();
    expect(reloaded!.status()).toBe(200);
    // Self-contained: the page loads nothing but itself (no fonts, scripts or images from anywhere).
    expect(new Set(requested.map((url) => new URL(url).origin))).toEqual(new Set([installing.url]));
    expect(requested.every((url) => new URL(url).pathname === "/")).toBe(true);
    await context.close();
  });

  it("shows the top blockers with their next action, and stays readable on a phone", async () => {
    const { context, page } = await open(PHONE);
    await page.goto(`${failing.url}/?token=${encodeURIComponent(TOKEN)}`);
    const rollup = await page.locator("#rollup").innerText();
    expect(rollup).toContain("Action required");
    expect(rollup).toContain("subPath");
    // Red only where something failed: the core tier; the tiers after it only wait.
    expect(await page.locator('[data-tier="core"] .state').innerText()).toBe("Failing");
    expect(await page.locator('[data-tier="login"] .state').innerText()).toBe("Waiting");
    const blockers = await page.locator("#blockers .card").allInnerTexts();
    expect(blockers.length).toBeGreaterThanOrEqual(1);
    expect(blockers[0]).toContain("Core Postgres storage initialization — db");
    expect(blockers[0]).toContain("blocks login");
    expect(blockers[0]).toMatch(/Next: Create the data directory inside the Postgres volume/);
    expect(blockers[0]).toContain("delete pod msp/db-0");
    // The deciding error verbatim, and commands to paste, in monospace.
    expect(await page.locator("#blockers .card").first().locator("pre.error").innerText()).toBe('Error: failed to create subPath directory for volumeMount "db-data" of container "postgres"');
    const commands = await page.locator("#blockers .card").first().locator("ul.commands code").allInnerTexts();
    expect(commands).toEqual(["kubectl -n msp describe pod db-0", "kubectl -n msp logs db-0 -c db --tail=100"]);
    expect(String(await page.evaluate("getComputedStyle(document.querySelector('ul.commands code')).fontFamily"))).toMatch(/mono|Menlo|Consolas/i);
    // Nothing wider than the screen: no sideways scrolling on a phone.
    expect(await page.evaluate(NO_SIDEWAYS_SCROLL)).toBe(true);
    const fontSize = Number(await page.evaluate("parseFloat(getComputedStyle(document.querySelector('#blockers .card p')).fontSize)"));
    expect(fontSize).toBeGreaterThanOrEqual(14);
    await page.screenshot({ path: join(ARTIFACTS, "phone-action-required.png"), fullPage: true });
    await context.close();

    const phone = await open(PHONE);
    await phone.page.goto(`${installing.url}/?token=${encodeURIComponent(TOKEN)}`);
    expect(await phone.page.evaluate(NO_SIDEWAYS_SCROLL)).toBe(true);
    await phone.page.screenshot({ path: join(ARTIFACTS, "phone-installing.png"), fullPage: true });
    await phone.context.close();
  });

  it("an API that went down: a staleness banner with the last good state and why, at 1280×900 and 390×844", async () => {
    let now = Date.parse("2026-04-30T12:00:00Z");
    let calls = 0;
    const good = loadFixture("running-source-dns");
    const collector: SnapshotCollector = {
      description: "flaky API",
      collect: async () => {
        if (calls++ === 0) return { snapshot: good, accessErrors: [] };
        throw new Error("cannot reach the Kubernetes API: connect ECONNREFUSED 10.43.0.1:443");
      },
    };
    const stale = await startStatusServer("running-source-dns", {
      clock: () => now,
      collector,
      poller: async (poller) => {
        now += 3 * poller.intervalMs;
        await poller.refresh();
      },
    });
    try {
      for (const [options, file] of [[{ viewport: { width: 1280, height: 900 } }, "desktop-stale.png"], [PHONE, "phone-stale.png"]] as const) {
        const { context, page } = await open(options);
        await page.goto(`${stale.url}/?token=${encodeURIComponent(TOKEN)}`);
        const banner = await page.locator("#stale").innerText();
        expect(banner).toContain("This status is stale.");
        expect(banner).toContain("last read at 12:00:00 UTC (3 min 0 s ago)");
        expect(banner).toContain("cannot reach the Kubernetes API: connect ECONNREFUSED 10.43.0.1:443");
        // The last good state stays: login ready, updates blocked by the source's DNS failure.
        expect(await page.locator("#rollup").innerText()).toContain("Ready, updates blocked");
        expect(await page.locator('[data-tier="platform"] .state').innerText()).toBe("Failing");
        expect(await page.locator('[data-tier="login"] .state').innerText()).toBe("Ready");
        const cards = await page.locator("#blockers .card").allInnerTexts();
        expect(cards[0]).toContain("Status freshness");
        expect(cards.some((c) => c.includes("lookup ghcr.io on 10.43.0.10:53"))).toBe(true);
        expect(await page.evaluate(NO_SIDEWAYS_SCROLL)).toBe(true);
        await page.screenshot({ path: join(ARTIFACTS, file), fullPage: true });
        await context.close();
      }
    } finally {
      await stale.close();
    }
  });
});
