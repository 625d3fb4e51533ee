// The webpack config every Node app of the workspace shares: bundle the app's own code and workspace
// libraries, leave node_modules external, write dist/apps/<name> with a package.json for `nx prune`.
const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { readFileSync } = require('fs');
const { join } = require('path');

/**
 * Adds packages an app loads only by a computed name (an ESM import() webpack must leave alone, a data
 * file resolved at run time) to the generated package.json, which lists only what Nx sees imported.
 */
class RuntimeDependenciesPlugin {
  /** @param {string[]} names */
  constructor(names) {
    this.names = names;
  }

  apply(compiler) {
    const { Compilation, sources } = compiler.webpack;
    compiler.hooks.thisCompilation.tap('RuntimeDependenciesPlugin', (compilation) => {
      compilation.hooks.processAssets.tap(
        { name: 'RuntimeDependenciesPlugin', stage: Compilation.PROCESS_ASSETS_STAGE_REPORT },
        () => {
          const asset = compilation.getAsset('package.json');
          if (!asset) return;
          const root = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8'));
          const manifest = JSON.parse(asset.source.source().toString());
          for (const name of this.names) {
            const version = root.dependencies?.[name];
            if (!version) throw new Error(`${name} is not a dependency in the root package.json`);
            manifest.dependencies = { ...manifest.dependencies, [name]: version };
          }
          compilation.updateAsset('package.json', new sources.RawSource(JSON.stringify(manifest, null, 2)));
        },
      );
    });
  }
}

/**
 * @param {string} projectDir the app's folder (its webpack.config.js's __dirname)
 * @param {string} name
 * @param {{ additionalEntryPoints?: { entryName: string, entryPath: string }[], runtimeDependencies?: string[] }} [extra]
 *   more entry points (child processes the app forks, bundled beside main.js), and packages loaded by a
 *   computed name that the generated package.json must list
 */
module.exports = function nodeAppConfig(projectDir, name, extra = {}) {
  return {
    // Node's own __dirname and __filename: an app locates the entry points it forks beside itself.
    node: { __dirname: false, __filename: false },
    output: {
      path: join(projectDir, '../../dist/apps', name),
      clean: true,
      ...(process.env.NODE_ENV !== 'production' && {
        devtoolModuleFilenameTemplate: '[absolute-resource-path]',
      }),
    },
    plugins: [
      new NxAppWebpackPlugin({
        target: 'node',
        compiler: 'tsc',
        main: './src/main.ts',
        additionalEntryPoints: extra.additionalEntryPoints ?? [],
        tsConfig: './tsconfig.app.json',
        assets: ['./src/assets'],
        optimization: false,
        outputHashing: 'none',
        generatePackageJson: true,
        sourceMap: true,
      }),
      ...(extra.runtimeDependencies?.length ? [new RuntimeDependenciesPlugin(extra.runtimeDependencies)] : []),
    ],
  };
};
