import { Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AdminGuard } from '../breakers/admin.guard';
import type { Gateway } from '../gateway';
import { GATEWAY } from '../gateway.token';
import { adminAction } from '../logging/admin-action';
import type { QueueCounts } from './bull-jobs';
import { isUnknownQueueError } from './unknown-queue.error';

@Controller('queues')
export class QueuesController {
  constructor(@Inject(GATEWAY) private readonly gateway: Gateway) {}

  /** Depth, running, failed and dead-letter counts of every queue. */
  @Get()
  async list(): Promise<{ queues: QueueCounts[] }> {
    return { queues: await this.gateway.jobs.queueCounts() };
  }

  /** Puts every dead letter of `name` back in its queue, same job ids, fresh attempts (operators only). */
  @Post(':name/dead-letter/replay')
  @HttpCode(200)
  @UseGuards(AdminGuard)
  async replay(@Param('name') name: string, @Req() request: FastifyRequest): Promise<{ queue: string; replayed: number }> {
    return adminAction(
      this.gateway.log,
      request,
      `replay dead letters of ${name}`,
      async () => {
        try {
          return { queue: name, replayed: await this.gateway.jobs.replayDeadLetters(name) };
        } catch (error) {
          if (isUnknownQueueError(error)) throw new NotFoundException({ error: error.code, message: error.message });
          throw error;
        }
      },
      (r) => `replayed ${r.replayed}`,
    );
  }
}
