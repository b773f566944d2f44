// The launcher's <dir>/restarts.json (docs/fleet.md, "Restarts"): restarts per part and current
// pids. Every restart is a process that died; the suite subtracts the exits it caused itself.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RESTART_STATUS_FILE_NAME, type PartRestartStatus, type RestartStatusFile } from '../../scripts/fleet/restart-status';

export async function readRestarts(fleetDir: string): Promise<Record<string, PartRestartStatus>> {
  try {
    const parsed = JSON.parse(await readFile(join(fleetDir, RESTART_STATUS_FILE_NAME), 'utf8')) as RestartStatusFile;
    return parsed.parts;
  } catch {
    return {};
  }
}

/** Restarts per part beyond the exits the experiment caused (`planned`, per part). */
export function unplannedExits(parts: Record<string, PartRestartStatus>, planned: Readonly<Record<string, number>>): Record<string, number> {
  const unplanned: Record<string, number> = {};
  for (const [name, part] of Object.entries(parts)) {
    const extra = part.restarts - (planned[name] ?? 0);
    if (extra > 0) unplanned[name] = extra;
  }
  return unplanned;
}
