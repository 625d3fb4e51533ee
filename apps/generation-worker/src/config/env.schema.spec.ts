import { ConfigValidationError } from '@rma/service-core';
import { validateEnv } from './env.schema';

describe(validateEnv.name, () => {
  it('runs on port 8103 with local defaults', () => {
    expect(validateEnv({})).toMatchObject({ PORT: 8103, REDIS_URL: 'redis://127.0.0.1:6379' });
  });

  it('names the service and the bad variable', () => {
    expect(() => validateEnv({ PORT: 'abc' })).toThrow(ConfigValidationError);
    expect(() => validateEnv({ PORT: 'abc' })).toThrow(/generation-worker[\s\S]*PORT: expected an integer/);
  });
});
