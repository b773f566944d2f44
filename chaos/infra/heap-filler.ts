// Test-only memory pressure for the chaos suite's memory-pressure experiment: loaded into ONE
// payment-api instance through NODE_OPTIONS (--import), which only the suite sets, through the
// launcher's FLEET_INSTANCE_HOOK. Nothing in the gateway imports it and it adds no endpoint: the
// trigger is SIGUSR2, which only a process allowed to signal the instance can send. From then on
// it keeps a few MB more every tick, out of the garbage collector's reach, until V8 reaches the
// heap limit (the instance runs with a small --max-old-space-size), GCs harder and harder, and
// ends the process the way a leak would: "JavaScript heap out of memory", SIGABRT.

/** 2^19 doubles, about 4 MB of old-space each. */
const CHUNK_LENGTH = 2 ** 19;
const TICK_MS = 100;

const kept: number[][] = [];
let filling: NodeJS.Timeout | undefined;

process.on('SIGUSR2', () => {
  if (filling !== undefined) return;
  process.stderr.write(`heap-filler: SIGUSR2, keeping ${CHUNK_LENGTH * 8} bytes more every ${TICK_MS} ms until the heap limit\n`);
  filling = setInterval(() => {
    kept.push(Array.from({ length: CHUNK_LENGTH }, (_, i) => i + 0.5));
  }, TICK_MS);
});
