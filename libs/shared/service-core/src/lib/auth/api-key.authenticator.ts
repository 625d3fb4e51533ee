import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { SERVICE_CORE_OPTIONS, SERVICE_REDIS, ServiceCoreOptions } from '../service-core.options';
import { parseApiKey, secretMatches } from './api-key';
import { ApiKeyStore, StoredApiKey } from './api-key.store';
import { AuthError } from './auth.errors';
import { LOCAL_PRINCIPAL, Principal, type ApiScope } from './principal';

/** Most verified keys kept in memory; past it the oldest are dropped (a lookup in Redis brings them back). */
const CACHE_MAX_KEYS = 10_000;

/**
 * Turns an `Authorization` header into the caller's {@link Principal}, and checks a scope. A verified key
 * is cached in this process for `authKeyCacheMs` (default 10 s), so a revoked key keeps working here for
 * at most that long. Unknown keys are not cached. A Redis outage during the lookup is thrown as ioredis
 * raised it, for the caller to answer 503 RedisUnavailable.
 */
@Injectable()
export class ApiKeyAuthenticator {
  private readonly store: ApiKeyStore;
  private readonly verified = new Map<string, { key: StoredApiKey; principal: Principal; until: number }>();
  readonly enabled: boolean;
  private readonly cacheMs: number;

  constructor(@Inject(SERVICE_CORE_OPTIONS) core: ServiceCoreOptions, @Inject(SERVICE_REDIS) redis: Redis) {
    this.store = new ApiKeyStore(redis);
    this.enabled = (core.authMode ?? 'on') === 'on';
    this.cacheMs = core.authKeyCacheMs ?? 10_000;
  }

  /** The principal of a request with this `Authorization` header; LOCAL_PRINCIPAL when auth is off. */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    if (!this.enabled) return LOCAL_PRINCIPAL;
    const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
    if (!match) throw AuthError.missing();
    const parts = parseApiKey(match[1]);
    if (!parts) throw AuthError.invalid();
    const now = Date.now();
    const cached = this.verified.get(parts.keyId);
    if (cached && cached.until > now && secretMatches(parts.secret, cached.key.secretHash)) return cached.principal;
    const key = await this.store.find(parts.keyId);
    if (!key || !secretMatches(parts.secret, key.secretHash)) {
      this.verified.delete(parts.keyId);
      throw AuthError.invalid();
    }
    const principal: Principal = Object.freeze({
      organisation: key.organisation,
      keyId: key.keyId,
      scopes: Object.freeze([...key.scopes]),
    });
    if (this.verified.size >= CACHE_MAX_KEYS) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.delete(parts.keyId);
    this.verified.set(parts.keyId, { key, principal, until: now + this.cacheMs });
    return principal;
  }

  /** The first of `scope` and `also` the principal holds; a 403 AuthError when it holds none. */
  authorize(principal: Principal, scope: ApiScope, also: readonly ApiScope[] = []): ApiScope {
    const held = [scope, ...also].find((each) => principal.scopes.includes(each));
    if (held === undefined) throw AuthError.scope(scope, also);
    return held;
  }
}
