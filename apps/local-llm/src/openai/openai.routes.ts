import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { Request, Response } from 'express';
import type { ChatMessage, GenerationRequest, GenerationResult, LlmEngine, OutputFormat } from '../engine/engine.types';
import type { FaultInjector } from '../faults/fault-injector';
import { IMAGES_HEADER, countOpenAiImages } from '../images/image-check';
import { ApiError, parseBody, toApiError } from '../http/api-error';
import { abortOnDisconnect } from '../http/disconnect';
import type { ServedModels } from '../http/served-models';
import type { VllmMetrics } from '../metrics/vllm-metrics';
import {
  ChatCompletionRequest,
  CompletionRequest,
  chatCompletionRequestSchema,
  completionRequestSchema,
  embeddingRequestSchema,
} from './openai.schemas';

export interface OpenAiRoutesDeps {
  engine: LlmEngine;
  models: ServedModels;
  metrics: VllmMetrics;
  faults: FaultInjector;
}

const ERROR_TYPES: Record<number, string> = {
  400: 'BadRequestError',
  404: 'NotFoundError',
  429: 'RateLimitError',
  500: 'InternalServerError',
  503: 'ServiceUnavailableError',
};

/** vLLM's error body: `{"error": {"message", "type", "param", "code"}}`. */
export function openAiErrorBody(error: ApiError) {
  return {
    error: {
      message: error.message,
      type: ERROR_TYPES[error.status] ?? 'Error',
      param: null,
      code: error.status,
    },
  };
}

function checkModel(models: ServedModels, requested: string): void {
  if (!models.matchesOpenAi(requested)) {
    throw new ApiError(404, `The model \`${requested}\` does not exist.`);
  }
}

function outputFormat(body: ChatCompletionRequest | CompletionRequest): OutputFormat | undefined {
  const format = body.response_format;
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_object') return { kind: 'json' };
  return { kind: 'json-schema', schema: format.json_schema.schema };
}

function chatMessages(body: ChatCompletionRequest): ChatMessage[] {
  return body.messages.map((message) => {
    const parts = typeof message.content === 'string' || !message.content ? [] : message.content;
    const text =
      typeof message.content === 'string'
        ? message.content
        : parts.map((part) => (part.type === 'text' ? part.text : '')).join('');
    const images = parts.flatMap((part) =>
      part.type === 'image_url' ? [part.image_url.url.replace(/^data:[^,]*,/, '')] : [],
    );
    return {
      role: message.role === 'developer' ? 'system' : message.role,
      content: text,
      ...(images.length ? { images } : {}),
    };
  });
}

function usage(result: GenerationResult) {
  return {
    prompt_tokens: result.promptTokens,
    completion_tokens: result.completionTokens,
    total_tokens: result.promptTokens + result.completionTokens,
  };
}

/** vLLM's OpenAI-compatible API: models, chat completions, completions, embeddings. */
export function openAiRoutes({ engine, models, metrics, faults }: OpenAiRoutesDeps): Router {
  const router = Router();

  router.get('/v1/models', (_req, res) => {
    const created = Math.floor(Date.now() / 1000);
    res.json({
      object: 'list',
      data: models.names.map((id) => ({
        id,
        object: 'model',
        created,
        owned_by: 'vllm',
        root: models.primary,
        parent: null,
        max_model_len: engine.model.contextLength,
      })),
    });
  });

  const generate = (kind: 'chat' | 'completion') => async (req: Request, res: Response) => {
    const body =
      kind === 'chat' ? parseBody(chatCompletionRequestSchema, req.body) : parseBody(completionRequestSchema, req.body);
    checkModel(models, body.model);
    const images = kind === 'chat' ? countOpenAiImages((body as ChatCompletionRequest).messages) : 0;
    metrics.countImages('openai', images);
    res.set(IMAGES_HEADER, String(images));
    const id = `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID().replaceAll('-', '')}`;
    const created = Math.floor(Date.now() / 1000);
    const signal = abortOnDisconnect(res);
    const request: GenerationRequest = {
      input:
        kind === 'chat'
          ? {
              kind: 'chat',
              messages: chatMessages(body as ChatCompletionRequest),
            }
          : {
              kind: 'completion',
              prompt: [(body as CompletionRequest).prompt].flat()[0],
            },
      maxTokens:
        (kind === 'chat' ? (body as ChatCompletionRequest).max_completion_tokens : undefined) ??
        body.max_tokens ??
        // /v1/completions defaults max_tokens to 16, as vLLM and OpenAI do.
        (kind === 'completion' ? 16 : undefined),
      temperature: body.temperature ?? undefined,
      topP: body.top_p ?? undefined,
      topK: body.top_k && body.top_k > 0 ? body.top_k : undefined,
      seed: body.seed ?? undefined,
      stop: body.stop === undefined || body.stop === null ? undefined : [body.stop].flat(),
      format: outputFormat(body),
      priority: body.priority ?? undefined,
      signal,
      onTokens: (count) => metrics.countGenerated(count),
    };
    const object = kind === 'chat' ? 'chat.completion' : 'text_completion';
    const plan = faults.plan('chat', signal);
    await plan.beforeGeneration();

    if (!body.stream) {
      const result = await plan.generate(engine, request);
      metrics.recordGeneration(result);
      const choice =
        kind === 'chat'
          ? {
              index: 0,
              message: { role: 'assistant', content: result.text },
              logprobs: null,
              finish_reason: result.finishReason,
            }
          : {
              index: 0,
              text: result.text,
              logprobs: null,
              finish_reason: result.finishReason,
            };
      await plan.respondJson(res, {
        id,
        object,
        created,
        model: models.primary,
        choices: [choice],
        usage: usage(result),
      });
      return;
    }

    const includeUsage = body.stream_options?.include_usage === true;
    const chunkObject = kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
    const event = (choices: unknown[], extra: Record<string, unknown> = {}) => {
      const chunk = {
        id,
        object: chunkObject,
        created,
        model: models.primary,
        choices,
        ...(includeUsage ? { usage: null } : {}),
        ...extra,
      };
      return `data: ${JSON.stringify(chunk)}\n\n`;
    };
    const delta = (text: string, first: boolean) =>
      kind === 'chat'
        ? {
            index: 0,
            delta: first ? { role: 'assistant', content: text } : { content: text },
            logprobs: null,
            finish_reason: null,
          }
        : { index: 0, text, logprobs: null, finish_reason: null };

    // Text and the closing events go through the faults (stall, cut, malformed) that hit this request.
    const out = plan.stream(res, 'sse');
    // Headers go out once generation starts, so a queue-full or bad-schema error still gets its status.
    let started = false;
    const start = () => {
      if (started) return;
      started = true;
      res.status(200).set({
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-cache',
        Connection: 'keep-alive',
      });
      res.flushHeaders();
      if (kind === 'chat') res.write(event([delta('', true)]));
    };
    try {
      const result = await plan.generate(engine, {
        ...request,
        onText: (text) => {
          start();
          out.chunk(event([delta(text, false)]));
        },
      });
      start();
      metrics.recordGeneration(result);
      const finish = event([
        kind === 'chat'
          ? {
              index: 0,
              delta: {},
              logprobs: null,
              finish_reason: result.finishReason,
            }
          : {
              index: 0,
              text: '',
              logprobs: null,
              finish_reason: result.finishReason,
            },
      ]);
      out.end(`${finish}${includeUsage ? event([], { usage: usage(result) }) : ''}data: [DONE]\n\n`);
    } catch (error) {
      if (!started) throw error;
      // After the 200 went out, vLLM reports a failure as one more event, then [DONE].
      if (!res.writableEnded && !signal.aborted) {
        out.end(`data: ${JSON.stringify(openAiErrorBody(toApiError(error)))}\n\ndata: [DONE]\n\n`);
      }
    }
  };

  router.post('/v1/chat/completions', generate('chat'));
  router.post('/v1/completions', generate('completion'));

  router.post('/v1/embeddings', async (req, res) => {
    const body = parseBody(embeddingRequestSchema, req.body);
    checkModel(models, body.model);
    const texts = [body.input].flat();
    const signal = abortOnDisconnect(res);
    const plan = faults.plan('embeddings', signal);
    await plan.beforeGeneration();
    const { vectors, promptTokens } = await engine.embed(texts, signal);
    metrics.recordEmbedding(promptTokens);
    await plan.respondJson(res, {
      id: `embd-${randomUUID().replaceAll('-', '')}`,
      object: 'list',
      created: Math.floor(Date.now() / 1000),
      model: models.primary,
      data: vectors.map((vector, index) => ({
        index,
        object: 'embedding',
        // base64 is little-endian float32, what the official openai client asks for by default.
        embedding:
          body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
      })),
      usage: {
        prompt_tokens: promptTokens,
        total_tokens: promptTokens,
        completion_tokens: 0,
      },
    });
  });

  return router;
}
