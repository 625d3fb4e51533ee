import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { metricValue, sharedServerUrl } from '@rma/testing';

// local-llm's engines do not look at images, but it checks and counts the ones it receives, so that a
// client's tests can assert that images reached the server in the form each API expects.

const MODEL = 'llama3.2';
const ONE_PIXEL_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
// The first bytes of a JPEG file (SOI and an APP0 marker): enough for a server that reads signatures.
const JPEG_BYTES = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]);
const NOT_AN_IMAGE = Buffer.from('%PDF-1.7 a PDF is no image').toString('base64');

const images = (api: 'openai' | 'ollama', baseUrl: string) =>
  metricValue(baseUrl, 'local_llm_images_total', `api="${api}"`);

describe('local-llm: images received, counted in /metrics and X-Local-Llm-Images', () => {
  const baseUrl = sharedServerUrl();
  const openai = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: 'unused', maxRetries: 0 });
  // The ollama client does not show response headers: its fetch keeps the last response's.
  let lastHeaders = new Headers();
  const ollama = new Ollama({
    host: baseUrl,
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      lastHeaders = response.headers;
      return response;
    },
  });

  describe("vLLM's API: image_url content parts", () => {
    it('counts data: URLs and http(s) URLs across messages', async () => {
      const before = await images('openai', baseUrl);

      const { data: completion, response } = await openai.chat.completions
        .create({
          model: MODEL,
          max_tokens: 2,
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: 'Transcribe these pages.' },
                { type: 'image_url', image_url: { url: `data:image/png;base64,${ONE_PIXEL_PNG}` } },
                { type: 'image_url', image_url: { url: 'https://example.org/page-2.jpg' } },
              ],
            },
            { role: 'assistant', content: 'Page one says hello.' },
            {
              role: 'user',
              content: [
                {
                  type: 'image_url',
                  image_url: { url: `data:image/jpeg;base64,${Buffer.from(JPEG_BYTES).toString('base64')}` },
                },
              ],
            },
          ],
        })
        .withResponse();

      expect(completion.usage?.completion_tokens).toBe(2);
      expect(response.headers.get('x-local-llm-images')).toBe('3');
      expect(await images('openai', baseUrl)).toBe(before + 3);
    });

    it('says 0 for a request with no image, and counts nothing', async () => {
      const before = await images('openai', baseUrl);

      const { response } = await openai.chat.completions
        .create({ model: MODEL, max_tokens: 2, messages: [{ role: 'user', content: 'hello' }] })
        .withResponse();

      expect(response.headers.get('x-local-llm-images')).toBe('0');
      expect(await images('openai', baseUrl)).toBe(before);
    });

    it.each([
      ['bytes that are no image', `data:image/png;base64,${NOT_AN_IMAGE}`, 'decodes to bytes that are no PNG, JPEG'],
      ['base64 that is broken', 'data:image/png;base64,iVBOR!!w0KGgo=', 'illegal base64 data at input byte 5'],
      ['raw base64 without the data: URL', ONE_PIXEL_PNG, 'expected an http(s) URL or a data URL'],
    ])('answers 400 BadRequestError naming the part for %s', async (_case, url, problem) => {
      const before = await images('openai', baseUrl);

      const error = await openai.chat.completions
        .create({
          model: MODEL,
          max_tokens: 2,
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: 'Transcribe this.' },
                { type: 'image_url', image_url: { url } },
              ],
            },
          ],
        })
        .catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect((error as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
        type: 'BadRequestError',
        code: 400,
        message: expect.stringContaining('messages.0.content.1.image_url.url: '),
      });
      expect((error as Error).message).toContain(problem);
      expect(await images('openai', baseUrl)).toBe(before);
    });
  });

  describe("Ollama's API: base64 images on messages and on generate", () => {
    it('counts images on chat messages, the bytes the client encoded as base64', async () => {
      const before = await images('ollama', baseUrl);

      const response = await ollama.chat({
        model: MODEL,
        stream: false,
        options: { num_predict: 2 },
        messages: [
          {
            role: 'user',
            content: 'Transcribe these pages.',
            images: [Buffer.from(ONE_PIXEL_PNG, 'base64'), JPEG_BYTES],
          },
          { role: 'assistant', content: 'Done.' },
          { role: 'user', content: 'And this one.', images: [JPEG_BYTES] },
        ],
      });

      expect(response.eval_count).toBe(2);
      expect(lastHeaders.get('x-local-llm-images')).toBe('3');
      expect(await images('ollama', baseUrl)).toBe(before + 3);
    });

    it('counts images on /api/generate, streamed', async () => {
      const before = await images('ollama', baseUrl);

      const stream = await ollama.generate({
        model: MODEL,
        prompt: 'Transcribe this page.',
        images: [ONE_PIXEL_PNG],
        stream: true,
        options: { num_predict: 2 },
      });
      for await (const part of stream) if (part.done) expect(part.eval_count).toBe(2);

      expect(lastHeaders.get('x-local-llm-images')).toBe('1');
      expect(await images('ollama', baseUrl)).toBe(before + 1);
    });

    it.each([
      ['a data: URL where Ollama takes bare base64', `data:image/png;base64,${ONE_PIXEL_PNG}`, 'input byte 4'],
      ['bytes that are no image', NOT_AN_IMAGE, 'decodes to bytes that are no PNG, JPEG'],
      ['base64 without its padding', ONE_PIXEL_PNG.replace(/=+$/, ''), 'is its = padding missing?'],
    ])("answers 400 in Ollama's error shape for %s", async (_case, image, problem) => {
      const before = await images('ollama', baseUrl);

      const chatError = await ollama
        .chat({ model: MODEL, stream: false, messages: [{ role: 'user', content: 'Read it.', images: [image] }] })
        .catch((caught: unknown) => caught);
      const generateError = await ollama
        .generate({ model: MODEL, stream: false, prompt: 'Read it.', images: [ONE_PIXEL_PNG, image] })
        .catch((caught: unknown) => caught);

      expect(chatError).toMatchObject({ name: 'ResponseError', status_code: 400 });
      expect((chatError as Error).message).toMatch(/^messages\.0\.images\.0: /);
      expect((chatError as Error).message).toContain(problem);
      expect(generateError).toMatchObject({ name: 'ResponseError', status_code: 400 });
      expect((generateError as Error).message).toMatch(/^images\.1: /);
      expect(await images('ollama', baseUrl)).toBe(before);
    });
  });
});
