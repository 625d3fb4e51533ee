import type { Redis } from 'ioredis';
import { API_KEY_IDS, API_KEY_PREFIX, generateApiKey, hashSecret } from './api-key';
import { API_SCOPES, ApiScope } from './principal';

/** A stored key as listed: never the key or its hash. */
export interface ApiKeyRecord {
  readonly keyId: string;
  readonly organisation: string;
  readonly scopes: readonly ApiScope[];
  readonly label: string;
  readonly createdAt: string;
}

/** A stored key with the hash of its secret, for verification only. */
export interface StoredApiKey extends ApiKeyRecord {
  readonly secretHash: string;
}

/** Thrown for a key that cannot be created as asked; its message says what to change. */
export class ApiKeyRequestError extends Error {
  override readonly name = 'ApiKeyRequestError';
}

const ORGANISATION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * API keys in Redis, shared by every service on that Redis: one hash per key under {@link API_KEY_PREFIX}
 * holding the organisation, scopes and the SHA-256 of the secret (never the key itself), and a set of ids
 * for listing. Used by the auth guard (find) and the `tools/keys` CLI (create, list, revoke).
 */
export class ApiKeyStore {
  constructor(private readonly redis: Redis) {}

  /** Creates a key; the returned `key` is the only time the secret exists outside its holder. */
  async create(request: {
    organisation: string;
    scopes: readonly string[];
    label?: string;
  }): Promise<{ key: string; record: ApiKeyRecord }> {
    const scopes = validScopes(request.scopes);
    if (!ORGANISATION.test(request.organisation)) {
      throw new ApiKeyRequestError(
        `organisation ${JSON.stringify(request.organisation)} is not valid: use 1-64 letters, digits, '.', '_' or '-'`,
      );
    }
    const { keyId, secret, key } = generateApiKey();
    const record: ApiKeyRecord = {
      keyId,
      organisation: request.organisation,
      scopes,
      label: request.label ?? '',
      createdAt: new Date().toISOString(),
    };
    await this.redis
      .multi()
      .hset(`${API_KEY_PREFIX}${keyId}`, {
        organisation: record.organisation,
        scopes: scopes.join(','),
        label: record.label,
        createdAt: record.createdAt,
        secretHash: hashSecret(secret),
      })
      .sadd(API_KEY_IDS, keyId)
      .exec();
    return { key, record };
  }

  /** The stored key with this id, or null. */
  async find(keyId: string): Promise<StoredApiKey | null> {
    const fields = await this.redis.hgetall(`${API_KEY_PREFIX}${keyId}`);
    if (!fields['secretHash']) return null;
    return {
      keyId,
      organisation: fields['organisation'] ?? '',
      scopes: (fields['scopes'] ?? '').split(',').filter((scope): scope is ApiScope => isScope(scope)),
      label: fields['label'] ?? '',
      createdAt: fields['createdAt'] ?? '',
      secretHash: fields['secretHash'],
    };
  }

  /** Every stored key, oldest first, without secrets. */
  async list(): Promise<ApiKeyRecord[]> {
    const ids = await this.redis.smembers(API_KEY_IDS);
    const keys = await Promise.all(ids.map((keyId) => this.find(keyId)));
    return keys
      .filter((key): key is StoredApiKey => key !== null)
      .map(({ secretHash: _secretHash, ...record }) => record)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Deletes a key; true when it existed. Services that verified it recently may accept it until their cache expires. */
  async revoke(keyId: string): Promise<boolean> {
    const [[, deleted]] = (await this.redis
      .multi()
      .del(`${API_KEY_PREFIX}${keyId}`)
      .srem(API_KEY_IDS, keyId)
      .exec()) as [[unknown, number]];
    return deleted === 1;
  }
}

function isScope(scope: string): scope is ApiScope {
  return (API_SCOPES as readonly string[]).includes(scope);
}

function validScopes(scopes: readonly string[]): ApiScope[] {
  const unknown = scopes.filter((scope) => !isScope(scope));
  if (scopes.length === 0 || unknown.length > 0) {
    throw new ApiKeyRequestError(
      `scopes must be one or more of ${API_SCOPES.join(', ')}` +
        (unknown.length > 0 ? `; unknown: ${unknown.join(', ')}` : ''),
    );
  }
  return API_SCOPES.filter((scope) => scopes.includes(scope));
}
