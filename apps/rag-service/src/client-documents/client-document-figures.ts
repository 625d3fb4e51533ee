import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_REDIS, organisationScoped } from '@rma/service-core';
import type { Redis } from 'ioredis';
import type { DocumentFigure } from './document-figures';

/** Persisted key prefix of client documents' figures: renaming it needs a migration (stored figures vanish). */
export const CLIENT_FIGURES_KEY_PREFIX = 'rag:client-figures:';

/** Whose a client document is: the organisation that uploaded it and the client. */
export interface ClientOfOrganisation {
  organisation: string;
  clientId: string;
}

/**
 * The figures of each client document, one Redis key per document under its organisation and client. No
 * expiry: the figures live as long as the document and go when it is deleted. A document's key is only
 * ever read under the organisation and client that sent it, so one client's documentId never reads
 * another client's (or another organisation's) figures.
 */
@Injectable()
export class ClientDocumentFigures {
  constructor(@Inject(SERVICE_REDIS) private readonly redis: Redis) {}

  /** Replaces the document's figures; an empty list records a document that shows none. */
  async save(
    document: ClientOfOrganisation & { documentId: string; figures: readonly DocumentFigure[] },
  ): Promise<void> {
    await this.redis.set(keyOf(document, document.documentId), JSON.stringify(document.figures));
  }

  async remove(client: ClientOfOrganisation, documentId: string): Promise<void> {
    await this.redis.del(keyOf(client, documentId));
  }

  /** The documents' figures in the order asked; `missing` lists the ids this client has no record of. */
  async find(
    client: ClientOfOrganisation,
    documentIds: readonly string[],
  ): Promise<{ figures: DocumentFigure[]; missing: string[] }> {
    const ids = [...new Set(documentIds)];
    if (!ids.length) return { figures: [], missing: [] };
    const stored = await this.redis.mget(ids.map((documentId) => keyOf(client, documentId)));
    const figures: DocumentFigure[] = [];
    const missing: string[] = [];
    ids.forEach((documentId, index) => {
      const raw = stored[index];
      if (raw === null || raw === undefined) missing.push(documentId);
      else figures.push(...(JSON.parse(raw) as DocumentFigure[]));
    });
    return { figures, missing };
  }
}

// clientId matches CLIENT_ID (no ':' or '.'), so a client's keys never run into another's; a local
// organisation's keep the form they had before tenancy.
function keyOf(client: ClientOfOrganisation, documentId: string): string {
  return `${CLIENT_FIGURES_KEY_PREFIX}${organisationScoped(client.organisation, client.clientId)}:${documentId}`;
}
