import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { LlmProviderOptions } from '../llm.options';

/** The Nest module's options token and base class: `forRoot` and `forRootAsync`, global unless `isGlobal: false`. */
export const {
  ConfigurableModuleClass: LlmProviderConfigurableModule,
  MODULE_OPTIONS_TOKEN: LLM_PROVIDER_OPTIONS,
  ASYNC_OPTIONS_TYPE: LLM_PROVIDER_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<LlmProviderOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();

/** `LlmProviderModule.forRootAsync`'s options: `useFactory` (or `useClass`/`useExisting`), `inject`, `imports`. */
export type LlmProviderModuleAsyncOptions = typeof LLM_PROVIDER_ASYNC_OPTIONS_TYPE;
