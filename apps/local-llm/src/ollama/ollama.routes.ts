import { Router } from 'express';
import type { Request, Response } from 'express';
import type { z } from 'zod';
import type {
  ChatMessage,
  GenerationInput,
  GenerationRequest,
  GenerationResult,
  LlmEngine,
  OutputFormat,
} from '../engine/engine.types';
import type { FaultInjector } from '../faults/fault-injector';
import { IMAGES_HEADER, countOllamaImages } from '../images/image-check';
import { ApiError, parseBody, toApiError } from '../http/api-error';
import { abortOnDisconnect } from '../http/disconnect';
import type { ServedModels } from '../http/served-models';
import type { VllmMetrics } from '../metrics/vllm-metrics';
import {
  OllamaOptions,
  chatRequestSchema,
  embedRequestSchema,
  generateRequestSchema,
  readOllamaOptions,
} from './ollama.schemas';

/** The Ollama release whose API this server follows. */
export const OLLAMA_API_VERSION = '0.12.6';

export interface OllamaRoutesDeps {
  engine: LlmEngine;
  models: ServedModels;
  metrics: VllmMetrics;
  faults: FaultInjector;
  loadedAt: Date;
}

/** Ollama's error body: `{"error": "message"}`. */
export function ollamaErrorBody(error: ApiError) {
  return { error: error.message };
}

/**
 * The model checks of ollama server/routes.go, each handler's own: an empty name is "model is required"
 * (400) for chat, "model '' not found" (404) for generate and embed.
 */
function checkModel(models: ServedModels, requested: string, kind: 'chat' | 'generate' | 'embed'): void {
  if (!requested.trim() && kind === 'chat') throw ApiError.badRequest('model is required');
  if (!models.matchesOllama(requested)) {
    throw new ApiError(404, `model '${requested}' not found`);
  }
}

/** ChatHandler and GenerateHandler refuse top_logprobs outside 0..20 before they look at the model. */
function checkTopLogprobs(topLogprobs: number | null | undefined): void {
  if (topLogprobs !== undefined && topLogprobs !== null && (topLogprobs < 0 || topLogprobs > 20)) {
    throw ApiError.badRequest('top_logprobs must be between 0 and 20');
  }
}

function outputFormat(format: unknown): OutputFormat | undefined {
  if (format === 'json') return { kind: 'json' };
  if (format && typeof format === 'object') return { kind: 'json-schema', schema: format as Record<string, unknown> };
  return undefined;
}

/**
 * Options as the llama.cpp runner takes them. Ollama range-checks none of them: a temperature at or
 * below 0 samples greedily, top_k at or below 0 and top_p at or above 1 turn those samplers off, and a
 * num_ctx above the model's trained context is cut down to it with a warning (ollama llm/server.go).
 */
function sampling(options: OllamaOptions): Partial<GenerationRequest> {
  const numPredict = options.num_predict ?? -1;
  return {
    // -1 (the default) and -2 mean: until a stop or the context is full.
    maxTokens: numPredict > 0 ? numPredict : undefined,
    temperature: options.temperature === undefined ? undefined : Math.max(options.temperature, 0),
    topP: options.top_p === undefined ? undefined : Math.min(Math.max(options.top_p, 0), 1),
    topK: options.top_k !== undefined && options.top_k > 0 ? options.top_k : undefined,
    seed: options.seed,
    stop: options.stop?.length ? options.stop : undefined,
  };
}

const nanoseconds = (ms: number) => Math.round(ms * 1e6);

function finalStats(result: GenerationResult) {
  const promptMs = result.firstTokenMs ?? result.totalMs;
  return {
    done: true,
    done_reason: result.finishReason,
    total_duration: nanoseconds(result.totalMs),
    load_duration: 0,
    prompt_eval_count: result.promptTokens,
    prompt_eval_duration: nanoseconds(Math.max(promptMs - result.queueMs, 0)),
    eval_count: result.completionTokens,
    eval_duration: nanoseconds(result.totalMs - promptMs),
  };
}

/** What a request asks for: its body, what to generate (none for a load request) and its image count. */
interface OllamaInput<Body> {
  body: Body;
  input?: GenerationInput;
  images: number;
}

/** A chat request's body and what to generate; no input for an empty message list (a load request). */
function chatInput(raw: unknown): OllamaInput<z.output<typeof chatRequestSchema>> {
  const body = parseBody(chatRequestSchema, raw);
  const images = body.messages.reduce(
    (sum, message, m) => sum + countOllamaImages(message.images, `messages.${m}.images`),
    0,
  );
  if (body.messages.length === 0) return { body, images };
  const messages = body.messages.map((message): ChatMessage => ({
    // The engines know three roles; Ollama's template renders any other (tool included) as its own turn.
    role: message.role === 'system' || message.role === 'assistant' ? message.role : 'user',
    content: message.content,
    ...(message.images?.length ? { images: message.images } : {}),
  }));
  return { body, input: { kind: 'chat', messages }, images };
}

/** A generate request's body and what to generate; no input for an empty prompt (a load request). */
function generateInput(raw: unknown): OllamaInput<z.output<typeof generateRequestSchema>> {
  const body = parseBody(generateRequestSchema, raw);
  const images = countOllamaImages(body.images, 'images');
  if (body.prompt === '') return { body, images };
  // A system prompt needs the chat template; a bare prompt is completed as it is.
  const input: GenerationInput = body.system
    ? {
        kind: 'chat',
        messages: [
          { role: 'system', content: body.system },
          { role: 'user', content: body.prompt },
        ],
      }
    : { kind: 'completion', prompt: body.prompt };
  return { body, input, images };
}

/** EmbedHandler's reading of `input`: a string (none if empty), an array of strings, or null. */
function embedInput(input: unknown): string[] {
  if (input === undefined || input === null) return [];
  if (typeof input === 'string') return input ? [input] : [];
  if (Array.isArray(input) && input.every((item) => typeof item === 'string')) return input as string[];
  throw ApiError.badRequest('invalid input type');
}

/** Ollama's native API: version, tags, ps, chat, generate, embed. */
export function ollamaRoutes({ engine, models, metrics, faults, loadedAt }: OllamaRoutesDeps): Router {
  const router = Router();

  // Ollama's health check: faults aimed at `health` hit it as they hit /health.
  router.get('/', async (_req, res) => {
    const plan = faults.plan('health', abortOnDisconnect(res));
    await plan.beforeGeneration();
    await plan.respond(res, () => res.type('text/plain').send('Ollama is running'));
  });
  router.head('/', (_req, res) => {
    res.type('text/plain').end();
  });

  router.get('/api/version', (_req, res) => {
    res.json({ version: OLLAMA_API_VERSION });
  });

  const describe = (name: string) => ({
    name: name.includes(':') ? name : `${name}:latest`,
    model: name.includes(':') ? name : `${name}:latest`,
    modified_at: loadedAt.toISOString(),
    size: engine.model.fileBytes,
    digest: engine.model.digest,
    details: {
      parent_model: '',
      format: 'gguf',
      family: engine.model.family,
      families: [engine.model.family],
      parameter_size: `${(engine.model.parameterCount / 1e6).toFixed(1)}M`,
      quantization_level: engine.model.quantization,
    },
  });
  router.get('/api/tags', (_req, res) => {
    res.json({ models: models.names.map(describe) });
  });
  router.get('/api/ps', (_req, res) => {
    res.json({
      models: models.names.map((name) => ({
        ...describe(name),
        expires_at: new Date(Date.now() + 5 * 60_000).toISOString(),
        size_vram: 0,
        context_length: engine.model.contextLength,
      })),
    });
  });

  const generate = (kind: 'chat' | 'generate') => async (req: Request, res: Response) => {
    const { body, input, images } = kind === 'chat' ? chatInput(req.body) : generateInput(req.body);
    checkTopLogprobs(body.top_logprobs);
    checkModel(models, body.model, kind);
    // scheduleRunner reads the options before the handler looks for an empty (load) request.
    const options = readOllamaOptions(body.options);
    metrics.countImages('ollama', images);
    res.set(IMAGES_HEADER, String(images));
    const modelName = body.model;
    // An empty request loads the model and returns at once, as Ollama does.
    if (!input) {
      const done = { model: modelName, created_at: new Date().toISOString(), done: true, done_reason: 'load' };
      res.json(kind === 'chat' ? { ...done, message: { role: 'assistant', content: '' } } : { ...done, response: '' });
      return;
    }
    const signal = abortOnDisconnect(res);
    const request: GenerationRequest = {
      input,
      ...sampling(options),
      format: outputFormat(body.format),
      signal,
      onTokens: (count) => metrics.countGenerated(count),
    };
    const plan = faults.plan('chat', signal);
    await plan.beforeGeneration();
    const piece = (text: string) =>
      kind === 'chat' ? { message: { role: 'assistant', content: text } } : { response: text };
    const line = (fields: Record<string, unknown>) => ({
      model: modelName,
      created_at: new Date().toISOString(),
      ...fields,
    });

    // Ollama streams unless told `stream: false`.
    if (body.stream === false) {
      const result = await plan.generate(engine, request);
      metrics.recordGeneration(result);
      await plan.respondJson(res, line({ ...piece(result.text), ...finalStats(result) }));
      return;
    }
    // Text and the last line go through the faults (stall, cut, malformed) that hit this request.
    const out = plan.stream(res, 'ndjson');
    let started = false;
    const start = () => {
      if (started) return;
      started = true;
      res.status(200).set({ 'Content-Type': 'application/x-ndjson' });
      res.flushHeaders();
    };
    try {
      const result = await plan.generate(engine, {
        ...request,
        onText: (text) => {
          start();
          out.chunk(`${JSON.stringify(line({ ...piece(text), done: false }))}\n`);
        },
      });
      start();
      metrics.recordGeneration(result);
      out.end(`${JSON.stringify(line({ ...piece(''), ...finalStats(result) }))}\n`);
    } catch (error) {
      if (!started) throw error;
      // After the 200 went out, Ollama reports a failure as a last line `{"error": "..."}`.
      if (!res.writableEnded && !signal.aborted) {
        out.end(`${JSON.stringify(ollamaErrorBody(toApiError(error)))}\n`);
      }
    }
  };

  router.post('/api/chat', generate('chat'));
  router.post('/api/generate', generate('generate'));

  router.post('/api/embed', async (req, res) => {
    const body = parseBody(embedRequestSchema, req.body);
    // parseAndValidateModelRef refuses an empty name before EmbedHandler reads the input.
    if (!body.model.trim()) throw new ApiError(404, `model '${body.model}' not found`);
    const texts = embedInput(body.input);
    checkModel(models, body.model, 'embed');
    // No text (input null, "" or []) loads the model and answers with no embeddings (EmbedHandler).
    if (texts.length === 0) {
      res.json({ model: body.model, embeddings: [] });
      return;
    }
    const signal = abortOnDisconnect(res);
    const plan = faults.plan('embeddings', signal);
    await plan.beforeGeneration();
    const started = performance.now();
    const { vectors, promptTokens } = await engine.embed(texts, signal);
    metrics.recordEmbedding(promptTokens);
    await plan.respondJson(res, {
      model: body.model,
      embeddings: vectors,
      total_duration: nanoseconds(performance.now() - started),
      load_duration: 0,
      prompt_eval_count: promptTokens,
    });
  });

  return router;
}
