import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import { BaseChatModel, type BaseChatModelCallOptions } from '@langchain/core/language_models/chat_models';
import { AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import type { SamplingOptions } from '../backends/llm-backend';
import type { LlmClient } from '../llm-client';

export interface ResilientChatModelFields extends SamplingOptions {
  role?: 'chat' | 'vision';
}

/**
 * A LangChain chat model for chains and agents that goes through LlmClient: the same timeouts,
 * retries, breakers and fallback as the typed facade. The backend that served a call is in
 * `response_metadata.backend`.
 */
export class ResilientChatModel extends BaseChatModel {
  constructor(
    private readonly client: LlmClient,
    private readonly fields: ResilientChatModelFields = {},
  ) {
    super({});
  }

  _llmType(): string {
    return 'rma-llm-provider';
  }

  async _generate(messages: BaseMessage[], options: this['ParsedCallOptions']): Promise<ChatResult> {
    const result = await this.client.chatMessages(messages, this.sampling(options), {
      signal: options.signal,
      role: this.fields.role,
    });
    result.message.response_metadata = { ...result.message.response_metadata, backend: result.backend };
    return { generations: [{ text: result.text, message: result.message }] };
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    for await (const event of this.client.streamMessages(messages, this.sampling(options), {
      signal: options.signal,
      role: this.fields.role,
    })) {
      const chunk =
        event.type === 'chunk'
          ? event.chunk
          : new AIMessageChunk({
              content: '',
              response_metadata: { backend: event.end.backend, finish_reason: event.end.finishReason },
              usage_metadata: {
                input_tokens: event.end.usage.promptTokens,
                output_tokens: event.end.usage.completionTokens,
                total_tokens: event.end.usage.promptTokens + event.end.usage.completionTokens,
              },
            });
      const text = typeof chunk.content === 'string' ? chunk.content : '';
      yield new ChatGenerationChunk({ text, message: chunk });
      if (text) await runManager?.handleLLMNewToken(text);
    }
  }

  private sampling(options: BaseChatModelCallOptions): SamplingOptions {
    return { ...this.fields, stop: options.stop ?? this.fields.stop };
  }
}
