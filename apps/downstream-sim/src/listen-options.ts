// Where main.ts listens: `--port N` (or `--port=N`), else env PORT, else DEFAULT_PORT; env HOST,
// else loopback. Validated at start-up with a message that says what was wrong.
import { DEFAULT_HOST } from './simulator';

export const DEFAULT_PORT = 4000;

export interface ListenOptions {
  port: number;
  host: string;
  /** True when nobody chose the port, so a free one may replace it if it is taken. */
  portIsDefault: boolean;
}

export function readListenOptions(argv: readonly string[], env: NodeJS.ProcessEnv): ListenOptions {
  const fromArgs = portArgument(argv);
  const chosen = fromArgs ?? (env.PORT !== undefined && env.PORT !== '' ? { value: env.PORT, source: 'env PORT' } : undefined);
  const host = env.HOST !== undefined && env.HOST !== '' ? env.HOST : DEFAULT_HOST;
  if (chosen === undefined) return { port: DEFAULT_PORT, host, portIsDefault: true };
  const port = Number(chosen.value);
  if (!/^\d+$/.test(chosen.value) || port > 65_535) throw new Error(`${chosen.source} must be a port number from 0 to 65535, got "${chosen.value}"`);
  return { port, host, portIsDefault: false };
}

function portArgument(argv: readonly string[]): { value: string; source: string } | undefined {
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--port') return { value: argv[i + 1] ?? '', source: '--port' };
    if (arg.startsWith('--port=')) return { value: arg.slice('--port='.length), source: '--port' };
  }
  return undefined;
}
