import type { Criterion, EligibilityStatus } from './criterion';
import type { ClientFacts } from './facts';
import type { Source } from './thresholds';

/** The debt solutions the rules decide on. */
export type DebtOptionId = 'debt_relief_order' | 'bankruptcy' | 'individual_voluntary_arrangement' | 'breathing_space';

/** Providers' usual conditions for an IVA (guidelines, not law), in pounds and creditors. */
export interface IvaGuidelines {
  minUnsecuredDebt: number;
  minCreditors: number;
  minMonthlyContribution: number;
}

/** One part of a fee, dated and sourced. */
export interface FeePart {
  label: string;
  /** GBP. */
  amount: number;
  source: Source;
  appliesFrom: string;
}

/** What the client pays to apply. */
export interface Fee {
  /** GBP, the sum of the parts. */
  amount: number;
  parts: FeePart[];
}

/** The answer for one debt solution. */
export interface OptionResult {
  option: DebtOptionId;
  name: string;
  status: EligibilityStatus;
  /** What the status rests on: the law, providers' guidelines (never law), or both. */
  decidedBy: 'law' | 'guidelines' | 'law_and_guidelines';
  criteria: Criterion[];
  /** Consequences to explain to the client (home at risk, income payments, a creditor's petition...). */
  risks: string[];
  /** What to ask the client, from the unknown criteria and the risks that need a fact; each once. */
  questions: string[];
  /** What applying costs on the date checked; absent where there is no fee or the library does not hold it. */
  fee?: Fee;
  /** Facts about the option worth telling the client (how long it lasts, what kind). */
  notes: string[];
}

/** What every option's rules are given. */
export interface RuleContext {
  facts: ClientFacts;
  asOf: string;
  nearMissShare: number;
  ivaGuidelines: IvaGuidelines;
}

/** What the report says about an option before its rules run: its id, name and governing law. */
export interface OptionIdentity {
  option: DebtOptionId;
  name: string;
  source: Source;
  inForceFrom: string;
}
