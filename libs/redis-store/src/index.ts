export * from './fleet-breakers';
export * from './fleet-breaker';
export * from './coordination-redis';
export * from './redis-unavailable.error';
export * from './keys';
export * from './fleet-snapshot';
export { SCRIPT_VERSION, readScript, type RedisConnection } from './script-loader';
