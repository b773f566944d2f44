// The new experiments' own checks (issue 7): a fallback that answers 2xx but declines what the
// steady state authorized fails; every AUTHORIZED payment needs exactly one email; the launcher's
// instance hook is validated before anything starts.
import { checkNotifications } from '../../chaos/checks/notifications';
import { authorizedShare, authorizedShareCheck } from '../../chaos/metrics/payment-outcomes';
import type { Sample } from '../../chaos/load/sample';
import { instanceHookFromEnv, InvalidInstanceHookError, throughHost } from '../../scripts/fleet/instance-hook';

const window = { startMs: 1_000, endMs: 2_000 };
const sample = (dueAt: number, status: number, paymentStatus?: string): Sample => ({ seq: dueAt, idempotencyKey: `k${dueAt}`, dueAt, sentAt: dueAt, doneAt: dueAt + 10, latencyMs: 10, status, paymentStatus });

describe('a fallback decides as the steady state did', () => {
  const before = [sample(100, 201, 'AUTHORIZED'), sample(200, 201, 'AUTHORIZED'), sample(300, 201, 'AUTHORIZED'), sample(400, 201, 'DECLINED')];

  it('holds when the rules authorize the same share', () => {
    const during = [sample(1_100, 201, 'AUTHORIZED'), sample(1_200, 201, 'AUTHORIZED'), sample(1_300, 201, 'AUTHORIZED'), sample(1_400, 201, 'DECLINED'), sample(1_500, 503)];
    expect(authorizedShare([...before, ...during], window, 'during')).toBe(0.75);
    expect(authorizedShareCheck([...before, ...during], window, 0.01).pass).toBe(true);
  });

  it('fails when the fallback answers 2xx but declines what was authorized', () => {
    const during = [sample(1_100, 201, 'DECLINED'), sample(1_200, 201, 'AUTHORIZED')];
    expect(authorizedShareCheck([...before, ...during], window, 0.01).pass).toBe(false);
  });

  it('cannot judge a phase without a 2xx answer', () => {
    expect(authorizedShareCheck(before, window, 0.01).pass).toBeNull();
  });
});

describe('notifications after a backlog', () => {
  it('finds an AUTHORIZED payment without its email and one emailed twice', () => {
    expect(checkNotifications(['p1', 'p2', 'p3', 'p3'], ['p1', 'p3', 'p3', 'w-warmup'])).toEqual({ missing: ['p2'], twice: ['p3'] });
  });
});

describe('FLEET_INSTANCE_HOOK', () => {
  const hook = (value: unknown): NodeJS.ProcessEnv => ({ FLEET_INSTANCE_HOOK: JSON.stringify(value) });

  it('is absent unless set', () => {
    expect(instanceHookFromEnv({})).toBeUndefined();
  });

  it('reads a network namespace and environment for one instance', () => {
    const value = { instance: 'api-3', netns: { name: 'bw-chaos-1', address: '10.201.0.2', hostAddress: '10.201.0.1' }, env: { NODE_OPTIONS: '--max-old-space-size=256' } };
    expect(instanceHookFromEnv(hook(value))).toEqual(value);
  });

  it.each([
    ['not JSON', { FLEET_INSTANCE_HOOK: '{' }],
    ['no instance', hook({ env: {} })],
    ['a namespace name with a space', hook({ instance: 'api-1', netns: { name: 'a b', address: '10.0.0.2', hostAddress: '10.0.0.1' } })],
    ['an address that is not IPv4', hook({ instance: 'api-1', netns: { name: 'ns', address: 'localhost', hostAddress: '10.0.0.1' } })],
    ['an env value that is not a string', hook({ instance: 'api-1', env: { A: 1 } })],
  ])('refuses %s', (_what, env) => {
    expect(() => instanceHookFromEnv(env)).toThrow(InvalidInstanceHookError);
  });

  it('gives an instance in a namespace the host end for services on 127.0.0.1, credentials kept', () => {
    const netns = { name: 'ns', address: '10.201.0.2', hostAddress: '10.201.0.1' };
    expect(throughHost('redis://app:secret@127.0.0.1:6380', netns)).toBe('redis://app:secret@10.201.0.1:6380');
    expect(throughHost('http://127.0.0.1:4000', netns)).toBe('http://10.201.0.1:4000');
    expect(throughHost('redis-cluster://10.9.9.9:7000', netns)).toBe('redis-cluster://10.9.9.9:7000');
  });
});
