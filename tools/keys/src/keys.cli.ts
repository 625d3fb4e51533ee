// `npm run keys -- create|list|revoke`: API keys in the services' Redis (see README, "Security: API keys").
import { ApiKeyRequestError, ApiKeyStore, isRedisOutage, redisOptionsFromUrl } from '@rma/service-core';
import { Redis } from 'ioredis';
import { KeysUsageError, parseKeysCommand } from './keys.command';

async function main(): Promise<number> {
  const command = parseKeysCommand(process.argv.slice(2), process.env['REDIS_URL'] || 'redis://127.0.0.1:6379');
  const redis = new Redis({ ...redisOptionsFromUrl(command.redisUrl), maxRetriesPerRequest: 1, connectTimeout: 5_000 });
  redis.on('error', () => undefined); // the command's own error says it
  try {
    const store = new ApiKeyStore(redis);
    switch (command.action) {
      case 'create': {
        const { key, record } = await store.create(command);
        process.stderr.write(
          `Created key ${record.keyId} for organisation ${record.organisation} with scopes ${record.scopes.join(', ')}.\n` +
            'The key follows, shown this once: only its hash is stored. Send it as `Authorization: Bearer <key>`.\n',
        );
        process.stdout.write(`${key}\n`);
        return 0;
      }
      case 'list': {
        const keys = await store.list();
        process.stdout.write('keyId\torganisation\tscopes\tcreatedAt\tlabel\n');
        for (const key of keys) {
          process.stdout.write(
            `${key.keyId}\t${key.organisation}\t${key.scopes.join(',')}\t${key.createdAt}\t${key.label}\n`,
          );
        }
        return 0;
      }
      case 'revoke': {
        if (!(await store.revoke(command.keyId))) {
          process.stderr.write(`No key with id ${command.keyId}; \`npm run keys -- list\` shows them.\n`);
          return 1;
        }
        process.stdout.write(
          `Revoked key ${command.keyId}. Services that verified it in the last AUTH_KEY_CACHE_MS (10 s by default) ` +
            'accept it until that time has passed.\n',
        );
        return 0;
      }
    }
  } finally {
    redis.disconnect();
  }
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    const expected = error instanceof KeysUsageError || error instanceof ApiKeyRequestError;
    const message = isRedisOutage(error)
      ? 'Redis did not answer: start it, or point --redis-url (or REDIS_URL) at the services’ Redis'
      : error instanceof Error
        ? error.message
        : String(error);
    process.stderr.write(`${message}\n`);
    process.exitCode = expected ? 2 : 1;
  },
);
