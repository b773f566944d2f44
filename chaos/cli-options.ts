// `npm run chaos -- [--experiment NAME]... [--quick] [--url URL] [--fleet-json PATH] [--rate N]
// [--instances N] [--reports DIR] [--gate all|safety] [--list]`, with every default named here.
import { parseArgs } from 'node:util';
import { GATES, type Gate } from './metrics/gate';

export const DEFAULT_RATE = 100;
export const DEFAULT_INSTANCES = 3;
export const DEFAULT_REPORTS_DIR = 'reports';
export const DEFAULT_FLEET_JSON = '.fleet/ready.json';
/** Modest on purpose: the suite shares a 2-core machine with the fleet it attacks. */
export const MAX_RATE = 400;

export interface ChaosOptions {
  experiments: string[];
  quick: boolean;
  url: string | undefined;
  fleetJson: string;
  rate: number;
  instances: number;
  reportsDir: string;
  /** What decides the exit code (metrics/gate.ts). */
  gate: Gate;
  list: boolean;
  help: boolean;
}

export const USAGE = `usage: npm run chaos -- [options]
  --experiment NAME   run this experiment (repeatable, or comma-separated); default: all (or the quick subset)
  --quick             the crash-prone CI subset, with short phases (a few minutes)
  --url URL           use the running fleet whose load balancer is URL (READY JSON from --fleet-json);
                      experiments that need the suite's own Redis are skipped
  --fleet-json PATH   that fleet's READY JSON (default ${DEFAULT_FLEET_JSON}, written by npm start)
  --rate N            payments per second (default ${DEFAULT_RATE}, at most ${MAX_RATE})
  --instances N       payment-api instances of each fleet the suite starts (default ${DEFAULT_INSTANCES})
  --reports DIR       where reports/<timestamp>/ goes (default ${DEFAULT_REPORTS_DIR})
  --gate all|safety   what fails the run: every hypothesis check (all, the default), or only the
                      safety checks: process deaths, lost or double charges, audit, PENDING_REVIEW (CI)
  --list              list the experiments and exit
  -h, --help          this text`;

export class ChaosUsageError extends Error {
  override readonly name = 'ChaosUsageError';
  readonly code = 'CHAOS_USAGE';
}

export function parseChaosOptions(argv: readonly string[]): ChaosOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        experiment: { type: 'string', multiple: true },
        quick: { type: 'boolean' },
        url: { type: 'string' },
        'fleet-json': { type: 'string' },
        rate: { type: 'string' },
        instances: { type: 'string' },
        reports: { type: 'string' },
        gate: { type: 'string' },
        list: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new ChaosUsageError(error instanceof Error ? error.message : String(error));
  }
  return {
    experiments: (values.experiment ?? []).flatMap((e) => e.split(',')).map((e) => e.trim()).filter((e) => e !== ''),
    quick: values.quick === true,
    url: values.url,
    fleetJson: values['fleet-json'] ?? DEFAULT_FLEET_JSON,
    rate: whole('--rate', values.rate, DEFAULT_RATE, 1, MAX_RATE),
    instances: whole('--instances', values.instances, DEFAULT_INSTANCES, 2, 8),
    reportsDir: values.reports ?? DEFAULT_REPORTS_DIR,
    gate: gateOf(values.gate),
    list: values.list === true,
    help: values.help === true,
  };
}

function whole(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) throw new ChaosUsageError(`${flag} must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  return value;
}

function gateOf(raw: string | undefined): Gate {
  if (raw === undefined) return 'all';
  const gate = GATES.find((g) => g === raw);
  if (gate === undefined) throw new ChaosUsageError(`--gate must be one of ${GATES.join(', ')} (got ${JSON.stringify(raw)})`);
  return gate;
}
