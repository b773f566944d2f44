import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A file the page needs is not where it should be: a broken install, said at start-up, not at the first page view. */
export class DashboardAssetMissingError extends Error {
  override readonly name = 'DashboardAssetMissingError';
  readonly code = 'DASHBOARD_ASSET_MISSING';

  constructor(
    readonly asset: string,
    readonly path: string,
    cause: unknown,
  ) {
    super(`dashboard asset ${asset} could not be read from ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

export interface DashboardAsset {
  contentType: string;
  body: Buffer;
}

const STATIC = join(__dirname, 'static');

/**
 * Every file the page loads, read once at start-up: nothing to build, nothing fetched from
 * elsewhere (the CSP allows only this origin). uPlot (a small maintained charting library,
 * pinned in package.json) is served from node_modules as npm installed it.
 */
const SOURCES: Record<string, { path: () => string; contentType: string }> = {
  'dashboard.html': { path: () => join(STATIC, 'dashboard.html'), contentType: 'text/html; charset=utf-8' },
  'dashboard.js': { path: () => join(STATIC, 'dashboard.js'), contentType: 'text/javascript; charset=utf-8' },
  'dashboard.css': { path: () => join(STATIC, 'dashboard.css'), contentType: 'text/css; charset=utf-8' },
  'uplot.js': { path: () => require.resolve('uplot/dist/uPlot.iife.min.js'), contentType: 'text/javascript; charset=utf-8' },
  'uplot.css': { path: () => require.resolve('uplot/dist/uPlot.min.css'), contentType: 'text/css; charset=utf-8' },
};

export function loadDashboardAssets(): ReadonlyMap<string, DashboardAsset> {
  const assets = new Map<string, DashboardAsset>();
  for (const [name, source] of Object.entries(SOURCES)) {
    let path = name;
    try {
      path = source.path();
      assets.set(name, { contentType: source.contentType, body: readFileSync(path) });
    } catch (error) {
      throw new DashboardAssetMissingError(name, path, error);
    }
  }
  return assets;
}
