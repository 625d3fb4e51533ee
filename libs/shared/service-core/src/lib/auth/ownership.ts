import { createHash } from 'node:crypto';
import { LOCAL_ORGANISATION } from './principal';

/**
 * The organisation that owns a stored record. Records stored before tenancy have no organisation: they
 * belong to {@link LOCAL_ORGANISATION}, so that only a service with auth off (or a key of that organisation)
 * sees them, never every organisation.
 */
export function ownerOf(record: { readonly organisation?: string | null }): string {
  return record.organisation || LOCAL_ORGANISATION;
}

/** Whether `organisation` may see the record: its owner only. Another's record reads as absent (404). */
export function isOwnedBy(record: { readonly organisation?: string | null }, organisation: string): boolean {
  return ownerOf(record) === organisation;
}

/**
 * `name` (a client id, or another id without `.`) inside a storage name (a Redis key, a Chroma collection
 * name) made per organisation: `o<16 hex of the organisation's sha256>.<name>`, so any organisation id
 * fits any name's alphabet and two organisations' names never meet; `name` alone for
 * {@link LOCAL_ORGANISATION}, so names stored before tenancy keep reading as that organisation's (and,
 * `name` holding no `.`, never meet another organisation's).
 */
export function organisationScoped(organisation: string, name: string): string {
  if (organisation === LOCAL_ORGANISATION) return name;
  return `o${createHash('sha256').update(organisation).digest('hex').slice(0, 16)}.${name}`;
}
