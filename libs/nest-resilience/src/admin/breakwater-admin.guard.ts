import { Inject, Injectable, NotFoundException, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import type { BreakwaterOptions } from '../options/breakwater-options';
import { BREAKWATER_ADMIN, BREAKWATER_OPTIONS } from '../module/tokens';
import type { BreakwaterAdminSettings } from './admin-settings';
import { AdminToken, bearerTokenOf } from './admin-token';

/** `admin.guard` names a class that no module provides. */
export class AdminGuardNotFoundError extends Error {
  override readonly name = 'AdminGuardNotFoundError';
  readonly code = 'ADMIN_GUARD_NOT_FOUND';

  constructor(readonly guard: string) {
    super(`admin.guard ${guard} is not a provider of any module: add it to your module's providers`);
  }
}

/**
 * The admin actions' guard: the application's own guard when `admin.guard` names one, else
 * `Authorization: Bearer <adminToken>`. Without a token the endpoints do not exist (404): an
 * operator surface is off unless someone turned it on. A wrong or missing token is a 401.
 */
@Injectable()
export class BreakwaterAdminGuard implements CanActivate {
  private readonly token: AdminToken | undefined;
  private delegate: CanActivate | undefined;

  constructor(
    @Inject(BREAKWATER_OPTIONS) options: BreakwaterOptions,
    @Inject(BREAKWATER_ADMIN) private readonly settings: BreakwaterAdminSettings,
    @Inject(ModuleRef) private readonly modules: ModuleRef,
    @Inject(HttpAdapterHost) private readonly adapter: HttpAdapterHost,
  ) {
    this.token = options.adminToken === undefined || options.adminToken === '' ? undefined : new AdminToken(options.adminToken);
  }

  canActivate(context: ExecutionContext): ReturnType<CanActivate['canActivate']> {
    if (this.settings.guard !== undefined) {
      // Resolved at the first request: the guard may live in a module that is built after this one.
      const delegate = (this.delegate ??= this.modules.get(this.settings.guard, { strict: false }));
      if (delegate === undefined) throw new AdminGuardNotFoundError(this.settings.guard.name);
      return delegate.canActivate(context);
    }
    if (this.token === undefined) throw new NotFoundException();
    const http = context.switchToHttp();
    const request = http.getRequest<{ headers: Record<string, string | string[] | undefined> }>();
    const given = bearerTokenOf(request.headers.authorization);
    if (given !== undefined && this.token.matches(given)) return true;
    this.adapter.httpAdapter.setHeader(http.getResponse(), 'www-authenticate', 'Bearer');
    throw new UnauthorizedException({ error: 'UNAUTHORIZED', message: 'this endpoint needs Authorization: Bearer <admin token>' });
  }
}

/** GET /breakers: the admin guard unless `admin.protectList` is false. */
@Injectable()
export class BreakwaterListGuard implements CanActivate {
  constructor(
    @Inject(BREAKWATER_ADMIN) private readonly settings: BreakwaterAdminSettings,
    @Inject(BreakwaterAdminGuard) private readonly admin: BreakwaterAdminGuard,
  ) {}

  canActivate(context: ExecutionContext): ReturnType<CanActivate['canActivate']> {
    return this.settings.protectList === false ? true : this.admin.canActivate(context);
  }
}
