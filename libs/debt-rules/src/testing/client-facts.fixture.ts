import { DEFAULT_NEAR_MISS_SHARE } from '../lib/eligibility';
import type { ClientFacts } from '../lib/facts';
import { DEFAULT_IVA_GUIDELINES } from '../lib/iva.rules';
import type { RuleContext } from '../lib/option.types';

// Spec-only. A client every rule can answer for, well inside every DRO limit; each spec changes the
// one fact it is about, so a failure points at that fact.

/** Facts with every field answered and every option open (except the IVA's contribution). */
export function answeredFacts(overrides: Partial<ClientFacts> = {}): ClientFacts {
  return {
    region: 'england',
    debts: [
      { creditor: 'Barclaycard', amount: 4_000, type: 'credit_card', secured: false },
      { creditor: 'Lloyds', amount: 3_000, type: 'loan', secured: false },
    ],
    monthlySurplus: 20,
    assetsValue: 300,
    vehicleValue: 0,
    ownsHome: false,
    lastDebtReliefOrderApprovedOn: null,
    currentlyBankrupt: false,
    bankruptcyPetitionPending: false,
    inIva: false,
    lastStandardBreathingSpaceEndedOn: null,
    inMentalHealthCrisis: false,
    connectedToEnglandOrWalesLast3Years: true,
    ...overrides,
  };
}

/** The same facts with some fields removed (not answered yet). */
export function withoutFacts(facts: ClientFacts, ...fields: (keyof ClientFacts)[]): ClientFacts {
  const copy: Record<string, unknown> = { ...facts };
  for (const field of fields) delete copy[field];
  return copy as ClientFacts;
}

/** The context a rule is run with. */
export function ruleContext(
  facts: ClientFacts,
  asOf: string,
  options: Partial<Omit<RuleContext, 'facts' | 'asOf'>> = {},
): RuleContext {
  return {
    facts,
    asOf,
    nearMissShare: options.nearMissShare ?? DEFAULT_NEAR_MISS_SHARE,
    ivaGuidelines: options.ivaGuidelines ?? DEFAULT_IVA_GUIDELINES,
  };
}
