// Runs after `tsc -p tsconfig.build.json` (see `npm run build`): tsc emits only JavaScript, so
// copy what the code reads from beside itself to the same relative path under dist/: every
// {libs,apps}/*/src/**/*.lua, where the compiled script loaders look for it (e.g.
// dist/libs/redis-store/src/lua/record-outcomes-4.lua), and every file under a `static/` folder
// (the dashboard's page, apps/payment-api/src/dashboard/static).
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const distDir = join(root, 'dist');

/** Every *.lua file under `dir`, and every file inside a `static` folder, depth first, skipping node_modules. */
function* assetFiles(dir, inStatic = false) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') yield* assetFiles(path, inStatic || entry.name === 'static');
    else if (entry.isFile() && (inStatic || entry.name.endsWith('.lua'))) yield path;
  }
}

let copied = 0;
const packages = ['libs', 'apps'].flatMap((top) => {
  const dir = join(root, top);
  return existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(dir, e.name)) : [];
});
for (const pkg of packages) {
  const srcDir = join(pkg, 'src');
  if (!existsSync(srcDir)) continue;
  for (const file of assetFiles(srcDir)) {
    const target = join(distDir, relative(root, file));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(file, target);
    copied++;
  }
}
console.log(`copy-lua: ${copied} Lua script${copied === 1 ? '' : 's'} and static file${copied === 1 ? '' : 's'} copied to ${relative(root, distDir) || '.'}/`);
