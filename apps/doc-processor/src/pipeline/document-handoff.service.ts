import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import {
  DOCUMENT_DELETED_PATTERN,
  DOCUMENT_PROCESSED_PATTERN,
  DocumentDeleted,
  DocumentIndexedReply,
  DocumentProcessed,
  documentIndexedReplySchema,
  redisOptionsFromUrl,
} from '@rma/service-core';
import { firstValueFrom, timeout } from 'rxjs';
import type { DocProcessorEnv } from '../config/env.schema';

/** Longest wait for the transport client to close at shutdown. */
const CLOSE_WAIT_MS = 2_000;

/**
 * Sends finished and deleted client documents to rag-service over Nest's Redis transport. Request and
 * reply, not an event: only rag-service's reply says the document is indexed, so a caller retries until
 * it comes (a pub/sub event sent while rag-service is down would be lost).
 */
@Injectable()
export class DocumentHandoffService implements OnApplicationShutdown {
  private readonly client: ClientProxy;
  private readonly timeoutMs: number;

  constructor(config: ConfigService<DocProcessorEnv, true>) {
    this.client = ClientProxyFactory.create({
      transport: Transport.REDIS,
      options: { ...redisOptionsFromUrl(config.get('REDIS_URL', { infer: true })), retryAttempts: 0 },
    });
    this.timeoutMs = config.get('HANDOFF_TIMEOUT_MS', { infer: true });
  }

  processed(document: DocumentProcessed): Promise<DocumentIndexedReply> {
    return this.send(DOCUMENT_PROCESSED_PATTERN, document);
  }

  deleted(document: DocumentDeleted): Promise<DocumentIndexedReply> {
    return this.send(DOCUMENT_DELETED_PATTERN, document);
  }

  /** Closes the transport client; with Redis down its close fails or waits, and there is nothing to flush. */
  async onApplicationShutdown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.client.close().catch(() => undefined),
      new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS))),
    ]);
    clearTimeout(timer);
  }

  private async send(pattern: string, payload: unknown): Promise<DocumentIndexedReply> {
    const reply = await firstValueFrom(this.client.send(pattern, payload).pipe(timeout(this.timeoutMs)));
    return documentIndexedReplySchema.parse(reply);
  }
}
