import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { setFaults, startLocalLlm } from '@rma/testing';
import type { StartedServer } from '@rma/testing';

// scripted-answer is a fake: no real server can be made to give a chosen answer. It lets tests of
// clients that check a model's answer (a transcription against OCR) see a faithful answer and a loop.

const MODEL = 'llama3.2';
const messages = [{ role: 'user' as const, content: 'Transcribe this letter.' }];
// The simulated engine counts a run of letters and digits, or one other character, as a token.
const TRANSCRIPTION = 'Dear Ms Smith, your balance is £120.';
const TRANSCRIPTION_TOKENS = 10;
// Four tokens a repetition.
const LOOP = ' I am stuck.';
const ONE_PIXEL_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';

/** Reads an openai chat stream: its text, finish reasons and the usage of its last chunk. */
async function readOpenAiStream(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>) {
  let text = '';
  const finishReasons: string[] = [];
  let usage: OpenAI.CompletionUsage | null | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    if (chunk.choices[0]?.finish_reason) finishReasons.push(chunk.choices[0].finish_reason);
    usage = chunk.usage ?? usage;
  }
  return { text, finishReasons, usage };
}

/** Reads an ollama chat stream: its text and its last part (done, counts). */
async function readOllamaStream<Part extends { message: { content: string }; done: boolean }>(
  stream: AsyncIterable<Part>,
) {
  let text = '';
  let last: Part | undefined;
  for await (const part of stream) {
    text += part.message.content;
    last = part;
  }
  return { text, last };
}

describe('local-llm scripted-answer fault (sim engine): chosen text through the openai and ollama clients', () => {
  let server: StartedServer;
  let openai: OpenAI;
  let ollama: Ollama;

  beforeAll(async () => {
    server = await startLocalLlm(['--admin', '--engine', 'sim', '--profile', 'fast']);
    openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    ollama = new Ollama({ host: server.url });
  });
  afterEach(async () => {
    await setFaults(server.url, []);
  });
  afterAll(async () => {
    await server?.stop();
  });

  describe('a faithful answer', () => {
    beforeEach(async () => {
      await setFaults(server.url, [{ kind: 'scripted-answer', text: TRANSCRIPTION }]);
    });

    it('comes back whole from /v1/chat/completions, finish stop, usage counting its tokens', async () => {
      const completion = await openai.chat.completions.create({ model: MODEL, messages, max_tokens: 200 });

      expect(completion.choices[0].message.content).toBe(TRANSCRIPTION);
      expect(completion.choices[0].finish_reason).toBe('stop');
      expect(completion.usage?.completion_tokens).toBe(TRANSCRIPTION_TOKENS);
      expect(completion.usage?.total_tokens).toBe((completion.usage?.prompt_tokens ?? 0) + TRANSCRIPTION_TOKENS);
    });

    it('streams from /v1/chat/completions a token a chunk, then finish stop and usage', async () => {
      const stream = await openai.chat.completions.create({
        model: MODEL,
        messages,
        stream: true,
        stream_options: { include_usage: true },
      });

      const { text, finishReasons, usage } = await readOpenAiStream(stream);

      expect(text).toBe(TRANSCRIPTION);
      expect(finishReasons).toEqual(['stop']);
      expect(usage?.completion_tokens).toBe(TRANSCRIPTION_TOKENS);
    });

    it('comes back from /v1/completions too, streamed or not', async () => {
      const completion = await openai.completions.create({ model: MODEL, prompt: 'Dear', max_tokens: 50 });
      const stream = await openai.completions.create({ model: MODEL, prompt: 'Dear', max_tokens: 50, stream: true });
      let streamed = '';
      for await (const chunk of stream) streamed += chunk.choices[0]?.text ?? '';

      expect(completion.choices[0]).toMatchObject({ text: TRANSCRIPTION, finish_reason: 'stop' });
      expect(completion.usage?.completion_tokens).toBe(TRANSCRIPTION_TOKENS);
      expect(streamed).toBe(TRANSCRIPTION);
    });

    it('comes back whole from /api/chat with done_reason stop and eval_count its tokens', async () => {
      const response = await ollama.chat({ model: MODEL, messages, stream: false });

      expect(response.message.content).toBe(TRANSCRIPTION);
      expect(response.done_reason).toBe('stop');
      expect(response.eval_count).toBe(TRANSCRIPTION_TOKENS);
    });

    it('streams from /api/chat, the last part done with the counts', async () => {
      const { text, last } = await readOllamaStream(await ollama.chat({ model: MODEL, messages, stream: true }));

      expect(text).toBe(TRANSCRIPTION);
      expect(last).toMatchObject({ done: true, done_reason: 'stop', eval_count: TRANSCRIPTION_TOKENS });
    });

    it('comes back from /api/generate, for a request with an image', async () => {
      const response = await ollama.generate({
        model: MODEL,
        prompt: 'Transcribe this letter.',
        images: [ONE_PIXEL_PNG],
        stream: false,
      });

      expect(response.response).toBe(TRANSCRIPTION);
      expect(response.done_reason).toBe('stop');
    });
  });

  describe('a loop (repeat)', () => {
    beforeEach(async () => {
      await setFaults(server.url, [{ kind: 'scripted-answer', text: LOOP, repeat: 1000 }]);
    });

    it('is cut at max_tokens with finish length on /v1/chat/completions, streamed or not', async () => {
      const completion = await openai.chat.completions.create({ model: MODEL, messages, max_tokens: 25 });
      const streamed = await readOpenAiStream(
        await openai.chat.completions.create({
          model: MODEL,
          messages,
          max_tokens: 25,
          stream: true,
          stream_options: { include_usage: true },
        }),
      );

      // Six whole repetitions and the first token of the seventh.
      const expected = `${LOOP.repeat(6)} I`;
      expect(completion.choices[0]).toMatchObject({ message: { content: expected }, finish_reason: 'length' });
      expect(completion.usage?.completion_tokens).toBe(25);
      expect(streamed).toEqual({ text: expected, finishReasons: ['length'], usage: expect.anything() });
      expect(streamed.usage?.completion_tokens).toBe(25);
    });

    it('is cut at num_predict with done_reason length on /api/chat, streamed or not', async () => {
      const whole = await ollama.chat({ model: MODEL, messages, stream: false, options: { num_predict: 25 } });
      const { text, last } = await readOllamaStream(
        await ollama.chat({ model: MODEL, messages, stream: true, options: { num_predict: 25 } }),
      );

      expect(whole.message.content).toBe(`${LOOP.repeat(6)} I`);
      expect(whole).toMatchObject({ done_reason: 'length', eval_count: 25 });
      expect(text).toBe(`${LOOP.repeat(6)} I`);
      expect(last).toMatchObject({ done_reason: 'length', eval_count: 25 });
    });

    it('sends every repetition, finish stop, when they fit in max_tokens', async () => {
      await setFaults(server.url, [{ kind: 'scripted-answer', text: LOOP, repeat: 3 }]);

      const completion = await openai.chat.completions.create({ model: MODEL, messages, max_tokens: 25 });

      expect(completion.choices[0]).toMatchObject({ message: { content: LOOP.repeat(3) }, finish_reason: 'stop' });
      expect(completion.usage?.completion_tokens).toBe(12);
    });
  });

  it('answers only `count` requests, then the engine answers again', async () => {
    await setFaults(server.url, [{ kind: 'scripted-answer', text: TRANSCRIPTION, count: 1 }]);

    const first = await openai.chat.completions.create({ model: MODEL, messages, max_tokens: 12 });
    const second = await openai.chat.completions.create({ model: MODEL, messages, max_tokens: 12 });

    expect(first.choices[0].message.content).toBe(TRANSCRIPTION);
    expect(second.choices[0].message.content).not.toBe(TRANSCRIPTION);
    expect(second.usage?.completion_tokens).toBe(12);
  });

  it('is refused on a target other than chat, with a message that says what to change', async () => {
    const response = await fetch(`${server.url}/admin/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ faults: [{ kind: 'scripted-answer', text: 'hi', target: 'embeddings' }] }),
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: expect.stringContaining(
        'faults[0].target: scripted-answer replaces generated text, which only chat and completion routes have',
      ),
    });
  });
});

describe('local-llm scripted-answer fault (llama.cpp engine): its own tokenizer counts the text', () => {
  let server: StartedServer;
  let openai: OpenAI;
  let ollama: Ollama;

  beforeAll(async () => {
    server = await startLocalLlm(['--admin']);
    openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    ollama = new Ollama({ host: server.url });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('returns the text with finish stop, and cuts a loop within max_tokens with finish length', async () => {
    await setFaults(server.url, [{ kind: 'scripted-answer', text: TRANSCRIPTION, count: 1 }]);
    const faithful = await openai.chat.completions.create({ model: MODEL, messages, max_tokens: 100 });
    await setFaults(server.url, [{ kind: 'scripted-answer', text: LOOP, repeat: 1000, count: 1 }]);
    const { text, last } = await readOllamaStream(
      await ollama.chat({ model: MODEL, messages, stream: true, options: { num_predict: 30 } }),
    );

    expect(faithful.choices[0]).toMatchObject({ message: { content: TRANSCRIPTION }, finish_reason: 'stop' });
    expect(faithful.usage?.completion_tokens).toBeGreaterThanOrEqual(TRANSCRIPTION_TOKENS);
    expect(last).toMatchObject({ done: true, done_reason: 'length' });
    expect(last?.eval_count).toBeLessThanOrEqual(30);
    expect(text.length).toBeGreaterThan(LOOP.length);
    expect(LOOP.repeat(1000).startsWith(text)).toBe(true);
  });
});
