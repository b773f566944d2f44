import { Controller, Get, HttpCode, Inject, NotFoundException, Param, Req, Res, UseGuards, type OnModuleDestroy } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OperatorCredentials } from '../auth/operator-credentials';
import { AdminGuard } from '../breakers/admin.guard';
import type { Gateway } from '../gateway';
import { GATEWAY } from '../gateway.token';
import { loadDashboardAssets, type DashboardAsset } from './dashboard-assets';
import { DashboardFeed } from './dashboard-feed';
import { InstanceReports } from './instance-reports';
import { ReportPublisher } from './report-publisher';
import { DASHBOARD_SECURITY_HEADERS, STREAM_HEADERS } from './security-headers';

/**
 * GET /dashboard: the live dashboard (docs/decisions.md, "The live dashboard"). The page and its
 * files are public (they hold no data); the stream carries what GET /breakers and /queues show,
 * so with OPERATOR_AUTH=token it needs the admin token, as they do. Operator actions go to the
 * existing admin endpoints, with the token, from the page.
 *
 * This controller also owns the instance's dashboard parts (its report to the fleet, the feed):
 * they live exactly as long as the app does.
 */
@Controller('dashboard')
export class DashboardController implements OnModuleDestroy {
  private readonly assets: ReadonlyMap<string, DashboardAsset>;
  private readonly publisher: ReportPublisher;
  readonly feed: DashboardFeed;

  constructor(
    @Inject(GATEWAY) private readonly gateway: Gateway,
    @Inject(OperatorCredentials) private readonly credentials: OperatorCredentials,
  ) {
    this.assets = loadDashboardAssets();
    const reports = new InstanceReports(gateway.redis.data, gateway.config.keyPrefix);
    this.feed = new DashboardFeed(gateway, reports, gateway.pendingReview);
    this.publisher = new ReportPublisher(gateway, reports);
    this.publisher.start();
  }

  @Get()
  page(@Res() reply: FastifyReply): void {
    this.sendAsset(reply, 'dashboard.html');
  }

  @Get('assets/:file')
  asset(@Param('file') file: string, @Res() reply: FastifyReply): void {
    if (file === 'dashboard.html' || !this.assets.has(file)) throw new NotFoundException({ error: 'UNKNOWN_DASHBOARD_ASSET', message: 'no such dashboard file' });
    this.sendAsset(reply, file);
  }

  /** 204 when the request carries the admin token: the page asks before it shows the controls. */
  @Get('session')
  @HttpCode(204)
  @UseGuards(AdminGuard)
  session(): void {}

  /** The live stream (Server-Sent Events); one update a second at most, the same bytes for every page. */
  @Get('stream')
  stream(@Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    if (this.gateway.config.auth.operatorAuth === 'token') this.credentials.check(request, reply, 'admin');
    reply.hijack();
    reply.raw.writeHead(200, { ...STREAM_HEADERS });
    reply.raw.flushHeaders();
    const unsubscribe = this.feed.subscribe(reply.raw);
    // The response's close, not the request's: a GET's request closes as soon as it is read.
    reply.raw.once('close', unsubscribe);
  }

  private sendAsset(reply: FastifyReply, name: string): void {
    const asset = this.assets.get(name);
    if (asset === undefined) throw new NotFoundException({ error: 'UNKNOWN_DASHBOARD_ASSET', message: 'no such dashboard file' });
    void reply.headers({ ...DASHBOARD_SECURITY_HEADERS }).type(asset.contentType).send(asset.body);
  }

  async onModuleDestroy(): Promise<void> {
    this.feed.close();
    await this.publisher.stop();
  }
}
