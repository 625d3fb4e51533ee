// What each kind of target is sent and how its stream is read: an engine's API (OpenAI-compatible chat
// as vLLM serves it, or Ollama's /api/chat) or a service's own streaming endpoint (rag-service
// /ask/stream, notes-service /letters/stream; their controllers document the events).
import { BenchArgumentError } from './bench-argument-error.ts';
import type { DatasetEntry } from './dataset.ts';
import { jsonLines, serverSentEvents } from './event-stream.ts';

/** The kinds of target the CLI speaks to. */
export const TARGET_KINDS = ['openai', 'ollama', 'ask', 'letters'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/** Where requests go and how they are shaped. */
export interface Target {
  kind: TargetKind;
  /** One or more base URLs: request i goes to urls[i % n], round robin, as a client without a router spreads its load. */
  urls: string[];
  /** Engines only: the served model's name. */
  model?: string;
  /** Engines only: the output token limit of each request. */
  maxTokens: number;
  headers: Record<string, string>;
}

/** One step read from a stream: output text arrived, token counts, the end, or a failure. */
export interface StreamStep {
  token?: boolean;
  usage?: { promptTokens?: number; completionTokens?: number };
  done?: boolean;
  error?: string;
}

// Engines get the shape of the services' prompts: one system prompt shared by every question, another
// by every letter, so an engine's prefix cache sees what it would behind rag-service and notes-service.
const QUESTION_SYSTEM =
  'You help debt advisers in the UK by answering their questions from the advice manuals. Copy amounts, ' +
  'limits and time periods exactly. If you do not know, say so rather than guess. Be brief and plain.';
const LETTER_SYSTEM =
  'You are a debt adviser writing to your client. From the case notes, write a short plain-language letter ' +
  'with four parts: your situation, what we will do, what you need to do, next steps. Use only facts in the notes.';

function engineMessages(entry: DatasetEntry): { role: string; content: string }[] {
  switch (entry.kind) {
    case 'question':
      return [
        { role: 'system', content: QUESTION_SYSTEM },
        { role: 'user', content: `Question: ${entry.question}` },
      ];
    case 'notes':
      return [
        { role: 'system', content: LETTER_SYSTEM },
        { role: 'user', content: `Client: ${entry.clientName}\nCase notes:\n${entry.notes}` },
      ];
    case 'prompt':
      return [
        ...(entry.system ? [{ role: 'system', content: entry.system }] : []),
        { role: 'user', content: entry.prompt },
      ];
  }
}

/** The path and JSON body of request `index` for `entry`. */
export function requestFor(target: Target, entry: DatasetEntry, index: number): { path: string; body: unknown } {
  switch (target.kind) {
    case 'openai':
      return {
        path: '/v1/chat/completions',
        body: {
          model: target.model,
          messages: engineMessages(entry),
          max_tokens: target.maxTokens,
          temperature: 0.8,
          seed: index,
          stream: true,
          stream_options: { include_usage: true },
        },
      };
    case 'ollama':
      return {
        path: '/api/chat',
        body: {
          model: target.model,
          messages: engineMessages(entry),
          stream: true,
          options: { num_predict: target.maxTokens, temperature: 0.8, seed: index },
        },
      };
    case 'ask':
      if (entry.kind === 'notes') {
        throw new BenchArgumentError(
          'the ask target sends questions: use --dataset questions or a JSONL of {"question"}',
        );
      }
      return { path: '/ask/stream', body: { question: entry.kind === 'question' ? entry.question : entry.prompt } };
    case 'letters':
      if (entry.kind !== 'notes') {
        throw new BenchArgumentError(
          'the letters target sends case notes: use --dataset case-notes or a JSONL of {"notes", "clientName"}',
        );
      }
      return { path: '/letters/stream', body: { notes: entry.notes, clientName: entry.clientName } };
  }
}

/** An error event's body as `error <status> <code>`, the key failures are grouped by. */
function errorEvent(data: unknown): string {
  const body = (data ?? {}) as { statusCode?: number; code?: string; message?: string };
  return ['error event', body.statusCode, body.code ?? body.message].filter((part) => part !== undefined).join(' ');
}

async function* openAiSteps(body: AsyncIterable<Uint8Array>): AsyncGenerator<StreamStep> {
  for await (const { data } of serverSentEvents(body)) {
    if (data === '[DONE]') {
      yield { done: true };
      continue;
    }
    const chunk = JSON.parse(data) as {
      error?: { message?: string; code?: number | string };
      choices?: { delta?: { content?: string; reasoning_content?: string } }[];
      usage?: { prompt_tokens?: number; completion_tokens?: number };
    };
    // vLLM reports a failure after the stream started as a chunk with `error`.
    if (chunk.error) yield { error: `error chunk ${chunk.error.code ?? ''} ${chunk.error.message ?? ''}`.trim() };
    const delta = chunk.choices?.[0]?.delta;
    if (delta?.content || delta?.reasoning_content) yield { token: true };
    if (chunk.usage) {
      yield { usage: { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens } };
    }
  }
}

async function* ollamaSteps(body: AsyncIterable<Uint8Array>): AsyncGenerator<StreamStep> {
  for await (const line of jsonLines(body)) {
    const chunk = line as {
      error?: string;
      done?: boolean;
      message?: { content?: string };
      eval_count?: number;
      prompt_eval_count?: number;
    };
    if (chunk.error) yield { error: `error line ${chunk.error}` };
    if (chunk.message?.content) yield { token: true };
    if (chunk.done)
      yield { usage: { promptTokens: chunk.prompt_eval_count, completionTokens: chunk.eval_count }, done: true };
  }
}

async function* serviceSteps(body: AsyncIterable<Uint8Array>, usageEvent: string): AsyncGenerator<StreamStep> {
  for await (const { event, data } of serverSentEvents(body)) {
    if (event === 'token') yield { token: true };
    else if (event === 'error') yield { error: errorEvent(JSON.parse(data)) };
    else if (event === usageEvent) {
      const { usage } = JSON.parse(data) as { usage?: StreamStep['usage'] };
      yield { usage: usage ?? {} };
    }
    if (event === 'done') yield { done: true };
  }
}

/** The steps of a streamed answer from `kind`'s endpoint. */
export function streamSteps(kind: TargetKind, body: AsyncIterable<Uint8Array>): AsyncGenerator<StreamStep> {
  switch (kind) {
    case 'openai':
      return openAiSteps(body);
    case 'ollama':
      return ollamaSteps(body);
    case 'ask':
      // rag-service's own `done` carries usage and timings.
      return serviceSteps(body, 'done');
    case 'letters':
      // notes-service's `letter` event is POST /letters' body, usage included.
      return serviceSteps(body, 'letter');
  }
}

/** The served model when none is given: the first of /v1/models (as vllm bench does) or of Ollama's /api/tags. */
export async function discoverModel(target: Target): Promise<string | undefined> {
  if (target.kind !== 'openai' && target.kind !== 'ollama') return undefined;
  const path = target.kind === 'openai' ? '/v1/models' : '/api/tags';
  const response = await fetch(`${target.urls[0]}${path}`, {
    headers: target.headers,
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`GET ${path} answered ${response.status}: give --model`);
  const body = (await response.json()) as { data?: { id: string }[]; models?: { name: string }[] };
  const model = target.kind === 'openai' ? body.data?.[0]?.id : body.models?.[0]?.name;
  if (!model) throw new Error(`GET ${path} lists no model: give --model`);
  return model;
}
