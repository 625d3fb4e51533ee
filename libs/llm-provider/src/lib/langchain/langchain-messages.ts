import { AIMessage, AIMessageChunk, BaseMessage, HumanMessage, SystemMessage } from '@langchain/core/messages';
import type { LlmMessage, Usage } from '../llm-client.types';

// vLLM (OpenAI) names it finish_reason, Ollama done_reason.
const FINISH_KEYS = ['finish_reason', 'done_reason'] as const;

/** The finish reason a message's metadata carries; `stop` when it carries none. */
export function finishReasonOf(message: BaseMessage | undefined): string {
  const metadata = (message?.response_metadata ?? {}) as Record<string, unknown>;
  for (const key of FINISH_KEYS) if (typeof metadata[key] === 'string') return metadata[key] as string;
  return 'stop';
}

/** Whether a chunk carries a finish reason (most stream chunks carry none). */
export function hasFinishReason(message: BaseMessage | undefined): boolean {
  return FINISH_KEYS.some((key) => key in (message?.response_metadata ?? {}));
}

export function usageOf(message: AIMessage | AIMessageChunk | undefined): Usage {
  return {
    promptTokens: message?.usage_metadata?.input_tokens ?? 0,
    completionTokens: message?.usage_metadata?.output_tokens ?? 0,
  };
}

export function textOf(message: BaseMessage): string {
  return typeof message.content === 'string'
    ? message.content
    : message.content.map((part) => ('text' in part && typeof part.text === 'string' ? part.text : '')).join('');
}

/** Our messages as LangChain's: images become image_url parts (vLLM) that Ollama's client turns into `images`. */
export function toLangChainMessages(messages: LlmMessage[]): BaseMessage[] {
  return messages.map((message) => {
    if (message.role === 'system') return new SystemMessage(message.content);
    if (message.role === 'assistant') return new AIMessage(message.content);
    if (!message.images?.length) return new HumanMessage(message.content);
    return new HumanMessage({
      content: [
        { type: 'text', text: message.content },
        ...message.images.map((image) => ({
          type: 'image_url' as const,
          image_url: { url: `data:image/png;base64,${image}` },
        })),
      ],
    });
  });
}
