import { VllmRequestError, pythonFloat, pythonRepr, pythonStr, servingError } from './vllm-request.errors';
import { isObject } from './vllm-request-rules';

// The checks vLLM's serving code makes once a body has parsed, with vLLM's messages: vllm/sampling_params.py
// (SamplingParams._verify_args, StructuredOutputsParams.__post_init__), vllm/renderers/params.py
// (TokenizeParams) and vllm/entrypoints/openai/chat_completion/serving.py (render_chat_request), vLLM main
// as read for issue #14.

type Body = Record<string, unknown>;

/** The structured-output kinds of StructuredOutputsParams (vllm/sampling_params.py), in field order. */
const CONSTRAINT_KINDS = ['json', 'regex', 'choice', 'grammar', 'json_object', 'structural_tag'] as const;
export type ConstraintKind = (typeof CONSTRAINT_KINDS)[number];

/** StructuredOutputsParams.__dict__ as its __post_init__ prints it. */
function structuredOutputsRepr(constraints: Body): string {
  const fields: Body = {
    json: constraints['json'] ?? null,
    regex: constraints['regex'] ?? null,
    choice: constraints['choice'] ?? null,
    grammar: constraints['grammar'] ?? null,
    json_object: constraints['json_object'] ?? null,
    disable_any_whitespace: constraints['disable_any_whitespace'] ?? false,
    disable_additional_properties: constraints['disable_additional_properties'] ?? false,
    whitespace_pattern: constraints['whitespace_pattern'] ?? null,
    structural_tag: constraints['structural_tag'] ?? null,
    _backend: null,
    _backend_was_auto: false,
  };
  return pythonRepr(fields);
}

const setKinds = (constraints: Body) =>
  CONSTRAINT_KINDS.filter((kind) => constraints[kind] !== undefined && constraints[kind] !== null);

/**
 * StructuredOutputsParams.__post_init__ while pydantic builds the `structured_outputs` field: exactly one
 * kind of constraint. A pydantic field error, so "Bad Request" with the field's loc as `param`.
 */
export function checkStructuredOutputsField(body: Body): void {
  const constraints = body['structured_outputs'];
  if (!isObject(constraints)) return;
  const count = setKinds(constraints).length;
  if (count === 1) return;
  const message =
    count > 1
      ? `You can only use one kind of structured outputs constraint but multiple are specified: ${structuredOutputsRepr(constraints)}`
      : `You must use one kind of structured outputs constraint but none are specified: ${structuredOutputsRepr(constraints)}`;
  throw new VllmRequestError(
    `1 validation error:\n  {'type': 'value_error', 'loc': 'body.structured_outputs', 'msg': ${pythonRepr(`Value error, ${message}`)}}`,
    'Bad Request',
    'body.structured_outputs',
  );
}

/**
 * The constraint generation runs under: `structured_outputs` with `response_format` applied over it
 * (generate/base/protocol.py structured_outputs_from_response_format; completion/protocol.py
 * to_sampling_params); a second kind then fails StructuredOutputsParams.__post_init__ in the serving code.
 */
export function mergedConstraints(body: Body): Body | undefined {
  const format = isObject(body['response_format']) ? body['response_format'] : undefined;
  const base = isObject(body['structured_outputs']) ? { ...body['structured_outputs'] } : undefined;
  let overrides: Body | undefined;
  if (format?.['type'] === 'json_object') overrides = { json_object: true };
  if (format?.['type'] === 'json_schema') overrides = { json: (format['json_schema'] as Body)['schema'] ?? null };
  if (!overrides) return base;
  const merged = { ...base, ...overrides };
  const kinds = setKinds(merged).length;
  if (kinds !== 1) {
    throw servingError(
      kinds > 1
        ? `You can only use one kind of structured outputs constraint but multiple are specified: ${structuredOutputsRepr(merged)}`
        : `You must use one kind of structured outputs constraint but none are specified: ${structuredOutputsRepr(merged)}`,
    );
  }
  return merged;
}

/**
 * What render_chat_request (chat_completion/serving.py) answers for tools on a server started without
 * --enable-auto-tool-choice and --tool-call-parser, as `vllm serve` is by default and local-llm always is.
 */
export function checkToolChoiceSupport(body: Body): void {
  const choice = body['tool_choice'];
  if (choice === undefined || choice === null || choice === 'none') return;
  if (choice === 'auto') {
    throw servingError('"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set');
  }
  const shown = isObject(choice)
    ? `function=ChatCompletionNamedFunction(name=${pythonRepr((choice['function'] as Body)['name'])}) type='function'`
    : pythonStr(choice);
  throw servingError(`tool_choice="${shown}" requires --tool-call-parser to be set`);
}

/**
 * TokenizeParams.__post_init__ (vllm/renderers/params.py): more output tokens than the model's context.
 * The missing space after the number is vLLM's own.
 */
export function checkOutputFitsContext(
  { maxTokens, parameter }: { maxTokens: number | null | undefined; parameter: 'max_tokens' | 'max_completion_tokens' },
  maxModelLength: number,
): void {
  const requested = maxTokens || 0;
  if (requested > maxModelLength) {
    throw servingError(
      `${parameter}=${requested}cannot be greater than max_model_len=max_total_tokens=${maxModelLength}. Please request fewer output tokens.`,
      parameter,
      requested,
    );
  }
}

/** The sampling fields SamplingParams._verify_args checks, after from_optional's defaults. */
export interface SamplingFields {
  n?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  top_k?: number | null;
  /** After get_max_tokens (vllm/entrypoints/utils.py): undefined means the context's remainder. */
  maxTokens?: number | null;
  stop?: string | string[] | null;
}

/** SamplingParams._verify_args and _verify_greedy_sampling (vllm/sampling_params.py), in its order. */
export function checkSamplingParams(fields: SamplingFields): void {
  const n = fields.n ?? 1;
  const temperature = fields.temperature ?? 1.0;
  const topP = fields.top_p ?? 1.0;
  const topK = fields.top_k ?? 0;
  if (n < 1) throw servingError(`n must be at least 1, got ${n}.`);
  if (temperature < 0) {
    throw servingError(
      `temperature must be non-negative, got ${pythonFloat(temperature)}.`,
      'temperature',
      pythonFloat(temperature),
    );
  }
  if (temperature > 2) {
    throw servingError(
      `temperature must be in [0, 2], got ${pythonFloat(temperature)}.`,
      'temperature',
      pythonFloat(temperature),
    );
  }
  if (!(topP > 0 && topP <= 1)) {
    throw servingError(`top_p must be in (0, 1], got ${pythonFloat(topP)}.`, 'top_p', pythonFloat(topP));
  }
  if (topK < -1) throw servingError(`top_k must be 0 (disable), or at least 1, got ${topK}.`);
  const maxTokens = fields.maxTokens;
  if (maxTokens !== undefined && maxTokens !== null && maxTokens < 1) {
    throw servingError(`max_tokens must be at least 1, got ${maxTokens}.`, 'max_tokens', maxTokens);
  }
  const stops = fields.stop === undefined || fields.stop === null ? [] : [fields.stop].flat();
  if (stops.some((stop) => !stop)) throw servingError('stop cannot contain an empty string.');
  // Zero temperature means greedy sampling (SamplingParams.__post_init__).
  if (temperature < 1e-5 && n > 1) throw servingError(`n must be 1 when using greedy sampling, got ${n}.`);
}
