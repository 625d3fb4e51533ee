import { Embeddings } from '@langchain/core/embeddings';
import type { LlmClient } from '../llm-client';

/** LangChain embeddings (for vector stores and retrievers) that go through LlmClient's batching and fallback. */
export class ResilientEmbeddings extends Embeddings {
  constructor(private readonly client: LlmClient) {
    super({});
  }

  async embedDocuments(documents: string[]): Promise<number[][]> {
    return (await this.client.embed(documents, { use: 'bulk' })).vectors;
  }

  async embedQuery(document: string): Promise<number[]> {
    return (await this.client.embed([document])).vectors[0];
  }
}
