// A copy of deploy/prometheus/alerts.yml that a test can wait for: every `for:` of the shipped
// rules with minutes read as seconds (5m -> 5s, 1m -> 1s), nothing else changed. The expressions,
// labels and annotations under test are the shipped ones, byte for byte; the `for:` durations
// themselves are what the promtool unit tests (deploy/prometheus/tests) prove.
const FOR_LINE = /^(\s+for: )(\d+)([smh])$/;
const SECONDS_PER_UNIT: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600 };

export function withForDurationsShortened(rules: string): string {
  return rules
    .split('\n')
    .map((line) => {
      const m = FOR_LINE.exec(line);
      if (m === null) return line;
      const seconds = Math.max(1, Math.round((Number(m[2]) * (SECONDS_PER_UNIT[m[3]] ?? 1)) / 60));
      return `${m[1]}${seconds}s`;
    })
    .join('\n');
}
