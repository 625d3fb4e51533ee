import { CanActivate, ExecutionContext, HttpException, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import {
  REDIS_UNAVAILABLE_BODY,
  REDIS_UNAVAILABLE_RETRY_AFTER,
  isRedisOutage,
} from '../http/redis-unavailable.interceptor';
import { ApiKeyAuthenticator } from './api-key.authenticator';
import { AuthError } from './auth.errors';
import { LOCAL_PRINCIPAL, type ApiScope, type RequestWithPrincipal } from './principal';
import { ALSO_SCOPES, PUBLIC_ROUTE, REQUIRED_SCOPE } from './route-access.decorators';
import { RouteClassThrottler } from './route-class.throttler';

/**
 * The one guard on every HTTP route (ServiceCoreModule registers it as APP_GUARD): it checks the
 * `Authorization: Bearer <key>` against the route's `@RequireScope()`, puts the caller's
 * {@link Principal} on the request before any controller runs, then counts the request against the
 * key's rate limit for that route class. `@Public()` routes pass without a key. With auth off every
 * request is {@link LOCAL_PRINCIPAL} and nothing is limited. Redis transport handlers
 * (service-to-service messages, such as doc-processor's hand-off to rag-service) are internal and not
 * guarded: only the services reach that Redis.
 *
 * Guards run before interceptors, so a Redis outage during the key lookup or the count is answered here
 * as the RedisUnavailable interceptor would: 503 with Retry-After.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: ApiKeyAuthenticator,
    private readonly throttler: RouteClassThrottler,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<Request & RequestWithPrincipal>();
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) {
      if (!this.authenticator.enabled) request.principal = LOCAL_PRINCIPAL;
      return true;
    }
    // A route that declares nothing is closed to all but admin keys; the route-access spec finds such routes.
    const scope = this.reflector.getAllAndOverride<ApiScope | undefined>(REQUIRED_SCOPE, targets) ?? 'admin';
    // @RequireScope() sets both keys, so a method's own replaces its controller's whole.
    const also = this.reflector.getAllAndOverride<readonly ApiScope[] | undefined>(ALSO_SCOPES, targets) ?? [];
    const response = context.switchToHttp().getResponse<Response>();
    try {
      const principal = await this.authenticator.authenticate(request.headers.authorization);
      const held = this.authenticator.authorize(principal, scope, also);
      request.principal = principal;
      if (principal.keyId !== null) await this.throttler.limit(context, held, principal.keyId);
      return true;
    } catch (error) {
      if (error instanceof AuthError) {
        if (error.statusCode === 401) response.setHeader('WWW-Authenticate', 'Bearer');
        throw new HttpException(error.toBody(), error.statusCode);
      }
      if (isRedisOutage(error)) {
        response.setHeader('Retry-After', REDIS_UNAVAILABLE_RETRY_AFTER);
        throw new ServiceUnavailableException(REDIS_UNAVAILABLE_BODY);
      }
      throw error;
    }
  }
}
