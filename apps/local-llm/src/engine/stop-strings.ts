/**
 * Cuts generated text at the first stop string, as vLLM does: the text before it is kept (trailing
 * spaces included), the stop string and everything after it are dropped. While streaming, text that
 * could still turn into a stop string is held back until it is known not to.
 */
export class StopStringMatcher {
  private pending = '';
  private emitted = '';
  private matched = false;
  private matchedStop: string | undefined;

  constructor(
    private readonly stops: readonly string[],
    private readonly emit: (text: string) => void = () => undefined,
  ) {}

  /** True once a stop string has been seen: generation should end. */
  get stopped(): boolean {
    return this.matched;
  }

  /** The stop string that was seen first in the text, once one has been. */
  get stopString(): string | undefined {
    return this.matchedStop;
  }

  /** All text passed on so far. */
  get text(): string {
    return this.emitted;
  }

  push(chunk: string): void {
    if (this.matched) return;
    this.pending += chunk;
    let cut = -1;
    for (const stop of this.stops) {
      const index = this.pending.indexOf(stop);
      if (index >= 0 && (cut < 0 || index < cut)) {
        cut = index;
        this.matchedStop = stop;
      }
    }
    if (cut >= 0) {
      this.matched = true;
      this.pass(this.pending.slice(0, cut));
      this.pending = '';
      return;
    }
    const hold = this.longestStopPrefixAtEnd();
    this.pass(this.pending.slice(0, this.pending.length - hold));
    this.pending = this.pending.slice(this.pending.length - hold);
  }

  /** Generation ended without a stop string: pass on what was held back. */
  flush(): void {
    if (this.matched) return;
    this.pass(this.pending);
    this.pending = '';
  }

  private pass(text: string): void {
    if (!text) return;
    this.emitted += text;
    this.emit(text);
  }

  private longestStopPrefixAtEnd(): number {
    let longest = 0;
    for (const stop of this.stops) {
      for (let length = Math.min(stop.length - 1, this.pending.length); length > longest; length -= 1) {
        if (this.pending.endsWith(stop.slice(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}
