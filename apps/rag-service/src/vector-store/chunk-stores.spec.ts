import { CLIENT_ID, LOCAL_ORGANISATION } from '@rma/service-core';
import { clientCollectionName } from './chunk-stores';

/** Chroma's rule for collection names (3-63 characters in the versions the service supports). */
const CHROMA_NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{1,61}[a-zA-Z0-9]$/;

describe(clientCollectionName.name, () => {
  it('is the prefix and the id when Chroma takes that as it is, for the local organisation (as before tenancy)', () => {
    expect(clientCollectionName('client-', LOCAL_ORGANISATION, 'cl-1042')).toBe('client-cl-1042');
  });

  it('gives ids ending in - or _ a name Chroma takes, apart from every other id', () => {
    const ids = ['a', 'a-', 'a_', 'a-c', 'a_c', 'x'.repeat(47) + '-'];
    const names = ids.map((id) => clientCollectionName('client-', LOCAL_ORGANISATION, id));

    expect(ids.every((id) => CLIENT_ID.test(id))).toBe(true);
    expect(names.every((name) => CHROMA_NAME.test(name))).toBe(true);
    expect(new Set(names).size).toBe(ids.length);
    expect(clientCollectionName('abcdefghijklm', LOCAL_ORGANISATION, 'x'.repeat(47) + '-')).toMatch(CHROMA_NAME);
  });

  it("gives each organisation's client its own name within 63 characters, never another's nor a local one", () => {
    const ids = ['a', 'a-', 'cl-1042', 'x'.repeat(47) + '-'];
    const organisations = [LOCAL_ORGANISATION, 'org-a', 'org-b', 'Bristol.Debt_Advice-2'];
    const names = organisations.flatMap((organisation) =>
      ids.map((id) => clientCollectionName('abcdefghijklm', organisation, id)),
    );

    expect(names.filter((name) => !CHROMA_NAME.test(name))).toEqual([]);
    expect(new Set(names).size).toBe(names.length);
    expect(clientCollectionName('client-', 'org-a', 'cl-1042')).toMatch(/^client-o[0-9a-f]{16}\.[0-9a-f]{24}$/);
  });
});
