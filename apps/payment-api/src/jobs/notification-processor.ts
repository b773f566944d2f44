import { UnrecoverableError, type Job } from 'bullmq';
import { NEVER_ABORTED } from '@breakwater/resilience';
import { NotProcessedError, UnexpectedAnswerError } from '../downstreams/downstream-errors';
import type { DownstreamPolicies } from '../downstreams/downstream-policies';
import type { HttpClient } from '../downstreams/http-client';
import { isInvalidRequestDataError } from '../input/invalid-request-data.error';
import { TEXT_RULES, requireText } from '../input/text-rules';
import type { NotificationJobData } from './job-data';


/**
 * Sends one notification through its downstream's policy chain (`notify-<channel>`: retry,
 * breaker, bulkhead, timeout). The job id is the idempotency key, so a job that runs again (a
 * retry, or a worker that died after sending) is delivered once. Anything but a delivery throws,
 * and the job retries with backoff; a request the channel refuses (4xx) will never succeed, so
 * it goes straight to the dead-letter queue.
 */
export function notificationProcessor(policies: DownstreamPolicies, http: HttpClient): (job: Job<NotificationJobData>, token: string | undefined, signal: AbortSignal | undefined) => Promise<string> {
  return async (job, _token, signal) => {
    const { channel, target, paymentId, status, amount, currency } = job.data;
    const downstream = `notify-${channel}` as const;
    const key = job.id ?? `${paymentId}-${channel}`;
    // The job's own data (from the request): checked before the channel's policy chain, so a
    // target no request can carry never counts against the channel; it will never succeed.
    try {
      requireText(`notify.${channel}`, target, TEXT_RULES[channel]);
      requireText('paymentId', paymentId, TEXT_RULES.paymentId);
    } catch (error) {
      if (isInvalidRequestDataError(error)) throw new UnrecoverableError(`${downstream}: the notification's own data is unusable: ${error.message}`);
      throw error;
    }
    const answer = await policies.chain(downstream).execute(async (s) => {
      const reply = await http.send('POST', `/notify/${channel}`, s, { to: target, template: `payment.${status.toLowerCase()}`, paymentId, status, amount, currency }, { 'idempotency-key': key });
      if (reply.status === 503) throw new NotProcessedError(downstream, reply.status);
      return reply;
    }, signal ?? NEVER_ABORTED);
    if (answer.status === 200 || answer.status === 202) return answer.status === 202 ? 'delivered' : 'already-delivered';
    if (answer.status >= 400 && answer.status < 500) throw new UnrecoverableError(`${downstream} refused the notification: ${answer.status} ${answer.text.slice(0, 200)}`);
    throw new UnexpectedAnswerError(downstream, answer.status, answer.text);
  };
}
