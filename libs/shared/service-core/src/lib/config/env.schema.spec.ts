import { z } from 'zod';
import { ConfigValidationError, parseEnv, portVar, serviceEnvShape } from './env.schema';

const schema = z.object({ ...serviceEnvShape, PORT: portVar(8102) });

describe(parseEnv.name, () => {
  it('applies the local defaults to an empty environment', () => {
    const sut = parseEnv('rag-service', schema, {});

    expect(sut).toEqual({
      NODE_ENV: 'development',
      HOST: '0.0.0.0',
      REDIS_URL: 'redis://127.0.0.1:6379',
      LOG_LEVEL: 'log',
      LOG_FORMAT: 'json',
      SHUTDOWN_TIMEOUT_MS: 10_000,
      REDIS_WAIT_MS: 2_000,
      HTTP_BODY_LIMIT_BYTES: 1_048_576,
      PORT: 8102,
    });
  });

  it('coerces numbers given as strings', () => {
    expect(parseEnv('rag-service', schema, { PORT: '9000' }).PORT).toBe(9000);
  });

  it('lists every bad key in one error, with what it expects and what it got', () => {
    let caught: unknown;
    try {
      parseEnv('rag-service', schema, {
        PORT: 'abc',
        REDIS_URL: 'http://localhost:6379',
        LOG_FORMAT: 'xml',
      });
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(ConfigValidationError);
    const sut = caught as ConfigValidationError;
    expect(sut.problems).toHaveLength(3);
    expect(sut.message).toContain('Invalid configuration for rag-service');
    expect(sut.message).toContain('PORT: expected an integer from 1 to 65535 (got "abc")');
    expect(sut.message).toContain('REDIS_URL: expected a redis:// or rediss:// URL');
    expect(sut.message).toContain('LOG_FORMAT: expected json or text (got "xml")');
  });

  it.each(['0', '65536', '80.5', '-1'])('rejects the port %s', (port) => {
    expect(() => parseEnv('rag-service', schema, { PORT: port })).toThrow(/PORT: expected an integer/);
  });
});
