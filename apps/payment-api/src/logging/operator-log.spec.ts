import { PassThrough } from 'node:stream';
import { OperatorLog, type LogLevel, type LogSink } from './operator-log';

/** A real stream that keeps what was written to it. */
function collector(): { sink: PassThrough; lines: () => string[] } {
  const sink = new PassThrough();
  let text = '';
  sink.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { sink, lines: () => text.split('\n').filter((l) => l !== '') };
}

const logAtEveryLevel = (level: LogLevel, sink: PassThrough): void => {
  const log = new OperatorLog(level, {}, sink);
  log.info('e', 'an info');
  log.warn('e', 'a warning');
  log.error('e', 'an error');
};

describe('the operator log', () => {
  it('writes one line per event: time, level, event, message, fields, then the context', () => {
    const { sink, lines } = collector();
    const log = new OperatorLog('info', { instance: 'api-1' }, sink);

    log.warn('breaker', 'provider-a CLOSED -> OPEN', { reason: 'failure-rate', version: 3, skipped: undefined });
    log.info('admin', 'force-open provider-a', { by: 'admin', result: 'FORCED_OPEN (version 4)', error: new Error('not "this"') });

    expect(lines()).toEqual([
      expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z WARN breaker: provider-a CLOSED -> OPEN reason=failure-rate version=3 instance=api-1$/),
      expect.stringMatching(/ INFO admin: force-open provider-a by=admin result="FORCED_OPEN \(version 4\)" error="not \\"this\\"" instance=api-1$/),
    ]);
  });

  it.each([
    ['info', ['an info', 'a warning', 'an error']],
    ['warn', ['a warning', 'an error']],
    ['error', ['an error']],
    ['silent', []],
  ] as const)('at level %s writes %j', (level, expected) => {
    const { sink, lines } = collector();
    logAtEveryLevel(level, sink);
    expect(lines().map((l) => l.replace(/^.* e: /, ''))).toEqual(expected);
  });

  it('keeps a message with a line break on one line, so a request cannot forge a line', () => {
    const { sink, lines } = collector();
    const log = new OperatorLog('info', { instance: 'api-1' }, sink);

    log.info('admin', 'replay dead letters of x\n2026-12-01T00:00:00.000Z WARN breaker: provider-a CLOSED -> OPEN');

    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toContain('admin: "replay dead letters of x\\n2026-12-01T00:00:00.000Z WARN breaker');
  });

  it('never throws into its caller: not on a field it cannot print, not on a sink that refuses the write', () => {
    const { sink, lines } = collector();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const log = new OperatorLog('info', {}, sink);
    expect(() => log.warn('e', 'a circular field', { circular })).not.toThrow();
    expect(() => log.warn('e', 'a bigint field', { big: { n: 1n } })).not.toThrow();
    log.info('e', 'and the next line is written');
    expect(lines()).toEqual([expect.stringMatching(/and the next line is written$/)]);

    const refusing: LogSink = {
      write: () => {
        throw new Error('EBADF: bad file descriptor');
      },
      on: () => undefined,
    };
    expect(() => new OperatorLog('info', {}, refusing).warn('e', 'lost')).not.toThrow();
  });

  it('survives a sink that fails after the write returned (a closed pipe): the error is not left unhandled', async () => {
    const sink = new PassThrough();
    sink.end();
    const log = new OperatorLog('info', {}, sink);
    // Written after end(), the stream reports ERR_STREAM_WRITE_AFTER_END on 'error' on a later
    // tick; with no listener that would be an uncaught exception and fail this test.
    log.warn('e', 'into a closed stream');
    await new Promise((resolve) => setImmediate(resolve));
    expect(sink.listenerCount('error')).toBeGreaterThan(0);
  });
});
