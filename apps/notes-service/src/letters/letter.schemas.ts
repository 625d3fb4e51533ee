import { z } from 'zod';

// What the model returns, validated at the worker (as JSON Schema) and here (as zod). The descriptions
// reach the model through the JSON Schema, so they are written as instructions. Every string and list
// is bounded: the server's constrained decoding then always closes the JSON within the token budget.

export const caseFactsSchema = z.object({
  summary: z
    .string()
    .min(1)
    .max(400)
    .describe("The client's situation in one or two plain sentences, without names, amounts or dates."),
  debts: z
    .array(
      z.object({
        creditor: z.string().min(1).max(80).describe('Who the money is owed to, as written in the notes.'),
        kind: z.string().min(1).max(40).describe('What the debt is for, e.g. council tax, energy, credit card.'),
        amount: z.number().min(0).max(100_000_000).describe('The amount owed in pounds, exactly as in the notes.'),
        priority: z.boolean().describe('True for priority debts: council tax, rent, mortgage, energy, fines, tax.'),
      }),
    )
    .max(12)
    .describe('Every debt the notes give an amount for; an empty list when there are none.'),
  deadlines: z
    .array(
      z.object({
        date: z.string().min(1).max(40).describe('The date exactly as written in the notes.'),
        what: z.string().min(1).max(120).describe('What must happen by then.'),
      }),
    )
    .max(8)
    .describe('Every dated deadline in the notes; an empty list when there are none.'),
  actions: z
    .array(
      z.object({
        who: z.enum(['client', 'adviser', 'creditor', 'other']),
        action: z.string().min(1).max(120).describe('What they will do, in a few words.'),
      }),
    )
    .max(8)
    .describe('Who agreed to do what.'),
});

export type CaseFacts = z.output<typeof caseFactsSchema>;

/** The letter's sections, in the order a client reads them. */
export const SECTION_KEYS = ['situation', 'whatWeWillDo', 'whatYouNeedToDo', 'nextSteps'] as const;
export type SectionKey = (typeof SECTION_KEYS)[number];

/** A section of a plain-language letter is a short paragraph or two. */
const SECTION_MAX_CHARS = 600;

export const letterSectionsSchema = z.object({
  situation: z
    .string()
    .min(1)
    .max(SECTION_MAX_CHARS)
    .describe('Your situation: what the client told us and what they owe, in short sentences.'),
  whatWeWillDo: z.string().min(1).max(SECTION_MAX_CHARS).describe('What we (the advice service) will do, and when.'),
  whatYouNeedToDo: z.string().min(1).max(SECTION_MAX_CHARS).describe('What the client needs to do, and by when.'),
  nextSteps: z.string().min(1).max(SECTION_MAX_CHARS).describe('What happens next and how to contact us.'),
});

export type LetterSections = z.output<typeof letterSectionsSchema>;

/** The headings a client sees. */
export const SECTION_HEADINGS: Record<SectionKey, string> = {
  situation: 'Your situation',
  whatWeWillDo: 'What we will do',
  whatYouNeedToDo: 'What you need to do',
  nextSteps: 'Next steps',
};
