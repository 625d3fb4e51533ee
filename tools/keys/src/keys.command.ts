import { API_SCOPES } from '@rma/service-core';

/** What `npm run keys -- <command>` was asked to do. */
export type KeysCommand =
  | { action: 'create'; organisation: string; scopes: string[]; label?: string; redisUrl: string }
  | { action: 'list'; redisUrl: string }
  | { action: 'revoke'; keyId: string; redisUrl: string };

/** A command line that cannot be run; its message is the usage. */
export class KeysUsageError extends Error {
  override readonly name = 'KeysUsageError';
}

export const KEYS_USAGE = `Usage: npm run keys -- <command> [--redis-url redis://host:port/db]
  create --org <organisation> --scopes <${API_SCOPES.join(',')}> [--label <text>]
                 prints the new key once; only its hash is stored
  list           every key: id, organisation, scopes, label, created (never the key)
  revoke <keyId> deletes the key; services stop accepting it within AUTH_KEY_CACHE_MS (10 s)
The Redis is the services' REDIS_URL (default redis://127.0.0.1:6379).`;

/** Parses argv (after the script name); `defaultRedisUrl` is the caller's REDIS_URL. */
export function parseKeysCommand(argv: readonly string[], defaultRedisUrl: string): KeysCommand {
  const [action, ...rest] = argv;
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const value = rest[i + 1];
    if (value === undefined || value.startsWith('--')) throw new KeysUsageError(`${arg} needs a value\n${KEYS_USAGE}`);
    flags.set(arg.slice(2), value);
    i++;
  }
  const known = new Set(['org', 'scopes', 'label', 'redis-url']);
  const unknown = [...flags.keys()].filter((flag) => !known.has(flag));
  if (unknown.length > 0) throw new KeysUsageError(`unknown option --${unknown[0]}\n${KEYS_USAGE}`);
  const redisUrl = flags.get('redis-url') ?? defaultRedisUrl;
  switch (action) {
    case 'create': {
      const organisation = flags.get('org');
      const scopes = flags.get('scopes');
      if (!organisation || !scopes) throw new KeysUsageError(`create needs --org and --scopes\n${KEYS_USAGE}`);
      return {
        action,
        organisation,
        scopes: scopes.split(',').map((scope) => scope.trim()),
        label: flags.get('label'),
        redisUrl,
      };
    }
    case 'list':
      return { action, redisUrl };
    case 'revoke':
      if (positional.length !== 1) throw new KeysUsageError(`revoke needs one key id\n${KEYS_USAGE}`);
      return { action, keyId: positional[0], redisUrl };
    default:
      throw new KeysUsageError(KEYS_USAGE);
  }
}
