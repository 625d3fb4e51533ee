import { DEFAULT_TOKEN_ALLOWANCE_MS, LlmProviderOptions, LlmRole, RoleTimeouts } from '../llm.options';
import type { RetryOptions } from './backoff';
import type { CircuitBreakerOptions } from './circuit-breaker';

/**
 * How every call is run, as data (LangChain's AsyncCaller, vLLM production-stack's RetryConfig): the
 * attempts on one backend and the backoff between them, each backend's breaker and how a timeout counts
 * against it, and each role's timers. Built once from the options and frozen: control flow reads it,
 * never changes it.
 */
export interface CallPolicy {
  readonly attempts: Readonly<
    RetryOptions & {
      /**
       * Whether a timeout after the server took the request (first token, idle, answer) is tried again on
       * the same backend. Off: the server is busy or stuck, and another attempt only adds to its load; the
       * call goes to the fallback, or fails with `retryable` for the caller's own schedule.
       */
      retryServerTimeouts: boolean;
    }
  >;
  readonly breaker: Readonly<
    CircuitBreakerOptions & {
      /**
       * After such a timeout the backend's cheap probe (its health route) gets this long: a server that
       * answers it is busy, which is overload and not a breaker failure; one that does not is counted.
       */
      busyProbeMs: number;
    }
  >;
  readonly timeouts: Readonly<Record<LlmRole, Readonly<Required<RoleTimeouts>>>>;
}

/** How long a busy server's health route may take to show it is alive. */
export const DEFAULT_BUSY_PROBE_MS = 1_000;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

const roleTimeouts = (timeouts: RoleTimeouts): Required<RoleTimeouts> => ({
  ...timeouts,
  tokenAllowanceMs: timeouts.tokenAllowanceMs ?? DEFAULT_TOKEN_ALLOWANCE_MS,
});

/** The frozen policy of the library's options (copied: later changes to `options` do not reach it). */
export function callPolicyFrom(options: Pick<LlmProviderOptions, 'retry' | 'breaker' | 'roles'>): CallPolicy {
  return deepFreeze({
    attempts: { retryServerTimeouts: false, ...options.retry },
    breaker: { busyProbeMs: DEFAULT_BUSY_PROBE_MS, ...options.breaker },
    timeouts: {
      chat: roleTimeouts(options.roles.chat.timeouts),
      embedding: roleTimeouts(options.roles.embedding.timeouts),
      vision: roleTimeouts(options.roles.vision.timeouts),
    },
  });
}

/**
 * How long an answer that is not streamed may take on one attempt: the first-token time plus the
 * allowance for each token asked for. Null with no maxTokens: the length is unknown, and only the call's
 * total bounds it. The call's total (the role's, and the caller's signal) caps it either way.
 */
export function answerBudgetMs(timeouts: Required<RoleTimeouts>, maxTokens: number | undefined): number | null {
  return maxTokens === undefined ? null : timeouts.firstTokenMs + maxTokens * timeouts.tokenAllowanceMs;
}
