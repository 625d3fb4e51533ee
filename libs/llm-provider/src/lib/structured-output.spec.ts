import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { z } from 'zod';
import type { LlmBackend } from './backends/llm-backend';
import type { ChatResult } from './llm-client.types';
import { LlmInvalidOutputError } from './llm.errors';
import {
  cleanJsonSchema,
  ConstrainedChat,
  describeZodIssues,
  generateStructured,
  jsonSchemaOf,
  parseOutput,
} from './structured-output';

const schema = z.object({ creditor: z.string(), amount: z.number() });
const backend = { kind: 'vllm', url: 'http://gpu:8000', fallback: false } as const;

/** A chat that answers the given texts in turn and records what it was sent. */
function scriptedChat(...answers: string[]) {
  const sent: { messages: number; options: Record<string, unknown> }[] = [];
  const chat: ConstrainedChat = async (messages, constraint) => {
    const fakeBackend = {
      structuredOutputOptions: (name: string, jsonSchema: unknown) => ({ name, jsonSchema }),
    } as unknown as LlmBackend;
    sent.push({ messages: messages.length, options: constraint(fakeBackend) });
    const text = answers[sent.length - 1];
    const result: ChatResult = {
      text,
      finishReason: 'stop',
      usage: { promptTokens: 10, completionTokens: 5 },
      backend,
      timings: { totalMs: 1 },
    };
    return { ...result, message: new AIMessage(text) };
  };
  return { chat, sent };
}

describe(describeZodIssues.name, () => {
  it('says each problem as path: message, (root) for the value itself', () => {
    const nested = z
      .object({ debts: z.array(z.object({ amount: z.number() })) })
      .safeParse({ debts: [{ amount: 'x' }] });
    const root = z.number().safeParse('x');

    expect(describeZodIssues(nested.error as z.ZodError)).toMatch(/^debts\.0\.amount: /);
    expect(describeZodIssues(root.error as z.ZodError)).toMatch(/^\(root\): /);
  });
});

describe(jsonSchemaOf.name, () => {
  it('gives the JSON schema without the $schema keyword', () => {
    const sut = jsonSchemaOf(schema);

    expect(sut).not.toHaveProperty('$schema');
    expect(sut).toMatchObject({ type: 'object', required: ['creditor', 'amount'] });
    expect(cleanJsonSchema({ $schema: 'x', type: 'string' })).toEqual({ type: 'string' });
  });
});

describe(parseOutput.name, () => {
  it('parses and validates, and never quotes the output in its problem', () => {
    expect(parseOutput(schema, '{"creditor":"EDF","amount":3}')).toEqual({
      ok: true,
      value: { creditor: 'EDF', amount: 3 },
    });
    expect(parseOutput(schema, 'Ms Okafor owes')).toEqual({ ok: false, error: 'not JSON (SyntaxError)' });
    expect(parseOutput(schema, '{"creditor":"EDF","amount":"3"}')).toMatchObject({ ok: false, error: /^amount: / });
  });
});

describe(generateStructured.name, () => {
  const input = (chat: ConstrainedChat) => ({
    messages: [new HumanMessage('I owe EDF 3 pounds')],
    name: 'debt',
    schema,
    jsonSchema: jsonSchemaOf(schema),
    chat,
  });

  it('returns the first valid answer, constrained to the named schema', async () => {
    const { chat, sent } = scriptedChat('{"creditor":"EDF","amount":3}');

    const result = await generateStructured(input(chat));

    expect(result.value).toEqual({ creditor: 'EDF', amount: 3 });
    expect(sent).toEqual([{ messages: 1, options: { name: 'debt', jsonSchema: jsonSchemaOf(schema) } }]);
  });

  it('sends one correction carrying the invalid answer, and adds both rounds to the usage', async () => {
    const { chat, sent } = scriptedChat('{"creditor":"EDF"}', '{"creditor":"EDF","amount":3}');

    const result = await generateStructured(input(chat));

    expect(sent.map((call) => call.messages)).toEqual([1, 3]);
    expect(result.usage).toEqual({ promptTokens: 20, completionTokens: 10 });
  });

  it('gives LlmInvalidOutputError after the corrective round fails too', async () => {
    const { chat, sent } = scriptedChat('{}', 'not json');

    const failure = generateStructured(input(chat));

    await expect(failure).rejects.toBeInstanceOf(LlmInvalidOutputError);
    await expect(failure).rejects.toThrow('after a corrective retry: not JSON');
    expect(sent).toHaveLength(2);
  });
});
