import { ConfigurableModuleBuilder } from '@nestjs/common';
import { createPingController } from './messaging/ping.controller';
import type { ServiceIdentity, ServiceRuntimeOptions } from './service-core.options';

/** What the module needs before any factory runs: the identity names the ping handler's message pattern. */
type ServiceCoreExtras = ServiceIdentity;

/**
 * The Nest module's runtime-options token and base class: `forRootAsync({ serviceName, description,
 * useFactory, inject, imports })`, always global. The identity is an extra because it shapes the module
 * itself (the `<serviceName>.ping` controller), not only its providers.
 */
export const {
  ConfigurableModuleClass: ServiceCoreConfigurableModule,
  MODULE_OPTIONS_TOKEN: SERVICE_RUNTIME_OPTIONS,
  ASYNC_OPTIONS_TYPE: SERVICE_CORE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<ServiceRuntimeOptions>()
  .setClassMethodName('forRoot')
  .setExtras<ServiceCoreExtras>({ serviceName: '', description: '' }, (definition, identity) => ({
    ...definition,
    global: true,
    controllers: [...(definition.controllers ?? []), createPingController(identity.serviceName)],
    providers: [...(definition.providers ?? []), { provide: SERVICE_IDENTITY, useValue: identity }],
  }))
  .build();

/** The identity given to `forRootAsync`, for the provider that merges it with the runtime options. */
export const SERVICE_IDENTITY = Symbol('SERVICE_IDENTITY');

/** `ServiceCoreModule.forRootAsync`'s options: the service's identity, then `useFactory`, `inject`, `imports`. */
export type ServiceCoreModuleAsyncOptions = typeof SERVICE_CORE_ASYNC_OPTIONS_TYPE;
