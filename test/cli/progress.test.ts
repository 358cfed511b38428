import { describe, expect, it } from "vitest";
import { ByteProgress, formatBytes, progressLine } from "../../src/progress.js";

const GiB = 1024 ** 3;
const key = "appliance/1.0.0/alga-appliance.iso";

/** A clock the test moves by hand: no waiting, whatever the machine's load. */
function manualClock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("transfer progress (one implementation for ISO uploads and offline archives; clock injected)", () => {
  it("draws a bar with bytes, rate and ETA on a terminal, and the same figures in words in a log", () => {
    expect(progressLine({ done: GiB, total: 4 * GiB, elapsedMs: 20_000 }, { terminal: true, label: key, width: 20 })).toBe(
      `${key}: [#####---------------] 25% (1.0 GiB of 4.0 GiB, 51.2 MiB/s, ETA 1:00)`,
    );
    expect(progressLine({ done: GiB, total: 4 * GiB, elapsedMs: 20_000 }, { terminal: false })).toBe("25% (1.0 GiB of 4.0 GiB, 51.2 MiB/s, ETA 1:00)");
    expect(progressLine({ done: 4 * GiB, total: 4 * GiB, elapsedMs: 80_000 }, { terminal: false })).toContain("100% (4.0 GiB of 4.0 GiB, 51.2 MiB/s, ETA 0:00)");
    expect(progressLine({ done: 0, total: 4 * GiB, elapsedMs: 0 }, { terminal: false })).toContain("ETA --:--");
    expect(progressLine({ done: 1024 ** 2, total: 4 * GiB, elapsedMs: 1000 }, { terminal: false })).toMatch(/ETA 1:08:15\)$/);
  });

  it("formats sizes in binary units, whole bytes below a KiB", () => {
    expect([0, 1023, 1536, 5 * 1024 ** 2, 3 * GiB].map(formatBytes)).toEqual(["0 B", "1023 B", "1.5 KiB", "5.0 MiB", "3.0 GiB"]);
  });

  it("in a log, prints a line when the transfer enters a new tenth: eleven lines for any size", () => {
    const clock = manualClock();
    const lines: string[] = [];
    const progress = new ByteProgress({ total: GiB, terminal: false, label: key, now: clock.now, write: (line) => lines.push(line) });
    for (let step = 1; step <= 1000; step++) {
      clock.advance(10);
      progress.set((step * GiB) / 1000);
    }
    // The first report (0%), then one as each tenth begins.
    expect(lines).toHaveLength(11);
    expect(lines[0]).toMatch(/: 0% /);
    expect(lines[5]).toMatch(/^appliance\/1\.0\.0\/alga-appliance\.iso: 50% \(512\.0 MiB of 1\.0 GiB, 102\.4 MiB\/s, ETA 0:05\)$/);
    expect(lines.at(-1)).toContain("100% (1.0 GiB of 1.0 GiB");
  });

  it("on a terminal, redraws at most every tenth of a second, and always at the end", () => {
    const clock = manualClock();
    const lines: string[] = [];
    const progress = new ByteProgress({ total: 100, terminal: true, now: clock.now, write: (line) => lines.push(line) });
    for (let step = 1; step <= 100; step++) {
      clock.advance(25);
      progress.add(1);
    }
    // 2.5 s of reports every 25 ms: the first at once, then a redraw every 100 ms; the last at 100%.
    expect(lines).toHaveLength(26);
    expect(lines.every((line) => line.startsWith("["))).toBe(true);
    expect(lines.at(-1)).toContain("100% (100 B of 100 B");
  });
});
