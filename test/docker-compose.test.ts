// docker-compose.yml, checked without a Docker engine (there is none here): it parses, every file
// it mounts exists, and its ports, addresses and variables agree with the launcher's defaults
// (scripts/fleet), the app's settings, deploy/prometheus/prometheus.yml and Grafana's provisioning.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_LB_PORT, DEFAULT_SIM_PORT } from '../scripts/fleet/fleet-options';

const ROOT = join(__dirname, '..');

interface Service {
  image?: string;
  build?: string;
  command?: string[] | string;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  secrets?: string[];
  depends_on?: string[] | Record<string, unknown>;
}
interface Compose {
  services: Record<string, Service>;
  secrets?: Record<string, { environment?: string; file?: string }>;
}

const readYaml = <T>(...path: string[]): T => parse(readFileSync(join(ROOT, ...path), 'utf8'), { merge: true }) as T;
const compose = readYaml<Compose>('docker-compose.yml');
const service = (name: string): Service => {
  const s = compose.services[name];
  if (s === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
};
const apiServices = Object.keys(compose.services).filter((name) => /^payment-api-\d+$/.test(name));
const env = (name: string): Record<string, string> => service(name).environment ?? {};
/** Host ports a service publishes, with the container port each maps to. */
const published = (name: string): Map<number, number> =>
  new Map(
    (service(name).ports ?? []).map((p) => {
      const parts = p.split(':').map(Number);
      return [parts[parts.length - 2], parts[parts.length - 1]];
    }),
  );

/** All .ts files under a folder, as one text: where the app reads its settings. */
function sourceText(dir: string): string {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts'))
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
    .join('\n');
}

it('has every part of the design: Redis, three instances, nginx, the simulator, Jaeger, Prometheus, Grafana', () => {
  expect(Object.keys(compose.services).sort()).toEqual(['downstream-sim', 'grafana', 'jaeger', 'nginx', 'payment-api-1', 'payment-api-2', 'payment-api-3', 'prometheus', 'redis']);
});

it('mounts only files and folders of this repository that exist', () => {
  const mounts = Object.entries(compose.services).flatMap(([name, s]) => (s.volumes ?? []).filter((v) => v.startsWith('./')).map((v) => ({ name, source: v.split(':')[0] })));
  expect(mounts.length).toBeGreaterThanOrEqual(5);
  expect(mounts.filter((m) => !existsSync(join(ROOT, m.source)))).toEqual([]);
  const builds = Object.values(compose.services).flatMap((s) => (s.build === undefined ? [] : [s.build]));
  expect(builds.filter((context) => !existsSync(join(ROOT, context, 'Dockerfile')))).toEqual([]);
});

it('runs Jaeger v2, which takes the instances’ OTLP/HTTP on 4318 and shows its UI on 16686', () => {
  expect(service('jaeger').image).toMatch(/^jaegertracing\/jaeger:2\.\d+\.\d+$/);
  expect(published('jaeger')).toEqual(new Map([[16686, 16686], [4318, 4318]]));
  for (const api of apiServices) {
    expect({ api, endpoint: env(api).OTEL_EXPORTER_OTLP_ENDPOINT, service: env(api).OTEL_SERVICE_NAME }).toEqual({ api, endpoint: 'http://jaeger:4318', service: 'payment-api' });
  }
});

it('gives every instance the settings the launcher gives its instances, each one a setting the app reads', () => {
  const launcher = readFileSync(join(ROOT, 'scripts', 'fleet', 'parts', 'payment-api.ts'), 'utf8');
  const block = /tsChildEnv\(\{([\s\S]*?)\}\),/.exec(launcher)?.[1] ?? '';
  const launcherNames = new Set([...block.matchAll(/\b([A-Z][A-Z0-9_]{2,})\s*:/g)].map((m) => m[1]));
  expect([...launcherNames]).toEqual(expect.arrayContaining(['PORT', 'INSTANCE_ID', 'REDIS_URL', 'SIM_URL', 'ADMIN_TOKEN', 'METRICS_TOKEN']));
  const app = sourceText(join(ROOT, 'apps', 'payment-api', 'src'));
  for (const api of apiServices) {
    const names = Object.keys(env(api));
    expect({ api, missing: [...launcherNames].filter((n) => !names.includes(n)) }).toEqual({ api, missing: [] });
    // OTEL_* are read by the OpenTelemetry SDK itself.
    expect({ api, unread: names.filter((n) => !n.startsWith('OTEL_') && !new RegExp(`\\b${n}\\b`).test(app)) }).toEqual({ api, unread: [] });
  }
  expect(new Set(apiServices.map((api) => env(api).INSTANCE_ID)).size).toBe(apiServices.length);
});

it('uses the launcher’s ports where the outside world sees them: nginx on 8080, the simulator on 4000', () => {
  expect(published('nginx').get(DEFAULT_LB_PORT)).toBe(Number(env('nginx').LISTEN));
  expect(published('downstream-sim').get(DEFAULT_SIM_PORT)).toBe(DEFAULT_SIM_PORT);
  expect(service('downstream-sim').command).toEqual(expect.arrayContaining(['--port', String(DEFAULT_SIM_PORT)]));
  const upstreams = env('nginx').UPSTREAM_SERVERS;
  for (const api of apiServices) {
    expect(env(api).SIM_URL).toBe(`http://downstream-sim:${DEFAULT_SIM_PORT}`);
    expect(upstreams).toContain(`server ${api}:${env(api).PORT} `);
  }
});

it('has Prometheus scrape every instance on its port with the metrics token, and load the alert rules', () => {
  const prometheus = readYaml<{ rule_files: string[]; scrape_configs: { job_name: string; authorization?: { credentials_file?: string }; static_configs: { targets: string[] }[] }[] }>('deploy', 'prometheus', 'prometheus.yml');
  const job = prometheus.scrape_configs.find((j) => j.job_name === 'payment-api');
  expect(job?.static_configs.flatMap((c) => c.targets).sort()).toEqual(apiServices.map((api) => `${api}:${env(api).PORT}`).sort());
  // The token file is a compose secret made from the METRICS_TOKEN the instances get.
  const secretName = /^\/run\/secrets\/(.+)$/.exec(job?.authorization?.credentials_file ?? '')?.[1] ?? '';
  expect(service('prometheus').secrets).toContain(secretName);
  expect(compose.secrets?.[secretName]).toEqual({ environment: 'METRICS_TOKEN' });
  for (const api of apiServices) expect(env(api).METRICS_TOKEN).toMatch(/^\$\{METRICS_TOKEN:\?/);
  // rule_files are relative to prometheus.yml: compose mounts alerts.yml beside it.
  const mounts = service('prometheus').volumes ?? [];
  const configDir = (mounts.find((v) => v.startsWith('./deploy/prometheus/prometheus.yml:')) ?? '').split(':')[1]?.replace(/\/[^/]+$/, '');
  for (const rules of prometheus.rule_files) expect(mounts).toContain(`./deploy/prometheus/${rules}:${configDir}/${rules}:ro`);
});

it('provisions Grafana with the Prometheus and Jaeger data sources and the dashboard', () => {
  const dir = join(ROOT, 'deploy', 'grafana', 'provisioning');
  const sources = readdirSync(join(dir, 'datasources')).flatMap((f) => readYaml<{ datasources: { type: string; url: string; uid: string }[] }>('deploy', 'grafana', 'provisioning', 'datasources', f).datasources);
  const url = (type: string): string | undefined => sources.find((s) => s.type === type)?.url;
  expect(url('prometheus')).toBe(`http://prometheus:${[...published('prometheus').values()][0]}`);
  expect(url('jaeger')).toBe(`http://jaeger:16686`);
  expect(service('grafana').volumes).toContain('./deploy/grafana/provisioning:/etc/grafana/provisioning:ro');
  const providers = readYaml<{ providers: { options: { path: string } }[] }>('deploy', 'grafana', 'provisioning', 'dashboards', 'breakwater.yml').providers;
  expect(providers.map((p) => p.options.path)).toEqual(['/etc/grafana/provisioning/dashboards']);
  expect(existsSync(join(dir, 'dashboards', 'breakwater.json'))).toBe(true);
});
