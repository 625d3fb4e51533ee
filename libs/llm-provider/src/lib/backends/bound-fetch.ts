import { Agent, fetch as undiciFetch } from 'undici';

const agents = new Map<number, Agent>();

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
