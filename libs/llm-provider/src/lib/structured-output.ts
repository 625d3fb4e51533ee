import { AIMessage, BaseMessage, HumanMessage } from '@langchain/core/messages';
import { z } from 'zod';
import type { LlmBackend } from './backends/llm-backend';
import type { ChatResult, JsonOutputFormat, StructuredResult, Usage } from './llm-client.types';
import { LlmInvalidOutputError } from './llm.errors';

/** Call options for one backend that make it constrain the output (vLLM response_format, Ollama format). */
export type OutputConstraint = (backend: LlmBackend) => Record<string, unknown>;

/** One `path: message` per zod issue, joined with "; "; `(root)` for the value itself. */
export function describeZodIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}

/**
 * A JSON schema as the servers take it: without the `$schema` keyword (zod writes one; vLLM's and
 * Ollama's constrained decoding need none).
 */
export function cleanJsonSchema(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = schema;
  return rest;
}

/** A zod schema as the JSON schema the servers constrain output to. */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  return cleanJsonSchema(z.toJSONSchema(schema) as Record<string, unknown>);
}

/** The constraint for a request's `format`, if it has one. */
export function constraintFor(format: JsonOutputFormat | undefined): OutputConstraint | undefined {
  return format ? (backend) => backend.structuredOutputOptions(format.name, format.schema) : undefined;
}

export type ParsedOutput<T> = { ok: true; value: T } | { ok: false; error: string };

/** The output parsed as JSON and validated; the problem never quotes the output (it may hold personal data). */
export function parseOutput<Schema extends z.ZodType>(schema: Schema, text: string): ParsedOutput<z.output<Schema>> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // Not the parser's message: it quotes the output.
    return { ok: false, error: `not JSON (${(error as Error).name})` };
  }
  const result = schema.safeParse(json);
  return result.success ? { ok: true, value: result.data } : { ok: false, error: describeZodIssues(result.error) };
}

/** One constrained chat call on LangChain messages, as the client runs it. */
export type ConstrainedChat = (
  messages: BaseMessage[],
  constraint: OutputConstraint,
) => Promise<ChatResult & { message: AIMessage }>;

/**
 * Output that validates against `schema`: the server constrains it to `jsonSchema`; when it still does
 * not validate, one corrective round carries the answer and the problem back; then LlmInvalidOutputError.
 */
export async function generateStructured<Schema extends z.ZodType>(input: {
  messages: BaseMessage[];
  name: string;
  schema: Schema;
  jsonSchema: Record<string, unknown>;
  chat: ConstrainedChat;
}): Promise<StructuredResult<z.output<Schema>>> {
  const constraint: OutputConstraint = (backend) => backend.structuredOutputOptions(input.name, input.jsonSchema);
  let messages = input.messages;
  const usage: Usage = { promptTokens: 0, completionTokens: 0 };
  for (let round = 1; ; round += 1) {
    const result = await input.chat(messages, constraint);
    usage.promptTokens += result.usage.promptTokens;
    usage.completionTokens += result.usage.completionTokens;
    const parsed = parseOutput(input.schema, result.text);
    if (parsed.ok) return { ...result, usage, value: parsed.value };
    if (round === 2) {
      throw new LlmInvalidOutputError(
        `structured output did not validate after a corrective retry: ${parsed.error}`,
        result.text,
        { backend: result.backend },
      );
    }
    messages = [
      ...messages,
      new AIMessage(result.text),
      new HumanMessage(
        `That answer does not match the required JSON schema (${parsed.error}). Reply again with only JSON that matches it.`,
      ),
    ];
  }
}
