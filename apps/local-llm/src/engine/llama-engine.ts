import { createHash } from 'node:crypto';
import { openSync, readSync, closeSync, statSync } from 'node:fs';
import type * as NodeLlamaCpp from 'node-llama-cpp';
import { EngineError, priorityNotEnabled } from './engine.errors';
import type {
  ChatMessage,
  EmbeddingResult,
  EngineLoad,
  GenerationRequest,
  GenerationResult,
  LlmEngine,
  ModelInfo,
  OutputFormat,
} from './engine.types';
import { spliceIntegerRanges, withIntegerRangeSentinels } from './integer-range-grammar';
import { SlotScheduler } from './slot-scheduler';
import { StopStringMatcher } from './stop-strings';

type Lib = typeof NodeLlamaCpp;
type Sequence = NodeLlamaCpp.LlamaContextSequence;

export interface LlamaEngineOptions {
  modelPath: string;
  /** CPU threads for llama.cpp. The library's default on a 2-vCPU machine is 180-560x slower than 1. */
  threads: number;
  /** Sequences decoded together in one batch (vLLM's max_num_seqs, Ollama's OLLAMA_NUM_PARALLEL). */
  parallel: number;
  /** Requests that may wait for a sequence; one more gets a 503. */
  maxQueue: number;
  /** Tokens each sequence can hold (prompt plus output). */
  contextSize: number;
}

/**
 * llama.cpp through node-llama-cpp: one model, one context with `parallel` sequences whose decoding
 * llama.cpp batches together, an embedding context, and grammar-constrained JSON output.
 */
export class LlamaEngine implements LlmEngine {
  private readonly grammars = new Map<string, Promise<NodeLlamaCpp.LlamaGrammar>>();
  private embeddingQueue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly lib: Lib,
    private readonly llama: NodeLlamaCpp.Llama,
    private readonly llamaModel: NodeLlamaCpp.LlamaModel,
    private readonly context: NodeLlamaCpp.LlamaContext,
    private readonly embeddingContext: NodeLlamaCpp.LlamaEmbeddingContext,
    private readonly scheduler: SlotScheduler<Sequence>,
    readonly model: ModelInfo,
  ) {}

  static async create(options: LlamaEngineOptions): Promise<LlamaEngine> {
    // node-llama-cpp is ESM-only with top-level await: a real import(), never require().
    const lib: Lib = await import(/* webpackIgnore: true */ 'node-llama-cpp');
    const llama = await lib.getLlama({
      gpu: false,
      build: 'never',
      maxThreads: options.threads,
      logLevel: lib.LlamaLogLevel.error,
      progressLogs: false,
    });
    const llamaModel = await llama.loadModel({ modelPath: options.modelPath });
    const contextSize = Math.min(options.contextSize, llamaModel.trainContextSize);
    const context = await llamaModel.createContext({
      sequences: options.parallel,
      contextSize,
      threads: options.threads,
    });
    const embeddingContext = await llamaModel.createEmbeddingContext({
      threads: options.threads,
      contextSize,
    });
    const sequences = Array.from({ length: options.parallel }, () => context.getSequence());
    const fileBytes = statSync(options.modelPath).size;
    return new LlamaEngine(
      lib,
      llama,
      llamaModel,
      context,
      embeddingContext,
      new SlotScheduler(sequences, options.maxQueue),
      {
        contextLength: contextSize,
        embeddingLength: llamaModel.embeddingVectorSize,
        parameterCount: estimateParameters(fileBytes, llamaModel),
        quantization: llamaModel.fileInfo.metadata.general.file_type === 0 ? 'F32' : 'F16',
        family: String(llamaModel.fileInfo.metadata.general.architecture),
        fileBytes,
        digest: fileDigest(options.modelPath),
      },
    );
  }

  countTokens(text: string): number {
    return this.llamaModel.tokenize(text).length;
  }

  load(): EngineLoad {
    return {
      running: this.scheduler.running,
      waiting: this.scheduler.waiting,
      kvCacheUsage: this.scheduler.running / this.context.totalSequences,
    };
  }

  async generate(request: GenerationRequest): Promise<GenerationResult> {
    // One FIFO queue of sequences: like vLLM under its default fcfs policy, any priority is refused.
    if (request.priority) throw priorityNotEnabled(request.priority);
    const started = performance.now();
    const grammar = request.format ? await this.grammarFor(request.format) : undefined;
    const sequence = await this.scheduler.acquire(request.signal);
    const queueMs = performance.now() - started;
    let firstTokenMs: number | undefined;
    // When the first token arrives the context holds exactly the prompt, as the chat template rendered
    // it: that length is the prompt's token count.
    let promptTokens: number | undefined;
    let generatedTokens = 0;
    // Stop strings are matched here rather than by node-llama-cpp, which drops the whole token that
    // holds a stop string (and with it, for example, the space before a word).
    const halt = new AbortController();
    const signal = AbortSignal.any([request.signal, halt.signal]);
    const stops = new StopStringMatcher(request.stop ?? [], (text) => request.onText?.(text));
    try {
      const common = {
        signal,
        stopOnAbortSignal: true,
        maxTokens: request.maxTokens,
        temperature: request.temperature,
        topP: request.topP,
        topK: request.topK,
        seed: request.seed,
        grammar,
        trimWhitespaceSuffix: false,
        onToken: (tokens: NodeLlamaCpp.Token[]) => {
          // node-llama-cpp may sample one token past max_tokens and drop it: it is not counted.
          const counted = Math.min(
            tokens.length,
            Math.max(0, (request.maxTokens ?? Number.POSITIVE_INFINITY) - generatedTokens),
          );
          generatedTokens += tokens.length;
          if (counted > 0) request.onTokens?.(counted);
          if (promptTokens !== undefined) return;
          firstTokenMs = performance.now() - started;
          promptTokens = sequence.contextTokens.length;
        },
        onTextChunk: (text: string) => {
          stops.push(text);
          if (stops.stopped) halt.abort();
        },
      };
      const { stopReason } =
        request.input.kind === 'completion'
          ? await this.complete(sequence, request.input.prompt, common)
          : await this.chat(sequence, request.input.messages, common);
      if (request.signal.aborted) throw new EngineError('aborted', 'the request was cancelled');
      stops.flush();
      const prompt = promptTokens ?? sequence.contextTokens.length;
      return {
        text: stops.text,
        finishReason: stopReason === 'maxTokens' && !stops.stopped ? 'length' : 'stop',
        ...(stops.stopString === undefined ? {} : { stopReason: stops.stopString }),
        promptTokens: prompt,
        // node-llama-cpp may report one token past the limit that it then drops from the text.
        completionTokens: Math.min(generatedTokens, request.maxTokens ?? Number.POSITIVE_INFINITY),
        queueMs,
        firstTokenMs,
        totalMs: performance.now() - started,
      };
    } finally {
      await sequence.clearHistory();
      this.scheduler.release(sequence);
    }
  }

  async embed(texts: string[], signal: AbortSignal): Promise<EmbeddingResult> {
    // One embedding context: run requests one after another, in arrival order.
    const run = this.embeddingQueue.then(async () => {
      const vectors: number[][] = [];
      let promptTokens = 0;
      for (const text of texts) {
        if (signal.aborted) throw new EngineError('aborted', 'the request was cancelled');
        const tokens = this.llamaModel.tokenize(text);
        if (tokens.length > this.model.contextLength) {
          throw new EngineError(
            'context_too_long',
            `input has ${tokens.length} tokens; the maximum is ${this.model.contextLength}`,
          );
        }
        promptTokens += tokens.length;
        vectors.push(unitLength((await this.embeddingContext.getEmbeddingFor(tokens)).vector));
      }
      return { vectors, promptTokens };
    });
    this.embeddingQueue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.embeddingContext.dispose();
    await this.context.dispose();
    await this.llamaModel.dispose();
    await this.llama.dispose();
  }

  private async complete(sequence: Sequence, prompt: string, options: PromptOptions) {
    const promptTokens = this.llamaModel.tokenize(prompt, false);
    this.assertFits(promptTokens.length, options.maxTokens);
    const completion = new this.lib.LlamaCompletion({
      contextSequence: sequence,
      autoDisposeSequence: false,
    });
    try {
      const { response, metadata } = await completion.generateCompletionWithMeta(prompt, {
        ...options,
        maxTokens: options.maxTokens ?? this.model.contextLength - promptTokens.length - 1,
      });
      return { text: response, stopReason: metadata.stopReason };
    } finally {
      completion.dispose();
    }
  }

  private async chat(sequence: Sequence, messages: ChatMessage[], options: PromptOptions) {
    const last = messages[messages.length - 1];
    const lastIsUser = last?.role === 'user';
    const history: NodeLlamaCpp.ChatHistoryItem[] = (lastIsUser ? messages.slice(0, -1) : messages).map((message) =>
      message.role === 'system'
        ? { type: 'system', text: message.content }
        : message.role === 'user'
          ? { type: 'user', text: message.content }
          : { type: 'model', response: [message.content] },
    );
    const session = new this.lib.LlamaChatSession({
      contextSequence: sequence,
      autoDisposeSequence: false,
    });
    try {
      session.setChatHistory(history);
      const prompt = lastIsUser ? last.content : '';
      this.assertFits(this.countTokens(messages.map((message) => message.content).join('\n')), options.maxTokens);
      const { response, stopReason } = await session.promptWithMeta(prompt, {
        ...options,
        maxTokens: options.maxTokens ?? Math.floor(this.model.contextLength / 2),
      });
      const text = response.filter((part): part is string => typeof part === 'string').join('');
      return { text, stopReason };
    } finally {
      session.dispose({ disposeSequence: false });
    }
  }

  private assertFits(promptTokens: number, maxTokens: number | undefined): void {
    if (promptTokens + (maxTokens ?? 0) > this.model.contextLength) {
      throw new EngineError(
        'context_too_long',
        `This model's maximum context length is ${this.model.contextLength} tokens. However, you requested ` +
          `${promptTokens + (maxTokens ?? 0)} tokens (${promptTokens} in the messages, ${maxTokens ?? 0} in the completion). ` +
          'Please reduce the length of the messages or completion.',
      );
    }
  }

  private grammarFor(format: OutputFormat): Promise<NodeLlamaCpp.LlamaGrammar> {
    const key = format.kind === 'json' ? 'json' : JSON.stringify(format.schema);
    let grammar = this.grammars.get(key);
    if (!grammar) {
      grammar =
        format.kind === 'json'
          ? this.llama.getGrammarFor('json')
          : this.createSchemaGrammar(format.schema).catch((error: unknown) => {
              this.grammars.delete(key);
              throw new EngineError(
                'bad_request',
                `unsupported JSON schema: ${error instanceof Error ? error.message : String(error)}`,
              );
            });
      this.grammars.set(key, grammar);
    }
    return grammar;
  }

  /** node-llama-cpp's grammar for the schema, with llama.cpp's integer bounds spliced in (see integer-range-grammar.ts). */
  private async createSchemaGrammar(schema: Record<string, unknown>): Promise<NodeLlamaCpp.LlamaGrammar> {
    const bounded = withIntegerRangeSentinels(schema);
    // The schema comes from a client: its type is only known once the converter accepts it.
    const plain = await this.llama.createGrammarForJsonSchema(bounded.schema as never);
    if (bounded.ranges.size === 0) return plain;
    return this.llama.createGrammar({
      grammar: spliceIntegerRanges(plain.grammar, bounded.ranges),
      stopGenerationTriggers: plain.stopGenerationTriggers,
      trimWhitespaceSuffix: plain.trimWhitespaceSuffix,
    });
  }
}

type PromptOptions = {
  signal: AbortSignal;
  stopOnAbortSignal: boolean;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  seed?: number;
  grammar?: NodeLlamaCpp.LlamaGrammar;
  trimWhitespaceSuffix: boolean;
  onToken: (tokens: NodeLlamaCpp.Token[]) => void;
  onTextChunk: (text: string) => void;
};

/** Weights in the file, estimated from its size: exact enough for Ollama's "parameter_size" label. */
function estimateParameters(fileBytes: number, model: NodeLlamaCpp.LlamaModel): number {
  const fileType = model.fileInfo.metadata.general.file_type;
  return Math.round(fileBytes / (fileType === 0 ? 4 : 2));
}

/** A short content digest, as Ollama reports for each model; reads at most the first 16 MiB. */
function fileDigest(path: string): string {
  const hash = createHash('sha256');
  const buffer = Buffer.alloc(1024 * 1024);
  const fd = openSync(path, 'r');
  try {
    for (let read = 0, i = 0; i < 16 && (read = readSync(fd, buffer, 0, buffer.length, null)) > 0; i += 1) {
      hash.update(buffer.subarray(0, read));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** Scales a vector to length 1, as vLLM and Ollama return embeddings, so that a dot product is the cosine. */
function unitLength(vector: readonly number[]): number[] {
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  return norm === 0 ? [...vector] : vector.map((value) => value / norm);
}
