// What the benchmark sends: the repo's sample questions and case notes (tools/bench/datasets), or an
// operator's own JSONL file, one request a line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchArgumentError } from './bench-argument-error.ts';

/** One request's content: a question, case notes for a letter, or a raw prompt (with an optional system prompt). */
export type DatasetEntry =
  | { kind: 'question'; question: string }
  | { kind: 'notes'; notes: string; clientName: string }
  | { kind: 'prompt'; prompt: string; system?: string };

/** The datasets shipped in tools/bench/datasets, and `mixed`: questions and case notes in turn. */
export const BUILT_IN_DATASETS = ['questions', 'case-notes', 'mixed'] as const;

/** A client's name for notes that carry none: the letters endpoint requires one. */
const DEFAULT_CLIENT_NAME = 'Ms Client';

function entryOf(line: unknown, where: string): DatasetEntry {
  const value = (line ?? {}) as Record<string, unknown>;
  const text = (key: string) => (typeof value[key] === 'string' && value[key] ? (value[key] as string) : undefined);
  const question = text('question');
  const notes = text('notes');
  const prompt = text('prompt');
  if (question) return { kind: 'question', question };
  if (notes) return { kind: 'notes', notes, clientName: text('clientName') ?? DEFAULT_CLIENT_NAME };
  if (prompt) return { kind: 'prompt', prompt, system: text('system') };
  throw new BenchArgumentError(
    `${where}: each line needs a non-empty "question", "notes" (with an optional "clientName") or "prompt" ` +
      '(with an optional "system")',
  );
}

/** Parses JSONL text; blank lines are skipped. `source` names the file in error messages. */
export function parseDataset(text: string, source: string): DatasetEntry[] {
  const entries: DatasetEntry[] = [];
  text.split('\n').forEach((line, index) => {
    if (!line.trim()) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new BenchArgumentError(`${source} line ${index + 1} is not JSON: write one JSON object a line`);
    }
    entries.push(entryOf(parsed, `${source} line ${index + 1}`));
  });
  if (entries.length === 0) throw new BenchArgumentError(`${source} has no requests: add at least one JSON line`);
  return entries;
}

/** A built-in dataset by name, or a JSONL file by path. */
export function loadDataset(nameOrPath: string, datasetsDir: string): DatasetEntry[] {
  if (nameOrPath === 'mixed') {
    // An engine's load behind both services: a question, a letter, a question, ...
    const [questions, notes] = [loadDataset('questions', datasetsDir), loadDataset('case-notes', datasetsDir)];
    return Array.from({ length: 2 * Math.max(questions.length, notes.length) }, (_, i) =>
      i % 2 === 0 ? questions[(i / 2) % questions.length] : notes[((i - 1) / 2) % notes.length],
    );
  }
  const builtIn = (BUILT_IN_DATASETS as readonly string[]).includes(nameOrPath);
  const path = builtIn ? join(datasetsDir, `${nameOrPath}.jsonl`) : nameOrPath;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new BenchArgumentError(
      `--dataset ${nameOrPath}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'}); ` +
        `give ${BUILT_IN_DATASETS.join(' or ')}, or the path of a JSONL file`,
    );
  }
  return parseDataset(text, builtIn ? `dataset ${nameOrPath}` : path);
}
