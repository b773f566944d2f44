// Runs after `tsc -p tsconfig.build.json` and copy-lua.mjs (see `npm run build`): makes the compiled
// tree runnable with plain `node dist/apps/<app>/src/main.js`.
// - tsc leaves `require('@breakwater/<lib>')` as it is, and tsconfig's `paths` mean nothing to Node:
//   each alias becomes dist/node_modules/@breakwater/<lib>/package.json whose `main` points at the
//   compiled library (the alias, not the folder, names it: @breakwater/nestjs is libs/nest-resilience).
// - each app reads its settings from `<app>/config/` beside `src/`: copied to dist/apps/<app>/config/.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const distDir = join(root, 'dist');
const paths = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')).compilerOptions.paths;

let linked = 0;
for (const [alias, [target]] of Object.entries(paths)) {
  const packageDir = join(distDir, 'node_modules', ...alias.split('/'));
  const entry = join(distDir, target, 'index.js');
  if (!existsSync(entry)) throw new Error(`link-dist-packages: ${alias} maps to ${target}, but ${relative(root, entry)} was not built`);
  mkdirSync(packageDir, { recursive: true });
  const main = relative(packageDir, entry).split('\\').join(posix.sep);
  writeFileSync(join(packageDir, 'package.json'), `${JSON.stringify({ name: alias, private: true, main }, null, 2)}\n`);
  linked++;
}

let copied = 0;
const appsDir = join(root, 'apps');
for (const app of readdirSync(appsDir, { withFileTypes: true }).filter((e) => e.isDirectory())) {
  const configDir = join(appsDir, app.name, 'config');
  if (!existsSync(configDir)) continue;
  for (const file of readdirSync(configDir, { withFileTypes: true }).filter((e) => e.isFile())) {
    const target = join(distDir, 'apps', app.name, 'config', file.name);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(configDir, file.name), target);
    copied++;
  }
}
console.log(`link-dist-packages: ${linked} package alias(es) under dist/node_modules, ${copied} app config file(s) copied`);
