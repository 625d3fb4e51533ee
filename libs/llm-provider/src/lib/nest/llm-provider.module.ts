import { DynamicModule, Injectable, Module, OnModuleInit, Optional } from '@nestjs/common';
import type { ModuleMetadata } from '@nestjs/common';
import { ReadinessRegistry } from '@rma/service-core';
import { LlmClient } from '../llm-client';
import type { LlmProviderOptions } from '../llm.options';

const LLM_PROVIDER_OPTIONS = Symbol('LLM_PROVIDER_OPTIONS');

export interface LlmProviderModuleAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: unknown[];
  useFactory: (...args: never[]) => LlmProviderOptions | Promise<LlmProviderOptions>;
}

/** Reports each backend's state and breaker in the app's readiness; ready while a chat backend answers. */
@Injectable()
class LlmReadiness implements OnModuleInit {
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
}

/** `LlmClient` for a Nest app, configured from the app's validated config (see `llmOptionsFromConfig`). */
@Module({})
export class LlmProviderModule {
  static forRootAsync(options: LlmProviderModuleAsyncOptions): DynamicModule {
    return {
      module: LlmProviderModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        { provide: LLM_PROVIDER_OPTIONS, inject: (options.inject ?? []) as never[], useFactory: options.useFactory },
        {
          provide: LlmClient,
          inject: [LLM_PROVIDER_OPTIONS],
          useFactory: (resolved: LlmProviderOptions) => new LlmClient(resolved),
        },
        LlmReadiness,
      ],
      exports: [LlmClient],
    };
  }
}
