import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { LlmClient } from '../llm-client';
import { testOptions } from '../testing-options';
import { LlmProviderModule } from './llm-provider.module';

const options = testOptions({ provider: 'vllm', vllmUrl: 'http://gpu:8000', ollamaUrl: 'http://cpu:11434' });

@Injectable()
class NeedsLlm {
  constructor(readonly llm: LlmClient) {}
}

// A feature module that does not import the provider: the client reaches it because the module is global.
@Module({ providers: [NeedsLlm] })
class FeatureModule {}

describe(LlmProviderModule.name, () => {
  it('provides one LlmClient from forRootAsync, globally, built from the factory', async () => {
    const app = await Test.createTestingModule({
      imports: [LlmProviderModule.forRootAsync({ useFactory: async () => options }), FeatureModule],
    }).compile();

    const sut = app.get(LlmClient);

    expect(sut).toBeInstanceOf(LlmClient);
    expect(sut.primaryKind).toBe('vllm');
    expect(app.get(NeedsLlm).llm).toBe(sut);
    await app.close();
  });

  it('takes plain options with forRoot', async () => {
    const app = await Test.createTestingModule({
      imports: [
        LlmProviderModule.forRoot({
          ...options,
          roles: { ...options.roles, chat: { ...options.roles.chat, provider: 'ollama' } },
        }),
      ],
    }).compile();

    expect(app.get(LlmClient).primaryKind).toBe('ollama');
    await app.close();
  });
});
