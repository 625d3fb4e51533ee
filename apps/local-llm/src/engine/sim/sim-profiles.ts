/**
 * The numbers behind one simulated engine. One scheduler step decodes one token for every running
 * sequence and takes `stepBaseMs + stepPerSeqMs * running + prefillPerTokenMs * admitted prompt tokens`.
 */
export interface SimProfile {
  name: SimProfileName;
  description: string;
  /** Sequences that run at once (vLLM --max-num-seqs, Ollama OLLAMA_NUM_PARALLEL). */
  maxNumSeqs: number;
  /** Requests that may wait; one more is refused with 503 (Ollama OLLAMA_MAX_QUEUE; vLLM has no bound). */
  maxQueue: number;
  /** KV-cache budget in tokens, over all running sequences (prompt plus generated), and cached prefixes. */
  kvCacheTokens: number;
  /** Tokens per KV block (vLLM's --block-size, 16 on CUDA): the unit of allocation and of prefix caching. */
  blockSize: number;
  stepBaseMs: number;
  stepPerSeqMs: number;
  prefillPerTokenMs: number;
  /** Longest prompt plus output one request may have (vLLM --max-model-len, Ollama num_ctx). */
  contextLength: number;
  /** What /api/tags and /v1/models report. */
  parameterCount: number;
  quantization: string;
}

export type SimProfileName = 'vllm-a100-8b' | 'ollama-default' | 'fast';

export const SIM_PROFILES: Record<SimProfileName, SimProfile> = {
  /**
   * vLLM serving Llama-3.1-8B-Instruct (FP16) on one A100-PCIE-40GB.
   *
   * Calibrated to Red Hat's benchmark of that setup, concurrency 1 to 256
   * (https://developers.redhat.com/articles/2025/08/08/ollama-vs-vllm-deep-dive-performance-benchmarking):
   * peak about 793 output tok/s, P99 inter-token latency about 80 ms at peak; and to single-user
   * figures of about 70 tok/s for the same model in FP16 (SitePoint's "Ollama vs vLLM: Performance
   * Benchmark 2026": ~71 tok/s). With these numbers one stream gets 1000 / (13 + 1.2) = 70 tok/s and the
   * total approaches 1000 / 1.2 = 833 tok/s: 711 at 64 running, 764 at 128, 790 at 256.
   * KV cache: 40 GB x 0.9 less 16 GB of weights leaves about 18 GB; at 128 KiB per token for this model
   * (32 layers x 8 KV heads x 128 dims x 2 x 2 bytes) that is about 137k tokens. Prefill at about
   * 10k tokens/s (0.1 ms per token). vLLM's default max_num_seqs on this card is 256.
   */
  'vllm-a100-8b': {
    name: 'vllm-a100-8b',
    description: 'vLLM, Llama-3.1-8B-Instruct FP16, one A100-PCIE-40GB',
    maxNumSeqs: 256,
    maxQueue: 1_000_000,
    kvCacheTokens: 137_000,
    blockSize: 16,
    stepBaseMs: 13,
    stepPerSeqMs: 1.2,
    prefillPerTokenMs: 0.1,
    contextLength: 8192,
    parameterCount: 8_030_000_000,
    quantization: 'F16',
  },
  /**
   * Ollama with its defaults (OLLAMA_NUM_PARALLEL=1, OLLAMA_MAX_QUEUE=512) on the same GPU and model.
   * Red Hat's benchmark above measured Ollama's peak at about 41 output tok/s over all users: one
   * sequence at a time at 24 ms a token. Requests beyond the queue of 512 get 503 "server busy".
   * Prefill about 3k tokens/s; a 4096-token context per sequence (Ollama's default num_ctx).
   */
  'ollama-default': {
    name: 'ollama-default',
    description: 'Ollama defaults (NUM_PARALLEL=1, MAX_QUEUE=512), Llama-3.1-8B, one A100-PCIE-40GB',
    maxNumSeqs: 1,
    maxQueue: 512,
    kvCacheTokens: 4096,
    blockSize: 16,
    stepBaseMs: 24,
    stepPerSeqMs: 0,
    prefillPerTokenMs: 0.33,
    contextLength: 4096,
    parameterCount: 8_030_000_000,
    quantization: 'Q4_K_M',
  },
  /** For tests: milliseconds per step, eight sequences, a small KV cache that tests can fill. */
  fast: {
    name: 'fast',
    description: 'test profile: 2 ms steps, 8 sequences, 4096-token KV cache',
    maxNumSeqs: 8,
    maxQueue: 64,
    kvCacheTokens: 4096,
    blockSize: 16,
    stepBaseMs: 1,
    stepPerSeqMs: 0.125,
    prefillPerTokenMs: 0.001,
    contextLength: 2048,
    parameterCount: 1_000_000,
    quantization: 'F16',
  },
};
