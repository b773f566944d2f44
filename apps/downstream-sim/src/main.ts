// The downstream simulator as a process: `npm run sim -- [--port N]`. Prints one line
// `SIM READY {"url":"http://127.0.0.1:<port>"}` on stdout once it listens, so launchers can wait
// for it; SIGINT or SIGTERM closes it and exits 0. For test and demo deployments only.
import { readListenOptions, type ListenOptions } from './listen-options';
import { startSimulator, type RunningSimulator } from './simulator';

async function main(): Promise<void> {
  // Handlers go in before the READY line: a launcher may signal the moment it reads the line,
  // before this process runs another statement, and an unhandled SIGTERM would not exit 0.
  // `on`, not `once`, and a stop that runs once: a SIGTERM to the group reaches this process
  // twice (directly, and forwarded by npm), and a second signal with no handler would kill it.
  let simulator: RunningSimulator | undefined;
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    const closed = simulator === undefined ? Promise.resolve() : simulator.close();
    closed.finally(() => process.exit(0)).catch(() => undefined);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  simulator = await startOnFreePortIfDefaultTaken(readListenOptions(process.argv.slice(2), process.env));
  process.stdout.write(`SIM READY ${JSON.stringify({ url: simulator.url })}\n`);
}

/** A second fleet on the same machine finds 4000 taken; a port someone asked for is not replaced. */
async function startOnFreePortIfDefaultTaken(options: ListenOptions): Promise<RunningSimulator> {
  try {
    return await startSimulator(options);
  } catch (error) {
    if (!options.portIsDefault || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    process.stderr.write(`downstream-sim: port ${options.port} is taken, listening on a free port\n`);
    return startSimulator({ ...options, port: 0 });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`downstream-sim: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
