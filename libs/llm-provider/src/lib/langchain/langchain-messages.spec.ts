import { AIMessage, AIMessageChunk, HumanMessage, SystemMessage } from '@langchain/core/messages';
import { finishReasonOf, hasFinishReason, textOf, toLangChainMessages, usageOf } from './langchain-messages';

describe(toLangChainMessages.name, () => {
  it('maps roles to LangChain message classes and images to image_url parts', () => {
    const sut = toLangChainMessages([
      { role: 'system', content: 'be brief' },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: 'what is this?', images: ['AAAA'] },
    ]);

    expect(sut[0]).toBeInstanceOf(SystemMessage);
    expect(sut[1]).toBeInstanceOf(AIMessage);
    expect(sut[2]).toBeInstanceOf(HumanMessage);
    expect(sut[2].content).toEqual([
      { type: 'text', text: 'what is this?' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
    ]);
  });
});

describe('LangChain message fields', () => {
  it("reads vLLM's finish_reason and Ollama's done_reason, defaulting to stop", () => {
    expect(finishReasonOf(new AIMessage({ content: '', response_metadata: { finish_reason: 'length' } }))).toBe(
      'length',
    );
    expect(finishReasonOf(new AIMessage({ content: '', response_metadata: { done_reason: 'stop' } }))).toBe('stop');
    expect(finishReasonOf(undefined)).toBe('stop');
    expect(hasFinishReason(new AIMessageChunk({ content: 'a' }))).toBe(false);
    expect(hasFinishReason(new AIMessageChunk({ content: '', response_metadata: { done_reason: 'length' } }))).toBe(
      true,
    );
  });

  it('joins text parts and reads usage', () => {
    const message = new AIMessage({
      content: [
        { type: 'text', text: 'a' },
        { type: 'text', text: 'b' },
      ],
      usage_metadata: { input_tokens: 3, output_tokens: 2, total_tokens: 5 },
    });

    expect(textOf(message)).toBe('ab');
    expect(usageOf(message)).toEqual({ promptTokens: 3, completionTokens: 2 });
    expect(usageOf(undefined)).toEqual({ promptTokens: 0, completionTokens: 0 });
  });
});
