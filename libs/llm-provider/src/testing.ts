// Test helpers of @rma/llm-provider: never imported by production code.

/** LlmClient options for tests against local-llm servers. */
export { testOptions } from './lib/testing-options';
