import { Injectable, Module, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { ReadinessRegistry, SERVICE_REDIS } from '@rma/service-core';
import type { Redis } from 'ioredis';
import { LlmClient } from '../llm-client';
import type { LlmProviderOptions } from '../llm.options';
import { TrafficSplitWatcher } from '../routing/traffic-split.watcher';
import { LLM_PROVIDER_OPTIONS, LlmProviderConfigurableModule } from './llm-provider.module-definition';
import { TrafficSplitController } from './traffic-split.controller';

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

/** Reads the traffic split from Redis while the app runs (when the app has the service core's Redis). */
@Injectable()
class TrafficSplitLifecycle implements OnModuleInit, OnModuleDestroy {
  constructor(@Optional() private readonly watcher?: TrafficSplitWatcher) {}

  async onModuleInit(): Promise<void> {
    await this.watcher?.start();
  }

  onModuleDestroy(): void {
    this.watcher?.stop();
  }
}

/**
 * `LlmClient` for a Nest app, configured from the app's validated config (see `llmOptionsFromConfig`),
 * and the traffic split's admin endpoint, shared through the service core's Redis.
 */
@Module({
  controllers: [TrafficSplitController],
  providers: [
    {
      provide: LlmClient,
      inject: [LLM_PROVIDER_OPTIONS],
      useFactory: (options: LlmProviderOptions) => new LlmClient(options),
    },
    {
      provide: TrafficSplitWatcher,
      inject: [LlmClient, LLM_PROVIDER_OPTIONS, { token: SERVICE_REDIS, optional: true }],
      useFactory: (client: LlmClient, options: LlmProviderOptions, redis?: Redis) =>
        redis
          ? new TrafficSplitWatcher({
              redis,
              splitter: client.trafficSplit,
              defaults: options.trafficSplit ?? {},
              backendsOf: (role) => client.backendKinds(role),
              pollMs: options.trafficSplitPollMs,
              registry: options.registry,
            })
          : undefined,
    },
    LlmReadiness,
    TrafficSplitLifecycle,
  ],
  exports: [LlmClient],
})
export class LlmProviderModule extends LlmProviderConfigurableModule {}
