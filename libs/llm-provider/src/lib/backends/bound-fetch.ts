import { Agent, fetch as undiciFetch } from 'undici';

const agents = new Map<number, Agent>();
const connectFetches = new Map<number, typeof fetch>();

/** One connection pool per connect timeout: keep-alive connections are reused across calls. */
function agentFor(connectMs: number): Agent {
  let agent = agents.get(connectMs);
  if (!agent) {
    // Headers and body timeouts are off: the client's own first-token, idle and total timers govern.
    agent = new Agent({ connect: { timeout: connectMs }, headersTimeout: 0, bodyTimeout: 0 });
    agents.set(connectMs, agent);
  }
  return agent;
}

/**
 * A fetch whose connect timeout undici enforces, and that honours the signal of each request it is
 * given. For a vendor client that passes the call's signal on to every request (the OpenAI SDK does,
 * from LangChain's `signal` call option), so one model serves every call.
 */
export function connectFetch(connectMs: number): typeof fetch {
  let bound = connectFetches.get(connectMs);
  if (!bound) {
    const dispatcher = agentFor(connectMs);
    bound = ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
      undiciFetch(input as never, { ...(init as object), dispatcher } as never)) as unknown as typeof fetch;
    connectFetches.set(connectMs, bound);
  }
  return bound;
}

/**
 * A fetch for one call attempt: the connect timeout is enforced by undici, and the attempt's signal
 * (caller's abort, timeouts) reaches every request the vendor client makes, even through LangChain
 * methods that take no signal.
 */
export function boundFetch(connectMs: number, signal: AbortSignal): typeof fetch {
  const dispatcher = agentFor(connectMs);
  return ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    undiciFetch(
      input as never,
      {
        ...(init as object),
        signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal,
        dispatcher,
      } as never,
    )) as unknown as typeof fetch;
}
