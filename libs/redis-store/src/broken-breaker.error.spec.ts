import { ReplyError } from 'ioredis';
import { isBreakerDataFault } from './broken-breaker.error';
import { UnexpectedReplyError } from './fleet-snapshot';
import { RedisUnavailableError } from './redis-unavailable.error';

const reply = (message: string): unknown => new (ReplyError as unknown as new (message: string) => Error)(message);

describe('isBreakerDataFault: which failed commands break one breaker, and which mean Redis is away', () => {
  it.each([
    ['WRONGTYPE Operation against a key holding the wrong kind of value script: 1f0e, on @user_script:12.'],
    ['ERR user_script:40: attempt to compare nil with number script: 1f0e, on @user_script:40.'],
    ['ERR Error running script (call to f_1f0e): @user_script:40: attempt to compare nil with number'],
  ])('the breaker’s own data: %s', (message) => {
    expect(isBreakerDataFault(reply(message))).toBe(true);
  });

  it('a reply the scripts should never give', () => {
    expect(isBreakerDataFault(new UnexpectedReplyError('breaker script reply', [1, 'AJAR']))).toBe(true);
  });

  it.each([
    ['OOM command not allowed when used memory > \'maxmemory\'. script: 1f0e, on @user_script:20.'],
    ['LOADING Redis is loading the dataset in memory'],
    ['BUSY Redis is busy running a script.'],
    ['READONLY You can\'t write against a read only replica. script: 1f0e, on @user_script:20.'],
    ['NOPERM this user has no permissions to run the \'evalsha\' command'],
    ['ERR max number of clients reached'],
  ])('Redis as a whole: %s', (message) => {
    expect(isBreakerDataFault(reply(message))).toBe(false);
  });

  it('timeouts and lost connections', () => {
    expect(isBreakerDataFault(new RedisUnavailableError('redis did not answer within 250 ms'))).toBe(false);
    expect(isBreakerDataFault(new Error('Connection is closed.'))).toBe(false);
  });
});
