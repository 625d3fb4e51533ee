import { z } from 'zod';
import type { BackendKind, LlmRole } from '../llm.options';

/** A role's shares of calls per backend, in percent, adding up to 100. A backend at 0 gets nothing. */
export type TrafficShares = Partial<Record<BackendKind, number>>;
/** The split of each role that has one; a role without one uses its provider, then its fallback. */
export type TrafficSplit = Partial<Record<LlmRole, TrafficShares>>;

const ROLES: readonly LlmRole[] = ['chat', 'embedding', 'vision'];
const KINDS: readonly BackendKind[] = ['vllm', 'ollama'];

/** A split refused, with what to change. */
export class TrafficSplitError extends Error {}

/**
 * Checks one role's shares: known backends, whole percentages from 0 to 100, adding up to 100 (so "10"
 * reads as 10% of calls and rollback is "0"). `available` limits the backends to those the role has.
 */
export function checkShares(role: string, shares: unknown, available?: readonly BackendKind[]): TrafficShares {
  if (!ROLES.includes(role as LlmRole)) {
    // Quoted only when shaped like a role: a path parameter can carry anything a caller typed.
    const shown = /^[a-z][a-z0-9_-]{0,31}$/.test(role) ? ` "${role}"` : '';
    throw new TrafficSplitError(`unknown role${shown}: expected one of ${ROLES.join(', ')}`);
  }
  if (typeof shares !== 'object' || shares === null || Array.isArray(shares)) {
    throw new TrafficSplitError(`${role}: expected an object of backend shares, e.g. {"vllm": 10, "ollama": 90}`);
  }
  const entries = Object.entries(shares);
  if (entries.length === 0) throw new TrafficSplitError(`${role}: name at least one backend`);
  let total = 0;
  for (const [kind, share] of entries) {
    if (!KINDS.includes(kind as BackendKind)) {
      // Quoted only when shaped like a backend name: a request body's keys can carry anything.
      const shown = /^[a-z][a-z0-9_-]{0,31}$/.test(kind) ? ` "${kind}"` : '';
      throw new TrafficSplitError(`${role}: unknown backend${shown}: expected ${KINDS.join(' or ')}`);
    }
    if (typeof share !== 'number' || !Number.isInteger(share) || share < 0 || share > 100) {
      throw new TrafficSplitError(`${role}: ${kind}'s share must be a whole percentage from 0 to 100`);
    }
    if (available && share > 0 && !available.includes(kind as BackendKind)) {
      throw new TrafficSplitError(
        `${role}: no ${kind} backend is configured for it here (it has ${available.join(', ')}); ` +
          `set LLM_${role.toUpperCase()}_FALLBACK=${kind} or name it in LLM_TRAFFIC_SPLIT`,
      );
    }
    total += share;
  }
  if (total !== 100) throw new TrafficSplitError(`${role}: the shares add up to ${total}, expected 100`);
  return Object.fromEntries(entries) as TrafficShares;
}

/** Parses `chat:vllm=10,ollama=90;vision:ollama=100` (roles separated by `;`). Empty means no split. */
export function parseTrafficSplit(text: string): TrafficSplit {
  const split: TrafficSplit = {};
  for (const part of text
    .split(';')
    .map((entry) => entry.trim())
    .filter(Boolean)) {
    const match = /^([a-z]+)\s*:\s*(.+)$/.exec(part);
    if (!match) throw new TrafficSplitError(`"${part}": expected role:backend=share,backend=share`);
    const [, role, list] = match;
    if (split[role as LlmRole]) throw new TrafficSplitError(`${role}: given twice`);
    const shares: Record<string, number> = {};
    for (const pair of list.split(',').map((entry) => entry.trim())) {
      const kv = /^([a-z]+)\s*=\s*([0-9]+)$/.exec(pair);
      if (!kv) throw new TrafficSplitError(`${role}: "${pair}": expected backend=share, e.g. vllm=10`);
      if (kv[1] in shares) throw new TrafficSplitError(`${role}: ${kv[1]} given twice`);
      shares[kv[1]] = Number(kv[2]);
    }
    split[role as LlmRole] = checkShares(role, shares);
  }
  return split;
}

/** The one-line form, as LLM_TRAFFIC_SPLIT takes it. */
export function formatTrafficSplit(split: TrafficSplit): string {
  return Object.entries(split)
    .map(
      ([role, shares]) =>
        `${role}:${Object.entries(shares ?? {})
          .map(([kind, share]) => `${kind}=${share}`)
          .join(',')}`,
    )
    .join(';');
}

/** LLM_TRAFFIC_SPLIT, for the env schema: the default split until an admin sets one in Redis. */
export const trafficSplitEnvShape = {
  LLM_TRAFFIC_SPLIT: z
    .string()
    .default('')
    .transform((value, context) => {
      try {
        return parseTrafficSplit(value);
      } catch (error) {
        context.addIssue({
          code: 'custom',
          message: `${(error as Error).message} (e.g. LLM_TRAFFIC_SPLIT=chat:vllm=10,ollama=90)`,
        });
        return z.NEVER;
      }
    }),
};

/**
 * Splits a role's calls between backends by their shares. Smooth weighted round robin (nginx's): each
 * call goes to the backend furthest behind its share, so 10% means exactly 1 call in 10, spread evenly,
 * not a random 10% that a short canary could miss.
 */
export class TrafficSplitter {
  private split: TrafficSplit;
  private readonly credit = new Map<LlmRole, Map<BackendKind, number>>();

  constructor(initial: TrafficSplit = {}) {
    this.split = initial;
  }

  get current(): TrafficSplit {
    return this.split;
  }

  /** A new split for the next calls; a role whose shares did not change keeps its place in the rotation. */
  set(split: TrafficSplit): void {
    for (const role of ROLES) {
      if (JSON.stringify(split[role]) !== JSON.stringify(this.split[role])) this.credit.delete(role);
    }
    this.split = split;
  }

  /**
   * The role's backends for one call: the one picked by the split first, then the others the role has
   * whose share is above 0 (its fallbacks). Without a split for the role: as configured.
   */
  order<Link>(role: LlmRole, chain: readonly Link[], kindOf: (link: Link) => BackendKind): readonly Link[] {
    const shares = this.split[role];
    if (!shares) return chain;
    const open = chain.filter((link) => (shares[kindOf(link)] ?? 0) > 0);
    // A split naming only backends this process lacks (set by another with more) cannot apply here.
    if (open.length === 0) return chain;
    if (open.length === 1) return open;
    const picked = this.pick(role, open.map(kindOf), shares);
    return [...open.filter((link) => kindOf(link) === picked), ...open.filter((link) => kindOf(link) !== picked)];
  }

  private pick(role: LlmRole, kinds: BackendKind[], shares: TrafficShares): BackendKind {
    const credit = this.credit.get(role) ?? new Map<BackendKind, number>();
    this.credit.set(role, credit);
    let total = 0;
    let best = kinds[0];
    for (const kind of kinds) {
      const share = shares[kind] ?? 0;
      total += share;
      credit.set(kind, (credit.get(kind) ?? 0) + share);
      if ((credit.get(kind) ?? 0) > (credit.get(best) ?? 0)) best = kind;
    }
    credit.set(best, (credit.get(best) ?? 0) - total);
    return best;
  }
}
