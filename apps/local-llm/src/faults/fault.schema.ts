import { z } from 'zod';
import { LocalLlmConfigError } from '../config/local-llm.config';

const wholeNumber = (what: string, min: number, max: number) =>
  z
    .number({ error: `expected ${what}: a whole number from ${min} to ${max}` })
    .int({ error: `expected ${what}: a whole number from ${min} to ${max}` })
    .min(min, { error: `expected ${what}: a whole number from ${min} to ${max}` })
    .max(max, { error: `expected ${what}: a whole number from ${min} to ${max}` });

// Ten minutes: long enough for any client timeout worth testing, short enough that a typo ends.
const MAX_MS = 600_000;
const milliseconds = (what: string) => wholeNumber(what, 0, MAX_MS);

/** Which requests a fault hits; `chat` covers both APIs' generation routes. */
export const faultTargets = ['chat', 'embeddings', 'health', 'all'] as const;

const selection = {
  target: z.enum(faultTargets, { error: 'expected target chat, embeddings, health or all' }).default('chat'),
  fraction: z
    .number({ error: 'expected fraction: a number from 0 to 1 (the share of matching requests hit)' })
    .min(0, { error: 'expected fraction: a number from 0 to 1 (the share of matching requests hit)' })
    .max(1, { error: 'expected fraction: a number from 0 to 1 (the share of matching requests hit)' })
    .default(1),
  count: wholeNumber('count (hit only the next N matching requests)', 1, 1_000_000).optional(),
};

/** A strict object whose unknown keys get a message naming the fields that kind takes. */
function faultKind<const Kind extends string, Shape extends z.ZodRawShape>(kind: Kind, shape: Shape) {
  const allowed = ['kind', ...Object.keys(shape)].join(', ');
  return z.strictObject(
    { kind: z.literal(kind), ...shape },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `${kind} does not take ${issue.keys.join(', ')}: its fields are ${allowed}`
          : undefined,
    },
  );
}

const statusFault = faultKind('status', {
  status: z.union([z.literal(429), z.literal(500), z.literal(503)], { error: 'expected status 429, 500 or 503' }),
  retryAfterSeconds: wholeNumber('retryAfterSeconds', 0, 86_400).optional(),
  ...selection,
});

// The listener is the whole server's: choosing requests means nothing here, so those fields are refused.
const refuseConnectionsFault = z.strictObject(
  { kind: z.literal('refuse-connections'), durationMs: milliseconds('durationMs') },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `refuse-connections stops the whole listener at once and takes only durationMs: remove ${issue.keys.join(', ')}`
        : undefined,
  },
);

const delayFirstTokenFault = faultKind('delay-first-token', { delayMs: milliseconds('delayMs'), ...selection });

const afterTokens = wholeNumber('afterTokens (streamed text chunks before the fault)', 0, 1_000_000);

const stallFault = faultKind('stall', {
  afterTokens,
  durationMs: milliseconds('durationMs (leave it out to stall until the client goes away)').optional(),
  ...selection,
});

const cutFault = faultKind('cut', { afterTokens, ...selection });

const malformedFault = faultKind('malformed', { afterTokens, ...selection }).refine(
  (fault) => fault.target !== 'health',
  {
    error: 'malformed needs a JSON answer and /health has none: use target chat, embeddings or all',
    path: ['target'],
  },
);

// Long enough for a page's transcription; short enough that a set of faults stays a small JSON body.
const MAX_SCRIPT_CHARS = 100_000;

// A fake for behaviour no real server shows on demand: a chosen answer (a faithful transcription, or a
// vision model stuck repeating itself), so that tests of clients that check answers can see both.
const scriptedAnswerFault = faultKind('scripted-answer', {
  text: z
    .string({
      error: `expected text: the answer to send instead of generated text, at most ${MAX_SCRIPT_CHARS} characters`,
    })
    .max(MAX_SCRIPT_CHARS, {
      error: `expected text: the answer to send instead of generated text, at most ${MAX_SCRIPT_CHARS} characters`,
    }),
  repeat: wholeNumber('repeat (times the text is sent in a row, cut at max_tokens)', 1, 10_000).optional(),
  ...selection,
}).refine((fault) => fault.target === 'chat', {
  error:
    'scripted-answer replaces generated text, which only chat and completion routes have: use target chat or leave target out',
  path: ['target'],
});

const KINDS = 'status, refuse-connections, delay-first-token, stall, cut, malformed or scripted-answer';

/** One fault: what goes wrong, and which requests it hits. */
export const faultSchema = z.discriminatedUnion(
  'kind',
  [
    statusFault,
    refuseConnectionsFault,
    delayFirstTokenFault,
    stallFault,
    cutFault,
    malformedFault,
    scriptedAnswerFault,
  ],
  {
    error: (issue) => {
      if (issue.code === 'invalid_union') return `expected kind ${KINDS}`;
      if (issue.code === 'invalid_type') return `expected a fault object such as {"kind": "status", "status": 503}`;
      return undefined;
    },
  },
);

/** The admin endpoint's body: the whole new set of faults. */
export const faultSetSchema = z.strictObject(
  { faults: z.array(faultSchema, { error: 'expected faults: an array of faults' }) },
  { error: () => 'expected a body {"faults": [...]}' },
);

export type Fault = z.output<typeof faultSchema>;
export type FaultKind = Fault['kind'];
export type FaultTarget = (typeof faultTargets)[number];
/** The faults that act on a streamed response after some chunks. */
export type StreamFault = Extract<Fault, { kind: 'stall' | 'cut' | 'malformed' }>;
/** The fault that answers with given text instead of the engine's. */
export type ScriptedAnswerFault = Extract<Fault, { kind: 'scripted-answer' }>;

// Worded like the other flags' problems (config/local-llm.config.ts), so startup prints it the same way.
const invalidOption = (problem: string) =>
  new LocalLlmConfigError(`Invalid local-llm configuration:\n  - --faults (LOCAL_LLM_FAULTS): ${problem}`);

/** Reads `--faults` (LOCAL_LLM_FAULTS): a JSON array of faults, or nothing; a bad one stops startup. */
export function parseFaultsOption(json: string | undefined): Fault[] {
  if (json === undefined || json.trim() === '') return [];
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw invalidOption(
      `expected a JSON array of faults such as '[{"kind":"status","status":503}]' ` +
        `(${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const result = z.array(faultSchema, { error: 'expected a JSON array of faults' }).safeParse(value);
  if (result.success) return result.data;
  throw invalidOption(describeIssues(result.error));
}

/** One `path: message` per problem, joined with "; " (array indexes as `[0]`). */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
      return path ? `${path.replace(/^\./, '')}: ${issue.message}` : issue.message;
    })
    .join('; ');
}
