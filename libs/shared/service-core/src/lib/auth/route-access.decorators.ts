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
/** Metadata key of the scopes that serve a route as well as its own (none unless named). */
export const ALSO_SCOPES = 'rma:auth:also-scopes';
/** Metadata key of a route open to every caller (health, metrics). */
export const PUBLIC_ROUTE = 'rma:auth:public';

/**
 * The scope a route (or every route of a controller) requires of the caller's API key, and any others that
 * serve as well (scopes are not hierarchical: `admin` passes only where named). The scope the key holds,
 * first in this order, is the route's class for rate limits (`RATE_LIMIT_<SCOPE>`).
 */
export const RequireScope = (scope: ApiScope, ...also: ApiScope[]): MethodDecorator & ClassDecorator => {
  // The 403's description names every scope in backticks: the access e2e reads them from the OpenAPI document.
  const named = [scope, ...also].map((name) => `\`${name}\``).join(' or ');
  return applyDecorators(
    SetMetadata(REQUIRED_SCOPE, scope),
    SetMetadata(ALSO_SCOPES, also),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'No API key, or one that is unknown or revoked.' }),
    ApiForbiddenResponse({ description: `The API key lacks the ${named} scope.` }),
    ApiTooManyRequestsResponse({ description: `Too many \`${scope}\` requests for this key; see Retry-After.` }),
  );
};

/** A route every caller may use without a key: health, readiness and metrics. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);
