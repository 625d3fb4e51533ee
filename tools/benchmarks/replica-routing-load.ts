// The load of the replica-routing benchmark and how it is sent: the services' own prompts (rag-service's
// answer, notes-service's facts and letter calls, each behind its shared system prompt) called through
// @rma/llm-provider's LlmClient, configured from LLM_* variables as a service is, so that its router
// picks each request's replica. Timings come back as tools/bench's records, for its metrics.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { LlmClient, llmEnvShape, llmOptionsFromEnv } from '@rma/llm-provider';
import type { ChatRequest, RoutingStrategy } from '@rma/llm-provider';
import { answerRequest } from '../../apps/rag-service/src/ask/ask-prompts';
import type { FoundChunk } from '../../apps/rag-service/src/vector-store/chunk-store';
import { factsRequest, letterRequest } from '../../apps/notes-service/src/letters/letter-prompts';
import type { CaseFacts } from '../../apps/notes-service/src/letters/letter.schemas';
import { loadDataset } from '../bench/src/dataset.ts';
import { failure } from '../bench/src/runner.ts';
import type { RequestOutcome } from '../bench/src/runner.ts';

/** One request of the load and which of the services' calls it is. */
export interface LoadRequest {
  kind: 'answer' | 'facts' | 'letter';
  chat: ChatRequest;
}

const words = (text: string) => new Set(text.toLowerCase().match(/[a-z]{4,}/g) ?? []);

/** The manuals' sections, as rag-service's chunks would carry them (title: the manual's heading). */
function manualSections(root: string): FoundChunk[] {
  const dir = join(root, 'apps/rag-service/src/assets/manuals');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.md'))
    .flatMap((name) => {
      const text = readFileSync(join(dir, name), 'utf8');
      const title = text.match(/^# (.+)$/m)?.[1] ?? name;
      return text
        .split(/\n(?=## )/)
        .slice(1)
        .map((section, index) => ({
          id: `${name}#${index}`,
          text: section.trim(),
          metadata: { title, chunkIndex: index, headings: section.split('\n')[0] } as FoundChunk['metadata'],
          score: 0,
        }));
    });
}

/** The sections sharing most words with the question: a stand-in for the vector search (no embeddings here). */
function extractsFor(question: string, sections: FoundChunk[], topK: number): FoundChunk[] {
  const asked = words(question);
  const overlap = (section: FoundChunk) => [...words(section.text)].filter((word) => asked.has(word)).length;
  return [...sections].sort((a, b) => overlap(b) - overlap(a)).slice(0, topK);
}

/** Facts as the facts call returns them, from the notes' amounts (the letter call's input). */
function factsOf(notes: string): CaseFacts {
  const amounts = [...notes.matchAll(/£([\d,]+(?:\.\d+)?)/g)].map((match) => Number(match[1].replace(/,/g, '')));
  return {
    summary: 'The client has debts and asked us for help.',
    debts: amounts.map((amount, index) => ({
      creditor: `creditor ${index + 1}`,
      kind: 'debt',
      amount,
      priority: false,
    })),
    deadlines: [],
    actions: [{ who: 'client', action: 'send the papers the adviser asked for' }],
  };
}

/**
 * The mixed load: for each of tools/bench's sample questions and case notes in turn, an answer (4
 * extracts of the manuals), and a letter's two calls (facts from the notes, then the letter). Three
 * system prompts shared by every request of their kind, as behind the two services.
 */
export function mixedLoad(root: string, maxTokens: number): LoadRequest[] {
  const entries = loadDataset('mixed', join(root, 'tools/bench/datasets'));
  const sections = manualSections(root);
  return entries.flatMap((entry): LoadRequest[] => {
    if (entry.kind === 'question') {
      const request = answerRequest(entry.question, extractsFor(entry.question, sections, 4), maxTokens);
      return [{ kind: 'answer', chat: { ...request, maxTokens } }];
    }
    if (entry.kind !== 'notes') return [];
    const parties = { clientName: entry.clientName };
    return [
      { kind: 'facts', chat: { ...factsRequest(entry.notes), maxTokens } },
      { kind: 'letter', chat: { ...letterRequest(factsOf(entry.notes), parties), maxTokens } },
    ];
  });
}

/**
 * Request `index` of run `run`: load[index % length], its user message headed by its own case number.
 * Without it the 36 prompts of the samples would repeat whole, within a run and from one run to the next
 * on the same engines, and every prefix cache would hold them entire; with it requests share only their
 * system prompt (every letter, every answer), as different cases do. The seed draws the answer's length
 * (the sim's), the same for the same index in every run.
 */
export function requestAt(load: LoadRequest[], index: number, run: number): ChatRequest {
  const { chat } = load[index % load.length];
  return {
    ...chat,
    seed: index,
    messages: chat.messages.map((message) =>
      message.role === 'user' ? { ...message, content: `Case ${run}-${index + 1}.\n${message.content}` } : message,
    ),
  };
}

/**
 * An LlmClient as a service builds it from its environment: LLM_VLLM_URLS lists the replicas, LLM_ROUTING
 * picks the strategy; every other LLM_* setting is its default except the chat timeouts, which a run
 * that queues hundreds of requests on one replica would hit (this measures throughput, not timeouts).
 */
export function clientFor(options: { urls: string[]; routing: RoutingStrategy }): {
  client: LlmClient;
  registry: Registry;
} {
  const env = z.object(llmEnvShape).parse({
    LLM_PROVIDER: 'vllm',
    LLM_VLLM_URLS: options.urls.join(','),
    LLM_ROUTING: options.routing,
    LLM_CHAT_FIRST_TOKEN_TIMEOUT_MS: '600000',
    LLM_CHAT_IDLE_TIMEOUT_MS: '600000',
    LLM_CHAT_TOTAL_TIMEOUT_MS: '900000',
  });
  const registry = new Registry();
  return { client: new LlmClient(llmOptionsFromEnv(env, registry)), registry };
}

const errorName = (error: unknown) => (error as { code?: string }).code ?? (error as Error).name ?? 'error';

/** One streamed call, timed per token as tools/bench times an HTTP stream; `onServed` hears the replica's URL. */
export async function streamed(
  client: LlmClient,
  request: ChatRequest,
  onServed: (url: string) => void = () => undefined,
): Promise<RequestOutcome> {
  const started = performance.now();
  const arrivals: number[] = [];
  try {
    for await (const event of client.stream(request)) {
      if (event.type === 'token') arrivals.push(performance.now() - started);
      else {
        const latencyMs = performance.now() - started;
        onServed(event.backend.url);
        return {
          ok: arrivals.length > 0,
          error: arrivals.length > 0 ? undefined : 'no output',
          ttftMs: arrivals[0] ?? latencyMs,
          latencyMs,
          itlsMs: arrivals.slice(1).map((time, i) => time - arrivals[i]),
          outputTokens: event.usage.completionTokens || arrivals.length,
          promptTokens: event.usage.promptTokens,
        };
      }
    }
    return failure('stream ended early', performance.now() - started);
  } catch (error) {
    return failure(errorName(error), performance.now() - started);
  }
}

/** One call answered whole (as a queued letter job makes it): a replica that dies under it is failed over. */
export async function answered(
  client: LlmClient,
  request: ChatRequest,
  onServed: (url: string) => void = () => undefined,
): Promise<RequestOutcome> {
  const started = performance.now();
  try {
    const result = await client.chat(request);
    onServed(result.backend.url);
    const latencyMs = performance.now() - started;
    return {
      ok: true,
      ttftMs: latencyMs,
      latencyMs,
      itlsMs: [],
      outputTokens: result.usage.completionTokens,
      promptTokens: result.usage.promptTokens,
    };
  } catch (error) {
    return failure(errorName(error), performance.now() - started);
  }
}

/** llm_route_decisions_total by reason, and by replica URL. */
export async function routeDecisions(
  registry: Registry,
): Promise<{ byReason: Record<string, number>; byReplica: Record<string, number> }> {
  const metric = registry.getSingleMetric('llm_route_decisions_total');
  const values = metric ? (await metric.get()).values : [];
  const byReason: Record<string, number> = {};
  const byReplica: Record<string, number> = {};
  for (const { labels, value } of values) {
    byReason[String(labels.reason)] = (byReason[String(labels.reason)] ?? 0) + value;
    byReplica[String(labels.replica)] = (byReplica[String(labels.replica)] ?? 0) + value;
  }
  return { byReason, byReplica };
}
