import { Router } from 'express';
import type { Request, Response } from 'express';
import type { z } from 'zod';
import type {
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
import { OllamaOptions, chatRequestSchema, embedRequestSchema, generateRequestSchema } from './ollama.schemas';

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

function checkModel(models: ServedModels, requested: string): void {
  if (!models.matchesOllama(requested)) {
    throw new ApiError(404, `model '${requested}' not found`);
  }
}

function outputFormat(format: unknown): OutputFormat | undefined {
  if (format === 'json') return { kind: 'json' };
  if (format && typeof format === 'object') return { kind: 'json-schema', schema: format as Record<string, unknown> };
  return undefined;
}

function sampling(options: OllamaOptions, contextLength: number): Partial<GenerationRequest> {
  if (options?.num_ctx && options.num_ctx > contextLength) {
    throw ApiError.badRequest(
      `options.num_ctx ${options.num_ctx} is above this server's context size ${contextLength}`,
    );
  }
  const numPredict = options?.num_predict ?? -1;
  return {
    // -1 (the default) and -2 mean: until a stop or the context is full.
    maxTokens: numPredict > 0 ? numPredict : undefined,
    temperature: options?.temperature ?? undefined,
    topP: options?.top_p ?? undefined,
    topK: options?.top_k || undefined,
    seed: options?.seed ?? undefined,
    stop: options?.stop?.length ? options.stop : undefined,
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
  const messages = body.messages.map((message) => ({
    role: message.role === 'tool' ? ('user' as const) : message.role,
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
    checkModel(models, body.model);
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
      ...sampling(body.options, engine.model.contextLength),
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
    checkModel(models, body.model);
    const signal = abortOnDisconnect(res);
    const plan = faults.plan('embeddings', signal);
    await plan.beforeGeneration();
    const started = performance.now();
    const { vectors, promptTokens } = await engine.embed([body.input].flat(), signal);
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
