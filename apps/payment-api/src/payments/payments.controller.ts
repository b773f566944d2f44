import { BadRequestException, Body, Controller, Get, Headers, Inject, NotFoundException, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClientCredentials } from '../auth/client-credentials';
import { maySee, scopedIdempotencyKey } from '../auth/payment-caller';
import type { Gateway } from '../gateway';
import { GATEWAY } from '../gateway.token';
import { TEXT_RULES, textProblem } from '../input/text-rules';
import { redactAuditData } from './pii-redaction';
import { validatePaymentRequest } from './payment-request';

/** A payment id from the path, checked as every other string that enters (400 naming it). */
function checkedId(id: unknown): string {
  const problem = textProblem(id, TEXT_RULES.paymentId);
  if (problem !== undefined) throw new BadRequestException({ error: 'INVALID_REQUEST', message: 'the request has invalid fields', fields: [{ field: 'id', message: problem }] });
  return id as string;
}

@Controller('payments')
export class PaymentsController {
  constructor(
    @Inject(GATEWAY) private readonly gateway: Gateway,
    // @Inject by token: tsx (esbuild) emits no decorator metadata for Nest to read the type from.
    @Inject(ClientCredentials) private readonly credentials: ClientCredentials,
  ) {}

  @Post()
  async create(@Headers('idempotency-key') key: string | undefined, @Body() body: unknown, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    // Who pays comes first: an unauthenticated request learns nothing, not even what is wrong with its body.
    const caller = this.credentials.payer(request, reply);
    const problems = [];
    const keyProblem = textProblem(key, TEXT_RULES.idempotencyKey);
    if (keyProblem !== undefined) problems.push({ field: 'Idempotency-Key', message: `header is required and ${keyProblem}` });
    const validation = validatePaymentRequest(body);
    if (!validation.ok) problems.push(...validation.errors);
    if (problems.length > 0 || !validation.ok || key === undefined) {
      throw new BadRequestException({ error: 'INVALID_REQUEST', message: 'the request has invalid fields', fields: problems });
    }
    const payment = caller.kind === 'client' ? { ...validation.value, owner: caller.id } : validation.value;
    const result = await this.gateway.flow.submit(scopedIdempotencyKey(caller, key), payment);
    reply.status(result.status);
    if (result.retryAfterS !== undefined) reply.header('retry-after', String(result.retryAfterS));
    return result.body;
  }

  @Get(':id')
  async get(@Param('id') param: string, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    const caller = this.credentials.identify(request, reply);
    const id = checkedId(param);
    const payment = await this.gateway.store.get(id);
    // Another client's payment is answered as no payment: its existence is not this caller's to learn.
    if (payment === undefined || !maySee(caller, payment.fields.clientId)) throw new NotFoundException({ error: 'NOT_FOUND', message: `no payment ${id}` });
    const f = payment.fields;
    return {
      id: f.id,
      status: f.status,
      amount: Number(f.amount),
      currency: f.currency,
      customerId: f.customerId,
      items: JSON.parse(f.items ?? '[]') as unknown,
      provider: f.provider ?? null,
      fraud: f.fraudScore === undefined ? null : { score: Number(f.fraudScore), mode: f.fraudMode },
      createdAt: Number(f.createdAt),
      updatedAt: Number(f.updatedAt),
      history: payment.history,
    };
  }

  @Get(':id/audit')
  async audit(@Param('id') param: string, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    const caller = this.credentials.identify(request, reply);
    const id = checkedId(param);
    if (caller.kind === 'client' && !maySee(caller, (await this.gateway.store.get(id))?.fields.clientId)) throw new NotFoundException({ error: 'NOT_FOUND', message: `no payment ${id}` });
    const entries = await this.gateway.store.audit(id);
    if (entries.length === 0) throw new NotFoundException({ error: 'NOT_FOUND', message: `no payment ${id}` });
    return entries.map((entry) => ({ ...entry, data: redactAuditData(entry.data) }));
  }
}
