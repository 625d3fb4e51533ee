import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { GenerationQueueOptions } from '../generation-queue.types';

/** The module's `forRoot`/`forRootAsync`, made by Nest (global: one queue object per process). */
export const {
  ConfigurableModuleClass: GenerationQueueConfigurableModule,
  MODULE_OPTIONS_TOKEN: GENERATION_QUEUE_OPTIONS,
  ASYNC_OPTIONS_TYPE: GENERATION_QUEUE_ASYNC_OPTIONS,
} = new ConfigurableModuleBuilder<GenerationQueueOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();

/** What `GenerationQueueModule.forRootAsync` takes: `imports`, `inject` and a `useFactory` of the options. */
export type GenerationQueueModuleAsyncOptions = typeof GENERATION_QUEUE_ASYNC_OPTIONS;
