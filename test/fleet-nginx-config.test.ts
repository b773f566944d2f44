// The fleet's nginx configuration: deploy/nginx/nginx.conf.template filled by the launcher's
// renderer is a configuration nginx accepts (`nginx -t`), with the passive health checks and the
// retry rules of docs/fleet.md, and the command line is parsed with its named defaults.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_INSTANCES, DEFAULT_LB_PORT, parseFleetOptions, UsageError } from '../scripts/fleet/fleet-options';
import { findNginxBinary, renderNginxConfig } from '../scripts/fleet/nginx-config';
import { NGINX_TEMPLATE } from '../scripts/fleet/parts/load-balancer';

const VALUES = { listen: '127.0.0.1:18080', upstreams: ['127.0.0.1:3001', '127.0.0.1:3002'], accessLog: 'off' };

describe('the nginx config renderer', () => {
  it('fills every placeholder: one server line per instance with passive checks', async () => {
    const config = renderNginxConfig(await readFile(NGINX_TEMPLATE, 'utf8'), VALUES);
    expect(config).not.toMatch(/\$\{/);
    expect(config).toContain('listen 127.0.0.1:18080;');
    expect(config).toContain('server 127.0.0.1:3001 max_fails=1 fail_timeout=2s;');
    expect(config).toContain('server 127.0.0.1:3002 max_fails=1 fail_timeout=2s;');
    // A payment's 503 is never a reason to move it or to count it against its instance; any other route's is.
    expect(config).toMatch(/location = \/payments \{\s*proxy_pass http:\/\/payment_api;\s*proxy_next_upstream error timeout http_502 non_idempotent;\s*\}/);
    expect(config).toMatch(/location \/ \{\s*proxy_pass http:\/\/payment_api;\s*proxy_next_upstream error timeout http_502 http_503 non_idempotent;\s*\}/);
    expect(config).toContain('proxy_next_upstream_tries 2;');
    expect(config).not.toMatch(/^\s*user\s/m);
  });

  it('refuses a placeholder it does not know', () => {
    expect(() => renderNginxConfig('listen ${LISTEN}; x ${SOMETHING_NEW};', VALUES)).toThrow(/SOMETHING_NEW/);
  });

  it('renders a configuration nginx accepts', async () => {
    const nginx = findNginxBinary();
    if (nginx === undefined) throw new Error('nginx not found: run scripts/setup.sh');
    const prefix = await mkdtemp(join(tmpdir(), 'breakwater-nginx-test-'));
    try {
      await mkdir(join(prefix, 'temp'));
      const file = join(prefix, 'nginx.conf');
      await writeFile(file, renderNginxConfig(await readFile(NGINX_TEMPLATE, 'utf8'), VALUES));
      const result = spawnSync(nginx, ['-t', '-e', 'stderr', '-p', `${prefix}/`, '-c', file], { encoding: 'utf8' });
      expect({ status: result.status, output: result.stderr }).toEqual({ status: 0, output: expect.stringContaining('test is successful') });
    } finally {
      await rm(prefix, { recursive: true, force: true });
    }
  });
});

describe('the launcher command line', () => {
  it('has the contract defaults', () => {
    expect(parseFleetOptions([], {})).toEqual({ instances: DEFAULT_INSTANCES, lbPort: DEFAULT_LB_PORT, redisUrl: undefined, adminToken: undefined, operatorAuth: 'off', keyPrefix: '', dir: undefined });
  });

  const TOKEN = 't'.repeat(32);

  it('reads every flag, and the admin token and operator auth from the environment', () => {
    expect(parseFleetOptions(['--instances', '2', '--port', '9090', '--redis-url', 'redis://127.0.0.1:6379', '--key-prefix', 'k:'], { ADMIN_TOKEN: TOKEN, OPERATOR_AUTH: 'token' })).toEqual({
      instances: 2,
      lbPort: 9090,
      redisUrl: 'redis://127.0.0.1:6379',
      adminToken: TOKEN,
      operatorAuth: 'token',
      keyPrefix: 'k:',
      dir: undefined,
    });
  });

  it('takes no secret on the command line and no admin token under 32 characters (issue 13)', () => {
    expect(() => parseFleetOptions(['--admin-token', TOKEN], {})).toThrow(/--admin-token is gone: ps shows a command line/);
    expect(() => parseFleetOptions(['--redis-url', 'redis://app:s3cret@127.0.0.1:6379'], {})).toThrow(/FLEET_REDIS_URL/);
    expect(() => parseFleetOptions(['--redis-url', 'redis://app:s3cret@127.0.0.1:6379'], {})).not.toThrow(/s3cret/);
    expect(parseFleetOptions([], { FLEET_REDIS_URL: 'redis://app:s3cret@127.0.0.1:6379' })?.redisUrl).toBe('redis://app:s3cret@127.0.0.1:6379');
    expect(() => parseFleetOptions([], { ADMIN_TOKEN: 'x'.repeat(31) })).toThrow(/ADMIN_TOKEN must be at least 32 characters \(it has 31\)/);
    expect(() => parseFleetOptions([], { OPERATOR_AUTH: 'sometimes' })).toThrow(/OPERATOR_AUTH/);
  });

  it('refuses bad values with a message naming the flag', () => {
    expect(() => parseFleetOptions(['--instances', '0'], {})).toThrow(UsageError);
    expect(() => parseFleetOptions(['--port', '80x'], {})).toThrow(/--port/);
    expect(() => parseFleetOptions(['--redis-url', 'localhost:6379'], {})).toThrow(/--redis-url/);
    expect(() => parseFleetOptions(['--nope'], {})).toThrow(UsageError);
  });

  it('takes the Cluster and Sentinel forms, and their credentials only from FLEET_REDIS_URL (issue 11)', () => {
    expect(parseFleetOptions(['--redis-url', 'redis-cluster://127.0.0.1:7000,127.0.0.1:7001'], {})?.redisUrl).toBe('redis-cluster://127.0.0.1:7000,127.0.0.1:7001');
    expect(parseFleetOptions(['--redis-url', 'redis-sentinel://127.0.0.1:26379#m'], {})?.redisUrl).toBe('redis-sentinel://127.0.0.1:26379#m');
    expect(() => parseFleetOptions(['--redis-url', 'redis-cluster://app:s3cret@127.0.0.1:7000,127.0.0.1:7001'], {})).toThrow(/FLEET_REDIS_URL/);
    expect(() => parseFleetOptions(['--redis-url', 'redis-sentinel://127.0.0.1:26379?sentinelPassword=s3cret#m'], {})).toThrow(/FLEET_REDIS_URL/);
    expect(parseFleetOptions([], { FLEET_REDIS_URL: 'redis-sentinel://:s3cret@127.0.0.1:26379#m' })?.redisUrl).toBe('redis-sentinel://:s3cret@127.0.0.1:26379#m');
    expect(() => parseFleetOptions(['--redis-url', 'redis-sentinel://127.0.0.1:26379'], {})).toThrow(/--redis-url .*names its master after #/);
    expect(() => parseFleetOptions([], { FLEET_REDIS_URL: 'redis://s3cret@127.0.0.1' })).toThrow(/FLEET_REDIS_URL/);
    expect(() => parseFleetOptions([], { FLEET_REDIS_URL: 'redis://s3cret@127.0.0.1' })).not.toThrow(/s3cret/);
  });

  it('answers --help with undefined', () => {
    expect(parseFleetOptions(['--help'], {})).toBeUndefined();
  });
});
