import type { LlmProviderOptions, LlmRole, RoleTimeouts } from '../llm.options';
import type { RetryOptions } from './backoff';
import type { CircuitBreakerOptions } from './circuit-breaker';

/**
 * How every call is run, as data (LangChain's AsyncCaller, vLLM production-stack's RetryConfig): the
 * attempts on one backend and the backoff between them, each backend's breaker, and each role's timers.
 * Built once from the options and frozen: control flow reads it, never changes it.
 */
export interface CallPolicy {
  readonly attempts: Readonly<RetryOptions>;
  readonly breaker: Readonly<CircuitBreakerOptions>;
  readonly timeouts: Readonly<Record<LlmRole, Readonly<RoleTimeouts>>>;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The frozen policy of the library's options (copied: later changes to `options` do not reach it). */
export function callPolicyFrom(options: Pick<LlmProviderOptions, 'retry' | 'breaker' | 'roles'>): CallPolicy {
  return deepFreeze({
    attempts: { ...options.retry },
    breaker: { ...options.breaker },
    timeouts: {
      chat: { ...options.roles.chat.timeouts },
      embedding: { ...options.roles.embedding.timeouts },
      vision: { ...options.roles.vision.timeouts },
    },
  });
}
