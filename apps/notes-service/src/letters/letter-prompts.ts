import type { GenerationRequest } from '@rma/generation-queue';
import type { CaseFacts, LetterSections } from './letter.schemas';

// The prompts of the two calls (facts, then letter) and the optional rewrite. Notes reach only the
// facts call: the letter is written from the facts, so its amounts and dates can only come from them.
// No max_tokens: the schemas bound every string and list, and the server then allows what is left of
// the model's context (a fixed cap would either cut the JSON or refuse small-context models).

export interface LetterParties {
  clientName: string;
  adviserName?: string;
  organisation?: string;
}

const FACTS_SYSTEM =
  'You read case notes written by a debt adviser in the UK and extract facts as JSON. Copy amounts and ' +
  'dates exactly as the notes give them. Never guess: leave a list empty rather than invent an entry. ' +
  'Adviser shorthand: CT = council tax, CCJ = county court judgment, DRO = debt relief order, ' +
  'IVA = individual voluntary arrangement, "cl" = client.';

const LETTER_SYSTEM =
  'You write letters from a debt advice service to its client, in plain English for a reading age of 12 ' +
  'to 14: short sentences (under 15 words), everyday words, "you" for the client and "we" for the ' +
  'service. Use only the facts given. Copy every amount (with £) and date exactly from the facts and ' +
  'state no other amounts or dates. Be kind and clear; no legal jargon. Do not add a greeting or a ' +
  'signature: they are added for you.';

export function factsRequest(notes: string): GenerationRequest {
  return {
    messages: [
      { role: 'system', content: FACTS_SYSTEM },
      { role: 'user', content: `Case notes:\n<notes>\n${notes}\n</notes>` },
    ],
    temperature: 0,
  };
}

export function letterRequest(facts: CaseFacts, parties: LetterParties): GenerationRequest {
  return {
    messages: [
      { role: 'system', content: LETTER_SYSTEM },
      {
        role: 'user',
        content:
          `Write the sections of a letter to ${parties.clientName}` +
          (parties.organisation ? ` from ${parties.organisation}` : '') +
          `.\nFacts:\n${JSON.stringify(facts, null, 1)}`,
      },
    ],
    temperature: 0.3,
  };
}

export function rewriteRequest(sections: LetterSections, grade: number, targetGrade: number): GenerationRequest {
  return {
    messages: [
      { role: 'system', content: LETTER_SYSTEM },
      {
        role: 'user',
        content:
          `These letter sections read at grade ${grade}; rewrite them to grade ${targetGrade} or below: ` +
          'shorter sentences, simpler words. Keep every amount and date exactly as it is.\n' +
          JSON.stringify(sections, null, 1),
      },
    ],
    temperature: 0.2,
  };
}
