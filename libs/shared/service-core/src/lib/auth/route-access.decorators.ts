import { SetMetadata, applyDecorators } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { ApiScope } from './principal';

/** Metadata key of the scope a route requires. */
export const REQUIRED_SCOPE = 'rma:auth:required-scope';
/** Metadata key of a route open to every caller (health, metrics). */
export const PUBLIC_ROUTE = 'rma:auth:public';

/**
 * The scope a route (or every route of a controller) requires of the caller's API key. The scope is also
 * the route's class for rate limits (`RATE_LIMIT_<SCOPE>`).
 */
export const RequireScope = (scope: ApiScope): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(REQUIRED_SCOPE, scope),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'No API key, or one that is unknown or revoked.' }),
    ApiForbiddenResponse({ description: `The API key lacks the \`${scope}\` scope.` }),
    ApiTooManyRequestsResponse({ description: `Too many \`${scope}\` requests for this key; see Retry-After.` }),
  );

/** A route every caller may use without a key: health, readiness and metrics. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);
