import { SimEngine } from '../engine/sim/sim-engine';
import { SIM_PROFILES } from '../engine/sim/sim-profiles';
import type { GenerationRequest } from '../engine/engine.types';
import { faultSchema } from './fault.schema';
import type { ScriptedAnswerFault } from './fault.schema';
import { generateScriptedAnswer } from './scripted-answer';

// The simulated engine counts a run of letters and digits, or one other character, as a token: the
// counts below are exact.
const TRANSCRIPTION = 'Dear Ms Smith, your balance is £120.';
const TRANSCRIPTION_TOKENS = 10;

const script = (fields: Record<string, unknown>) =>
  faultSchema.parse({ kind: 'scripted-answer', ...fields }) as ScriptedAnswerFault;

const ask = (extra: Partial<GenerationRequest> = {}): GenerationRequest => ({
  input: { kind: 'chat', messages: [{ role: 'user', content: 'Transcribe this letter.' }] },
  signal: new AbortController().signal,
  ...extra,
});

describe(generateScriptedAnswer.name, () => {
  let engine: SimEngine;

  beforeEach(() => {
    engine = new SimEngine({ profile: SIM_PROFILES.fast, policy: 'fcfs', timeScale: 0.01 });
  });
  afterEach(async () => {
    await engine.close();
  });

  it("answers with the text, a token a chunk, counted by the engine's tokenizer, and finishes with stop", async () => {
    const chunks: string[] = [];
    let counted = 0;

    const result = await generateScriptedAnswer(
      engine,
      ask({ maxTokens: 100, onText: (text) => chunks.push(text), onTokens: (count) => (counted += count) }),
      script({ text: TRANSCRIPTION }),
    );

    expect(result).toMatchObject({ text: TRANSCRIPTION, finishReason: 'stop', completionTokens: TRANSCRIPTION_TOKENS });
    expect(chunks.join('')).toBe(TRANSCRIPTION);
    expect(chunks).toHaveLength(TRANSCRIPTION_TOKENS);
    expect(counted).toBe(TRANSCRIPTION_TOKENS);
    // The prompt is the engine's own count: 3 words and a full stop, plus 4 for the chat template.
    expect(result.promptTokens).toBe(8);
  });

  it('repeats the text, cut at max_tokens with finish length', async () => {
    const result = await generateScriptedAnswer(
      engine,
      ask({ maxTokens: 25 }),
      script({ text: ' I am stuck.', repeat: 1000 }),
    );

    // Four tokens a repetition: six whole ones and the first token of the seventh.
    expect(result).toMatchObject({ finishReason: 'length', completionTokens: 25 });
    expect(result.text).toBe(`${' I am stuck.'.repeat(6)} I`);
  });

  it('sends every repetition and finishes with stop when they fit', async () => {
    const result = await generateScriptedAnswer(engine, ask({ maxTokens: 25 }), script({ text: 'ab ', repeat: 3 }));

    expect(result).toMatchObject({ text: 'ab ab ab ', finishReason: 'stop', completionTokens: 3 });
  });

  it('stops at a full context when the request sets no max_tokens', async () => {
    const result = await generateScriptedAnswer(engine, ask(), script({ text: ' loop', repeat: 10_000 }));

    expect(result.finishReason).toBe('length');
    expect(result.promptTokens + result.completionTokens).toBe(engine.model.contextLength);
  });

  it('stops at a stop string and leaves it out, as a real server does', async () => {
    const result = await generateScriptedAnswer(
      engine,
      ask({ stop: ['balance'] }),
      script({ text: TRANSCRIPTION, repeat: 3 }),
    );

    expect(result).toMatchObject({ text: 'Dear Ms Smith, your ', finishReason: 'stop' });
  });

  it('refuses max_tokens beyond the context, as the engine would', async () => {
    await expect(
      generateScriptedAnswer(engine, ask({ maxTokens: engine.model.contextLength }), script({ text: 'hi' })),
    ).rejects.toMatchObject({ code: 'context_too_long' });
  });
});
