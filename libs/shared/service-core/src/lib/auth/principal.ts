import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/**
 * What an API key may do. Persisted in stored keys: renaming a scope needs a migration of the key store.
 */
export const API_SCOPES = ['ask', 'letters', 'documents', 'eligibility', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/**
 * Who is calling: the organisation that owns what the request creates and may read, and the scopes of
 * the key it presented. The auth guard puts it on every HTTP request (`request.principal`) before any
 * controller runs; with `AUTH_MODE=off` it is {@link LOCAL_PRINCIPAL}.
 */
export interface Principal {
  /** The organisation the key belongs to; stored data is owned by (and visible to) one organisation. */
  readonly organisation: string;
  /** The key's id (never the key itself), for logs and audit; null when auth is off. */
  readonly keyId: string | null;
  readonly scopes: readonly ApiScope[];
}

/** The organisation every request belongs to when auth is off (local development and tests). */
export const LOCAL_ORGANISATION = 'local';

/** The principal of every request when `AUTH_MODE=off`: one organisation, every scope. */
export const LOCAL_PRINCIPAL: Principal = Object.freeze({
  organisation: LOCAL_ORGANISATION,
  keyId: null,
  scopes: API_SCOPES,
});

/** The request field the guard fills. */
export interface RequestWithPrincipal {
  principal?: Principal;
}

/** The principal the guard put on the request; throws when no guard ran (a wiring bug, not a client error). */
export function principalOf(request: RequestWithPrincipal): Principal {
  if (!request.principal) throw new Error('No principal on the request: the API key guard did not run for this route');
  return request.principal;
}

/** Controller parameter decorator: `@CurrentPrincipal() principal: Principal`. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal =>
  principalOf(context.switchToHttp().getRequest<RequestWithPrincipal>()),
);
