import OpenAI from 'openai';
import { sharedServerUrl, startLocalLlm, StartedServer } from '@rma/testing';

// What vLLM itself sends and refuses (vllm-project/vllm, read for issue #14): a client that passes
// against local-llm must meet the same validators and read the same bodies as against a real vLLM.

const MODEL = 'llama3.2';
const AGE_SCHEMA = {
  type: 'object',
  properties: { age: { type: 'integer', minimum: 18, maximum: 120 } },
  required: ['age'],
  additionalProperties: false,
};

const post = (baseUrl: string, path: string, body: unknown) =>
  fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

/** The `data:` payloads of an SSE body, [DONE] included. */
async function events(response: Response): Promise<string[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice('data: '.length));
}

/** Several ages drawn under the schema: different seeds, so different samples. */
async function sampleAges(client: OpenAI, count: number): Promise<unknown[]> {
  const ages: unknown[] = [];
  for (let seed = 1; seed <= count; seed += 1) {
    const completion = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: `How old is client ${seed}?` }],
      response_format: { type: 'json_schema', json_schema: { name: 'age', schema: AGE_SCHEMA } },
      temperature: 1,
      seed,
      max_tokens: 60,
    });
    ages.push((JSON.parse(completion.choices[0].message.content ?? '{}') as { age?: unknown }).age);
  }
  return ages;
}

const withinAgeBounds = (age: unknown) => Number.isInteger(age) && (age as number) >= 18 && (age as number) <= 120;

describe("local-llm: vLLM's request validators", () => {
  const baseUrl = sharedServerUrl();

  it('refuses stream_options without stream: true with 400 and vLLM message, type and param', async () => {
    const response = await post(baseUrl, '/v1/chat/completions', {
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 2,
      stream_options: { include_usage: true },
    });

    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: Record<string, unknown> };
    expect(error).toMatchObject({ type: 'Bad Request', param: 'stream_options', code: 400 });
    expect(error['message']).toContain('Stream options can only be defined when `stream=True`.');
  });

  it('refuses the same through the official client, as an OpenAI.BadRequestError, on /v1/completions too', async () => {
    const client = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: 'unused', maxRetries: 0 });

    const error = await client.completions
      .create({ model: MODEL, prompt: 'p', max_tokens: 2, stream_options: { include_usage: true } })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.APIError>).message).toContain('Stream options can only be defined');
  });

  it.each([
    [{ temperature: 3 }, 'temperature', 'temperature must be in [0, 2], got 3.0.'],
    [{ top_p: 0 }, 'top_p', 'top_p must be in (0, 1], got 0.0.'],
    [{ max_tokens: 100_000 }, 'max_tokens', 'cannot be greater than max_model_len='],
  ])('refuses %j as the serving code does: BadRequestError with the parameter', async (change, param, message) => {
    const response = await post(baseUrl, '/v1/chat/completions', {
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 2,
      ...change,
    });

    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: Record<string, unknown> };
    expect(error).toMatchObject({ type: 'BadRequestError', param, code: 400 });
    expect(error['message']).toContain(message);
  });

  it('takes any message role, as vLLM does (CustomChatCompletionMessageParam: role is any string)', async () => {
    const response = await post(baseUrl, '/v1/chat/completions', {
      model: MODEL,
      messages: [
        { role: 'developer', content: 'Answer briefly.' },
        { role: 'user', content: 'What is my balance?' },
        { role: 'tool', content: '{"balance": 420}' },
        { role: 'adviser', content: 'Check the figure first.' },
      ],
      max_tokens: 2,
    });

    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      choices: { message: { role: string } }[];
      usage: { completion_tokens: number };
    };
    expect(body.choices[0].message.role).toBe('assistant');
    expect(body.usage.completion_tokens).toBe(2);
  });

  it('refuses top_logprobs without logprobs, and tools on a server without a tool parser', async () => {
    const topLogprobs = await post(baseUrl, '/v1/chat/completions', {
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      top_logprobs: 2,
    });
    const tools = await post(baseUrl, '/v1/chat/completions', {
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
    });

    expect(topLogprobs.status).toBe(400);
    expect(JSON.stringify(await topLogprobs.json())).toContain(
      'when using `top_logprobs`, `logprobs` must be set to true.',
    );
    expect(tools.status).toBe(400);
    expect(((await tools.json()) as { error: { message: string } }).error.message).toBe(
      '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set',
    );
  });
});

describe("local-llm: vLLM's response bodies", () => {
  const baseUrl = sharedServerUrl();

  it('sends every field of ChatCompletionResponse, its choice and its message', async () => {
    const response = await post(baseUrl, '/v1/chat/completions', {
      model: MODEL,
      messages: [{ role: 'user', content: 'Say hello world' }],
      response_format: { type: 'json_schema', json_schema: { name: 'greeting', schema: { const: 'hello world' } } },
      stop: ['world'],
      max_tokens: 20,
    });
    const body = (await response.json()) as Record<string, unknown>;

    expect(body).toMatchObject({
      object: 'chat.completion',
      service_tier: null,
      system_fingerprint: null,
      prompt_logprobs: null,
      prompt_token_ids: null,
      kv_transfer_params: null,
      usage: { prompt_tokens: expect.any(Number), prompt_tokens_details: null },
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: '"hello ',
            refusal: null,
            annotations: null,
            audio: null,
            function_call: null,
            tool_calls: [],
            reasoning: null,
          },
          logprobs: null,
          finish_reason: 'stop',
          stop_reason: 'world',
          token_ids: null,
        },
      ],
    });
  });

  it('streams chat chunks with only the fields vLLM sets, and usage last without prompt_tokens_details', async () => {
    const response = await post(baseUrl, '/v1/chat/completions', {
      model: MODEL,
      messages: [{ role: 'user', content: 'hello' }],
      max_tokens: 4,
      stream: true,
      stream_options: { include_usage: true },
    });
    const data = await events(response);
    const chunks = data.slice(0, -1).map((payload) => JSON.parse(payload) as Record<string, unknown>);
    const [first, ...rest] = chunks;
    const usage = rest[rest.length - 1];
    const finish = rest[rest.length - 2];
    const texts = rest.slice(0, -2);

    expect(data[data.length - 1]).toBe('[DONE]');
    expect(first).toEqual({
      id: expect.stringMatching(/^chatcmpl-/),
      object: 'chat.completion.chunk',
      created: expect.any(Number),
      model: MODEL,
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
      prompt_token_ids: null,
    });
    expect(texts.length).toBeGreaterThan(0);
    for (const chunk of texts) {
      expect(chunk['choices']).toEqual([
        { index: 0, delta: { content: expect.any(String) }, logprobs: null, finish_reason: null, token_ids: null },
      ]);
      expect(chunk).not.toHaveProperty('usage');
    }
    expect(finish['choices']).toEqual([
      { index: 0, delta: { content: '' }, logprobs: null, finish_reason: 'length', stop_reason: null, token_ids: null },
    ]);
    expect(usage).toMatchObject({ choices: [], usage: { prompt_tokens: expect.any(Number), completion_tokens: 4 } });
    expect(usage['usage']).not.toHaveProperty('prompt_tokens_details');
  });

  it('sends every field on completions, streamed (usage null in each chunk) or not', async () => {
    const whole = (await (
      await post(baseUrl, '/v1/completions', { model: MODEL, prompt: 'Rent', max_tokens: 3 })
    ).json()) as Record<string, unknown>;
    const streamed = await events(
      await post(baseUrl, '/v1/completions', { model: MODEL, prompt: 'Rent', max_tokens: 3, stream: true }),
    );
    const chunks = streamed.slice(0, -1).map((payload) => JSON.parse(payload) as Record<string, unknown>);

    expect(whole).toMatchObject({
      object: 'text_completion',
      service_tier: null,
      system_fingerprint: null,
      kv_transfer_params: null,
      usage: { completion_tokens: 3, prompt_tokens_details: null },
      choices: [
        {
          logprobs: null,
          finish_reason: 'length',
          stop_reason: null,
          token_ids: null,
          prompt_logprobs: null,
          prompt_token_ids: null,
        },
      ],
    });
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ object: 'text_completion', usage: null });
      expect(chunk['choices']).toEqual([
        expect.objectContaining({ logprobs: null, stop_reason: null, prompt_token_ids: null, token_ids: null }),
      ]);
    }
  });

  it('lists each model with root, parent, max_model_len and a ModelPermission', async () => {
    const body = (await (await fetch(`${baseUrl}/v1/models`)).json()) as { data: Record<string, unknown>[] };

    expect(body.data[0]).toMatchObject({
      id: MODEL,
      object: 'model',
      owned_by: 'vllm',
      root: expect.any(String),
      parent: null,
      max_model_len: expect.any(Number),
      permission: [
        {
          id: expect.stringMatching(/^modelperm-[0-9a-f]{32}$/),
          object: 'model_permission',
          created: expect.any(Number),
          allow_create_engine: false,
          allow_sampling: true,
          allow_logprobs: true,
          allow_search_indices: false,
          allow_view: true,
          allow_fine_tuning: false,
          organization: '*',
          group: null,
          is_blocking: false,
        },
      ],
    });
  });

  it('sends a whole UsageInfo with embeddings', async () => {
    const body = (await (await post(baseUrl, '/v1/embeddings', { model: MODEL, input: 'rent' })).json()) as Record<
      string,
      unknown
    >;

    expect(body['usage']).toEqual({
      prompt_tokens: expect.any(Number),
      total_tokens: expect.any(Number),
      completion_tokens: 0,
      prompt_tokens_details: null,
    });
  });
});

describe('local-llm: structured output keeps integer bounds, as llama.cpp grammars do', () => {
  it('on the llama.cpp engine: an integer with minimum 18 and maximum 120 stays within them', async () => {
    const client = new OpenAI({ baseURL: `${sharedServerUrl()}/v1`, apiKey: 'unused', maxRetries: 0 });

    const ages = await sampleAges(client, 8);

    expect(ages.filter((age) => !withinAgeBounds(age))).toEqual([]);
  });

  describe('on the sim engine', () => {
    let server: StartedServer;

    beforeAll(async () => {
      server = await startLocalLlm(['--engine', 'sim', '--profile', 'fast']);
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('an integer with minimum 18 and maximum 120 stays within them', async () => {
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });

      const ages = await sampleAges(client, 12);

      expect(ages.filter((age) => !withinAgeBounds(age))).toEqual([]);
      expect(new Set(ages).size).toBeGreaterThan(1);
    });
  });
});
