// Loads a GGUF model with the real engine (node-llama-cpp, CPU, one thread), generates from a prompt
// and checks the tokenizer round trip. Prints one JSON object on stdout; engine logs go to stderr.
// Plain ESM: node-llama-cpp is ESM-only with top-level await, which Jest cannot import, so the
// Jest spec runs this as a child process.
//
//   node tools/model-gen/src/load-check.mjs MODEL.gguf [--tokens 64] [--prompt TEXT]
//        [--temperature 0.8] [--seed 1] [--runs 1] [--threads 1] [--round-trip 'hello world']
//
// With --runs R > 1 it generates R times (sampling seeds seed, seed+1, ...) and lists every run in
// `runs`; the top-level `tokens`, `text` and `stopReason` are those of the first run.
import { getLlama, LlamaCompletion, LlamaLogLevel } from 'node-llama-cpp';
import { parseArgs } from 'node:util';

function usage(message) {
  process.stderr.write(
    `${message}\nusage: node load-check.mjs MODEL.gguf [--tokens N] [--prompt TEXT] [--temperature T] [--seed N] [--runs N] [--threads N] [--round-trip TEXT]\n`,
  );
  process.exit(2);
}

function parse() {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        tokens: { type: 'string', default: '64' },
        prompt: { type: 'string', default: 'The notes say' },
        temperature: { type: 'string', default: '0.8' },
        seed: { type: 'string', default: '1' },
        runs: { type: 'string', default: '1' },
        threads: { type: 'string', default: '1' },
        'round-trip': { type: 'string', default: 'hello world' },
      },
    });
  } catch (error) {
    usage(error.message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) usage('give exactly one model path');
  const int = (name) => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < 0) usage(`--${name} must be a non-negative integer`);
    return value;
  };
  const temperature = Number(values.temperature);
  if (!Number.isFinite(temperature) || temperature < 0) usage('--temperature must be a number >= 0');
  return {
    modelPath: positionals[0],
    maxTokens: int('tokens'),
    prompt: values.prompt,
    temperature,
    seed: int('seed'),
    runs: Math.max(1, int('runs')),
    threads: Math.max(1, int('threads')),
    roundTripText: values['round-trip'],
  };
}

const options = parse();
const llama = await getLlama({
  gpu: false,
  build: 'never',
  // The default thread count made generation 180-560x slower on 2-vCPU machines: always pass it.
  threads: options.threads,
  logLevel: LlamaLogLevel.warn,
  logger: (level, message) => process.stderr.write(`[${level}] ${message}\n`),
});
try {
  const model = await llama.loadModel({ modelPath: options.modelPath });
  const context = await model.createContext({ threads: options.threads, contextSize: 512 });
  const runs = [];
  for (let run = 0; run < options.runs; run++) {
    // A fresh sequence per run: every run starts from an empty state, and the token meter then counts
    // exactly the sampled tokens (each needs one row of output logits). onToken does not: it holds
    // back tokens that end inside a UTF-8 character.
    const sequence = context.getSequence();
    const completion = new LlamaCompletion({ contextSequence: sequence });
    const started = performance.now();
    const { response, metadata } = await completion.generateCompletionWithMeta(options.prompt, {
      maxTokens: options.maxTokens,
      temperature: options.temperature,
      seed: options.seed + run,
    });
    const sampled = sequence.tokenMeter.usedOutputTokens;
    completion.dispose({ disposeSequence: true });
    runs.push({
      seed: options.seed + run,
      // New tokens before the stop; an end-of-generation token is not counted. LlamaCompletion can
      // sample one token past maxTokens when the last one ends inside a UTF-8 character.
      tokens: metadata.stopReason === 'eogToken' ? sampled - 1 : sampled,
      stopReason: metadata.stopReason,
      ms: Math.round(performance.now() - started),
      text: response,
    });
  }

  const roundTripTokens = model.tokenize(options.roundTripText);
  const roundTripText = model.detokenize(roundTripTokens);
  const nVocab = model.fileInfo.metadata.tokenizer?.ggml?.tokens?.length ?? null;

  process.stdout.write(
    `${JSON.stringify({
      nEmbd: model.embeddingVectorSize,
      nVocab,
      contextLength: model.trainContextSize,
      tokens: runs[0].tokens,
      text: runs[0].text,
      stopReason: runs[0].stopReason,
      runs:
        options.runs > 1
          ? runs.map(({ seed, tokens, stopReason, ms }) => ({ seed, tokens, stopReason, ms }))
          : undefined,
      roundTrip: {
        text: options.roundTripText,
        tokens: Array.from(roundTripTokens),
        detokenized: roundTripText,
        exact: roundTripText === options.roundTripText,
      },
    })}\n`,
  );
  await context.dispose();
  await model.dispose();
} finally {
  await llama.dispose();
}
