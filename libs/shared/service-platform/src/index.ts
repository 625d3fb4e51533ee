// What every RMA service process is made of, wired once: config, service core, LLM provider and
// generation queue.

/** The imports of a service's root module, and the environment variables they read. */
export { platformEnvShape, platformImports } from './lib/platform-imports';
export type { PlatformImportsOptions } from './lib/platform-imports';
/** A service's whole root module: the platform, its feature modules and its exception filter. */
export { platformRoot } from './lib/platform-imports';
export type { PlatformRootOptions } from './lib/platform-imports';
