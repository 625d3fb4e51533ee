import { z } from 'zod';
import { llmEnvShape, llmOptionsFromEnv } from './llm.options';

describe('llmEnvShape', () => {
  const sut = z.object(llmEnvShape);

  it('reads an empty role provider as unset, so the role follows LLM_PROVIDER', () => {
    const env = sut.parse({
      LLM_PROVIDER: 'ollama',
      LLM_CHAT_PROVIDER: '',
      LLM_EMBEDDING_PROVIDER: '',
      LLM_VISION_PROVIDER: '',
    });

    const options = llmOptionsFromEnv(env);

    expect(options.roles.chat.provider).toBe('ollama');
    expect(options.roles.embedding.provider).toBe('ollama');
    expect(options.roles.vision.provider).toBe('ollama');
  });

  it('still refuses a role provider that is neither vllm nor ollama', () => {
    const result = sut.safeParse({ LLM_CHAT_PROVIDER: 'openai' });

    expect(result.success).toBe(false);
    expect(result.error?.issues[0].message).toBe('expected vllm or ollama');
  });
});
