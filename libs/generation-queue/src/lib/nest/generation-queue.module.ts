import { Inject, Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { GenerationQueue } from '../generation-queue';
import type { GenerationQueueOptions } from '../generation-queue.types';
import { GENERATION_QUEUE_OPTIONS, GenerationQueueConfigurableModule } from './generation-queue.module-definition';

export type { GenerationQueueModuleAsyncOptions } from './generation-queue.module-definition';

/** Starts the queue (limit, controller) with the app and drains it on shutdown. */
@Injectable()
class GenerationQueueLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(GenerationQueue) private readonly queue: GenerationQueue) {}

  onApplicationBootstrap(): Promise<void> {
    return this.queue.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.queue.close();
  }
}

/** `GenerationQueue` for a Nest app: producer, and workers unless the options turn them off. */
@Module({
  providers: [
    {
      provide: GenerationQueue,
      inject: [GENERATION_QUEUE_OPTIONS],
      useFactory: (options: GenerationQueueOptions) => new GenerationQueue(options),
    },
    GenerationQueueLifecycle,
  ],
  exports: [GenerationQueue],
})
export class GenerationQueueModule extends GenerationQueueConfigurableModule {}
