import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The Redis key prefix of stored API keys (`<prefix><keyId>`, a hash), and the set of every key id.
 * Persisted: renaming either needs a migration of the stored keys.
 */
export const API_KEY_PREFIX = 'rma:auth:key:';
export const API_KEY_IDS = 'rma:auth:key-ids';

/** What every key starts with, so that a leaked one is easy to recognise (secret scanners, logs). */
const KEY_MARK = 'rma';

/** A key as the caller holds it: `rma_<keyId>_<secret>`; the id is public, the secret is never stored. */
export interface ApiKeyParts {
  readonly keyId: string;
  readonly secret: string;
}

/** A new key: a 12-hex-digit id and 32 random bytes of secret. */
export function generateApiKey(): ApiKeyParts & { readonly key: string } {
  const keyId = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { keyId, secret, key: `${KEY_MARK}_${keyId}_${secret}` };
}

/** The id and secret of a presented key, or null when it is not shaped like one of ours. */
export function parseApiKey(key: string): ApiKeyParts | null {
  const match = /^rma_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/.exec(key);
  return match ? { keyId: match[1], secret: match[2] } : null;
}

/**
 * The stored form of a secret. SHA-256 and no salt or stretching: the secret is 256 random bits, so
 * there is nothing to guess (stretching guards low-entropy passwords) and a lookup costs microseconds.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Whether `secret` hashes to `storedHash`, in constant time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
