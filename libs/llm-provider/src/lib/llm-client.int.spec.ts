import { eventually, metricValue, sharedServerUrl, StartedServer, startLocalLlm } from '@rma/testing';
import { z } from 'zod';
import { ResilientChatModel } from './langchain/resilient-chat-model';
import { ResilientEmbeddings } from './langchain/resilient-embeddings';
import { LlmClient } from './llm-client';
import type { StreamEvent } from './llm-client.types';
import { LlmAbortedError, LlmBadRequestError } from './llm.errors';
import type { BackendKind } from './llm.options';
import { testOptions } from './testing-options';

// One real local-llm serves both APIs: /v1 as vLLM does, /api as Ollama does.
const serverUrl = sharedServerUrl();
const ONE_PIXEL_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';

async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const all: StreamEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

async function drain(events: AsyncIterator<StreamEvent>): Promise<void> {
  while (!(await events.next()).done);
}

describe.each<BackendKind>(['vllm', 'ollama'])('LlmClient contract on %s', (provider) => {
  const sut = new LlmClient(testOptions({ provider, vllmUrl: serverUrl, ollamaUrl: serverUrl }));

  it('chats, with usage, the finish reason and the backend that served', async () => {
    const result = await sut.chat({
      messages: [{ role: 'user', content: 'What is a DRO?' }],
      maxTokens: 8,
      temperature: 0,
    });

    expect(result.usage.completionTokens).toBe(8);
    expect(result.usage.promptTokens).toBeGreaterThan(3);
    expect(result.finishReason).toBe('length');
    expect(result.backend).toMatchObject({ kind: provider, url: serverUrl, fallback: false });
    expect(result.backend.model).toBe(provider === 'vllm' ? 'meta-llama/Llama-3.2-3B-Instruct' : 'llama3.2');
  });

  it('streams tokens in order, then one end event with usage', async () => {
    const events = await collect(sut.stream({ messages: [{ role: 'user', content: 'hello' }], maxTokens: 6 }));

    const end = events[events.length - 1];
    expect(events.slice(0, -1).every((event) => event.type === 'token')).toBe(true);
    expect(events.length).toBeGreaterThan(1);
    expect(end).toMatchObject({ type: 'end', usage: { completionTokens: 6 }, backend: { kind: provider } });
  });

  it('embeds many texts in as few requests as the batch size allows, in order', async () => {
    const texts = ['rent', 'council tax', 'rent', 'energy', 'water'];

    const result = await sut.embed(texts);

    expect(result.requests).toBe(3);
    expect(result.vectors).toHaveLength(5);
    expect(result.vectors[0]).toHaveLength(64);
    expect(result.vectors[2]).toEqual(result.vectors[0]);
    expect(result.backend.kind).toBe(provider);
  });

  it('returns structured output parsed and validated against a zod schema', async () => {
    const schema = z.object({ creditor: z.string().max(20), amount: z.number(), priority: z.boolean() });

    const result = await sut.structured(
      { messages: [{ role: 'user', content: 'I owe British Gas 420 pounds.' }], maxTokens: 300, schemaName: 'debt' },
      schema,
    );

    expect(schema.safeParse(result.value).success).toBe(true);
    expect(result.backend.kind).toBe(provider);
  });

  it('streams structured output as JSON text and ends with the value parsed against its schema', async () => {
    const schema = z.object({ creditor: z.string().max(20), amount: z.number(), priority: z.boolean() });
    const { $schema: _ignored, ...jsonSchema } = z.toJSONSchema(schema) as Record<string, unknown>;

    const events = await collect(
      sut.stream({
        messages: [{ role: 'user', content: 'I owe British Gas 420 pounds.' }],
        maxTokens: 300,
        format: { name: 'debt', schema: jsonSchema },
      }),
    );

    const text = events.map((event) => (event.type === 'token' ? event.text : '')).join('');
    const end = events[events.length - 1];
    expect(end).toMatchObject({ type: 'end', value: JSON.parse(text) });
    expect(schema.safeParse((end as { value: unknown }).value).success).toBe(true);
  });

  it('sends a vision request with an image', async () => {
    const result = await sut.chat(
      { messages: [{ role: 'user', content: 'What does this letter say?', images: [ONE_PIXEL_PNG] }], maxTokens: 3 },
      { role: 'vision' },
    );

    expect(result.usage.completionTokens).toBe(3);
  });

  it('answers through LangChain: a chat model and embeddings', async () => {
    const model = new ResilientChatModel(sut, { maxTokens: 4 });
    const embeddings = new ResilientEmbeddings(sut);

    const message = await model.invoke('hello');
    const vector = await embeddings.embedQuery('hello');

    expect(message.response_metadata['backend']).toMatchObject({ kind: provider });
    expect(message.usage_metadata?.output_tokens).toBe(4);
    expect(vector).toHaveLength(64);
  });

  it('gives a typed bad-request error for a request the server rejects', async () => {
    // vLLM refuses a negative temperature; Ollama checks no sampling ranges (api/types.go), but refuses
    // image data that is not base64, as Go's JSON decoding does.
    const refused =
      provider === 'vllm'
        ? sut.chat({ messages: [{ role: 'user', content: 'hi' }], temperature: -1, maxTokens: 2 })
        : sut.chat(
            { messages: [{ role: 'user', content: 'hi', images: ['not base64!'] }], maxTokens: 2 },
            { role: 'vision' },
          );

    await expect(refused).rejects.toBeInstanceOf(LlmBadRequestError);
  });
});

describe.each<BackendKind>(['vllm', 'ollama'])('LlmClient cancellation on %s', (provider) => {
  // The simulated A100 slowed 25 times decodes under 3 tokens a second, and its free text is at least 16
  // tokens long: the generation runs for over 5 s, so it can only stop within the wait below if the
  // abort reaches the server.
  const MAX_TOKENS = 1_000;
  let slow: StartedServer;

  beforeAll(async () => {
    slow = await startLocalLlm(['--engine', 'sim', '--profile', 'vllm-a100-8b', '--time-scale', '25']);
  });
  afterAll(async () => {
    await slow?.stop();
  });

  it('stops the generation on the server when the caller aborts', async () => {
    const sut = new LlmClient(testOptions({ provider, vllmUrl: slow.url, ollamaUrl: slow.url }));
    const controller = new AbortController();
    const events = sut.stream(
      { messages: [{ role: 'user', content: 'a long answer' }], maxTokens: MAX_TOKENS },
      { signal: controller.signal },
    );

    // Read up to the first token, then abort while nobody reads the stream: only the signal itself can
    // stop the server now (a consumer leaving its loop would also close the connection).
    const reader = events[Symbol.asyncIterator]();
    expect((await reader.next()).value).toMatchObject({ type: 'token' });
    controller.abort();

    await eventually(async () => (await metricValue(slow.url, 'vllm:num_requests_running')) === 0, 2_000);
    await expect(reader.next()).rejects.toBeInstanceOf(LlmAbortedError);
  });

  it('stops only the call whose caller aborts: another call with the same settings runs on', async () => {
    // Same model and sampling settings: on vLLM both calls share one LangChain model.
    const sut = new LlmClient(testOptions({ provider, vllmUrl: slow.url, ollamaUrl: slow.url }));
    const request = { messages: [{ role: 'user' as const, content: 'a long answer' }], maxTokens: MAX_TOKENS };
    const aborted = new AbortController();
    const kept = new AbortController();
    const first = sut.stream(request, { signal: aborted.signal })[Symbol.asyncIterator]();
    const second = sut.stream(request, { signal: kept.signal })[Symbol.asyncIterator]();
    try {
      expect((await first.next()).value).toMatchObject({ type: 'token' });
      expect((await second.next()).value).toMatchObject({ type: 'token' });
      aborted.abort();

      await eventually(async () => (await metricValue(slow.url, 'vllm:num_requests_running')) === 1, 2_000);
      // Tokens that arrived before the abort may still come out of the first; then it fails as aborted.
      await expect(drain(first)).rejects.toBeInstanceOf(LlmAbortedError);
      expect((await second.next()).value).toMatchObject({ type: 'token' });
      expect(await metricValue(slow.url, 'vllm:num_requests_running')).toBe(1);
    } finally {
      kept.abort();
      await second.return?.(undefined);
      await eventually(async () => (await metricValue(slow.url, 'vllm:num_requests_running')) === 0, 2_000);
    }
  });
});
