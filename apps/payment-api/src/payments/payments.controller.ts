import { BadRequestException, Body, Controller, Get, Headers, Inject, NotFoundException, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Gateway } from '../gateway';
import { GATEWAY } from '../gateway.token';
import { validatePaymentRequest } from './payment-request';

const MAX_KEY_LENGTH = 255;

@Controller('payments')
export class PaymentsController {
  constructor(@Inject(GATEWAY) private readonly gateway: Gateway) {}

  @Post()
  async create(@Headers('idempotency-key') key: string | undefined, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    const problems = [];
    if (key === undefined || key.trim() === '' || key.length > MAX_KEY_LENGTH) {
      problems.push({ field: 'Idempotency-Key', message: `header is required (1 to ${MAX_KEY_LENGTH} characters)` });
    }
    const validation = validatePaymentRequest(body);
    if (!validation.ok) problems.push(...validation.errors);
    if (problems.length > 0 || !validation.ok || key === undefined) {
      throw new BadRequestException({ error: 'INVALID_REQUEST', message: 'the request has invalid fields', fields: problems });
    }
    const result = await this.gateway.flow.submit(key, validation.value);
    reply.status(result.status);
    if (result.retryAfterS !== undefined) reply.header('retry-after', String(result.retryAfterS));
    return result.body;
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<unknown> {
    const payment = await this.gateway.store.get(id);
    if (payment === undefined) throw new NotFoundException({ error: 'NOT_FOUND', message: `no payment ${id}` });
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
  async audit(@Param('id') id: string): Promise<unknown> {
    const entries = await this.gateway.store.audit(id);
    if (entries.length === 0) throw new NotFoundException({ error: 'NOT_FOUND', message: `no payment ${id}` });
    return entries;
  }
}
