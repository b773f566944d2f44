// Turns the READY JSON of a fleet started by `npm start` into what a person or a shell needs:
//   node scripts/lib/fleet-summary.mjs env <ready.json>              shell lines: LB, SIM, FLEET_REDIS (with its
//                                                                    credentials, from the READY line's redisUrlFile), ADMIN_TOKEN
//   node scripts/lib/fleet-summary.mjs summary <ready.json> <dir>    where to look, for the terminal
import { readFileSync } from 'node:fs';

const [command, readyFile, stateDir = '.fleet'] = process.argv.slice(2);
const ready = JSON.parse(readFileSync(readyFile, 'utf8'));

/** Single-quoted for sh: nothing inside is expanded, a quote is closed, escaped and reopened. */
const shellQuote = (value) => `'${String(value).replaceAll("'", "'\\''")}'`;

if (command === 'env') {
  const redis = typeof ready.redisUrlFile === 'string' ? readFileSync(ready.redisUrlFile, 'utf8').trim() : ready.redis;
  const values = { LB: ready.lb, SIM: ready.sim, FLEET_REDIS: redis, ADMIN_TOKEN: process.env.ADMIN_TOKEN ?? '' };
  const lines = Object.entries(values).map(([name, value]) => `export ${name}=${shellQuote(value)}`);
  process.stdout.write(`# Written by npm start for this fleet; removed by npm stop.\n${lines.join('\n')}\n`);
} else if (command === 'summary') {
  const rows = [
    ['load balancer', ready.lb, 'POST /payments, GET /breakers, /degradation, /queues, /health/ready'],
    ['metrics', `${ready.lb}/metrics`, 'Prometheus text of the instance that answers; each instance has its own /metrics'],
    ['dashboard', `${ready.lb}/dashboard`, 'live breakers per instance, queues, warnings; give it $ADMIN_TOKEN'],
    ['operator auth', process.env.OPERATOR_AUTH === 'off' ? 'off' : 'Authorization: Bearer $ADMIN_TOKEN', 'for GET /breakers, /queues, /metrics and the admin actions'],
    ['instances', ready.instances.join(' '), ''],
    ['simulator', ready.sim, 'fault API: PUT /_faults/<service>, DELETE /_faults, GET /_stats, /_ledger'],
    ['fleet Redis', ready.redis, `the fleet's own, with a password (its URL: $FLEET_REDIS, or ${ready.redisUrlFile ?? 'the READY line'}); the tests use 127.0.0.1:6379`],
    ['fleet log', `tail -f ${stateDir}/fleet.log`, 'breaker transitions, local mode, dead letters, admin actions, instances taken out of nginx'],
    ['routing', ready.routingFile ?? `${ready.dir}/routing.json`, 'which instances nginx routes to (not-ready ones are taken out)'],
    ['shell', `. ${stateDir}/env`, 'sets LB, SIM, FLEET_REDIS and ADMIN_TOKEN for the README walkthrough'],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  const lines = rows.map(([name, where, what]) => `  ${name.padEnd(width)}  ${where}${what === '' ? '' : `   ${what}`}`);
  process.stdout.write(`Breakwater fleet ready: ${ready.instances.length} payment-api instance(s) behind nginx\n${lines.join('\n')}\nStop it with: npm stop\n`);
} else {
  process.stderr.write('usage: fleet-summary.mjs env|summary <ready.json> [state dir]\n');
  process.exit(2);
}
