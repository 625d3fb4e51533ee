// The helpers rag-service.ts and doc-processor.ts still import from here; they live in tools/bench now
// (the benchmark CLI), and this file only passes them on until those two import them from there.
import { workspaceRoot } from '../servers/servers.mjs';
import { machineLine as machineLineIn } from '../bench/src/report.ts';

export { mean, percentile } from '../bench/src/metrics.ts';

/** The machine a report was made on, and the commit. */
export const machineLine = () => machineLineIn(workspaceRoot);
