// Self time per function (and per package) of a V8 .cpuprofile, the busiest first.
//   node --import tsx bench/profile/top-functions.ts <file.cpuprofile> [rows]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function where(url: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m !== null) return m[1];
  if (url.startsWith('node:') || url === '') return url === '' ? '(native/V8)' : 'node internals';
  const repo = /\/(apps|libs)\/[^/]+\/src\/(.*)$/.exec(url);
  return repo === null ? url.replace(/^file:\/\//, '') : `${repo[1]}/${repo[2]}`;
}

const [file, rowsArg] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: top-functions.ts <file.cpuprofile> [rows]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const idle = [...selfUs].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, us]) => a + us, 0);
const busy = total - idle;
const perFunction = new Map<string, number>();
const perPlace = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id);
  if (node === undefined || node.callFrame.functionName === '(idle)') continue;
  const place = where(node.callFrame.url);
  const name = `${node.callFrame.functionName || '(anonymous)'} ${place}:${node.callFrame.lineNumber + 1}`;
  perFunction.set(name, (perFunction.get(name) ?? 0) + us);
  perPlace.set(place, (perPlace.get(place) ?? 0) + us);
}
const pct = (us: number): string => `${((us / busy) * 100).toFixed(1)}%`;
const rows = Number(rowsArg ?? 25);
console.log(`busy ${(busy / 1e6).toFixed(1)} s of ${(total / 1e6).toFixed(1)} s profiled`);
console.log('\nby package or file (self time, share of busy):');
for (const [place, us] of [...perPlace].sort((a, b) => b[1] - a[1]).slice(0, rows)) console.log(`  ${pct(us).padStart(6)}  ${place}`);
console.log('\nby function:');
for (const [name, us] of [...perFunction].sort((a, b) => b[1] - a[1]).slice(0, rows)) console.log(`  ${pct(us).padStart(6)}  ${name}`);
