import type { LocalLlmConfig } from '../config/local-llm.config';
import type { LlmEngine } from './engine.types';
import { LlamaEngine } from './llama-engine';
import { SIM_PROFILES } from './sim/sim-profiles';
import { SimEngine } from './sim/sim-engine';

/** The engine the flags ask for: llama.cpp on a model file, or the simulated GPU engine. */
export async function createEngine(config: LocalLlmConfig, modelPath: () => string): Promise<LlmEngine> {
  if (config.engine === 'sim') {
    return new SimEngine({
      profile: SIM_PROFILES[config.profile],
      policy: config['scheduling-policy'],
      timeScale: config['time-scale'],
      maxNumSeqs: config.parallel,
      maxQueue: config['max-queue'],
      prefixCaching: config['enable-prefix-caching'],
      speed: config.speed,
    });
  }
  return LlamaEngine.create({
    modelPath: modelPath(),
    threads: config.threads,
    parallel: config.parallel ?? 4,
    maxQueue: config['max-queue'] ?? 64,
    contextSize: config['context-size'],
  });
}
