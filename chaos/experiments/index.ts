// Every experiment, in the order a full run takes them; --quick runs those marked quick (the
// crash-prone CI subset of issue 7).
import { allProvidersDown } from './all-providers-down';
import { bulkheadExhaustion } from './bulkhead-exhaustion';
import type { Experiment } from './experiment';
import { fraudDown } from './fraud-down';
import { fraudHangInventoryDown } from './fraud-hang-inventory-down';
import { frozenInstance } from './frozen-instance';
import { instancePartitionedFromRedis } from './instance-partitioned-from-redis';
import { instanceSigkill } from './instance-sigkill';
import { inventoryDown } from './inventory-down';
import { latencySpike } from './latency-spike';
import { memoryPressure } from './memory-pressure';
import { notificationOutage } from './notification-outage';
import { providerAOutage } from './provider-a-outage';
import { providerFlapping } from './provider-flapping';
import { queueBacklog } from './queue-backlog';
import { redisBlipsSlowReplies } from './redis-blips-slow-replies';
import { redisClusterFailover } from './redis-cluster-failover';
import { redisDown } from './redis-down';
import { redisRestartAof } from './redis-restart-aof';
import { redisSigstop } from './redis-sigstop';
import { redisSlow } from './redis-slow';
import { retryStorm } from './retry-storm';
import { rollingRestart } from './rolling-restart';

export const EXPERIMENTS: readonly Experiment[] = [
  providerAOutage,
  fraudHangInventoryDown,
  instanceSigkill,
  redisBlipsSlowReplies,
  latencySpike,
  providerFlapping,
  allProvidersDown,
  fraudDown,
  inventoryDown,
  notificationOutage,
  queueBacklog,
  bulkheadExhaustion,
  retryStorm,
  redisDown,
  redisSigstop,
  redisRestartAof,
  redisSlow,
  frozenInstance,
  rollingRestart,
  memoryPressure,
  instancePartitionedFromRedis,
  redisClusterFailover,
];

export class UnknownExperimentError extends Error {
  override readonly name = 'UnknownExperimentError';
  readonly code = 'CHAOS_UNKNOWN_EXPERIMENT';
}

export function selectExperiments(names: readonly string[], quick: boolean): Experiment[] {
  if (names.length === 0) return EXPERIMENTS.filter((e) => !quick || e.quick);
  return names.map((name) => {
    const found = EXPERIMENTS.find((e) => e.name === name);
    if (found === undefined) throw new UnknownExperimentError(`no experiment ${JSON.stringify(name)}; known: ${EXPERIMENTS.map((e) => e.name).join(', ')}`);
    return found;
  });
}
