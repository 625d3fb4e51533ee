import Ajv from 'ajv';
import OpenAI from 'openai';
import { eventually, metricValue, sharedServerUrl, startLocalLlm } from '@rma/testing';

const MODEL = 'meta-llama/Llama-3.2-3B-Instruct';
const TINY_EMBEDDING_WIDTH = 64;

const clientFor = (baseUrl: string) => new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: 'unused', maxRetries: 0 });

describe("local-llm: vLLM's OpenAI-compatible API through the official openai client", () => {
  const baseUrl = sharedServerUrl();
  const sut = clientFor(baseUrl);

  it('lists the served model names', async () => {
    const models = await sut.models.list();

    expect(models.data.map((model) => model.id)).toEqual(['llama3.2', MODEL]);
    expect(models.data[0]).toMatchObject({ object: 'model', owned_by: 'vllm' });
  });

  it('answers a chat completion with real usage counts and a length finish', async () => {
    const completion = await sut.chat.completions.create({
      model: MODEL,
      messages: [
        {
          role: 'user',
          content: 'How much can I owe for a Debt Relief Order?',
        },
      ],
      max_tokens: 12,
      temperature: 0,
    });

    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0].finish_reason).toBe('length');
    expect(completion.choices[0].message.role).toBe('assistant');
    expect(completion.usage?.completion_tokens).toBe(12);
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(5);
    expect(completion.usage?.total_tokens).toBe((completion.usage?.prompt_tokens ?? 0) + 12);
  });

  it('streams chat chunks, then usage in a last chunk with no choices, then [DONE]', async () => {
    const stream = await sut.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hello' }],
      max_tokens: 10,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);

    const withChoices = chunks.filter((chunk) => chunk.choices.length > 0);
    const last = chunks[chunks.length - 1];
    expect(withChoices[0].choices[0].delta.role).toBe('assistant');
    expect(withChoices[withChoices.length - 1].choices[0].finish_reason).toBe('length');
    expect(last.choices).toEqual([]);
    expect(last.usage?.completion_tokens).toBe(10);
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
    const streamed = withChoices.map((chunk) => chunk.choices[0].delta.content ?? '').join('');
    expect(streamed.length).toBeGreaterThan(0);
  });

  it("answers completions with vLLM's default of 16 tokens, streamed or not", async () => {
    const completion = await sut.completions.create({
      model: MODEL,
      prompt: 'Priority debts include',
    });
    const stream = await sut.completions.create({
      model: MODEL,
      prompt: 'Rent arrears',
      max_tokens: 5,
      stream: true,
    });
    const pieces = [];
    for await (const chunk of stream) pieces.push(chunk);

    expect(completion.object).toBe('text_completion');
    expect(completion.usage?.completion_tokens).toBe(16);
    expect(completion.choices[0].finish_reason).toBe('length');
    expect(pieces[pieces.length - 1].choices[0].finish_reason).toBe('length');
  });

  it('repeats itself for the same seed', async () => {
    const ask = (seed: number) =>
      sut.completions.create({
        model: MODEL,
        prompt: 'Council tax',
        max_tokens: 12,
        temperature: 1,
        seed,
      });

    const [first, again] = [await ask(7), await ask(7)];

    expect(again.choices[0].text).toBe(first.choices[0].text);
  });

  it('produces output that validates against a json_schema response format, and finishes with stop', async () => {
    // Bounded strings: a model with random weights would otherwise write one string until max_tokens.
    const schema = {
      type: 'object',
      properties: {
        creditor: { type: 'string', maxLength: 24 },
        amount: { type: 'number' },
        priority: { type: 'boolean' },
      },
      required: ['creditor', 'amount', 'priority'],
      additionalProperties: false,
    };
    const completion = await sut.chat.completions.create({
      model: MODEL,
      messages: [
        {
          role: 'user',
          content: 'Extract the debt: I owe British Gas 420 pounds.',
        },
      ],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'debt', schema },
      },
      max_tokens: 400,
    });
    const content = completion.choices[0].message.content ?? '';

    expect(new Ajv().validate(schema, JSON.parse(content))).toBe(true);
    expect(completion.choices[0].finish_reason).toBe('stop');
  });

  it('stops at a stop string and leaves it out', async () => {
    const completion = await sut.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Say hello world' }],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'greeting', schema: { const: 'hello world' } },
      },
      stop: ['world'],
      max_tokens: 50,
    });

    expect(completion.choices[0].finish_reason).toBe('stop');
    expect(completion.choices[0].message.content).toBe('"hello ');
  });

  it('embeds one text or many, one unit vector per input, as floats or base64', async () => {
    const one = await sut.embeddings.create({
      model: MODEL,
      input: 'bankruptcy',
      encoding_format: 'float',
    });
    // The official client asks for base64 by default and decodes it.
    const many = await sut.embeddings.create({
      model: MODEL,
      input: ['bankruptcy', 'IVA', 'bankruptcy'],
    });

    expect(one.data).toHaveLength(1);
    expect(one.data[0].embedding).toHaveLength(TINY_EMBEDDING_WIDTH);
    expect(many.data.map((item) => item.index)).toEqual([0, 1, 2]);
    expect(many.data[0].embedding).toHaveLength(TINY_EMBEDDING_WIDTH);
    expect(many.data[2].embedding).toEqual(many.data[0].embedding);
    const norm = Math.hypot(...one.data[0].embedding);
    expect(norm).toBeCloseTo(1, 4);
    expect(many.data[0].embedding[5]).toBeCloseTo(one.data[0].embedding[5], 5);
    expect(many.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it("answers 404 in vLLM's error shape for an unknown model", async () => {
    const error = await sut.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
      message: 'The model `gpt-4o` does not exist.',
      type: 'NotFoundError',
      code: 404,
    });
  });

  it.each([
    ['a temperature out of range', { temperature: 5 }, 'temperature'],
    ['no messages', { messages: [] }, 'messages'],
    // vLLM takes any role string (vllm-conformance checks that); one that is not a string fails validation.
    ['a role that is not a string', { messages: [{ role: 42, content: 'hi' }] }, 'role'],
    ['more than one choice', { n: 2 }, 'n'],
  ])('answers 400 with a message for %s', async (_case, change, field) => {
    const body = {
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 2,
      ...change,
    };

    const error = await sut.chat.completions.create(body as never).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.APIError>).message).toContain(field);
  });

  it('answers 400, not 500, for a body that is not JSON', async () => {
    const response = await fetch(`${baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"model": ',
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: {
        type: 'BadRequestError',
        message: expect.stringContaining('JSON'),
      },
    });
  });

  it("counts tokens and requests in /metrics with vLLM's names and the model_name label", async () => {
    const before = await metricValue(baseUrl, 'vllm:generation_tokens_total', 'model_name="llama3.2"');

    await sut.completions.create({
      model: MODEL,
      prompt: 'Bailiffs',
      max_tokens: 7,
    });

    expect(await metricValue(baseUrl, 'vllm:generation_tokens_total', 'model_name="llama3.2"')).toBe(before + 7);
    const text = await (await fetch(`${baseUrl}/metrics`)).text();
    for (const name of [
      'vllm:num_requests_running',
      'vllm:num_requests_waiting',
      'vllm:prompt_tokens_total',
      'vllm:time_to_first_token_seconds_bucket',
      'vllm:e2e_request_latency_seconds_bucket',
    ]) {
      expect(text).toContain(`${name}{`);
    }
  });
});

describe('local-llm: batching limits (one sequence, a wait queue of one)', () => {
  let server: Awaited<ReturnType<typeof startLocalLlm>>;
  let sut: OpenAI;

  beforeAll(async () => {
    server = await startLocalLlm(['--parallel', '1', '--max-queue', '1']);
    sut = clientFor(server.url);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const longGeneration = (signal: AbortSignal) =>
    sut.chat.completions.create(
      {
        model: MODEL,
        messages: [{ role: 'user', content: 'long' }],
        max_tokens: 1500,
        stream: true,
      },
      { signal },
    );

  it('shows a running request in the gauges, and a client that disconnects frees its slot at once', async () => {
    const controller = new AbortController();
    const stream = await longGeneration(controller.signal);
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    expect(await metricValue(server.url, 'vllm:num_requests_running')).toBe(1);

    controller.abort();

    await eventually(async () => (await metricValue(server.url, 'vllm:num_requests_running')) === 0, 5_000);
    const next = await sut.completions.create({
      model: MODEL,
      prompt: 'after',
      max_tokens: 3,
    });
    expect(next.usage?.completion_tokens).toBe(3);
  });

  it('queues one request beyond the sequence and refuses the next with 503', async () => {
    const running = new AbortController();
    const waiting = new AbortController();
    await longGeneration(running.signal);
    const queued = longGeneration(waiting.signal).catch((error: unknown) => error);
    await eventually(async () => (await metricValue(server.url, 'vllm:num_requests_waiting')) === 1, 5_000);

    const refused = await sut.completions
      .create({ model: MODEL, prompt: 'one too many', max_tokens: 2 })
      .catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(OpenAI.InternalServerError);
    expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    running.abort();
    waiting.abort();
    await queued;
    await eventually(async () => (await metricValue(server.url, 'vllm:num_requests_running')) === 0, 5_000);
  });
});
