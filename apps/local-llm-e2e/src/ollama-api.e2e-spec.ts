import Ajv from 'ajv';
import { Ollama } from 'ollama';
import { metricValue, sharedServerUrl } from '@rma/testing';

// A 1x1 PNG: images are accepted on messages (the tiny model cannot see them).
const ONE_PIXEL_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';

describe("local-llm: Ollama's API through the official ollama client", () => {
  const baseUrl = sharedServerUrl();
  const sut = new Ollama({ host: baseUrl });

  it('says it is running, and lists its models and version', async () => {
    const root = await fetch(baseUrl);
    const tags = await sut.list();
    const version = await sut.version();

    expect(await root.text()).toBe('Ollama is running');
    expect(tags.models.map((model) => model.name)).toEqual([
      'llama3.2:latest',
      'meta-llama/Llama-3.2-3B-Instruct:latest',
    ]);
    expect(tags.models[0].details).toMatchObject({
      format: 'gguf',
      family: 'llama',
    });
    expect(version.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('answers a chat without streaming, with counts and nanosecond durations', async () => {
    const response = await sut.chat({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'What is an IVA?' }],
      stream: false,
      options: { num_predict: 9, temperature: 0 },
    });

    expect(response).toMatchObject({
      model: 'llama3.2',
      done: true,
      done_reason: 'length',
      eval_count: 9,
    });
    expect(response.message.role).toBe('assistant');
    expect(response.prompt_eval_count).toBeGreaterThan(3);
    expect(response.total_duration).toBeGreaterThan(1_000);
    expect(response.eval_duration).toBeGreaterThan(0);
  });

  it('streams a chat as NDJSON parts, the last with done and the counts', async () => {
    const stream = await sut.chat({
      model: 'llama3.2:latest',
      messages: [{ role: 'user', content: 'hello' }],
      stream: true,
      options: { num_predict: 6 },
    });
    const parts = [];
    for await (const part of stream) parts.push(part);

    const last = parts[parts.length - 1];
    expect(parts.slice(0, -1).every((part) => part.done === false)).toBe(true);
    expect(last).toMatchObject({
      done: true,
      done_reason: 'length',
      eval_count: 6,
    });
    expect(
      parts
        .slice(0, -1)
        .map((part) => part.message.content)
        .join('').length,
    ).toBeGreaterThan(0);
  });

  it('streams by default when the body leaves `stream` out, as Ollama does', async () => {
    const response = await fetch(`${baseUrl}/api/generate`, {
      method: 'POST',
      body: JSON.stringify({
        model: 'llama3.2',
        prompt: 'hi',
        options: { num_predict: 3 },
      }),
    });
    const lines = (await response.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));

    expect(response.headers.get('content-type')).toContain('application/x-ndjson');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines[lines.length - 1]).toMatchObject({
      done: true,
      eval_count: 3,
    });
  });

  it('generates from a prompt with a system message', async () => {
    const response = await sut.generate({
      model: 'llama3.2',
      prompt: 'Explain bankruptcy',
      system: 'You are a debt adviser.',
      stream: false,
      options: { num_predict: 4 },
    });

    expect(response).toMatchObject({
      done: true,
      done_reason: 'length',
      eval_count: 4,
    });
    expect(typeof response.response).toBe('string');
  });

  it('gives output that validates against a JSON schema format, and any JSON for format "json"', async () => {
    const schema = {
      type: 'object',
      // Bounded strings: a model with random weights would otherwise write one string until num_predict.
      properties: {
        deadline: { type: 'string', maxLength: 16 },
        action: { type: 'string', maxLength: 24 },
      },
      required: ['deadline', 'action'],
    };
    const structured = await sut.chat({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'What must I do by Friday?' }],
      format: schema,
      stream: false,
      options: { num_predict: 400 },
    });
    const anyJson = await sut.generate({
      model: 'llama3.2',
      prompt: 'json please',
      format: 'json',
      stream: false,
      options: { num_predict: 400 },
    });

    expect(new Ajv().validate(schema, JSON.parse(structured.message.content))).toBe(true);
    expect(structured.done_reason).toBe('stop');
    // Unbounded "json" may run out of tokens inside a string with random weights; when it stops on its
    // own it is JSON, and when cut it is still the start of a JSON object.
    const text = anyJson.response ?? '';
    if (anyJson.done_reason === 'stop') expect(() => JSON.parse(text)).not.toThrow();
    else expect(text).toMatch(/^\s*[{[]/);
  });

  it('accepts images on chat messages', async () => {
    const response = await sut.chat({
      model: 'llama3.2',
      messages: [
        {
          role: 'user',
          content: 'What does this letter say?',
          images: [ONE_PIXEL_PNG],
        },
      ],
      stream: false,
      options: { num_predict: 3 },
    });

    expect(response.eval_count).toBe(3);
  });

  it('embeds several texts in one call', async () => {
    const response = await sut.embed({
      model: 'llama3.2',
      input: ['rent arrears', 'council tax', 'rent arrears'],
    });

    expect(response.embeddings).toHaveLength(3);
    expect(response.embeddings[0]).toHaveLength(64);
    expect(response.embeddings[2]).toEqual(response.embeddings[0]);
    expect(response.embeddings[1]).not.toEqual(response.embeddings[0]);
  });

  it("answers 404 in Ollama's error shape for a model that is not there", async () => {
    const error = await sut
      .chat({
        model: 'mistral',
        messages: [{ role: 'user', content: 'hi' }],
        stream: false,
      })
      .catch((caught: unknown) => caught);

    expect(error).toMatchObject({
      name: 'ResponseError',
      status_code: 404,
      error: "model 'mistral' not found",
    });
  });

  it.each([
    ['a format that is neither "json" nor a schema', { format: 'xml' }, 'format'],
    ['top_logprobs above 20', { top_logprobs: 21 }, 'top_logprobs must be between 0 and 20'],
    ['no model', { model: null }, 'model is required'],
  ])('answers 400 with a message for %s', async (_case, change, field) => {
    const body = {
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'hi' }],
      stream: false,
      ...change,
    };

    const error = await sut.chat(body as never).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ name: 'ResponseError', status_code: 400 });
    expect((error as { error: string }).error).toContain(field);
  });

  it('takes what Ollama takes: nulls as zero values, any role, options it does not range-check', async () => {
    // The last line of the body: the whole body, or the closing line of a stream.
    const post = (path: string, body: unknown) =>
      fetch(`${baseUrl}${path}`, { method: 'POST', body: JSON.stringify(body) }).then(async (response) => ({
        status: response.status,
        body: JSON.parse((await response.text()).trim().split('\n').pop() ?? '') as Record<string, unknown>,
      }));

    const load = await post('/api/chat', { model: 'llama3.2', messages: null, stream: false });
    const odd = await post('/api/chat', {
      model: 'llama3.2',
      messages: [
        { role: 'Robot', content: null },
        { role: 'user', content: 'hi' },
      ],
      stream: null,
      format: null,
      options: { temperature: -1, top_p: 3, num_predict: 2.9, num_ctx: 1_000_000, seed: null },
    });
    const embedNothing = await post('/api/embed', { model: 'llama3.2', input: null });
    const embedNumbers = await post('/api/embed', { model: 'llama3.2', input: [1, 2] });
    const wrongType = await post('/api/chat', { model: 'llama3.2', messages: [], options: { temperature: 'hot' } });

    expect(load).toMatchObject({ status: 200, body: { done: true, done_reason: 'load' } });
    // stream: null is a nil pointer in Go: the default, a stream. Its last line holds the counts.
    expect(odd).toMatchObject({ status: 200, body: { done: true, done_reason: 'length', eval_count: 2 } });
    expect(embedNothing).toEqual({ status: 200, body: { model: 'llama3.2', embeddings: [] } });
    expect(embedNumbers).toEqual({ status: 400, body: { error: 'invalid input type' } });
    // Ollama fails an option of the wrong type from its scheduler, whose default branch answers 500.
    expect(wrongType).toEqual({ status: 500, body: { error: 'option "temperature" must be of type float32' } });
  });

  it('stops generating when the client aborts a stream, and frees the slot', async () => {
    const stream = await sut.chat({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'a long answer please' }],
      stream: true,
      options: { num_predict: 1500 },
    });
    let parts = 0;
    const consumed = (async () => {
      for await (const part of stream) {
        expect(part.done).toBe(false);
        parts += 1;
        if (parts === 3) stream.abort();
      }
    })().catch((error: unknown) => error);

    expect(await consumed).toMatchObject({ name: 'AbortError' });
    for (let i = 0; i < 100 && (await metricValue(baseUrl, 'vllm:num_requests_running')) !== 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await metricValue(baseUrl, 'vllm:num_requests_running')).toBe(0);
  });
});
