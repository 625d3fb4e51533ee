import type { GenerationRequest } from '@rma/generation-queue';
import { z } from 'zod';
import type { FoundChunk } from '../vector-store/chunk-store';

// The prompts of the answer, and of the agentic ask's plan and synthesis.

const ANSWER_SYSTEM =
  'You help debt advisers in the UK by answering their questions from extracts of the advice manuals. ' +
  'Use only the numbered extracts; cite them like [1] or [2][3]. Copy amounts, limits and time periods ' +
  'exactly. If the extracts do not answer the question, say that the manuals do not cover it rather ' +
  'than guess. Be brief and plain.';

function extracts(chunks: FoundChunk[]): string {
  if (chunks.length === 0) return '(no extracts found)';
  return chunks.map((chunk, index) => `[${index + 1}] ${headerOf(chunk)}\n${chunk.text}`).join('\n\n');
}

/** A manual's title; a client document's type and title, so the model tells the client's facts from the rules. */
function headerOf(chunk: FoundChunk): string {
  const documentType = chunk.metadata['clientId'] ? chunk.metadata['documentType'] : undefined;
  return documentType ? `Client's document (${documentType}): ${chunk.metadata.title}` : chunk.metadata.title;
}

export function answerRequest(question: string, chunks: FoundChunk[], maxTokens: number): GenerationRequest {
  return {
    messages: [
      { role: 'system', content: ANSWER_SYSTEM },
      { role: 'user', content: `Extracts from the manuals:\n\n${extracts(chunks)}\n\nQuestion: ${question}` },
    ],
    temperature: 0.1,
    maxTokens,
  };
}

export const planSchema = (maxSteps: number) =>
  z.object({
    reasoning: z
      .string()
      .min(1)
      .max(600)
      .describe('Why the question splits into these searches, in a sentence or two.'),
    subQueries: z
      .array(z.string().min(3).max(200))
      .min(1)
      .max(maxSteps)
      .describe('Short searches of the manuals that together answer the question.'),
  });

export function planRequest(question: string, maxSteps: number): GenerationRequest {
  return {
    messages: [
      {
        role: 'system',
        content:
          "You plan searches of UK debt advice manuals. Split the adviser's question into at most " +
          `${maxSteps} short, self-contained searches (one per option, rule or figure it needs).`,
      },
      { role: 'user', content: question },
    ],
    temperature: 0,
  };
}

export const synthesisSchema = z.object({
  answer: z.string().min(1).max(3000).describe('The answer, citing extracts like [1].'),
  confidence: z.number().min(0).max(1).describe('How fully the extracts support the answer: 1 fully, 0 not at all.'),
});

export function synthesisRequest(question: string, reasoning: string, chunks: FoundChunk[]): GenerationRequest {
  return {
    messages: [
      { role: 'system', content: ANSWER_SYSTEM },
      {
        role: 'user',
        content: `Extracts from the manuals:\n\n${extracts(chunks)}\n\nPlan: ${reasoning}\n\nQuestion: ${question}`,
      },
    ],
    temperature: 0.1,
  };
}
