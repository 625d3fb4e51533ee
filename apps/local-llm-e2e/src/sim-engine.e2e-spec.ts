import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { eventually, metricValue, startLocalLlm, StartedServer } from '@rma/testing';

const MODEL = 'llama3.2';
const clientFor = (server: StartedServer) =>
  new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
const cosine = (a: number[], b: number[]) => a.reduce((sum, value, i) => sum + value * b[i], 0);

describe('local-llm --engine sim: the same APIs over a simulated GPU engine', () => {
  let server: StartedServer;

  beforeAll(async () => {
    server = await startLocalLlm(['--engine', 'sim', '--profile', 'fast']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('streams readable text with usage through the openai client, and says it is a simulation', async () => {
    const sut = clientFor(server);
    const { data: stream, response } = await sut.chat.completions
      .create({
        model: MODEL,
        messages: [{ role: 'user', content: 'What is a Debt Relief Order?' }],
        max_tokens: 12,
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse();
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }

    expect(response.headers.get('x-local-llm-simulation')).toBe('profile=fast; time-scale=1; speed=1');
    expect(text.split(' ')).toHaveLength(12);
    // 7 tokens (words and the question mark) plus 4 for the chat template's role markers.
    expect(usage).toMatchObject({ completion_tokens: 12, prompt_tokens: 11 });
  });

  it('answers Ollama chat with schema-valid structured output', async () => {
    const sut = new Ollama({ host: server.url });
    const schema = {
      type: 'object',
      properties: { creditor: { type: 'string' }, amount: { type: 'number' } },
      required: ['creditor', 'amount'],
    };

    const response = await sut.chat({
      model: MODEL,
      messages: [{ role: 'user', content: 'debt?' }],
      format: schema,
      stream: false,
    });

    expect(JSON.parse(response.message.content)).toEqual({ creditor: expect.any(String), amount: expect.any(Number) });
    expect(response.done_reason).toBe('stop');
  });

  it('embeds texts that share words closer than texts that share none', async () => {
    const sut = clientFor(server);

    const { data } = await sut.embeddings.create({
      model: MODEL,
      input: ['council tax arrears letter', 'council tax arrears', 'car finance agreement'],
    });

    expect(cosine(data[0].embedding, data[1].embedding)).toBeGreaterThan(cosine(data[0].embedding, data[2].embedding));
  });
});

describe('local-llm --engine sim: scheduling seen over HTTP (one sequence, priority policy)', () => {
  let server: StartedServer;

  beforeAll(async () => {
    server = await startLocalLlm([
      '--engine',
      'sim',
      '--profile',
      'fast',
      '--parallel',
      '1',
      '--scheduling-policy',
      'priority',
    ]);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('runs waiting requests by priority, and the gauges show the queue', async () => {
    const sut = clientFor(server);
    const blocker = new AbortController();
    const long = sut.completions
      .create({ model: MODEL, prompt: 'hold the slot', max_tokens: 2000, stream: true }, { signal: blocker.signal })
      .then(async (stream) => {
        for await (const _chunk of stream);
      })
      .catch(() => undefined);
    await eventually(async () => (await metricValue(server.url, 'vllm:num_requests_running')) === 1);
    const finished: number[] = [];
    const waiting = [5, 1, 3].map((priority) =>
      sut.completions
        .create({
          model: MODEL,
          prompt: `priority ${priority}`,
          max_tokens: 2,
          priority,
        } as OpenAI.CompletionCreateParamsNonStreaming)
        .then(() => finished.push(priority)),
    );
    await eventually(async () => (await metricValue(server.url, 'vllm:num_requests_waiting')) === 3);

    expect(await metricValue(server.url, 'vllm:kv_cache_usage_perc')).toBeGreaterThan(0);
    blocker.abort();
    await Promise.all([long, ...waiting]);

    expect(finished).toEqual([1, 3, 5]);
  });
});
