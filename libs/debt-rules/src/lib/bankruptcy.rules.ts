import { CLIENT_QUESTIONS } from './client-questions';
import { connectionCriterion, optionResult, regionCriterion } from './common.rules';
import type { ClientFacts } from './facts';
import { debtFigures, monthlySurplusPence } from './figures';
import { formatGbp, toPence } from './money';
import type { Fee, OptionIdentity, OptionResult, RuleContext } from './option.types';
import { type DatedValue, IN_FORCE_FROM, RULE_SOURCES, thresholdOn } from './thresholds';

/** Bankruptcy on the debtor's own application, as the report names it. */
export const BANKRUPTCY: OptionIdentity = {
  option: 'bankruptcy',
  name: 'Bankruptcy',
  source: RULE_SOURCES.bankruptcy,
  inForceFrom: IN_FORCE_FROM.insolvencyAct1986,
};

/**
 * Whether the client can apply for their own bankruptcy on `asOf`, with what it costs and puts at
 * risk. There is no minimum debt for a debtor's application; a creditor's petition needs one.
 */
export function bankruptcy(context: RuleContext): OptionResult {
  const { facts, asOf } = context;
  const connectionYears = thresholdOn('bankruptcy_connection_years', asOf);
  const criteria = [regionCriterion(BANKRUPTCY, facts)];
  if (connectionYears) {
    criteria.push(
      connectionCriterion(
        { id: 'bankruptcy.connection', source: connectionYears.source, appliesFrom: connectionYears.from },
        facts,
        connectionYears.value,
      ),
    );
  }
  const home = homeRisk(facts);
  const income = incomeRisk(facts);
  const petition = petitionRisk(facts, thresholdOn('bankruptcy_petition_minimum', asOf));
  const fee = applicationFee(asOf);
  return optionResult(BANKRUPTCY, {
    criteria,
    risks: [...home.risks, ...income.risks, ...petition.risks],
    riskQuestions: [...home.questions, ...income.questions, ...petition.questions],
    ...(fee ? { fee } : {}),
    notes: [
      'A debtor can apply for their own bankruptcy whatever the amount owed.',
      ...(fee
        ? []
        : [`The library does not hold the court fees that applied before ${IN_FORCE_FROM.bankruptcyAdjudicator}.`]),
    ],
  });
}

interface RiskFindings {
  risks: string[];
  questions: string[];
}

// Adjudicator's fee plus the official receiver's deposit, both from the online process (2016-04-06).
function applicationFee(asOf: string): Fee | undefined {
  const adjudicator = thresholdOn('bankruptcy_adjudicator_fee', asOf);
  const deposit = thresholdOn('bankruptcy_deposit', asOf);
  if (!adjudicator || !deposit) return undefined;
  return {
    amount: (toPence(adjudicator.value) + toPence(deposit.value)) / 100,
    parts: [
      {
        label: "Adjudicator's fee",
        amount: adjudicator.value,
        source: adjudicator.source,
        appliesFrom: adjudicator.from,
      },
      {
        label: "Official receiver's deposit",
        amount: deposit.value,
        source: deposit.source,
        appliesFrom: deposit.from,
      },
    ],
  };
}

function homeRisk(facts: ClientFacts): RiskFindings {
  if (facts.ownsHome === undefined) return { risks: [], questions: [CLIENT_QUESTIONS.ownsHome] };
  if (!facts.ownsHome) return { risks: [], questions: [] };
  if (facts.homeEquity === undefined) {
    return {
      risks: [
        'The home may be at risk: the trustee can sell it to realise any equity (s283A); how much depends on the equity.',
      ],
      questions: [CLIENT_QUESTIONS.homeEquity],
    };
  }
  if (toPence(facts.homeEquity) === 0) return { risks: [], questions: [] };
  return {
    risks: [
      `The home is at risk: the client's equity of ${formatGbp(toPence(facts.homeEquity))} goes to the trustee, who can sell the home or take the equity from a relative or the client (${RULE_SOURCES.bankruptcyHome.title}).`,
    ],
    questions: [],
  };
}

function incomeRisk(facts: ClientFacts): RiskFindings {
  const surplus = monthlySurplusPence(facts);
  if (surplus === undefined) return { risks: [], questions: [CLIENT_QUESTIONS.surplus] };
  if (surplus <= 0) return { risks: [], questions: [] };
  return {
    risks: [
      `A monthly surplus of ${formatGbp(surplus)} is likely to be taken under an income payments arrangement (an agreement or court order) for up to 3 years.`,
    ],
    questions: [],
  };
}

// A creditor owed at least the bankruptcy level can petition for the client's bankruptcy (s267(4));
// so can creditors whose debts together reach it. Secured debts are left out: a secured creditor
// petitions only for the unsecured part.
function petitionRisk(facts: ClientFacts, minimum: DatedValue | undefined): RiskFindings {
  if (!minimum) return { risks: [], questions: [] };
  const level = toPence(minimum.value);
  const levelText = `${formatGbp(level)} (from ${minimum.from}, ${minimum.source.title})`;
  const figures = debtFigures(facts);
  if (figures.unsecuredPence === undefined) return { risks: [], questions: [CLIENT_QUESTIONS.debts] };
  if (!figures.unsecuredByCreditor) {
    return figures.unsecuredPence >= level
      ? {
          risks: [
            `Creditors are owed ${formatGbp(figures.unsecuredPence)} in all, at least the ${levelText} a creditor's bankruptcy petition needs.`,
          ],
          questions: [CLIENT_QUESTIONS.debtList],
        }
      : { risks: [], questions: [] };
  }
  const large = [...figures.unsecuredByCreditor.values()]
    .filter((entry) => entry.pence >= level)
    .sort((a, b) => b.pence - a.pence || a.creditor.localeCompare(b.creditor));
  if (large.length > 0) {
    return {
      risks: large.map(
        (entry) =>
          `${entry.creditor} is owed ${formatGbp(entry.pence)}, at least the ${levelText} it needs to petition for the client's bankruptcy.`,
      ),
      questions: [],
    };
  }
  return figures.unsecuredPence >= level
    ? {
        risks: [
          `No one creditor is owed ${formatGbp(level)}, but together creditors are owed ${formatGbp(figures.unsecuredPence)} and could petition jointly (the level is ${levelText}).`,
        ],
        questions: [],
      }
    : { risks: [], questions: [] };
}
