import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';

const workspaceRoot = join(__dirname, '..', '..', '..');
const RULE = '@nx/enforce-module-boundaries';

interface LintResult {
  messages: { ruleId: string | null; message: string }[];
}

/**
 * Lints `code` as if it were a new file at `path`, with the real ESLint CLI and workspace config (ESLint
 * loads its flat config with a dynamic import, which Jest's module system cannot run), and returns the
 * boundary rule's messages.
 */
function boundaryErrors(path: string, code: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [
        join(workspaceRoot, 'node_modules/eslint/bin/eslint.js'),
        '--format',
        'json',
        '--stdin',
        '--stdin-filename',
        path,
      ],
      { cwd: workspaceRoot, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        // Exit code 1 means lint errors were found: that is an answer, not a failure.
        if (error && error.code !== 1) return reject(new Error(`eslint failed: ${stderr || error.message}`));
        const [result] = JSON.parse(stdout) as LintResult[];
        resolve(result.messages.filter((message) => message.ruleId === RULE).map((message) => message.message));
      },
    );
    child.stdin?.end(code);
  });
}

describe('module boundaries (eslint.config.mjs)', () => {
  beforeAll(() => {
    // The rule reads Nx's cached project graph and silently skips itself without one: compute it.
    execFileSync(process.execPath, [join(workspaceRoot, 'node_modules/nx/dist/bin/nx.js'), 'show', 'projects'], {
      cwd: workspaceRoot,
      stdio: 'ignore',
    });
  });

  it('lets a service use the shared libraries', async () => {
    const sut = await boundaryErrors(
      'apps/rag-service/src/boundary-fixture.ts',
      "import { ServiceCoreModule } from '@rma/service-core';\nexport const used = ServiceCoreModule;\n",
    );

    expect(sut).toEqual([]);
  });

  it.each([
    [
      'a service importing bullmq (only @rma/generation-queue may)',
      'apps/rag-service/src/boundary-fixture.ts',
      'bullmq',
    ],
    [
      'a service importing an LLM SDK (only @rma/llm-provider may)',
      'apps/notes-service/src/boundary-fixture.ts',
      '@langchain/openai',
    ],
    ['the LLM provider importing bullmq', 'libs/llm-provider/src/boundary-fixture.ts', 'bullmq'],
    ['the generation queue importing an LLM SDK', 'libs/generation-queue/src/boundary-fixture.ts', 'openai'],
    [
      'a util lib importing the local inference engine',
      'libs/shared/service-core/src/boundary-fixture.ts',
      'node-llama-cpp',
    ],
  ])('rejects %s', async (_case, path, specifier) => {
    const sut = await boundaryErrors(path, `import * as vendor from '${specifier}';\nexport const used = vendor;\n`);

    expect(sut).toContainEqual(expect.stringContaining(`is not allowed to import "${specifier}"`));
  });

  it('rejects a util lib importing a lib of another type', async () => {
    const sut = await boundaryErrors(
      'libs/shared/service-core/src/boundary-fixture.ts',
      "import * as testing from '@rma/testing';\nexport const used = testing;\n",
    );

    expect(sut).toEqual([expect.stringContaining('type:util')]);
  });

  it('rejects one service importing another', async () => {
    const sut = await boundaryErrors(
      'apps/rag-service/src/boundary-fixture.ts',
      "import { AppModule } from '../../notes-service/src/app.module';\nexport const used = AppModule;\n",
    );

    expect(sut.length).toBeGreaterThan(0);
  });
});
