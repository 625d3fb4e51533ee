import { DEFAULT_SERVED_MODEL_NAMES, LocalLlmConfigError, loadConfig } from './local-llm.config';

describe(loadConfig.name, () => {
  it('has defaults measured to work here: llama engine, tiny model, one thread', () => {
    const sut = loadConfig([], {});

    expect(sut).toMatchObject({
      port: 8000,
      host: '127.0.0.1',
      preset: 'tiny',
      threads: 1,
      engine: 'llama',
      admin: false,
      'served-model-name': DEFAULT_SERVED_MODEL_NAMES,
    });
    expect(sut.model).toBeUndefined();
  });

  it('takes flags over environment variables', () => {
    const sut = loadConfig(['--port', '9001', '--served-model-name', 'a, b'], {
      LOCAL_LLM_PORT: '9000',
      LOCAL_LLM_PARALLEL: '8',
    });

    expect(sut.port).toBe(9001);
    expect(sut.parallel).toBe(8);
    expect(sut['served-model-name']).toEqual(['a', 'b']);
  });

  it('lists every bad value with its flag and variable', () => {
    expect(() => loadConfig(['--parallel', '0'], { LOCAL_LLM_PRESET: 'huge' })).toThrow(
      /--preset \(LOCAL_LLM_PRESET\): expected tiny or medium \(got "huge"\)\n.*--parallel \(LOCAL_LLM_PARALLEL\): expected a whole number from 1 to 4096/,
    );
  });

  it('reads --admin as a switch and LOCAL_LLM_ADMIN as true or false', () => {
    expect(loadConfig(['--admin'], {}).admin).toBe(true);
    expect(loadConfig([], { LOCAL_LLM_ADMIN: 'true' }).admin).toBe(true);
    expect(loadConfig([], { LOCAL_LLM_ADMIN: '0' }).admin).toBe(false);
  });

  it('caches prefixes unless --no-enable-prefix-caching, as vLLM V1 does', () => {
    expect(loadConfig([], {})['enable-prefix-caching']).toBe(true);
    expect(loadConfig(['--no-enable-prefix-caching'], {})['enable-prefix-caching']).toBe(false);
    expect(loadConfig(['--enable-prefix-caching'], { LOCAL_LLM_ENABLE_PREFIX_CACHING: 'false' })).toMatchObject({
      'enable-prefix-caching': true,
    });
    expect(loadConfig([], { LOCAL_LLM_ENABLE_PREFIX_CACHING: 'false' })['enable-prefix-caching']).toBe(false);
  });

  it('reports cached prompt tokens in usage only with --enable-prompt-tokens-details, as vLLM', () => {
    expect(loadConfig([], {})['enable-prompt-tokens-details']).toBe(false);
    expect(loadConfig(['--enable-prompt-tokens-details'], {})['enable-prompt-tokens-details']).toBe(true);
    expect(loadConfig([], { LOCAL_LLM_ENABLE_PROMPT_TOKENS_DETAILS: '1' })['enable-prompt-tokens-details']).toBe(true);
  });

  it('takes a positive --speed for the sim engine and refuses anything else at start-up', () => {
    expect(loadConfig([], {}).speed).toBe(1);
    expect(loadConfig(['--engine', 'sim', '--speed', '0.5'], {}).speed).toBe(0.5);
    expect(loadConfig(['--engine', 'sim'], { LOCAL_LLM_SPEED: '2' }).speed).toBe(2);
    for (const bad of ['0', '-1', 'fast', 'Infinity', '']) {
      expect(() => loadConfig(['--engine', 'sim', `--speed=${bad}`], {})).toThrow(
        /--speed \(LOCAL_LLM_SPEED\): expected a number above 0/,
      );
    }
    expect(() => loadConfig(['--speed', '0.5'], {})).toThrow(
      /--speed \(LOCAL_LLM_SPEED\): applies to --engine sim only/,
    );
  });

  it('rejects an unknown flag and lists the known ones', () => {
    expect(() => loadConfig(['--paralel', '2'], {})).toThrow(LocalLlmConfigError);
    expect(() => loadConfig(['--paralel', '2'], {})).toThrow(/known flags: .*--parallel/);
  });
});
