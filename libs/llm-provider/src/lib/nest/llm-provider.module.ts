import { Injectable, Module, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { ReadinessRegistry } from '@rma/service-core';
import { LlmClient } from '../llm-client';
import type { LlmProviderOptions } from '../llm.options';
import { LLM_PROVIDER_OPTIONS, LlmProviderConfigurableModule } from './llm-provider.module-definition';

/**
 * Reports each replica of every backend (state, breaker, in-flight calls) in the app's readiness; ready
 * while a chat replica answers. Stops the client's metrics reading on shutdown.
 */
@Injectable()
class LlmReadiness implements OnModuleInit, OnModuleDestroy {
  constructor(
    private readonly client: LlmClient,
    @Optional() private readonly readiness?: ReadinessRegistry,
  ) {}

  onModuleInit(): void {
    this.readiness?.register('llm', async () => {
      const backends = await this.client.health();
      return { up: backends.some((backend) => backend.up && backend.roles.includes('chat')), details: { backends } };
    });
  }

  onModuleDestroy(): void {
    this.client.close();
  }
}

/** `LlmClient` for a Nest app, configured from the app's validated config (see `llmOptionsFromConfig`). */
@Module({
  providers: [
    {
      provide: LlmClient,
      inject: [LLM_PROVIDER_OPTIONS],
      useFactory: (options: LlmProviderOptions) => new LlmClient(options),
    },
    LlmReadiness,
  ],
  exports: [LlmClient],
})
export class LlmProviderModule extends LlmProviderConfigurableModule {}
