// Writes a run's reports/<timestamp>/: report.md, results.json (without the raw samples, which go
// to <experiment>/samples.jsonl beside the fleet's log) and three SVG charts per experiment.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sample } from '../load/sample';
import type { ExperimentResult } from '../runner/result';
import { breakerChart, latencyChart, throughputChart } from './charts';
import { chartFiles, reportMarkdown, type RunInfo } from './report-markdown';

export async function writeSamples(experimentDir: string, samples: readonly Sample[]): Promise<void> {
  await mkdir(experimentDir, { recursive: true });
  await writeFile(join(experimentDir, 'samples.jsonl'), samples.map((s) => JSON.stringify(s)).join('\n') + '\n');
}

export async function writeReport(dir: string, info: RunInfo, results: readonly ExperimentResult[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const r of results) {
    const files = chartFiles(r.name);
    await writeFile(join(dir, files.latency), latencyChart(r));
    await writeFile(join(dir, files.throughput), throughputChart(r));
    await writeFile(join(dir, files.breakers), breakerChart(r));
  }
  await writeFile(join(dir, 'results.json'), `${JSON.stringify({ ...info, results }, null, 1)}\n`);
  const report = join(dir, 'report.md');
  await writeFile(report, reportMarkdown(info, results));
  return report;
}
