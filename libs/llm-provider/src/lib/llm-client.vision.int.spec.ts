import { metricValue, StartedServer, startLocalLlm } from '@rma/testing';
import { z } from 'zod';
import { LlmClient } from './llm-client';
import type { StreamEvent } from './llm-client.types';
import { BackendKind, LlmProviderOptions, llmEnvShape, llmOptionsFromConfig } from './llm.options';
import { testOptions } from './testing-options';

// A real PNG and a real GIF: local-llm refuses an image whose bytes carry no image signature.
const ONE_PIXEL_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const ONE_PIXEL_GIF = 'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';
const API: Record<BackendKind, string> = { vllm: 'openai', ollama: 'ollama' };

// Two servers, so that a count on one of them says which backend the client picked. Each counts the
// images it accepted per API, and refuses with a 400 an image not in that API's form (vLLM: a data: URL
// in an image_url part; Ollama: bare base64 in `images`), so a count is also proof of the form.
let chatServer: StartedServer;
let visionServer: StartedServer;

beforeAll(async () => {
  [chatServer, visionServer] = await Promise.all([
    startLocalLlm([]),
    // Serves only the vision model's name: a vision call that reached it under chat's model would be a 404.
    startLocalLlm(['--served-model-name', 'llava']),
  ]);
});
afterAll(async () => {
  await Promise.all([chatServer?.stop(), visionServer?.stop()]);
});

/** Images each server has accepted so far, per API. */
async function imageCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const [name, server] of [
    ['chat', chatServer],
    ['vision', visionServer],
  ] as const) {
    const model = name === 'chat' ? 'llama3.2' : 'llava';
    for (const api of ['openai', 'ollama']) {
      counts[`${name}/${api}`] = await metricValue(
        server.url,
        'local_llm_images_total',
        `api="${api}",model_name="${model}"`,
      );
    }
  }
  return counts;
}

function delta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(after).map((key) => [key, after[key] - before[key]]));
}

describe.each<BackendKind>(['vllm', 'ollama'])('LlmClient vision on %s', (provider) => {
  let sut: LlmClient;

  beforeAll(() => {
    const options: LlmProviderOptions = testOptions({ provider, vllmUrl: chatServer.url, ollamaUrl: chatServer.url });
    options.roles.vision = { ...options.roles.vision, urls: [visionServer.url], model: 'llava' };
    sut = new LlmClient(options);
  });

  it("sends the images to the vision backend, in its API's form, and none to chat's", async () => {
    const before = await imageCounts();

    const result = await sut.chat(
      {
        messages: [{ role: 'user', content: 'What does this letter say?', images: [ONE_PIXEL_PNG, ONE_PIXEL_GIF] }],
        maxTokens: 3,
      },
      { role: 'vision' },
    );

    expect(result.backend).toMatchObject({ kind: provider, url: visionServer.url, model: 'llava' });
    expect(delta(before, await imageCounts())).toEqual({
      'chat/openai': 0,
      'chat/ollama': 0,
      'vision/openai': provider === 'vllm' ? 2 : 0,
      'vision/ollama': provider === 'ollama' ? 2 : 0,
    });
  });

  it('streams a vision answer from the vision backend, images counted there', async () => {
    const before = await imageCounts();

    const events: StreamEvent[] = [];
    for await (const event of sut.stream(
      { messages: [{ role: 'user', content: 'Read this page.', images: [ONE_PIXEL_PNG] }], maxTokens: 3 },
      { role: 'vision' },
    ))
      events.push(event);

    expect(events[events.length - 1]).toMatchObject({ type: 'end', backend: { url: visionServer.url } });
    expect(delta(before, await imageCounts())[`vision/${API[provider]}`]).toBe(1);
  });
});

describe('LlmClient vision role from the environment', () => {
  it('defaults vision to the Ollama API and the llava model while chat runs on vLLM', async () => {
    // Only the provider and URLs are set: no LLM_VISION_PROVIDER, no LLM_VISION_MODEL.
    const env = z
      .object(llmEnvShape)
      .parse({ LLM_PROVIDER: 'vllm', VLLM_URL: chatServer.url, OLLAMA_URL: visionServer.url });
    const sut = new LlmClient(llmOptionsFromConfig((key) => (env as Record<string, unknown>)[key]));
    const before = await imageCounts();

    const vision = await sut.chat(
      { messages: [{ role: 'user', content: 'What does this letter say?', images: [ONE_PIXEL_PNG] }], maxTokens: 3 },
      { role: 'vision' },
    );
    const chat = await sut.chat({ messages: [{ role: 'user', content: 'hello' }], maxTokens: 3 });

    expect(vision.backend).toMatchObject({ kind: 'ollama', url: visionServer.url, model: 'llava' });
    expect(chat.backend).toMatchObject({ kind: 'vllm', url: chatServer.url });
    expect(delta(before, await imageCounts())).toEqual({
      'chat/openai': 0,
      'chat/ollama': 0,
      'vision/openai': 0,
      'vision/ollama': 1,
    });
  });
});
