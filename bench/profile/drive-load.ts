// Open-loop POST /payments at one URL for a while, then a one-line summary: the load behind the
// CPU profiles of docs/benchmarks.md ("Where the time goes"), aimed at one instance directly.
//   node --import tsx bench/profile/drive-load.ts <url> <rate per s> <seconds>
import { randomUUID } from 'node:crypto';
import { fmt, sleep } from '../bench-support';
import { PaymentLoad } from '../gateway/open-loop';
import { summarise } from '../gateway/window-summary';

async function main(): Promise<void> {
  const [url, rateArg, secondsArg] = process.argv.slice(2);
  const rate = Number(rateArg);
  const seconds = Number(secondsArg);
  if (url === undefined || !(rate > 0) || !(seconds > 0)) throw new Error('usage: drive-load.ts <url> <rate per s> <seconds>');
  const load = new PaymentLoad({ url, connections: 64, customers: 100_000, keyPrefix: `profile-${randomUUID().slice(0, 8)}-` });
  const run = load.start(rate);
  const from = performance.now();
  await sleep(seconds * 1000);
  const to = performance.now();
  const samples = await run.stop();
  await load.close();
  const s = summarise(`${rate}/s`, rate, samples, from, to);
  console.log(`${s.label}: ${fmt(s.achieved, 1)}/s 2xx, ${(s.availability * 100).toFixed(2)}% 2xx, p50 ${fmt(s.p50, 1)} ms, p95 ${fmt(s.p95, 1)} ms`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
