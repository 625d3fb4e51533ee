import { CLIENT_ID } from '@rma/service-core';
import { clientCollectionName } from './chunk-stores';

/** Chroma's rule for collection names (3-63 characters in the versions the service supports). */
const CHROMA_NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{1,61}[a-zA-Z0-9]$/;

describe(clientCollectionName.name, () => {
  it('is the prefix and the id when Chroma takes that as it is', () => {
    expect(clientCollectionName('client-', 'cl-1042')).toBe('client-cl-1042');
  });

  it('gives ids ending in - or _ a name Chroma takes, apart from every other id', () => {
    const ids = ['a', 'a-', 'a_', 'a-c', 'a_c', 'x'.repeat(47) + '-'];
    const names = ids.map((id) => clientCollectionName('client-', id));

    expect(ids.every((id) => CLIENT_ID.test(id))).toBe(true);
    expect(names.every((name) => CHROMA_NAME.test(name))).toBe(true);
    expect(new Set(names).size).toBe(ids.length);
    expect(clientCollectionName('abcdefghijklm', 'x'.repeat(47) + '-')).toMatch(CHROMA_NAME);
  });
});
