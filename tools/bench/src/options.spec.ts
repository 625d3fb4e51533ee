import { BenchArgumentError } from './bench-argument-error.ts';
import { parseBenchArgs } from './options.ts';

const problem = (args: string[]) => {
  try {
    parseBenchArgs(args);
  } catch (error) {
    if (error instanceof BenchArgumentError) return error.message;
    throw error;
  }
  return 'accepted';
};

describe('parseBenchArgs', () => {
  it('reads a run with its defaults, several SLOs and headers', () => {
    const sut = parseBenchArgs([
      ...['--target', 'ask', '--url', 'http://rag:8001/', '--goodput', 'ttft:500', 'tpot:50', 'e2el:10000'],
      ...['--header', 'Authorization: Bearer k:1', '--request-rate', '2.5', '--seed', '3'],
    ]);

    expect(sut).toEqual({
      mode: 'run',
      target: 'ask',
      urls: ['http://rag:8001'],
      model: undefined,
      maxTokens: 128,
      dataset: 'questions',
      numRequests: 100,
      concurrencies: [undefined],
      requestRate: 2.5,
      seed: 3,
      slo: { ttft: 500, tpot: 50, e2el: 10000 },
      timeScale: 1,
      timeoutMs: 600_000,
      headers: { Authorization: 'Bearer k:1' },
      out: undefined,
      name: 'bench',
      spawnSim: undefined,
      speeds: [],
      scenario: undefined,
      maxFailures: 0,
    });
  });

  it('defaults the letters target to the case notes, --spawn-sim to the openai target, and reads a sweep', () => {
    expect(parseBenchArgs(['--target', 'letters', '--url', 'http://n'])).toMatchObject({ dataset: 'case-notes' });
    expect(parseBenchArgs(['--spawn-sim', 'fast', '--sweep', '1, 2,8'])).toMatchObject({
      target: 'openai',
      spawnSim: 'fast',
      concurrencies: [1, 2, 8],
    });
    expect(parseBenchArgs(['--compare', 'a.json', 'b.json'])).toEqual({
      mode: 'compare',
      files: ['a.json', 'b.json'],
      out: undefined,
      name: 'compare',
    });
    expect(parseBenchArgs(['--help'])).toBeNull();
  });

  it('reads several URLs, and the replicas --spawn-sim starts with their speeds', () => {
    expect(
      parseBenchArgs(['--target', 'openai', '--url', 'http://a:1/, http://b:2', '--scenario', 'replicas']),
    ).toMatchObject({
      urls: ['http://a:1', 'http://b:2'],
      scenario: 'replicas',
    });
    expect(parseBenchArgs(['--spawn-sim', 'vllm-a100-8b', '--replicas', '4', '--speeds', '1,1,1,0.5'])).toMatchObject({
      urls: undefined,
      speeds: [1, 1, 1, 0.5],
    });
    expect(parseBenchArgs(['--spawn-sim', 'fast', '--replicas', '2'])).toMatchObject({ speeds: [1, 1] });
  });

  it.each([
    [['--url', 'http://x'], '--target is required: one of openai, ollama, ask, letters'],
    [['--target', 'vllm', '--url', 'http://x'], '--target vllm: use one of openai, ollama, ask, letters'],
    [['--target', 'openai'], '--url is required (or --spawn-sim PROFILE to start a simulated engine)'],
    [['--spawn-sim', 'fast', '--url', 'http://x'], 'give --url or --spawn-sim, not both'],
    [
      ['--spawn-sim', 'fast', '--target', 'ask'],
      '--spawn-sim starts an engine with an OpenAI API: drop --target ask or use openai',
    ],
    [
      ['--target', 'openai', '--url', 'localhost:8000'],
      '--url localhost:8000: give an http(s) base URL, e.g. http://localhost:8000',
    ],
    [['--concurrency', '0'], '--concurrency 0: give a whole number of 1 or more'],
    [['--sweep', '1,two'], '--sweep two: give a whole number of 1 or more'],
    [['--sweep', '1,2', '--concurrency', '2'], 'give --concurrency or --sweep, not both'],
    [['--request-rate', '0'], '--request-rate 0: give a number above 0 or inf'],
    [['--num-requests', '2.5'], '--num-requests 2.5: give a whole number of 1 or more'],
    [
      ['--goodput', 'ttft=500'],
      '--goodput ttft=500: write NAME:MS with NAME ttft, tpot or e2el and MS above 0, e.g. ttft:500',
    ],
    [['--goodput', 'itl:5'], '--goodput itl:5: write NAME:MS'],
    [['--header', 'nocolon'], '--header nocolon: write "Name: value", e.g. "Authorization: Bearer KEY"'],
    [['--scenario', 'fastest'], '--scenario fastest: use one of headline, replicas'],
    [['--scenario', 'headline', '--sweep', '1,2'], '--scenario headline makes its own two runs: drop --sweep'],
    [['--seed=-1'], '--seed -1: give a whole number of 0 or more'],
    [['--name', '../x'], '--name ../x: use letters, digits, dots and dashes only'],
    [['--concurency', '4'], "Unknown option '--concurency'"],
    [['extra'], 'unexpected argument "extra": options start with --; see --help'],
    [['--compare', 'a.json'], '--compare takes two report files (A.json B.json), got 1'],
    [['--target', 'openai', '--url', 'http://a,b:2'], '--url b:2: give an http(s) base URL'],
    [['--replicas', '2'], '--replicas and --speeds shape the engines --spawn-sim starts: add --spawn-sim PROFILE'],
    [
      ['--spawn-sim', 'fast', '--replicas', '2', '--speeds', '1'],
      '--speeds lists 1 speeds for 2 replicas: give one a replica',
    ],
    [['--spawn-sim', 'fast', '--speeds', '1,0'], '--speeds 0: give a number above 0'],
    [
      ['--scenario', 'replicas'],
      '--scenario replicas needs two replicas or more: --url A,B or --spawn-sim with --replicas 2',
    ],
  ])('refuses %j: %s', (args, message) => {
    const base =
      args.some((arg) => ['--target', '--spawn-sim', '--compare'].includes(arg)) || args[0] === '--url'
        ? []
        : ['--target', 'openai', '--url', 'http://x'];

    expect(problem([...base, ...args])).toContain(message);
  });
});
