import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeyStore } from '@rma/service-core';
import { eventually, freePort } from '@rma/testing';
import { Redis } from 'ioredis';
import { scannedPdf } from '@rma/testing/documents';
import { SERVICE_APPS, readText, workspaceRoot } from './workspace';

// What docker/Dockerfile does, without Docker: the app's build output (dist/apps/APP, built before this
// project's tests: a bundle with its own package.json and lockfile) in a folder of its own, the lockfile
// brought in line with package.json, `npm ci --omit=dev`, then `node main.js`. A dependency the bundle
// needs at run time but the generated package.json lacks fails here as it would in the image.

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

describe('the apps as docker/Dockerfile builds them', () => {
  it('the Dockerfile builds each app and installs its production dependencies only', () => {
    const dockerfile = readText('docker/Dockerfile');

    expect(dockerfile).toMatch(/npx nx run "\$\{APP\}:build"/);
    expect(dockerfile).toContain('npm install --package-lock-only --omit=dev');
    expect(dockerfile).toMatch(
      /COPY --from=build \/workspace\/dist\/apps\/\$\{APP\}\/package\.json .*package-lock\.json/,
    );
    expect(dockerfile).toContain('npm ci --omit=dev');
  });

  it.each(SERVICE_APPS)(
    '%s installs its production dependencies from its own lockfile, boots and answers /health',
    async (app) => {
      const dir = mkdtempSync(join(tmpdir(), `rma-pruned-${app}-`));
      let child: ChildProcess | undefined;
      try {
        cpSync(join(workspaceRoot, 'dist/apps', app), dir, { recursive: true });
        // No .npmrc here, as in the image: optional platform packages (sharp's, canvas's) are installed.
        const npm = (args: string[]) =>
          execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
            cwd: dir,
            stdio: 'pipe',
            timeout: 240_000,
          });
        npm(['install', '--package-lock-only', '--omit=dev']);
        npm(['ci', '--omit=dev']);
        const port = await freePort();
        let output = '';
        child = spawn(process.execPath, ['main.js'], {
          cwd: dir,
          env: {
            PATH: process.env['PATH'] ?? '',
            NODE_ENV: 'production',
            PORT: String(port),
            HOST: '127.0.0.1',
            REDIS_URL: process.env['RMA_TEST_REDIS_URL'] as string,
            CHROMA_URL: process.env['RMA_TEST_CHROMA_URL'] as string,
            MANUALS_DIR: 'off',
            DOCUMENT_STORAGE_DIR: join(dir, 'documents'),
            READER_POOL_SIZE: '1',
            // No LLM here: the rules classify and OCR alone reads the page.
            DOCUMENT_VISION: 'false',
            DOCUMENT_LLM: 'false',
            LOG_LEVEL: 'warn',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
        const running = child;
        await eventually(async () => {
          if (running.exitCode !== null) throw new Error(`${app} exited with ${running.exitCode}:\n${output}`);
          return fetch(`http://127.0.0.1:${port}/health`).then(
            (response) => response.status === 200,
            () => false,
          );
        }, 60_000);
        if (app === 'doc-processor') {
          // A scanned page read by OCR: the pruned install must hold pdf.js, canvas, sharp, tesseract.js
          // and its English data, which the bundle loads at run time in its reader children.
          const form = new FormData();
          const scan = await scannedPdf([['Council Tax arrears notice', 'Amount due 1,200 pounds by 14 March 2027']], {
            dpi: 150,
          });
          form.append('file', new Blob([new Uint8Array(scan)], { type: 'application/pdf' }), 'scan.pdf');
          // Production runs with API keys (AUTH_MODE=on): a documents key in the service's Redis.
          const redis = new Redis(process.env['RMA_TEST_REDIS_URL'] as string);
          const { key } = await new ApiKeyStore(redis)
            .create({ organisation: 'pruned-apps', scopes: ['documents'] })
            .finally(() => redis.quit());
          const response = await fetch(`http://127.0.0.1:${port}/process`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}` },
            body: form,
          });
          const body = (await response.json()) as { pages: { method: string }[]; markdown: string };

          expect({ status: response.status, methods: body.pages?.map((page) => page.method) }).toEqual({
            status: 200,
            methods: ['ocr'],
          });
          expect(body.markdown).toMatch(/Council/);
        }
      } finally {
        if (child) await stop(child);
        rmSync(dir, { recursive: true, force: true });
      }
    },
    300_000,
  );
});
