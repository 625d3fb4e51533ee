import { BlockTable, KvBlockPool } from './kv-block-pool';
import { blockHashes } from './prompt-blocks';

const BLOCK = 4;
const pool = (numBlocks: number, prefixCaching = true) =>
  new KvBlockPool({ numBlocks, blockSize: BLOCK, prefixCaching });

/** A prompt of `tokens` tokens whose first `shared` tokens come from `prefix`, the rest unique to `name`. */
function prompt(prefix: string, shared: number, name: string, tokens: number) {
  const list = Array.from({ length: tokens }, (_, i) => (i < shared ? `${prefix}${i}` : `${name}${i}`));
  return { hashes: blockHashes(list, BLOCK), tokens };
}

function admit(sut: KvBlockPool, request: { hashes: string[]; tokens: number }, countStats = true) {
  const allocation = sut.admit({ ...request, countStats });
  if (!allocation) throw new Error('not admitted');
  return allocation;
}

describe(KvBlockPool.name, () => {
  it('finds the full blocks of a shared prefix and counts queries and hits in tokens', () => {
    const sut = pool(100);
    admit(sut, prompt('system', 12, 'a', 14));

    const second = admit(sut, prompt('system', 12, 'b', 14));

    expect(second.cachedTokens).toBe(12);
    expect(sut.prefixCacheStats()).toEqual({ queries: 28, hits: 12 });
  });

  it('finds nothing for a different prefix, even where later tokens agree', () => {
    const sut = pool(100);
    admit(sut, prompt('system', 4, 'a', 14));

    // Tokens 4 to 13 are the same, but the chain hash of every block covers the first one.
    expect(admit(sut, prompt('letter', 4, 'a', 14)).cachedTokens).toBe(0);
    expect(sut.prefixCacheStats().hits).toBe(0);
  });

  it('never caches a partial block, and always computes the last prompt token', () => {
    const sut = pool(100);
    // 10 tokens: two full blocks and a partial one of 2 tokens.
    admit(sut, prompt('p', 10, 'a', 10));
    expect(sut.cachedBlocks).toBe(2);

    // The same 10 tokens again: the two full blocks hit, the partial one is computed.
    expect(admit(sut, prompt('p', 10, 'b', 10)).cachedTokens).toBe(8);
    // A prompt of exactly two blocks: the second block holds its last token, so only the first hits.
    expect(admit(sut, prompt('p', 8, 'c', 8)).cachedTokens).toBe(4);
  });

  it('holds a shared block once, and counts unheld cached blocks as free (vLLM usage)', () => {
    const sut = pool(10);
    const first = admit(sut, prompt('s', 8, 'a', 9)); // blocks for 10 tokens: 3 (2 cached + 1 private)
    expect(sut.usedBlocks).toBe(3);
    admit(sut, prompt('s', 8, 'b', 9)); // shares 2, adds 1
    expect(sut.usedBlocks).toBe(4);
    expect(sut.usage()).toBeCloseTo(0.4, 10);

    sut.release(first.table);

    expect(sut.usedBlocks).toBe(3);
    expect(sut.cachedBlocks).toBe(2);
  });

  it('evicts unheld cached blocks, least recently freed first and a prefix from its end, when the budget needs room', () => {
    const sut = pool(6);
    const a = admit(sut, prompt('a', 8, 'a', 9)); // 3 blocks: a0, a1 cached, 1 private
    const b = admit(sut, prompt('b', 8, 'b', 9));
    sut.release(a.table);
    sut.release(b.table);
    expect(sut).toMatchObject({ cachedBlocks: 4, freeBlocks: 6 });

    // 3 fresh blocks: the 2 that never held a prefix, then a's last block (a was freed first).
    const c = admit(sut, prompt('c', 0, 'c', 11));
    expect(sut.cachedBlocks).toBe(3 + 2);
    sut.release(c.table);

    expect(admit(sut, prompt('b', 8, 'b2', 9)).cachedTokens).toBe(8);
    expect(admit(sut, prompt('a', 8, 'a2', 9)).cachedTokens).toBe(4);
  });

  it('never evicts a block a running sequence holds, and refuses what does not fit', () => {
    const sut = pool(5);
    const held = admit(sut, prompt('h', 8, 'h', 8)); // 3 blocks, 2 of them cached and pinned

    expect(sut.admit({ ...prompt('x', 8, 'x', 8), countStats: true })).toBeUndefined();
    expect(sut.usedBlocks).toBe(3);
    expect(sut.prefixCacheStats().queries).toBe(8);
    // The pinned blocks still serve a hit: 8 tokens need 3 blocks, 2 of them shared.
    expect(admit(sut, prompt('h', 8, 'h2', 8)).cachedTokens).toBe(4);
    expect(held.table.hashed).toHaveLength(2);
  });

  it('makes room from unheld cached blocks only, however old the pinned ones are', () => {
    const sut = pool(6);
    const held = prompt('h', 8, 'h', 9);
    admit(sut, held); // h0, h1 pinned, cached before anything else
    sut.release(admit(sut, prompt('r', 8, 'r', 9)).table); // r0, r1 unheld

    admit(sut, prompt('x', 0, 'x', 11)); // 3 fresh blocks: 1 never cached, then r1 and r0

    expect(sut.usedBlocks).toBe(6);
    expect(sut.lookup(held.hashes, held.tokens)).toEqual({ blocks: 2, unheld: 0 });
    expect(sut.lookup(prompt('r', 8, 'r', 9).hashes, 9).blocks).toBe(0);
  });

  it('lets an unheld cached hit count toward the room a request needs, without counting it twice', () => {
    const sut = pool(4);
    const first = admit(sut, prompt('s', 8, 'a', 9)); // 3 blocks
    sut.release(first.table); // 2 cached, unheld: all 4 free
    admit(sut, prompt('o', 0, 'o', 3)); // 1 block, never-cached
    expect(sut.freeBlocks).toBe(3);

    // 9 tokens need 3 blocks; 2 are the cached ones (free until held), so 3 free blocks are enough.
    expect(admit(sut, prompt('s', 8, 'b', 9)).cachedTokens).toBe(8);
    expect(sut.usedBlocks).toBe(4);
  });

  it('refuses a request whose cached hits would leave too little room, though its new blocks alone fit', () => {
    const sut = pool(4);
    sut.release(admit(sut, prompt('s', 8, 'a', 9)).table); // 2 cached, unheld
    admit(sut, prompt('o', 0, 'o', 7)); // 2 blocks
    expect(sut.freeBlocks).toBe(2);

    // 1 new block, but holding the 2 cached ones takes them out of the 2 free: 3 > 2.
    expect(sut.admit({ ...prompt('s', 8, 'b', 9), countStats: true })).toBeUndefined();
    expect(sut).toMatchObject({ usedBlocks: 2, cachedBlocks: 3 });
  });

  it('grows a running sequence block by block', () => {
    const sut = pool(10);
    const { table } = admit(sut, prompt('g', 0, 'g', 3)); // 4 tokens of room: 1 block

    expect(sut.growthFor(table, 3)).toBe(0);
    expect(sut.growthFor(table, 4)).toBe(1);
    sut.grow(table, 1);
    expect(sut.usedBlocks).toBe(2);
    sut.release(table);
    expect(sut.usedBlocks).toBe(0);
  });

  it('caches nothing and counts nothing when prefix caching is off', () => {
    const sut = pool(100, false);
    admit(sut, prompt('system', 12, 'a', 14));

    expect(admit(sut, prompt('system', 12, 'b', 14)).cachedTokens).toBe(0);
    expect(sut.cachedBlocks).toBe(0);
    expect(sut.prefixCacheStats()).toEqual({ queries: 0, hits: 0 });
  });

  it('leaves a preempted request out of the counters, as vLLM does, but still gives it its hits', () => {
    const sut = pool(100);
    const first = admit(sut, prompt('p', 12, 'a', 14));
    sut.release(first.table as BlockTable);

    expect(admit(sut, prompt('p', 12, 'a', 14), false).cachedTokens).toBe(12);
    expect(sut.prefixCacheStats()).toEqual({ queries: 14, hits: 0 });
  });
});
