import { describe, expect, it } from "vitest";
import { progressBar, uploadProgressReporter } from "../../src/distribution/iso-upload-progress.js";

const GiB = 1024 ** 3;
const key = "appliance/1.0.0/alga-appliance.iso";

describe("upload progress (clock injected: elapsed time is an input)", () => {
  it("draws a bar with bytes, rate and ETA on a terminal", () => {
    expect(progressBar({ key, loaded: GiB, total: 4 * GiB, elapsedMs: 20_000 }, 20)).toBe(
      `${key} [#####---------------] 25% 1.0 GiB/4.0 GiB 51.2 MiB/s ETA 1:00`,
    );
    expect(progressBar({ key, loaded: 4 * GiB, total: 4 * GiB, elapsedMs: 80_000 }, 20)).toContain("100% 4.0 GiB/4.0 GiB 51.2 MiB/s ETA 0:00");
    expect(progressBar({ key, loaded: 0, total: 4 * GiB, elapsedMs: 0 }, 20)).toContain("ETA --:--");
    expect(progressBar({ key, loaded: 1024 ** 2, total: 4 * GiB, elapsedMs: 1000 }, 20)).toMatch(/ETA 1:08:15$/);
  });

  it("redraws on every report on a terminal, and prints a plain line per tenth in a log", () => {
    const reports = Array.from({ length: 101 }, (_, percent) => ({ key, loaded: percent * GiB / 100, total: GiB, elapsedMs: 1000 + percent * 100 }));
    const terminal: string[] = [];
    const log: string[] = [];
    const onTerminal = uploadProgressReporter(true, (line) => terminal.push(line));
    const inLog = uploadProgressReporter(false, (line) => log.push(line));
    for (const report of reports) {
      onTerminal(report);
      inLog(report);
    }
    expect(terminal).toHaveLength(101);
    expect(terminal.every((line) => line.includes("["))).toBe(true);
    expect(log).toHaveLength(11);
    expect(log[5]).toMatch(/^appliance\/1\.0\.0\/alga-appliance\.iso: 50% \(512\.0 MiB of 1\.0 GiB, [\d.]+ MiB\/s, ETA 0:0\d\)$/);
  });
});
