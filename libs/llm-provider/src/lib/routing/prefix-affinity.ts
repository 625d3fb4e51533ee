import { createHash } from 'node:crypto';
import type { BaseMessage } from '@langchain/core/messages';
import type { Replica } from '../backends/replica';

/**
 * The prefix a request shares with others of its kind: its leading system messages (the template: every
 * letter, every answer of one prompt), hashed with the model. vLLM caches a prompt's KV blocks from its
 * start, so requests that share this text reuse them on the replica that computed them. Undefined when
 * there is no such text, or too little to matter.
 */
export function prefixKeyOf(messages: readonly BaseMessage[], model: string, minChars: number): string | undefined {
  const leading: string[] = [];
  for (const message of messages) {
    if (message.getType() !== 'system') break;
    leading.push(typeof message.content === 'string' ? message.content : JSON.stringify(message.content));
  }
  const text = leading.join('\n');
  if (text.length < minChars) return undefined;
  return createHash('sha256').update(model).update('\0').update(text).digest('base64url').slice(0, 22);
}

/** Which replica took each prefix last: a map bounded to `maxEntries`, the least recently used forgotten first. */
export class PrefixAffinity {
  private readonly lastReplica = new Map<string, Replica>();

  constructor(private readonly maxEntries: number) {}

  get(key: string): Replica | undefined {
    const replica = this.lastReplica.get(key);
    if (replica) {
      // Re-inserted: a Map iterates in insertion order, so the first key is the least recently used.
      this.lastReplica.delete(key);
      this.lastReplica.set(key, replica);
    }
    return replica;
  }

  set(key: string, replica: Replica): void {
    this.lastReplica.delete(key);
    this.lastReplica.set(key, replica);
    if (this.lastReplica.size > this.maxEntries) {
      this.lastReplica.delete(this.lastReplica.keys().next().value as string);
    }
  }

  get size(): number {
    return this.lastReplica.size;
  }
}
