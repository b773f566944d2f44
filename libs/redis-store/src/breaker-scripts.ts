import type { BreakerConfig, BreakerState } from '@breakwater/resilience';
import type { BreakerKeys } from './keys';
import { defineScript, type RedisConnection } from './script-loader';
import { parseScriptReply, type ScriptReply } from './fleet-snapshot';

/** What the scripts need to know of one breaker. */
export interface BreakerScriptTarget {
  name: string;
  keys: BreakerKeys;
  /** The numeric settings as JSON, computed once per breaker. */
  configJson: string;
}

/** A batch of outcomes as record-outcomes-4.lua takes it. */
export interface OutcomeBatchArgs {
  /** The sending process (FleetContext.sessionId): sequences are counted per session. */
  session: string;
  /** Increases with every batch a session seals for a breaker; batches are sent in this order. */
  sequence: number;
  version: number;
  calls: number;
  failures: number;
  slowCalls: number;
  sawSuccess: boolean;
  trailingFailures: number;
  /** How long ago its newest outcome happened: the script counts it in that bucket of the window. */
  ageMs: number;
}

/** HELD_BACK (record-outcomes-4.lua): counted; the trip rule is met but for minReportingInstances. */
export const ScriptCode = { COUNTED: 1, IGNORED: 0, DUPLICATE: -1, HELD_BACK: 2, PERMIT_GRANTED: 1, NOT_NEEDED: 2, REFUSED: 0 } as const;

export type ProbeVerdict = 'passed' | 'failed' | 'release';

export type OverrideState = Extract<BreakerState, 'FORCED_OPEN' | 'DISABLED' | 'CLOSED'>;

/** The settings the scripts use, as the JSON each script decodes. */
export function scriptConfigJson(config: Readonly<BreakerConfig>): string {
  const { isFailure: _failure, isIgnored: _ignored, ...numeric } = config;
  return JSON.stringify(numeric);
}

/** Typed calls of the breaker scripts, one method per Lua file. */
export class BreakerScripts {
  private readonly recordOutcomes;
  private readonly acquirePermit;
  private readonly recordProbe;
  private readonly setOverride;
  private readonly readSnapshot;

  constructor(
    redis: RedisConnection,
    private readonly channel: string,
    private readonly instanceId: string,
    private readonly random: () => number,
  ) {
    this.recordOutcomes = defineScript(redis, { file: 'record-outcomes-4.lua' });
    this.acquirePermit = defineScript(redis, { file: 'acquire-permit-3.lua' });
    this.recordProbe = defineScript(redis, { file: 'record-probe-3.lua' });
    this.setOverride = defineScript(redis, { file: 'set-override-3.lua' });
    this.readSnapshot = defineScript(redis, { file: 'read-snapshot-2.lua' });
  }

  async recordBatch(t: BreakerScriptTarget, batch: OutcomeBatchArgs): Promise<ScriptReply> {
    const keys = [t.keys.state, t.keys.window, t.keys.permits, t.keys.sequences];
    const args = [
      ...this.head(t),
      batch.version,
      batch.calls,
      batch.failures,
      batch.slowCalls,
      batch.sawSuccess ? 1 : 0,
      batch.trailingFailures,
      this.instanceId,
      batch.session,
      batch.sequence,
      Math.max(0, Math.round(batch.ageMs)),
    ];
    return parseScriptReply(await this.recordOutcomes(keys, args));
  }

  async acquire(t: BreakerScriptTarget, permitId: string): Promise<ScriptReply> {
    return parseScriptReply(await this.acquirePermit([t.keys.state, t.keys.window, t.keys.permits], [...this.head(t), permitId]));
  }

  /** `release`: the probe ended without a verdict and its permit goes back. */
  async probeVerdict(t: BreakerScriptTarget, permitId: string, verdict: ProbeVerdict): Promise<ScriptReply> {
    const value = verdict === 'release' ? 'release' : verdict === 'passed' ? 1 : 0;
    return parseScriptReply(await this.recordProbe([t.keys.state, t.keys.window, t.keys.permits], [...this.head(t), permitId, value]));
  }

  async override(t: BreakerScriptTarget, to: OverrideState): Promise<ScriptReply> {
    return parseScriptReply(await this.setOverride([t.keys.state, t.keys.window, t.keys.permits], [...this.head(t), to]));
  }

  async snapshot(t: BreakerScriptTarget): Promise<ScriptReply> {
    return parseScriptReply(await this.readSnapshot([t.keys.state, t.keys.window], [t.configJson]));
  }

  private head(t: BreakerScriptTarget): (string | number)[] {
    return [t.configJson, t.name, this.channel, this.random()];
  }
}
