// Test helpers: never imported by production code.

/** Starts the built local LLM server with flags; helpers to read its metrics, set its faults and wait on conditions. */
export { eventually, freePort, metricValue, setFaults, sharedServerUrl, startLocalLlm } from './lib/local-llm-server';
export type { StartedServer } from './lib/local-llm-server';
/** A service booted in this process for integration tests, and HTTP helpers (JSON, server-sent events). */
export { parseEvents, postEvents, postJson, request, startServiceInProcess } from './lib/service-in-process';
export type { ServiceInProcess } from './lib/service-in-process';
