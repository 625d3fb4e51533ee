import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ReadinessRegistry } from '@rma/service-core';
import { sharedServerUrl } from '@rma/testing';
import { testOptions } from '../testing-options';
import { LlmProviderModule } from './llm-provider.module';

// The app's readiness registry, as ServiceCoreModule provides it globally.
@Global()
@Module({ providers: [ReadinessRegistry], exports: [ReadinessRegistry] })
class ReadinessModule {}

describe(`${LlmProviderModule.name} readiness`, () => {
  it('lists every replica with its state: ready while one chat replica answers', async () => {
    const live = sharedServerUrl();
    const dead = 'http://127.0.0.1:1';
    const app = await Test.createTestingModule({
      imports: [
        ReadinessModule,
        LlmProviderModule.forRoot(testOptions({ provider: 'vllm', vllmUrl: [dead, live], ollamaUrl: live })),
      ],
    }).compile();
    await app.init();
    const check = new Map(app.get(ReadinessRegistry).entries()).get('llm');

    const report = await check?.();
    await app.close();

    expect(report?.up).toBe(true);
    expect(
      (report?.details?.['backends'] as { kind: string; url: string; up: boolean }[]).map((replica) => [
        replica.kind,
        replica.url,
        replica.up,
      ]),
    ).toEqual([
      ['vllm', dead, false],
      ['vllm', live, true],
    ]);
  });
});
