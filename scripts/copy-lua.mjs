// Runs after `tsc -p tsconfig.build.json` (see `npm run build`): tsc emits only JavaScript, so
// copy every {libs,apps}/*/src/**/*.lua to the same relative path under dist/, where the compiled
// script loaders look for it (e.g. dist/libs/redis-store/src/lua/record-outcomes-4.lua).
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const distDir = join(root, 'dist');

/** Every *.lua file under `dir`, depth first, skipping node_modules. */
function* luaFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') yield* luaFiles(path);
    else if (entry.isFile() && entry.name.endsWith('.lua')) yield path;
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
  for (const file of luaFiles(srcDir)) {
    const target = join(distDir, relative(root, file));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(file, target);
    copied++;
  }
}
console.log(`copy-lua: ${copied} Lua script${copied === 1 ? '' : 's'} copied to ${relative(root, distDir) || '.'}/`);
