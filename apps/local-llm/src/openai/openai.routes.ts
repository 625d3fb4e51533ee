import { Router } from 'express';
import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { ChatMessage, GenerationRequest, GenerationResult, LlmEngine, OutputFormat } from '../engine/engine.types';
import type { FaultInjector } from '../faults/fault-injector';
import { IMAGES_HEADER, countOpenAiImages } from '../images/image-check';
import { ApiError, toApiError } from '../http/api-error';
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
import {
  AnswerHead,
  chatChunks,
  chatCompletionBody,
  completionBody,
  completionChunks,
  modelList,
  randomHex,
  usageInfo,
} from './openai.responses';
import { checkChatModelRules, checkCompletionModelRules } from './vllm-request-rules';
import {
  checkOutputFitsContext,
  checkSamplingParams,
  checkStructuredOutputsField,
  checkToolChoiceSupport,
  mergedConstraints,
} from './vllm-serving-rules';
import { VllmRequestError, fieldValidationError } from './vllm-request.errors';

export interface OpenAiRoutesDeps {
  engine: LlmEngine;
  models: ServedModels;
  metrics: VllmMetrics;
  faults: FaultInjector;
  /** What `vllm serve` was given (its model path): /v1/models reports it as each entry's `root`. */
  modelRoot: string;
  /** vLLM's --enable-prompt-tokens-details: usage reports the prompt tokens served from the prefix cache. */
  promptTokensDetails?: boolean;
}

const ERROR_TYPES: Record<number, string> = {
  400: 'BadRequestError',
  404: 'NotFoundError',
  429: 'RateLimitError',
  500: 'InternalServerError',
  503: 'ServiceUnavailableError',
};

/** vLLM's error body: `{"error": {"message", "type", "param", "code"}}` (ErrorResponse, ErrorInfo). */
export function openAiErrorBody(error: ApiError) {
  return {
    error: {
      message: error.message,
      type: error instanceof VllmRequestError ? error.errorType : (ERROR_TYPES[error.status] ?? 'Error'),
      param: error instanceof VllmRequestError ? error.param : null,
      code: error.status,
    },
  };
}

/** A request without `model` goes to the served model, as vLLM's _check_model lets it. */
function checkModel(models: ServedModels, requested: string | null | undefined): void {
  if (requested && !models.matchesOpenAi(requested)) {
    throw new ApiError(404, `The model \`${requested}\` does not exist.`);
  }
}

/**
 * vLLM validates a body in this order: the request model's before-validators on the raw JSON, then the
 * fields' types (both FastAPI's RequestValidationError: "Bad Request").
 */
function parseVllmBody<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  modelRules: (body: Record<string, unknown>) => void,
) {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw fieldValidationError([
      { loc: 'body', msg: 'Input should be a valid dictionary or object to extract fields from' },
    ]);
  }
  const body = { ...(raw as Record<string, unknown>) };
  modelRules(body);
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw fieldValidationError(
      parsed.error.issues.map((issue) => ({ loc: ['body', ...issue.path].join('.'), msg: issue.message })),
    );
  }
  checkStructuredOutputsField(body);
  return parsed.data as z.output<S>;
}

/** The constraint to generate under, or a 400 for the kinds local-llm's engines cannot follow. */
function outputFormat(body: ChatCompletionRequest | CompletionRequest): OutputFormat | undefined {
  const constraints = mergedConstraints(body);
  if (!constraints) return undefined;
  if (constraints['json_object'] === true) return { kind: 'json' };
  const json = constraints['json'];
  if (json !== undefined && json !== null) {
    const schema = typeof json === 'string' ? parseSchemaText(json) : json;
    return { kind: 'json-schema', schema: schema as Record<string, unknown> };
  }
  const kind = ['regex', 'choice', 'grammar', 'structural_tag', 'json_object'].find(
    (key) => constraints[key] !== undefined && constraints[key] !== null,
  );
  throw ApiError.badRequest(`structured_outputs.${kind} is not supported by local-llm; use json or json_object`);
}

function parseSchemaText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw ApiError.badRequest('structured_outputs.json is a string that is not a JSON schema');
  }
}

/** The engines know three roles: developer is system, and any other (tool, a custom one) a user's turn. */
function engineRole(role: string): ChatMessage['role'] {
  if (role === 'developer') return 'system';
  return role === 'system' || role === 'assistant' ? role : 'user';
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
      role: engineRole(message.role),
      content: text,
      ...(images.length ? { images } : {}),
    };
  });
}

/**
 * The checks vLLM's serving code makes once the body parsed and the model matched, in its order:
 * tools (render_chat_request), output length against the context (TokenizeParams), the structured-output
 * constraint, then SamplingParams._verify_args; max_tokens as get_max_tokens resolves it.
 */
function checkServing(
  kind: 'chat' | 'completion',
  body: ChatCompletionRequest | CompletionRequest,
  contextLength: number,
) {
  const chat = kind === 'chat' ? (body as ChatCompletionRequest) : undefined;
  if (chat) checkToolChoiceSupport(chat);
  const completionTokens = chat?.max_completion_tokens;
  if (chat && completionTokens !== undefined && completionTokens !== null) {
    checkOutputFitsContext({ maxTokens: completionTokens, parameter: 'max_completion_tokens' }, contextLength);
  } else {
    checkOutputFitsContext({ maxTokens: body.max_tokens, parameter: 'max_tokens' }, contextLength);
  }
  const format = outputFormat(body);
  // get_max_tokens: `max_completion_tokens or max_tokens`; /v1/completions defaults max_tokens to 16.
  const requested =
    (chat ? completionTokens || body.max_tokens : 'max_tokens' in body ? body.max_tokens : 16) ?? undefined;
  checkSamplingParams({ ...body, maxTokens: requested === undefined ? undefined : Math.min(requested, contextLength) });
  if ((body.n ?? 1) > 1) {
    throw ApiError.badRequest(`local-llm generates one choice per request; n=${body.n} is not supported`);
  }
  return { format, maxTokens: requested };
}

/** vLLM's OpenAI-compatible API: models, chat completions, completions, embeddings. */
export function openAiRoutes(deps: OpenAiRoutesDeps): Router {
  const { engine, models, metrics, faults, modelRoot } = deps;
  const router = Router();
  // vLLM reports cached prompt tokens only when asked to (serving_chat: enable_prompt_tokens_details).
  const reported = (result: GenerationResult): GenerationResult =>
    deps.promptTokensDetails ? result : { ...result, cachedTokens: undefined };

  router.get('/v1/models', (_req, res) => {
    res.json(modelList({ names: models.names, root: modelRoot, maxModelLength: engine.model.contextLength }));
  });

  const generate = (kind: 'chat' | 'completion') => async (req: Request, res: Response) => {
    const body =
      kind === 'chat'
        ? parseVllmBody(chatCompletionRequestSchema, req.body, checkChatModelRules)
        : parseVllmBody(completionRequestSchema, req.body, checkCompletionModelRules);
    checkModel(models, body.model);
    const { format, maxTokens } = checkServing(kind, body, engine.model.contextLength);
    const images = kind === 'chat' ? countOpenAiImages((body as ChatCompletionRequest).messages) : 0;
    metrics.countImages('openai', images);
    res.set(IMAGES_HEADER, String(images));
    const head: AnswerHead = {
      id: `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomHex()}`,
      created: Math.floor(Date.now() / 1000),
      model: models.primary,
    };
    const signal = abortOnDisconnect(res);
    const request: GenerationRequest = {
      input:
        kind === 'chat'
          ? { kind: 'chat', messages: chatMessages(body as ChatCompletionRequest) }
          : { kind: 'completion', prompt: [(body as CompletionRequest).prompt].flat()[0] },
      maxTokens,
      temperature: body.temperature ?? undefined,
      topP: body.top_p ?? undefined,
      topK: body.top_k && body.top_k > 0 ? body.top_k : undefined,
      // vLLM treats seed -1 as no seed (SamplingParams.__post_init__).
      seed: body.seed === -1 ? undefined : (body.seed ?? undefined),
      stop: body.stop === undefined || body.stop === null ? undefined : [body.stop].flat(),
      format,
      priority: body.priority ?? undefined,
      signal,
      onTokens: (count) => metrics.countGenerated(count),
    };
    const plan = faults.plan('chat', signal);
    await plan.beforeGeneration();

    if (!body.stream) {
      const result = reported(await plan.generate(engine, request));
      metrics.recordGeneration(result);
      await plan.respondJson(res, kind === 'chat' ? chatCompletionBody(head, result) : completionBody(head, result));
      return;
    }

    // StreamOptions.include_usage defaults to true once stream_options is sent; an explicit null is false.
    const options = body.stream_options;
    const includeUsage = !!options && ('include_usage' in options ? options.include_usage === true : true);
    const chunks = kind === 'chat' ? chatChunks : completionChunks;
    const event = (chunk: unknown) => `data: ${JSON.stringify(chunk)}\n\n`;

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
      if (kind === 'chat') res.write(event(chatChunks.first(head)));
    };
    try {
      const result = reported(
        await plan.generate(engine, {
          ...request,
          onText: (text) => {
            start();
            out.chunk(event(chunks.text(head, text)));
          },
        }),
      );
      start();
      metrics.recordGeneration(result);
      const usageEvent = includeUsage ? event(chunks.usage(head, result)) : '';
      out.end(`${event(chunks.finish(head, result))}${usageEvent}data: [DONE]\n\n`);
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
    const body = parseVllmBody(embeddingRequestSchema, req.body, () => undefined);
    checkModel(models, body.model);
    const texts = [body.input].flat();
    const signal = abortOnDisconnect(res);
    const plan = faults.plan('embeddings', signal);
    await plan.beforeGeneration();
    const { vectors, promptTokens } = await engine.embed(texts, signal);
    metrics.recordEmbedding(promptTokens);
    await plan.respondJson(res, {
      id: `embd-${randomHex()}`,
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
      // EmbeddingResponse.usage is a UsageInfo: all four fields, as for generation.
      usage: usageInfo({ promptTokens, completionTokens: 0 }),
    });
  });

  return router;
}
