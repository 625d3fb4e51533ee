import { connect } from 'node:net';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { eventually, metricValue, sharedServerUrl, startLocalLlm } from '@rma/testing';
import type { StartedServer } from '@rma/testing';

const MODEL = 'llama3.2';
const messages = [{ role: 'user' as const, content: 'What happens if I miss a council tax payment?' }];

/** Where a raw TCP connection to the server ends: refused, or accepted. */
function tryConnect(baseUrl: string): Promise<'refused' | 'accepted'> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve('accepted');
    });
    socket.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNREFUSED' ? resolve('refused') : reject(error),
    );
  });
}

/**
 * fetch whose failures are Errors of the test's realm. Jest runs tests in a vm context, where the
 * AbortError fetch throws on a timeout (a DOMException of Node's realm) is no `Error`: the openai client
 * would lose its name, by which it tells a timeout, and report a plain connection error.
 */
const fetchInThisRealm: typeof fetch = (input, init) =>
  fetch(input, init).catch((error: { name: string; message: string }) => {
    throw Object.assign(new Error(error.message), { name: error.name });
  });

/** Reads an openai stream to its end, or to the error that ends it. */
async function readOpenAiStream(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>) {
  const contents: string[] = [];
  const finishReasons: string[] = [];
  let error: unknown;
  try {
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) contents.push(choice.delta.content);
      if (choice?.finish_reason) finishReasons.push(choice.finish_reason);
    }
  } catch (caught) {
    error = caught;
  }
  return { contents, finishReasons, error };
}

/** Reads an ollama stream to its end, or to the error that ends it. */
async function readOllamaStream(stream: AsyncIterable<{ message: { content: string }; done: boolean }>) {
  const contents: string[] = [];
  let sawDone = false;
  let error: unknown;
  try {
    for await (const part of stream) {
      if (part.message.content) contents.push(part.message.content);
      if (part.done) sawDone = true;
    }
  } catch (caught) {
    error = caught;
  }
  return { contents, sawDone, error };
}

describe('local-llm: fault injection, seen through the official openai and ollama clients', () => {
  let server: StartedServer;
  let openai: OpenAI;
  let ollama: Ollama;

  const setFaults = async (faults: unknown[]) => {
    const response = await fetch(`${server.url}/admin/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ faults }),
    });
    if (response.status !== 200) throw new Error(`POST /admin/faults: ${response.status} ${await response.text()}`);
  };
  const chat = (options: Partial<OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming> = {}) =>
    openai.chat.completions.create({ model: MODEL, messages, max_tokens: 8, ...options });
  const streamChat = (maxTokens: number, requestOptions: OpenAI.RequestOptions = {}) =>
    openai.chat.completions.create({ model: MODEL, messages, max_tokens: maxTokens, stream: true }, requestOptions);
  const ollamaChat = () => ollama.chat({ model: MODEL, messages, stream: false, options: { num_predict: 8 } });
  const ollamaStream = (numPredict: number) =>
    ollama.chat({ model: MODEL, messages, stream: true, options: { num_predict: numPredict } });

  beforeAll(async () => {
    server = await startLocalLlm(['--admin', '--parallel', '2']);
    openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    ollama = new Ollama({ host: server.url });
  });
  afterEach(async () => {
    // Retried: a failed refuse-connections test may leave the listener closed for a moment.
    await eventually(() =>
      fetch(`${server.url}/admin/faults`, { method: 'DELETE' }).then(
        (response) => response.ok,
        () => false,
      ),
    );
  });
  afterAll(async () => {
    await server?.stop();
  });

  describe('status', () => {
    it('answers 429 with Retry-After in each API shape: a RateLimitError for openai, 429 for ollama', async () => {
      await setFaults([{ kind: 'status', status: 429, retryAfterSeconds: 7 }]);

      const openAiError = await chat().catch((caught: unknown) => caught);
      const ollamaError = await ollamaChat().catch((caught: unknown) => caught);

      expect(openAiError).toBeInstanceOf(OpenAI.RateLimitError);
      const rateLimit = openAiError as InstanceType<typeof OpenAI.RateLimitError>;
      expect(rateLimit.headers.get('retry-after')).toBe('7');
      expect(rateLimit.error).toMatchObject({ type: 'RateLimitError', code: 429 });
      expect(ollamaError).toMatchObject({ name: 'ResponseError', status_code: 429 });
      expect((ollamaError as Error).message).toContain('Too Many Requests');
    });

    it('sends Retry-After 1 with a 429 that does not say', async () => {
      await setFaults([{ kind: 'status', status: 429 }]);

      const error = await chat().catch((caught: unknown) => caught);

      expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('1');
    });

    it.each([500, 503])('answers %i on chat through both clients', async (status) => {
      await setFaults([{ kind: 'status', status }]);

      const openAiError = await chat().catch((caught: unknown) => caught);
      const ollamaError = await ollamaChat().catch((caught: unknown) => caught);

      expect(openAiError).toBeInstanceOf(OpenAI.InternalServerError);
      expect((openAiError as InstanceType<typeof OpenAI.APIError>).status).toBe(status);
      expect(ollamaError).toMatchObject({ status_code: status });
    });

    it('hits only embeddings with target embeddings: chat still answers', async () => {
      await setFaults([{ kind: 'status', status: 503, target: 'embeddings' }]);

      const openAiError = await openai.embeddings
        .create({ model: MODEL, input: 'IVA' })
        .catch((caught: unknown) => caught);
      const ollamaError = await ollama.embed({ model: MODEL, input: 'IVA' }).catch((caught: unknown) => caught);
      const completion = await chat();
      const ollamaAnswer = await ollamaChat();

      expect((openAiError as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
      expect(ollamaError).toMatchObject({ status_code: 503 });
      expect(completion.choices[0].finish_reason).toBe('length');
      expect(ollamaAnswer.done).toBe(true);
    });

    it("answers /health with the status and no body, as vLLM's does, and Ollama's GET / with it too", async () => {
      await setFaults([{ kind: 'status', status: 503, target: 'health' }]);

      const health = await fetch(`${server.url}/health`);
      const root = await fetch(server.url);
      const completion = await chat();

      expect(health.status).toBe(503);
      expect(await health.text()).toBe('');
      expect(root.status).toBe(503);
      expect(await root.json()).toEqual({ error: expect.stringContaining('Service Unavailable') });
      expect(completion.choices[0].finish_reason).toBe('length');
    });

    it('hits only the next request with count 1, then removes itself', async () => {
      await setFaults([{ kind: 'status', status: 503, count: 1 }]);

      const first = await chat().catch((caught: unknown) => caught);
      const second = await chat();
      const left = await (await fetch(`${server.url}/admin/faults`)).json();

      expect((first as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
      expect(second.choices[0].finish_reason).toBe('length');
      expect(left).toEqual({ faults: [] });
    });
  });

  it('refuses connections for durationMs after replying to the admin request, then answers again', async () => {
    await setFaults([{ kind: 'refuse-connections', durationMs: 2000 }]);

    const openAiError = await openai.models.list().catch((caught: unknown) => caught);
    const ollamaError = await ollama.list().catch((caught: unknown) => caught);
    const rawConnection = await tryConnect(server.url);

    expect(openAiError).toBeInstanceOf(OpenAI.APIConnectionError);
    // fetch's own TypeError, from outside jest's realm: matched by name, not by class.
    expect(ollamaError).toMatchObject({ name: 'TypeError', message: 'fetch failed' });
    expect(rawConnection).toBe('refused');
    await eventually(() =>
      openai.models.list().then(
        () => true,
        () => false,
      ),
    );
    expect((await chat()).choices[0].finish_reason).toBe('length');
  });

  describe('delay-first-token', () => {
    it('sends no byte before the delay: a shorter client timeout gives APIConnectionTimeoutError', async () => {
      await setFaults([{ kind: 'delay-first-token', delayMs: 5000 }]);

      const client = new OpenAI({
        baseURL: `${server.url}/v1`,
        apiKey: 'unused',
        maxRetries: 0,
        fetch: fetchInThisRealm,
      });

      const error = await client.chat.completions
        .create({ model: MODEL, messages, max_tokens: 8, stream: true }, { timeout: 300 })
        .catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    });

    it('holds the ollama client before the response headers too, then answers in full when it waits', async () => {
      await setFaults([
        { kind: 'delay-first-token', delayMs: 5000, count: 1 },
        { kind: 'delay-first-token', delayMs: 50 },
      ]);
      const impatient = new Ollama({
        host: server.url,
        fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(300) }),
      });

      const error = await impatient
        .chat({ model: MODEL, messages, stream: true, options: { num_predict: 4 } })
        .catch((caught: unknown) => caught);
      const answer = await readOllamaStream(await ollamaStream(4));

      expect(error).toMatchObject({ name: 'TimeoutError' });
      expect(answer.sawDone).toBe(true);
    });
  });

  describe('stall', () => {
    it('sends exactly N content chunks, then nothing until the client gives up', async () => {
      await setFaults([{ kind: 'stall', afterTokens: 3 }]);

      const giveUp = AbortSignal.timeout(1500);
      const stream = await streamChat(30, { signal: giveUp });
      const { contents, finishReasons, error } = await readOpenAiStream(stream);
      const endedByClient = giveUp.aborted;

      expect(contents).toHaveLength(3);
      expect(finishReasons).toEqual([]);
      // The openai client ends a stream it aborted without an error. A cut connection would end it before
      // the client gave up, with a connection error; a stalled one stays open until then.
      expect(endedByClient).toBe(true);
      expect(error).toBeUndefined();
    });

    it('stalls the ollama stream after N parts: no done until the client aborts', async () => {
      await setFaults([{ kind: 'stall', afterTokens: 2 }]);

      const stream = await ollamaStream(30);
      setTimeout(() => stream.abort(), 1500);
      const { contents, sawDone, error } = await readOllamaStream(stream);

      expect(contents).toHaveLength(2);
      expect(sawDone).toBe(false);
      expect(error).toMatchObject({ name: 'AbortError' });
    });

    it('finishes normally after durationMs, with every chunk', async () => {
      await setFaults([{ kind: 'stall', afterTokens: 2, durationMs: 300, target: 'all' }]);

      const openAiAnswer = await readOpenAiStream(await streamChat(6));
      const ollamaAnswer = await readOllamaStream(await ollamaStream(6));

      expect(openAiAnswer.finishReasons).toEqual(['length']);
      expect(openAiAnswer.contents.length).toBeGreaterThan(2);
      expect(ollamaAnswer.sawDone).toBe(true);
    });
  });

  describe('cut', () => {
    it('sends N chunks, then drops the connection: no finish_reason, and the generation is aborted', async () => {
      const finishedBefore = await metricValue(server.url, 'vllm:e2e_request_latency_seconds_count');
      await setFaults([{ kind: 'cut', afterTokens: 3 }]);

      const { contents, finishReasons } = await readOpenAiStream(await streamChat(1500));

      expect(contents).toHaveLength(3);
      expect(finishReasons).toEqual([]);
      await eventually(async () => (await metricValue(server.url, 'vllm:num_requests_running')) === 0, 5_000);
      // An aborted generation is never counted as finished; one that ran to max_tokens would be.
      expect(await metricValue(server.url, 'vllm:e2e_request_latency_seconds_count')).toBe(finishedBefore);
    });

    it('leaves the ollama client without a done line, and it throws', async () => {
      await setFaults([{ kind: 'cut', afterTokens: 2 }]);

      const { contents, sawDone, error } = await readOllamaStream(await ollamaStream(200));

      expect(contents).toHaveLength(2);
      expect(sawDone).toBe(false);
      // undici's "terminated", or the client's own complaint if the body had ended cleanly.
      expect((error as Error).message).toMatch(/terminated|Did not receive done/);
    });

    it('drops the connection instead of a whole answer', async () => {
      await setFaults([{ kind: 'cut', afterTokens: 0 }]);

      const error = await chat().catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    });
  });

  describe('malformed', () => {
    it('makes the openai client throw a parse error on the broken SSE line', async () => {
      await setFaults([{ kind: 'malformed', afterTokens: 2 }]);
      const quiet = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0, logLevel: 'off' });

      const stream = await quiet.chat.completions.create({ model: MODEL, messages, max_tokens: 8, stream: true });
      const { contents, error } = await readOpenAiStream(stream);

      expect(contents).toHaveLength(2);
      expect(error).toBeInstanceOf(SyntaxError);
    });

    it('sends a broken NDJSON line to the ollama client, which skips it with a warning and reads on to done', async () => {
      // ollama 0.6 logs lines it cannot parse and goes on: the broken line shows in that warning.
      const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
      await setFaults([{ kind: 'malformed', afterTokens: 2 }]);

      const { sawDone } = await readOllamaStream(await ollamaStream(8));

      expect(warn).toHaveBeenCalledWith('invalid json: ', '{"model": broken');
      expect(sawDone).toBe(true);
      warn.mockRestore();
    });

    it('truncates a whole answer: both clients throw a JSON parse error', async () => {
      await setFaults([{ kind: 'malformed', afterTokens: 0 }]);

      const openAiError = await chat().catch((caught: unknown) => caught);
      const ollamaError = await ollamaChat().catch((caught: unknown) => caught);

      expect(openAiError).toBeInstanceOf(SyntaxError);
      // Thrown by fetch's response.json(), from outside jest's realm: matched by name.
      expect(ollamaError).toMatchObject({ name: 'SyntaxError' });
    });
  });

  describe('/admin/faults', () => {
    it('lists the faults with their defaults and the hits left', async () => {
      await setFaults([{ kind: 'cut', afterTokens: 4, count: 2 }]);
      await streamChat(2).then(readOpenAiStream);

      const listed = await (await fetch(`${server.url}/admin/faults`)).json();

      expect(listed).toEqual({ faults: [{ kind: 'cut', afterTokens: 4, target: 'chat', fraction: 1, count: 1 }] });
    });

    it('answers 400 with what to change for an invalid fault, and keeps the faults it had', async () => {
      await setFaults([{ kind: 'stall', afterTokens: 1, durationMs: 10 }]);

      const response = await fetch(`${server.url}/admin/faults`, {
        method: 'POST',
        body: JSON.stringify({ faults: [{ kind: 'status', status: 404 }] }),
      });
      const listed = await (await fetch(`${server.url}/admin/faults`)).json();

      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: 'faults[0].status: expected status 429, 500 or 503' });
      expect(listed).toEqual({
        faults: [{ kind: 'stall', afterTokens: 1, durationMs: 10, target: 'chat', fraction: 1 }],
      });
    });

    it('is never hit by faults itself', async () => {
      await setFaults([{ kind: 'status', status: 500, target: 'all' }]);

      const response = await fetch(`${server.url}/admin/faults`);

      expect(response.status).toBe(200);
    });
  });
});

describe('local-llm: fault injection switched off or set at start', () => {
  it('has no /admin/faults without --admin: a 404 like any unknown route', async () => {
    const response = await fetch(`${sharedServerUrl()}/admin/faults`, {
      method: 'POST',
      body: JSON.stringify({ faults: [{ kind: 'status', status: 503 }] }),
    });

    expect(response.status).toBe(404);
  });

  it('applies faults given with --faults from the start', async () => {
    const server = await startLocalLlm([
      '--faults',
      JSON.stringify([{ kind: 'status', status: 503, target: 'embeddings', count: 1 }]),
    ]);
    try {
      const openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });

      const first = await openai.embeddings.create({ model: MODEL, input: 'debt' }).catch((caught: unknown) => caught);
      const second = await openai.embeddings.create({ model: MODEL, input: 'debt' }).catch((caught: unknown) => caught);

      expect((first as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
      // A failure shows its status and the server's log (CI once saw an error here, without either).
      expect(
        second instanceof Error ? `${second.message}\n${server.output()}` : (second as { data: unknown[] }).data.length,
      ).toBe(1);
      expect(server.output()).toContain('Fault injection');
    } finally {
      await server.stop();
    }
  });

  it('refuses to start with an invalid --faults, and says so naming the flag', async () => {
    const failure = await startLocalLlm(['--faults', '[{"kind":"stall"}]']).catch((caught: unknown) => caught);

    expect((failure as Error).message).toContain('--faults (LOCAL_LLM_FAULTS): [0].afterTokens: expected afterTokens');
  });
});
