/**
 * The names this server answers to. vLLM matches a request's `model` exactly against its served names;
 * Ollama treats `name` and `name:latest` as the same model.
 */
export class ServedModels {
  constructor(readonly names: readonly string[]) {}

  get primary(): string {
    return this.names[0];
  }

  matchesOpenAi(requested: string): boolean {
    return this.names.includes(requested);
  }

  matchesOllama(requested: string): boolean {
    const bare = requested.endsWith(':latest') ? requested.slice(0, -':latest'.length) : requested;
    return this.names.some((name) => name === requested || name === bare);
  }
}
