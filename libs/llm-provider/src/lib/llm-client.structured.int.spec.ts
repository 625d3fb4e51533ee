import { setFaults, StartedServer, startLocalLlm } from '@rma/testing';
import { z } from 'zod';
import { LlmClient } from './llm-client';
import { LlmInvalidOutputError } from './llm.errors';
import type { BackendKind } from './llm.options';
import { testOptions } from './testing-options';

const schema = z.object({ creditor: z.string().max(20), amount: z.number(), priority: z.boolean() });
const request = {
  messages: [{ role: 'user' as const, content: 'I owe British Gas 420 pounds.' }],
  maxTokens: 300,
  schemaName: 'debt',
};
// Valid JSON that breaks the schema: `amount` is a string. The scripted-answer fault sends it whatever
// the request's response_format/format asks, as a model that ignores the constraint would.
const INVALID_ANSWER = '{"creditor": "British Gas", "amount": "420 pounds", "priority": true}';

let server: StartedServer;

beforeAll(async () => {
  server = await startLocalLlm(['--admin']);
});
afterAll(async () => {
  await server?.stop();
});
afterEach(async () => {
  await setFaults(server.url, []);
});

/** Sums every series of a counter on the server's /metrics page. */
async function counterTotal(name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe.each<BackendKind>(['vllm', 'ollama'])('LlmClient structured output corrective retry on %s', (provider) => {
  let sut: LlmClient;

  beforeAll(() => {
    sut = new LlmClient(testOptions({ provider, vllmUrl: server.url, ollamaUrl: server.url }));
  });

  it('retries once with the correction and returns the valid second answer', async () => {
    // The same question answered at once, for its prompt's size.
    const plain = await sut.structured(request, schema);
    await setFaults(server.url, [{ kind: 'scripted-answer', text: INVALID_ANSWER, count: 1 }]);
    const requestsBefore = await counterTotal('vllm:request_success_total');

    const result = await sut.structured(request, schema);

    expect(await counterTotal('vllm:request_success_total')).toBe(requestsBefore + 2);
    expect(schema.safeParse(result.value).success).toBe(true);
    expect(result.value.amount).toEqual(expect.any(Number));
    // The second request carried the first: the question, the invalid answer and the correction.
    expect(result.usage.promptTokens).toBeGreaterThan(2 * plain.usage.promptTokens + 10);
    expect(result.backend.kind).toBe(provider);
  });

  it('gives LlmInvalidOutputError after two invalid answers, with no third request', async () => {
    await setFaults(server.url, [{ kind: 'scripted-answer', text: INVALID_ANSWER, count: 2 }]);
    const requestsBefore = await counterTotal('vllm:request_success_total');

    const failure = sut.structured(request, schema);

    await expect(failure).rejects.toBeInstanceOf(LlmInvalidOutputError);
    await expect(failure).rejects.toThrow(/after a corrective retry: amount:/);
    expect(await counterTotal('vllm:request_success_total')).toBe(requestsBefore + 2);
  });
});
