// Everything the simulator remembers, in one place so `POST /_reset` clears it all.
import { FaultState } from './faults/fault-state';
import { OpenResponses } from './http/open-responses';
import type { Random } from './latency/latency-distribution';
import { DeliveryLog } from './services/notify/delivery-log';
import { ProviderLedger } from './services/providers/provider-ledger';
import { ServiceStats } from './stats/service-stats';

export interface SimulatorState {
  readonly faults: FaultState;
  readonly stats: ServiceStats;
  readonly ledger: ProviderLedger;
  readonly deliveries: DeliveryLog;
  readonly openResponses: OpenResponses;
  readonly random: Random;
}

export function createSimulatorState(now: () => number, random: Random): SimulatorState {
  return {
    faults: new FaultState(now, random),
    stats: new ServiceStats(),
    ledger: new ProviderLedger(now),
    deliveries: new DeliveryLog(now),
    openResponses: new OpenResponses(),
    random,
  };
}

/** Clears faults, stats, ledger and deliveries. Requests still hanging stay until their clients leave. */
export function resetSimulatorState(state: SimulatorState): void {
  state.faults.clearAll();
  state.stats.reset();
  state.ledger.reset();
  state.deliveries.reset();
}
