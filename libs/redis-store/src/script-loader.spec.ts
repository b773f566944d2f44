import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readScript } from './script-loader';

const scripts = readdirSync(join(__dirname, 'lua')).filter((f) => f.endsWith('.lua'));

describe('Lua scripts', () => {
  it.each(scripts)('%s is named verbNoun-<keys>.lua and documents exactly that many KEYS', (file) => {
    const match = /^[a-z-]+-(\d+)\.lua$/.exec(file);
    expect(match).not.toBeNull();
    const source = readScript(file);
    const documented = new Set([...source.matchAll(/^\s*KEYS\[(\d+)\]/gm)].map((m) => m[1]));
    expect(documented.size).toBe(Number(match?.[1]));
  });

  it.each(scripts)('%s has every include flattened', (file) => {
    const source = readScript(file);
    expect(source).not.toMatch(/@include/);
    expect(source).toMatch(/^local rcall = redis.call$/m);
  });
});
