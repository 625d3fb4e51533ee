// Test helpers: never imported by production code.

/** Starts the built local LLM server with flags, and helpers to read its metrics and wait on conditions. */
export { eventually, freePort, metricValue, sharedServerUrl, startLocalLlm } from './lib/local-llm-server';
export type { StartedServer } from './lib/local-llm-server';
