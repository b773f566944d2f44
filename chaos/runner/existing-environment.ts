// --url: experiments against a fleet that is already running (npm start, or npm run fleet). Its
// READY JSON (default .fleet/ready.json, written by npm start) names the instances, the simulator
// and the launcher's directory; its lb must be the --url given.
import { readFile } from 'node:fs/promises';
import type { FleetReady } from '../../scripts/fleet/launch-fleet';
import { assertLoopback } from '../infra/loopback';
import { Simulator } from '../probes/simulator';
import type { Environment } from './environment';

export class FleetJsonError extends Error {
  override readonly name = 'FleetJsonError';
  readonly code = 'CHAOS_FLEET_JSON';
}

export async function existingEnvironment(url: string, readyFile: string): Promise<Environment> {
  assertLoopback(url);
  let ready: FleetReady;
  try {
    ready = JSON.parse(await readFile(readyFile, 'utf8')) as FleetReady;
  } catch (error) {
    throw new FleetJsonError(`--url needs the fleet's READY JSON in ${readyFile} (--fleet-json): ${error instanceof Error ? error.message : String(error)}`);
  }
  if (ready.lb.replace(/\/$/, '') !== url.replace(/\/$/, '')) throw new FleetJsonError(`${readyFile} describes the fleet at ${ready.lb}, not ${url}`);
  for (const u of [...ready.instances, ready.sim]) assertLoopback(u);
  return { lb: ready.lb, instances: ready.instances, sim: new Simulator(ready.sim), fleetDir: ready.dir, readyPids: ready.pids };
}
