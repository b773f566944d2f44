import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster, Redis } from 'ioredis';

export type RedisConnection = Redis | Cluster;

/** Scripts are registered under names carrying this version, so two releases never run each other's. */
export const SCRIPT_VERSION = 3;

const LUA_DIR = join(__dirname, 'lua');
const INCLUDE = /^-- @include "([\w-]+)"$/gm;

/** Reads a script and flattens its `-- @include "name"` lines (<dir>/includes/name.lua). */
export function readScript(fileName: string, dir: string = LUA_DIR): string {
  return readFileSync(join(dir, fileName), 'utf8').replace(INCLUDE, (_line, include: string) =>
    readFileSync(join(dir, 'includes', `${include}.lua`), 'utf8').trimEnd(),
  );
}

export interface ScriptDefinition {
  /** File name `verbNoun-<number of KEYS>.lua`. */
  file: string;
  /** The folder holding it (and its includes/); by default this library's own lua/. */
  dir?: string;
}

/** A registered script: call it with its keys and arguments. */
export type ScriptCall = (keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>;

type DynamicCommand = (...keysAndArgs: (string | number)[]) => Promise<unknown>;

/**
 * Registers a script with ioredis `defineCommand`, which sends EVALSHA and falls back to EVAL on
 * NOSCRIPT (a restarted or failed-over Redis has lost its script cache), and in Cluster routes by
 * the keys rather than by the SHA.
 */
export function defineScript(redis: RedisConnection, definition: ScriptDefinition): ScriptCall {
  const match = /^([a-z-]+)-(\d+)\.lua$/.exec(definition.file);
  if (match === null) throw new Error(`script file ${definition.file} is not named verbNoun-<keys>.lua`);
  const numberOfKeys = Number(match[2]);
  const command = `bw_${match[1].replace(/-/g, '_')}_v${SCRIPT_VERSION}`;
  redis.defineCommand(command, { numberOfKeys, lua: readScript(definition.file, definition.dir) });
  const invoke = (redis as unknown as Record<string, DynamicCommand>)[command];
  return (keys, args) => {
    if (keys.length !== numberOfKeys) throw new Error(`${definition.file} takes ${numberOfKeys} keys, got ${keys.length}`);
    return invoke.call(redis, ...keys, ...args);
  };
}
