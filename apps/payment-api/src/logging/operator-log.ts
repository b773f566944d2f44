/** From the most said to nothing at all. */
export const LOG_LEVELS = ['info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';

export const isLogLevel = (value: unknown): value is LogLevel => (LOG_LEVELS as readonly unknown[]).includes(value);

export type LogFields = Readonly<Record<string, unknown>>;

/** Where the lines go: process.stderr unless a test gives a stream of its own. */
export interface LogSink {
  write(line: string): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

const rank = (level: LogLevel): number => LOG_LEVELS.indexOf(level);
const ignore = (): void => undefined;
const guarded = new WeakSet<LogSink>();

/**
 * The lines an operator watching an instance reads: what happened to the fleet, not to each
 * request. One line per event, `<ISO time> <LEVEL> <event>: <message> key=value ...`, with the
 * fields given at construction (the instance id) at the end.
 *
 * A write never throws into its caller. The callers are listeners of the breakers' and queues'
 * typed events, and those emitters do not catch: a throwing listener would cut short the state
 * change it reports. A sink that fails later (a closed pipe: EPIPE) emits 'error', which would
 * crash the process if nobody listened; a log line is not worth that, so the logger listens.
 */
export class OperatorLog {
  constructor(
    private readonly level: LogLevel,
    private readonly context: LogFields = {},
    private readonly sink: LogSink = process.stderr,
  ) {
    if (!guarded.has(sink)) {
      guarded.add(sink);
      sink.on('error', ignore);
    }
  }

  info(event: string, message: string, fields?: LogFields): void {
    this.write('info', event, message, fields);
  }

  warn(event: string, message: string, fields?: LogFields): void {
    this.write('warn', event, message, fields);
  }

  error(event: string, message: string, fields?: LogFields): void {
    this.write('error', event, message, fields);
  }

  private write(level: Exclude<LogLevel, 'silent'>, event: string, message: string, fields: LogFields = {}): void {
    if (rank(level) < rank(this.level)) return;
    try {
      const pairs = Object.entries({ ...fields, ...this.context })
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => `${key}=${formatValue(value)}`);
      this.sink.write(`${new Date().toISOString()} ${level.toUpperCase()} ${event}: ${[oneLine(message), ...pairs].join(' ')}\n`);
    } catch {
      // Nowhere left to say it: the line is lost, the caller goes on.
    }
  }
}

/** Line breaks and other control characters, which would let a value forge a line of its own. */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f\u2028\u2029]/;

/**
 * A message as it is, unless it holds a control character: then JSON-quoted. Messages carry
 * values from requests (a queue or breaker name in an admin URL), and a line break in one would
 * write a second, forged line.
 */
function oneLine(message: string): string {
  return CONTROL_CHARACTERS.test(message) ? JSON.stringify(message) : message;
}

/** Bare when it reads unambiguously, quoted (JSON) when it holds spaces, quotes or `=`. */
function formatValue(value: unknown): string {
  const text = value instanceof Error ? value.message : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
  return text !== '' && /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}
