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
      AUTH_MODE: 'on',
      AUTH_KEY_CACHE_MS: 10_000,
      CORS_ORIGINS: [],
      RATE_LIMIT_WINDOW_MS: 60_000,
      RATE_LIMIT_ASK: 300,
      RATE_LIMIT_LETTERS: 120,
      RATE_LIMIT_DOCUMENTS: 300,
      RATE_LIMIT_ELIGIBILITY: 300,
      RATE_LIMIT_ADMIN: 120,
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

  it('shows a refused URL without its credentials and a refused secret by its length only', () => {
    const withSecrets = z.object({
      REDIS_URL: z.url({ protocol: /^rediss?$/ }),
      HF_TOKEN: z.string().startsWith('hf_'),
    });

    expect(() =>
      parseEnv('rag-service', withSecrets, { REDIS_URL: 'http://:s3cret@redis:6379', HF_TOKEN: 'Xs3cretToken' }),
    ).toThrow(/REDIS_URL: .*\(got "http:\/\/\*\*\*@redis:6379"\)[\s\S]*HF_TOKEN: .*\(got a value of 12 characters\)/);
    expect(() =>
      parseEnv('rag-service', withSecrets, { REDIS_URL: 'http://:s3cret@redis:6379', HF_TOKEN: 'Xs3cretToken' }),
    ).not.toThrow(/s3cret/);
  });

  it.each(['0', '65536', '80.5', '-1'])('rejects the port %s', (port) => {
    expect(() => parseEnv('rag-service', schema, { PORT: port })).toThrow(/PORT: expected an integer/);
  });

  it('refuses AUTH_MODE=off with NODE_ENV=production, in one message that says what to do', () => {
    expect(() => parseEnv('rag-service', schema, { NODE_ENV: 'production', AUTH_MODE: 'off' })).toThrow(
      /AUTH_MODE: off is refused when NODE_ENV=production.*set AUTH_MODE=on/,
    );
    expect(parseEnv('rag-service', schema, { NODE_ENV: 'development', AUTH_MODE: 'off' }).AUTH_MODE).toBe('off');
    expect(parseEnv('rag-service', schema, { NODE_ENV: 'production' }).AUTH_MODE).toBe('on');
  });

  it('reads CORS_ORIGINS as a list of origins and refuses anything else', () => {
    const origins = 'https://advice.example.org, http://localhost:4200';

    expect(parseEnv('rag-service', schema, { CORS_ORIGINS: origins }).CORS_ORIGINS).toEqual([
      'https://advice.example.org',
      'http://localhost:4200',
    ]);
    expect(() => parseEnv('rag-service', schema, { CORS_ORIGINS: 'https://advice.example.org/app' })).toThrow(
      /CORS_ORIGINS: expected a comma-separated list of origins/,
    );
    expect(() => parseEnv('rag-service', schema, { CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS/);
  });
});
