import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';
import type { GenerationRequest, GenerationResult, LlmEngine } from '../engine/engine.types';
import { ApiError } from '../http/api-error';
import type { Fault, ScriptedAnswerFault, StreamFault } from './fault.schema';
import { FaultStream } from './fault-stream';
import type { StreamFormat, StreamSink } from './fault-stream';
import { generateScriptedAnswer } from './scripted-answer';

/** How a whole (not streamed) answer goes out: after a wait, then sent, cut off or truncated. */
export interface WholeAnswer {
  /** Milliseconds to hold the answer back, or until the client goes away. */
  wait: number | 'until-disconnect';
  outcome: 'answer' | 'cut' | 'truncate';
}

const isStreamFault = (fault: Fault): fault is StreamFault =>
  fault.kind === 'stall' || fault.kind === 'cut' || fault.kind === 'malformed';
const isScriptedAnswer = (fault: Fault): fault is ScriptedAnswerFault => fault.kind === 'scripted-answer';

/**
 * The faults that hit one request, and where they act: before generation (a status instead of an answer,
 * a delay before the first byte), in generation (scripted text instead of the engine's), on each
 * streamed chunk, or on a whole answer.
 */
export class FaultPlan {
  /** A request no fault hits. */
  static readonly none = new FaultPlan([], new AbortController().signal);

  /** @param signal fires when the client goes away; waits end early then. */
  constructor(
    readonly faults: readonly Fault[],
    private readonly signal: AbortSignal,
  ) {}

  /** Throws the injected status, or waits out the first-token delays; generation starts after it. */
  async beforeGeneration(): Promise<void> {
    const status = this.faults.find((fault) => fault.kind === 'status');
    if (status) throw injectedStatus(status);
    for (const fault of this.faults) {
      if (fault.kind !== 'delay-first-token') continue;
      if (!(await waitUnlessAborted(fault.delayMs, this.signal))) {
        // Nobody is listening any more: generate nothing. The status only reaches logs.
        throw new ApiError(499, 'the client went away during an injected delay');
      }
    }
  }

  /** The engine's answer, or the text of the first scripted-answer fault listed in its place. */
  generate(engine: LlmEngine, request: GenerationRequest): Promise<GenerationResult> {
    const scripted = this.faults.find(isScriptedAnswer);
    return scripted ? generateScriptedAnswer(engine, request, scripted) : engine.generate(request);
  }

  /** Writes a streamed response through this request's stall, cut and malformed faults. */
  stream(sink: StreamSink, format: StreamFormat): FaultStream {
    return new FaultStream(sink, format, this.faults.filter(isStreamFault));
  }

  /** A stall delays the whole answer; the first cut or malformed fault listed decides what is sent. */
  wholeAnswer(): WholeAnswer {
    let wait: WholeAnswer['wait'] = 0;
    let outcome: WholeAnswer['outcome'] = 'answer';
    for (const fault of this.faults) {
      if (fault.kind === 'stall' && wait !== 'until-disconnect') {
        wait = fault.durationMs === undefined ? 'until-disconnect' : wait + fault.durationMs;
      }
      if (outcome !== 'answer') continue;
      if (fault.kind === 'cut') outcome = 'cut';
      if (fault.kind === 'malformed') outcome = 'truncate';
    }
    return { wait, outcome };
  }

  /** Sends a JSON answer that was not streamed, or what this request's faults make of it. */
  async respondJson(res: Response, body: unknown): Promise<void> {
    await this.respond(res, () => res.json(body), body);
  }

  /**
   * Sends an answer that was not streamed through the faults: `answer` sends it as normal; `json`, when
   * the answer is JSON, is what a malformed fault truncates.
   */
  async respond(res: Response, answer: () => void, json?: unknown): Promise<void> {
    const { wait, outcome } = this.wholeAnswer();
    if (wait !== 0 && !(await waitUnlessAborted(wait, this.signal))) return;
    if (outcome === 'cut') {
      res.destroy();
    } else if (outcome === 'truncate' && json !== undefined) {
      const text = JSON.stringify(json);
      res
        .status(200)
        .type('application/json')
        .send(text.slice(0, Math.ceil(text.length / 2)));
    } else {
      answer();
    }
  }
}

/** Resolves true after `wait` ms, or false as soon as `signal` fires (the client went away). */
function waitUnlessAborted(wait: number | 'until-disconnect', signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    if (wait !== 'until-disconnect') {
      timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, wait);
    }
  });
}

/** The status a status fault answers with, in the API's own error shape; 429 says when to retry. */
function injectedStatus(fault: Extract<Fault, { kind: 'status' }>): ApiError {
  const retryAfter = fault.retryAfterSeconds ?? (fault.status === 429 ? 1 : undefined);
  return new ApiError(
    fault.status,
    `${STATUS_CODES[fault.status]} (a fault injected into local-llm)`,
    retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) },
  );
}
