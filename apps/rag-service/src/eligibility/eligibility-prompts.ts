import type { ClientFacts, EligibilityReport, OptionResult } from '@rma/debt-rules';
import type { GenerationRequest } from '@rma/generation-queue';
import type { FoundChunk } from '../vector-store/chunk-store';

// The explanation's prompt: the rules' decision is fixed and given; the model explains it from the
// manuals in plain words and may not change or add a number (the answer is checked for invented amounts).

const EXPLANATION_SYSTEM =
  'You help UK debt advisers explain to a client which debt solutions they can use. The decision below ' +
  'was made by exact rules and is final: explain it, never change it. Use only amounts that appear in ' +
  "the decision; do not compute new ones. A status marked as providers' usual conditions is not law: say so. Use the numbered extracts from the advice manuals to explain " +
  'what each option means and cite them like [1]. Be brief and plain: a short paragraph per option.';

/** One search of the manuals per option: what it is and who can use it. */
export function explanationQueries(report: EligibilityReport): string[] {
  return report.options.map((option) => `${option.name}: who can apply, conditions and limits`);
}

export function explanationRequest(input: {
  facts: ClientFacts;
  report: EligibilityReport;
  chunks: FoundChunk[];
  maxTokens: number;
}): GenerationRequest {
  const { facts, report, chunks, maxTokens } = input;
  const extracts =
    chunks.length === 0
      ? '(no extracts found)'
      : chunks.map((chunk, index) => `[${index + 1}] ${chunk.metadata.title}\n${chunk.text}`).join('\n\n');
  return {
    messages: [
      { role: 'system', content: EXPLANATION_SYSTEM },
      {
        role: 'user',
        content:
          `Extracts from the manuals:\n\n${extracts}\n\n` +
          `Decision as of ${report.asOf}:\n${report.options.map(optionLines).join('\n')}\n\n` +
          `Questions still to ask the client: ${report.questions.join(' ') || 'none'}\n\n` +
          `Client's figures (GBP): ${JSON.stringify(figuresOf(facts))}\n\n` +
          'Explain the decision to the adviser.',
      },
    ],
    temperature: 0.1,
    maxTokens,
  };
}

// Compact, so that the decision and the extracts fit a small model's context: the criteria met by name
// only, the others with their reason and gap.
function optionLines(option: OptionResult): string {
  const met = option.criteria.filter((criterion) => criterion.status === 'eligible');
  const others = option.criteria
    .filter((criterion) => criterion.status !== 'eligible')
    .map((criterion) => `  - ${criterion.status}: ${criterion.reason}${criterion.gap ? ` (${criterion.gap})` : ''}`);
  const fee = option.fee ? [`  - fee: ${option.fee.amount} GBP`] : [];
  const risks = option.risks.map((risk) => `  - risk: ${risk}`);
  const metLine = met.length > 0 ? [`  - met: ${met.map((criterion) => criterion.label).join('; ')}`] : [];
  const basis = option.decidedBy === 'guidelines' ? " (providers' usual conditions, not law)" : '';
  return [`${option.name}: ${option.status}${basis}`, ...metLine, ...others, ...fee, ...risks].join('\n');
}

function figuresOf(facts: ClientFacts): Record<string, unknown> {
  const { debts, ...rest } = facts;
  return { ...rest, ...(debts ? { debts: debts.map((debt) => `${debt.creditor}: ${debt.amount}`) } : {}) };
}
