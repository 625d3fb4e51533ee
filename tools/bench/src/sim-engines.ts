// Starts apps/local-llm's simulated GPU engine (built in dist/) for --spawn-sim, through the one
// process helper tests and scripts share (tools/servers/servers.mjs).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A started engine: its base URL, its process (a benchmark may kill it) and how to stop it. */
export interface SimEngine {
  url: string;
  pid: number;
  stop: () => Promise<void>;
}

interface ServersModule {
  startLocalLlm(options: { args: string[] }): Promise<SimEngine>;
}

/**
 * Starts one simulated engine with `profile`, running `timeScale` times its simulated clock; `speed` below
 * 1 makes it a slower GPU than the profile's (0.5: half as fast), as a mixed fleet has.
 */
export async function startSimEngine(options: {
  workspaceRoot: string;
  profile: string;
  timeScale: number;
  speed?: number;
}): Promise<SimEngine> {
  const servers = (await import(
    pathToFileURL(join(options.workspaceRoot, 'tools/servers/servers.mjs')).href
  )) as ServersModule;
  return servers.startLocalLlm({
    args: [
      '--engine',
      'sim',
      '--profile',
      options.profile,
      '--time-scale',
      String(options.timeScale),
      // Admission is the benchmark's business: the engine queues whatever it is sent.
      '--max-queue',
      '100000',
      '--log-format',
      'text',
      ...(options.speed === undefined || options.speed === 1 ? [] : ['--speed', String(options.speed)]),
    ],
  });
}
