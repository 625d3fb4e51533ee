import {
  DynamicModule,
  Inject,
  Injectable,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import type { ModuleMetadata } from '@nestjs/common';
import { GenerationQueue, GenerationQueueOptions } from '../generation-queue';

const GENERATION_QUEUE_OPTIONS = Symbol('GENERATION_QUEUE_OPTIONS');

export interface GenerationQueueModuleAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: unknown[];
  useFactory: (...args: never[]) => GenerationQueueOptions | Promise<GenerationQueueOptions>;
}

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
@Module({})
export class GenerationQueueModule {
  static forRootAsync(options: GenerationQueueModuleAsyncOptions): DynamicModule {
    return {
      module: GenerationQueueModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        {
          provide: GENERATION_QUEUE_OPTIONS,
          inject: (options.inject ?? []) as never[],
          useFactory: options.useFactory,
        },
        {
          provide: GenerationQueue,
          inject: [GENERATION_QUEUE_OPTIONS],
          useFactory: (resolved: GenerationQueueOptions) => new GenerationQueue(resolved),
        },
        GenerationQueueLifecycle,
      ],
      exports: [GenerationQueue],
    };
  }
}
