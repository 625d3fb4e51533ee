import nx from '@nx/eslint-plugin';

// Vendor SDKs each have one home: LLM clients in libs/llm-provider, BullMQ in libs/generation-queue.
const llmClients = ['openai', 'ollama', '@langchain/openai', '@langchain/ollama'];
const queueClients = ['bullmq'];
// Inference engines run only inside the local LLM server (apps/local-llm).
const engines = ['node-llama-cpp'];
// Log lines (#17): a sentence written in code, then `key=${value}` fields only, which the services' logger
// checks against its allowlist (service-core's log-fields.ts); text interpolated into the sentence, or a
// value handed over whole (an error, a variable), would be outside that contract.
const logCall =
  ':matches(CallExpression[callee.object.property.name="logger"], CallExpression[callee.object.name="logger"])' +
  '[callee.property.name=/^(log|warn|error|debug|verbose|fatal)$/]';
const logLineRules = [
  {
    selector: `${logCall} TemplateLiteral > TemplateElement[tail=false][value.raw=/(^|[^="]|[^=]"|^")$/]`,
    message:
      'Interpolate into a log line only as a key=${value} field (see service-core log-fields.ts), never into its sentence.',
  },
  {
    selector: `${logCall} > :matches(Identifier, MemberExpression, CallExpression, ObjectExpression):first-child`,
    message:
      'Log a sentence written in code with key=${value} fields, not a value handed over whole (an error, a variable).',
  },
];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/out-tsc', '**/node_modules', '.nx', 'tmp', 'coverage'],
  },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: {
      // A leading underscore marks a parameter a signature requires but the body does not use.
      '@typescript-eslint/no-unused-vars': ['warn', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          // The apps' webpack configs share one factory in tools/webpack.
          allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$', '^.*/tools/webpack/[^/]+\\.config\\.js$'],
          depConstraints: [
            // Layers: apps use data-access and util libs; data-access uses util; util uses util. Test helpers
            // (type:testing) are for spec files only, a convention review keeps.
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:data-access', 'type:util', 'type:testing'] },
            {
              sourceTag: 'type:data-access',
              onlyDependOnLibsWithTags: ['type:data-access', 'type:util', 'type:testing'],
            },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:data-access', 'type:util', 'type:testing'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:util', 'type:testing'] },
            { sourceTag: 'type:tooling', onlyDependOnLibsWithTags: ['type:util', 'type:testing'] },
            // Scopes: a service uses its own code and shared libs, never another service's.
            {
              sourceTag: 'scope:rag',
              onlyDependOnLibsWithTags: ['scope:rag', 'scope:shared'],
              bannedExternalImports: engines,
            },
            {
              sourceTag: 'scope:notes',
              onlyDependOnLibsWithTags: ['scope:notes', 'scope:shared'],
              bannedExternalImports: engines,
            },
            {
              sourceTag: 'scope:docs',
              onlyDependOnLibsWithTags: ['scope:docs', 'scope:shared'],
              bannedExternalImports: engines,
            },
            { sourceTag: 'scope:worker', onlyDependOnLibsWithTags: ['scope:shared'], bannedExternalImports: engines },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'], bannedExternalImports: engines },
            // The local LLM server implements the servers' side from their specs; sharing the
            // client's code with it would let one misunderstanding of the protocol pass every test.
            {
              allSourceTags: ['scope:dev', 'type:app'],
              onlyDependOnLibsWithTags: ['type:util'],
              bannedExternalImports: llmClients,
            },
            // Vendor SDKs only in their one library.
            { sourceTag: 'type:app', bannedExternalImports: [...queueClients, ...llmClients] },
            { sourceTag: 'type:util', bannedExternalImports: [...queueClients, ...llmClients] },
            { allSourceTags: ['type:data-access', 'vendor:llm'], bannedExternalImports: queueClients },
            { allSourceTags: ['type:data-access', 'vendor:queue'], bannedExternalImports: llmClients },
          ],
        },
      ],
    },
  },
  {
    files: ['apps/{notes-service,rag-service,doc-processor,generation-worker}/src/**/*.ts', 'libs/**/src/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/testing/**'],
    rules: { 'no-restricted-syntax': ['error', ...logLineRules] },
  },
];
