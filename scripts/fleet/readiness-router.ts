// What an orchestrator's readiness probe does, for the launcher's nginx (open-source nginx has no
// active health checks, and never moves a payment that answered 503: docs/fleet.md, "Readiness
// routing"): every instance's GET /health/ready is checked every interval; after `fall` failed
// checks in a row the instance is marked `down` in nginx's upstream, after `rise` good ones it is
// routed again, never leaving nginx with none (readiness-rules.ts). nginx is reloaded gracefully,
// at most once per reload interval (reload-debounce.ts). An instance the launcher is restarting
// is not checked: its routing stays as it was and nginx's passive checks see its refused
// connections, as before.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReadinessRoutingSettings } from './readiness-routing-settings';
import { ReadinessHysteresis, routingFor, sameRouting, type Routing } from './readiness-rules';
import { ReloadDebounce } from './reload-debounce';
import type { RoutingStatus } from './routing-status';

export interface RoutedInstance {
  /** `api-<n>` */
  name: string;
  /** Its base URL (`http://127.0.0.1:3001`). */
  url: string;
  /** Its `host:port` in nginx's upstream block. */
  address: string;
}

export interface ReadinessRouterSettings {
  instances: readonly RoutedInstance[];
  settings: ReadinessRoutingSettings;
  /** Makes nginx route to every instance but those in `down` (addresses); rejects when it could not. */
  reload: (down: ReadonlySet<string>) => Promise<void>;
  status: RoutingStatus;
  log: (message: string) => void;
  /** True while the launcher is restarting that instance (it exited, or is starting again). */
  isRestarting: (name: string) => boolean;
  /** Aborted when the fleet stops. */
  stopSignal: AbortSignal;
}

/** Starts checking; every loop ends when the fleet stops. */
export function startReadinessRouting(router: ReadinessRouterSettings): void {
  const { instances, settings, log, status, stopSignal } = router;
  const judged = new Map(instances.map((instance) => [instance.name, new ReadinessHysteresis(settings)]));
  const current = (): Routing => routingFor(instances.map((instance) => [instance.name, judged.get(instance.name)?.isReady ?? true] as const));
  const debounce = new ReloadDebounce<Routing>({
    initial: current(),
    minIntervalMs: settings.reloadIntervalMs,
    same: sameRouting,
    apply: async (routing) => {
      if (stopSignal.aborted) return;
      const down = new Set(instances.filter((instance) => !routing.routed.includes(instance.name)).map((instance) => instance.address));
      await router.reload(down);
      log(`nginx reloaded: routing to ${routing.routed.join(', ')}${down.size === 0 ? '' : `; out (not ready): ${instances.filter((i) => down.has(i.address)).map((i) => i.name).join(', ')}`}${routing.noneReady ? ' (no instance is ready: all kept in, each answers 503 with Retry-After itself)' : ''}`);
      await status.update((state) => ({
        ...state,
        noneReady: routing.noneReady,
        reloads: state.reloads + 1,
        instances: Object.fromEntries(Object.entries(state.instances).map(([name, entry]) => [name, { ...entry, routed: routing.routed.includes(name) }])),
      }));
    },
    onError: (error) => {
      // nginx stopping with the fleet refuses a reload: no news then.
      if (!stopSignal.aborted) log(`readiness routing: ${error instanceof Error ? error.message : String(error)}; trying again in ${settings.reloadIntervalMs} ms`);
    },
  });
  stopSignal.addEventListener('abort', () => void debounce.stop(), { once: true });

  const onJudgement = (instance: RoutedInstance, ready: boolean, lastAnswer: string): void => {
    log(
      ready
        ? `${instance.name} ready again (${settings.rise} good readiness checks in a row): putting it back into nginx`
        : `${instance.name} not ready (${settings.fall} failed readiness checks in a row, last: ${lastAnswer}): taking it out of nginx`,
    );
    void status.update((state) => ({ ...state, instances: { ...state.instances, [instance.name]: { routed: state.instances[instance.name]?.routed ?? true, ready } } }));
    const routing = current();
    if (routing.noneReady) log(`no instance is ready: nginx keeps routing to all of them`);
    debounce.want(routing);
  };

  for (const instance of instances) {
    const hysteresis = judged.get(instance.name);
    if (hysteresis !== undefined) void watch(instance, hysteresis, router, onJudgement);
  }
}

async function watch(
  instance: RoutedInstance,
  hysteresis: ReadinessHysteresis,
  router: ReadinessRouterSettings,
  onJudgement: (instance: RoutedInstance, ready: boolean, lastAnswer: string) => void,
): Promise<void> {
  const { settings, stopSignal } = router;
  for (;;) {
    try {
      await sleep(settings.intervalMs, undefined, { signal: stopSignal });
    } catch {
      return; // the fleet stops
    }
    if (router.isRestarting(instance.name)) {
      hysteresis.forgetStreak();
      continue;
    }
    const answer = await readyAnswer(instance.url, settings.timeoutMs);
    if (stopSignal.aborted) return;
    if (hysteresis.record(answer === 200)) onJudgement(instance, hysteresis.isReady, typeof answer === 'number' ? `HTTP ${answer}` : answer);
  }
}

/** The status of GET /health/ready, or why there was none. */
async function readyAnswer(url: string, timeoutMs: number): Promise<number | string> {
  try {
    const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.status;
  } catch (error) {
    return error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : 'no connection';
  }
}
