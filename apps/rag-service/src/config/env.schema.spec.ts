import { ConfigValidationError } from '@rma/service-core';
import { validateEnv } from './env.schema';

describe(validateEnv.name, () => {
  it('runs on port 8102 with local defaults', () => {
    expect(validateEnv({})).toMatchObject({ PORT: 8102, REDIS_URL: 'redis://127.0.0.1:6379' });
  });

  it('names the service and the bad variable', () => {
    expect(() => validateEnv({ PORT: 'abc' })).toThrow(ConfigValidationError);
    expect(() => validateEnv({ PORT: 'abc' })).toThrow(/rag-service[\s\S]*PORT: expected an integer/);
  });

  it('refuses an overlap that is not below the chunk size, and a Chroma URL that is not http', () => {
    expect(() => validateEnv({ CHROMA_URL: 'chroma:8000' })).toThrow(
      /CHROMA_URL: expected an http:\/\/ or https:\/\/ URL/,
    );
    expect(() => validateEnv({ CHUNK_SIZE: '500', CHUNK_OVERLAP: '500' })).toThrow(
      /CHUNK_OVERLAP: expected CHUNK_OVERLAP below CHUNK_SIZE/,
    );
  });

  it("keeps clients' collections apart from the manuals'", () => {
    expect(validateEnv({})).toMatchObject({ CLIENT_COLLECTION_PREFIX: 'client-' });
    expect(() => validateEnv({ CHROMA_COLLECTION: 'client-manuals' })).toThrow(
      /CLIENT_COLLECTION_PREFIX: expected a CLIENT_COLLECTION_PREFIX that CHROMA_COLLECTION does not start with/,
    );
    expect(() => validateEnv({ CLIENT_COLLECTION_PREFIX: 'a-prefix-too-long-' })).toThrow(
      /CLIENT_COLLECTION_PREFIX: expected 2-13 letters/,
    );
  });
});
