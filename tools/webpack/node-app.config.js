// The webpack config every Node app of the workspace shares: bundle the app's own code and workspace
// libraries, leave node_modules external, write dist/apps/<name> with a package.json for `nx prune`.
const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('path');

/**
 * @param {string} projectDir the app's folder (its webpack.config.js's __dirname)
 * @param {string} name
 * @param {{ additionalEntryPoints?: { entryName: string, entryPath: string }[] }} [extra] more entry points:
 *   child processes the app forks, bundled beside main.js
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
    ],
  };
};
