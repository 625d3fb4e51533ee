import { ApiError } from '../http/api-error';
import { chatRequestSchema, embedRequestSchema, generateRequestSchema, readOllamaOptions } from './ollama.schemas';

describe('Ollama request bodies', () => {
  it('reads null as Go reads it: the zero value', () => {
    const sut = chatRequestSchema.parse({
      model: 'llama3.2',
      messages: [{ role: null, content: null, images: null }],
      stream: null,
      format: null,
      options: null,
      keep_alive: null,
    });

    expect(sut.messages).toEqual([{ role: '', content: '', images: null }]);
    expect(sut.stream).toBeNull();
    expect(chatRequestSchema.parse({ model: null, messages: null })).toMatchObject({ model: '', messages: [] });
    expect(generateRequestSchema.parse({ model: 'm', prompt: null, system: null })).toMatchObject({
      prompt: '',
      system: '',
    });
    expect(embedRequestSchema.parse({ model: 'm', input: null }).input).toBeNull();
  });

  it('takes any role, lowercased, as Message.UnmarshalJSON does', () => {
    expect(chatRequestSchema.parse({ model: 'm', messages: [{ role: 'Robot', content: 'hi' }] }).messages[0].role).toBe(
      'robot',
    );
  });
});

describe(readOllamaOptions.name, () => {
  it('checks no ranges, truncates integers and skips nulls, as api.Options.FromMap does', () => {
    expect(
      readOllamaOptions({
        temperature: -1,
        top_p: 7,
        top_k: -3,
        num_predict: 12.9,
        num_ctx: 1e9,
        seed: null,
        mirostat: 'x',
      }),
    ).toEqual({ temperature: -1, top_p: 7, top_k: -3, num_predict: 12, num_ctx: 1e9 });
    expect(readOllamaOptions(null)).toEqual({});
  });

  it.each([
    [{ temperature: 'hot' }, 'option "temperature" must be of type float32'],
    [{ num_predict: true }, 'option "num_predict" must be of type integer'],
    [{ stop: 'END' }, 'option "stop" must be of type array'],
    [{ stop: ['END', 3] }, 'option "stop" must be of an array of strings'],
  ])('fails %j with Ollama message and its status (500)', (options, message) => {
    let caught: unknown;
    try {
      readOllamaOptions(options);
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(ApiError);
    expect(caught).toMatchObject({ status: 500, message });
  });
});
