import { createHash } from 'node:crypto';
import type { GenerationInput } from '../engine.types';
import { tokenize } from './sim-text';

/**
 * The prompt as the sim engine's tokens. A chat message is wrapped as Llama 3's template wraps it
 * (header start, role, header end, content, end of turn): four tokens around its content.
 */
export function promptTokenList(input: GenerationInput): string[] {
  if (input.kind === 'completion') {
    const tokens = tokenize(input.prompt);
    // An empty prompt still has the begin-of-text token.
    return tokens.length > 0 ? tokens : ['<|begin_of_text|>'];
  }
  return input.messages.flatMap((message) => [
    '<|start_header_id|>',
    message.role,
    '<|end_header_id|>',
    ...tokenize(message.content),
    '<|eot_id|>',
  ]);
}

/**
 * One hash per full block of `blockSize` tokens, each over its parent's hash and its own tokens, so a
 * block's hash stands for the whole prefix up to its end (vLLM's hash_block_tokens). A partial last
 * block has none: only full blocks are cached.
 */
export function blockHashes(tokens: readonly string[], blockSize: number): string[] {
  const hashes: string[] = [];
  let parent = '';
  for (let end = blockSize; end <= tokens.length; end += blockSize) {
    parent = createHash('sha256')
      .update(parent)
      .update('\u0000')
      .update(tokens.slice(end - blockSize, end).join('\u0001'))
      .digest('base64');
    hashes.push(parent);
  }
  return hashes;
}
