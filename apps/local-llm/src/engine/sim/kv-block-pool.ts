/**
 * The blocks one running sequence holds: shared prompt blocks known by their chain hash (each counted
 * once however many sequences hold it) and private blocks (a partial last block, generated tokens).
 */
export interface BlockTable {
  hashed: string[];
  privateBlocks: number;
}

export interface PrefixCacheStats {
  /** Tokens of requests that looked up the cache (vLLM's `request.num_tokens`). */
  queries: number;
  /** Tokens found in it. */
  hits: number;
}

export interface KvBlockPoolOptions {
  numBlocks: number;
  blockSize: number;
  prefixCaching: boolean;
}

/**
 * vLLM's paged KV cache (v1/core/block_pool.py) with automatic prefix caching, counted rather than
 * stored. Memory is `numBlocks` blocks of `blockSize` tokens. With caching on, each full prompt block is
 * registered under a hash that covers the whole prefix before it, and any sequence with the same prefix
 * shares it. A block in use is pinned; when its last user finishes it stays cached but counts as free
 * (as in vLLM's free queue), and is evicted least recently freed first when memory is needed.
 * Unlike vLLM, blocks that never held a cached prefix are handed out before any cached one is evicted,
 * and generated tokens are never cached (the sim knows their count, not their text).
 */
export class KvBlockPool {
  /** Cached blocks by hash, with the number of running sequences holding each. */
  private readonly cached = new Map<string, number>();
  /** Cached blocks no one holds, least recently freed first: the eviction order. */
  private readonly evictable = new Set<string>();
  private pinnedCached = 0;
  private privateInUse = 0;
  private readonly stats: PrefixCacheStats = { queries: 0, hits: 0 };

  constructor(readonly options: KvBlockPoolOptions) {}

  get numBlocks(): number {
    return this.options.numBlocks;
  }

  get blockSize(): number {
    return this.options.blockSize;
  }

  /** Blocks held by running sequences. */
  get usedBlocks(): number {
    return this.pinnedCached + this.privateInUse;
  }

  /** Blocks a request could take: never used, or cached and unheld (vLLM's get_num_free_blocks). */
  get freeBlocks(): number {
    return this.numBlocks - this.usedBlocks;
  }

  /** Blocks that hold a cached prefix, held or not. */
  get cachedBlocks(): number {
    return this.cached.size;
  }

  /** vLLM's `vllm:kv_cache_usage_perc`: 1 - free / total, so unheld cached blocks count as free. */
  usage(): number {
    return this.usedBlocks / this.numBlocks;
  }

  /** Cumulative lookups of new requests, in tokens (vLLM leaves preempted ones out of the counters). */
  prefixCacheStats(): PrefixCacheStats {
    return { ...this.stats };
  }

  blocksFor(tokens: number): number {
    return Math.ceil(tokens / this.blockSize);
  }

  /**
   * How many leading blocks of `hashes` are cached. At most `tokens - 1` tokens may hit: the last token
   * is always computed, to get the logits for the next one (vLLM's max_cache_hit_length).
   */
  lookup(hashes: readonly string[], tokens: number): { blocks: number; unheld: number } {
    if (!this.options.prefixCaching) return { blocks: 0, unheld: 0 };
    const limit = Math.min(hashes.length, Math.floor((tokens - 1) / this.blockSize));
    let blocks = 0;
    let unheld = 0;
    while (blocks < limit && this.cached.has(hashes[blocks])) {
      if (this.cached.get(hashes[blocks]) === 0) unheld += 1;
      blocks += 1;
    }
    return { blocks, unheld };
  }

  /**
   * Allocates what a sequence of `tokens` tokens (prompt, plus output when it is recomputed after a
   * preemption) needs to run and write one more token, reusing its cached prefix. Returns undefined, and
   * changes nothing, when the free blocks cannot hold it. `countStats` is false for a preempted request.
   */
  admit(request: {
    hashes: readonly string[];
    tokens: number;
    countStats: boolean;
  }): { table: BlockTable; cachedTokens: number } | undefined {
    const hit = this.lookup(request.hashes, request.tokens);
    const needed = this.blocksFor(request.tokens + 1);
    // Unheld hits are free blocks now; holding them takes them out of the free count.
    if (needed - hit.blocks + hit.unheld > this.freeBlocks) return undefined;
    const hashed = request.hashes.slice(0, hit.blocks);
    for (const hash of hashed) this.hold(hash);
    // The prompt's other full blocks are computed now and cached at once, as vLLM's allocate_slots does,
    // so a request admitted in the same step already shares them.
    let privateBlocks = needed - hit.blocks;
    if (this.options.prefixCaching) {
      const full = Math.min(request.hashes.length, Math.floor(request.tokens / this.blockSize));
      for (let i = hit.blocks; i < full && !this.cached.has(request.hashes[i]); i += 1) {
        this.makeRoom(1);
        this.cached.set(request.hashes[i], 0);
        this.hold(request.hashes[i]);
        hashed.push(request.hashes[i]);
        privateBlocks -= 1;
      }
    }
    this.makeRoom(privateBlocks);
    this.privateInUse += privateBlocks;
    if (request.countStats && this.options.prefixCaching) {
      this.stats.queries += request.tokens;
      this.stats.hits += hit.blocks * this.blockSize;
    }
    return { table: { hashed, privateBlocks }, cachedTokens: hit.blocks * this.blockSize };
  }

  /** Blocks a running sequence of `tokens` tokens must add to write one more. */
  growthFor(table: BlockTable, tokens: number): number {
    return Math.max(0, this.blocksFor(tokens + 1) - table.hashed.length - table.privateBlocks);
  }

  /** Adds private blocks to a running sequence; the caller has checked they are free. */
  grow(table: BlockTable, blocks: number): void {
    this.makeRoom(blocks);
    table.privateBlocks += blocks;
    this.privateInUse += blocks;
  }

  /**
   * Gives a sequence's blocks back. Cached ones stay cached, freed last block first so that the end of
   * a prefix is evicted before its start (vLLM frees a request's blocks in reverse order).
   */
  release(table: BlockTable): void {
    this.privateInUse -= table.privateBlocks;
    for (let i = table.hashed.length - 1; i >= 0; i -= 1) {
      const hash = table.hashed[i];
      const holders = (this.cached.get(hash) ?? 1) - 1;
      this.cached.set(hash, holders);
      if (holders === 0) {
        this.pinnedCached -= 1;
        this.evictable.add(hash);
      }
    }
    table.hashed = [];
    table.privateBlocks = 0;
  }

  private hold(hash: string): void {
    const holders = this.cached.get(hash) ?? 0;
    if (holders === 0) {
      this.pinnedCached += 1;
      this.evictable.delete(hash);
    }
    this.cached.set(hash, holders + 1);
  }

  /** Evicts least recently freed cached blocks until `blocks` blocks are free of cached content. */
  private makeRoom(blocks: number): void {
    let neverCached = this.numBlocks - this.usedBlocks - this.evictable.size;
    for (const hash of this.evictable) {
      if (neverCached >= blocks) return;
      this.evictable.delete(hash);
      this.cached.delete(hash);
      neverCached += 1;
    }
  }
}
