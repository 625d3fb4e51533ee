// The document kinds an adviser sorts a client's papers into, and which of them are priority debts:
// priority debts carry the worst consequences (eviction, disconnection, enforcement, prison), so
// advisers deal with them first whatever their size.

// Persisted in stored analyses and used as LLM output labels: renaming one needs a migration.
export const DOCUMENT_TYPES = [
  'bank_statement',
  'credit_card_statement',
  'loan_agreement',
  'debt_collection_letter',
  'court_document',
  'benefit_statement',
  'utility_bill',
  'rent_statement',
  'council_tax_bill',
  'income_evidence',
  'expenditure_evidence',
  'universal_credit_statement',
  'other',
] as const;

export type DocumentType = (typeof DOCUMENT_TYPES)[number];

export type PriorityLevel = 'priority' | 'non_priority' | 'not_a_debt';

export interface PriorityVerdict {
  level: PriorityLevel;
  reason: string;
}

interface PriorityCue {
  pattern: RegExp;
  reason: string;
}

// Ordered: the first match names the reason, so the most specific cues come first.
const PRIORITY_CUES: readonly PriorityCue[] = [
  { pattern: /\bcouncil tax\b/i, reason: 'Council tax arrears can lead to enforcement agents and, rarely, prison.' },
  {
    pattern: /\bmagistrates'? court\b|\bcourt fines?\b|\bfines? (?:officer|enforcement)\b/i,
    reason: "Unpaid magistrates' court fines can lead to enforcement agents and prison.",
  },
  {
    pattern: /\bchild maintenance\b|\bchild maintenance service\b|\bCMS\b/,
    reason: 'Child maintenance arrears can be taken from earnings and lead to court action.',
  },
  {
    pattern: /\btv licen[cs]e\b|\btelevision licen[cs]e\b/i,
    reason: 'Not paying for a TV licence is a criminal offence.',
  },
  {
    pattern: /\bHMRC\b|\bincome tax\b|\bself assessment\b|\bVAT (?:return|arrears|debt|owed)\b/i,
    reason: 'Tax owed to HMRC can be collected by enforcement action without a court order.',
  },
  {
    pattern:
      /\bmortgage\b|\bsecured (?:loan|on your (?:home|property))\b|\blegal charge\b|\bpossession of (?:your|the) (?:home|property)\b/i,
    reason: 'Secured lending puts the home at risk of repossession.',
  },
  {
    pattern: /\brent arrears\b|\brent account\b|\btenancy\b|\blandlord\b|\bpossession claim\b|\bhousing association\b/i,
    reason: 'Rent arrears can lead to eviction.',
  },
  {
    pattern:
      /\belectricity\b|\bgas (?:account|supply|bill|meter)\b|\benergy (?:account|supplier|bill)\b|\bdual fuel\b|\bkWh\b|\bMPAN\b|\bMPRN\b/i,
    reason: 'Energy arrears can lead to disconnection or a prepayment meter.',
  },
  {
    pattern: /\bhire purchase\b|\bconditional sale\b/i,
    reason: 'Goods on hire purchase can be repossessed; a priority when the goods are essential.',
  },
];

function firstPriorityCue(text: string): PriorityCue | undefined {
  return PRIORITY_CUES.find((cue) => cue.pattern.test(text));
}

/** How urgently an adviser should treat the debt a document is about. */
export function priorityOf({ type, text }: { type: DocumentType; text: string }): PriorityVerdict {
  switch (type) {
    case 'council_tax_bill':
      return { level: 'priority', reason: PRIORITY_CUES[0].reason };
    case 'rent_statement':
      return { level: 'priority', reason: 'Rent arrears can lead to eviction.' };
    case 'bank_statement':
    case 'benefit_statement':
    case 'universal_credit_statement':
    case 'income_evidence':
    case 'expenditure_evidence':
    case 'other':
      return { level: 'not_a_debt', reason: 'Evidence of income or spending, not a debt.' };
    case 'credit_card_statement':
      return { level: 'non_priority', reason: 'Credit card debt is unsecured: no loss of home, supply or liberty.' };
    case 'utility_bill': {
      const cue = firstPriorityCue(text);
      if (cue) return { level: 'priority', reason: cue.reason };
      // Water companies cannot disconnect a home, so water (and phone, broadband) arrears are not priority.
      return {
        level: 'non_priority',
        reason: 'Water, phone and broadband arrears cannot lead to disconnection of a home.',
      };
    }
    case 'court_document': {
      const cue = firstPriorityCue(text);
      if (cue) return { level: 'priority', reason: cue.reason };
      return {
        level: 'non_priority',
        reason: 'A county court claim for an unsecured debt: urgent to answer, but the debt is not a priority.',
      };
    }
    case 'debt_collection_letter':
    case 'loan_agreement': {
      const cue = firstPriorityCue(text);
      if (cue) return { level: 'priority', reason: cue.reason };
      return { level: 'non_priority', reason: 'Unsecured consumer credit: no loss of home, supply or liberty.' };
    }
  }
}
