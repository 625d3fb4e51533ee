import { EngineError } from '../engine/engine.errors';
import type { FinishReason, GenerationRequest, GenerationResult, LlmEngine } from '../engine/engine.types';
import { splitIntoTokens } from '../engine/sim/sim-text';
import { StopStringMatcher } from '../engine/stop-strings';
import type { ScriptedAnswerFault } from './fault.schema';

interface Piece {
  text: string;
  tokens: number;
}

/**
 * Answers with a scripted-answer fault's text instead of generated text: a fake, since no real server
 * can be made to say chosen words. The engine still admits the request and reads its prompt (generating
 * one token, which is dropped), so queueing, 503 on a full queue, prompt token counts and timings are the
 * engine's own. The text is then sent `repeat` times, one chunk per piece (a run of letters and digits,
 * or one other character, with its leading white space), each piece counted with the engine's
 * tokenizer. As a real server would, it stops at a stop string (finish `stop`) and at max_tokens or a
 * full context (finish `length`, the last piece that does not fit left out).
 */
export async function generateScriptedAnswer(
  engine: LlmEngine,
  request: GenerationRequest,
  fault: ScriptedAnswerFault,
): Promise<GenerationResult> {
  const prefill = await engine.generate({
    ...request,
    maxTokens: 1,
    stop: undefined,
    onText: undefined,
    onTokens: undefined,
  });
  const room = engine.model.contextLength - prefill.promptTokens;
  if (request.maxTokens !== undefined && request.maxTokens > room) {
    throw new EngineError(
      'context_too_long',
      `This model's maximum context length is ${engine.model.contextLength} tokens. However, you requested ` +
        `${prefill.promptTokens + request.maxTokens} tokens (${prefill.promptTokens} in the messages, ` +
        `${request.maxTokens} in the completion). Please reduce the length of the messages or completion.`,
    );
  }
  const limit = request.maxTokens ?? room;
  const pieces = tokenPieces(engine, fault.text);
  const stops = new StopStringMatcher(request.stop ?? [], (text) => request.onText?.(text));
  let completionTokens = 0;
  let finishReason: FinishReason = 'stop';
  send: for (let round = 0; round < (fault.repeat ?? 1); round += 1) {
    for (const piece of pieces) {
      if (completionTokens + piece.tokens > limit) {
        finishReason = 'length';
        break send;
      }
      completionTokens += piece.tokens;
      request.onTokens?.(piece.tokens);
      stops.push(piece.text);
      if (stops.stopped) break send;
    }
  }
  stops.flush();
  return {
    text: stops.text,
    finishReason,
    ...(stops.stopString === undefined ? {} : { stopReason: stops.stopString }),
    promptTokens: prefill.promptTokens,
    completionTokens,
    queueMs: prefill.queueMs,
    firstTokenMs: prefill.firstTokenMs,
    totalMs: prefill.totalMs,
  };
}

/** The text in token-sized pieces with their token counts; repeated pieces are counted once. */
function tokenPieces(engine: LlmEngine, text: string): Piece[] {
  const counts = new Map<string, number>();
  return splitIntoTokens(text).map((piece) => {
    let tokens = counts.get(piece);
    if (tokens === undefined) {
      tokens = engine.countTokens(piece);
      counts.set(piece, tokens);
    }
    return { text: piece, tokens };
  });
}
