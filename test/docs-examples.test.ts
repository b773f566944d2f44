// Every TypeScript or JavaScript block in the repository's Markdown (README.md, docs/, apps/...) is
// a program a reader may copy, so each one is type-checked with the repository's tsconfig and run
// with `node --import tsx` against Redis, and must exit 0 by itself within RUN_LIMIT_MS: top-level
// await, a name never defined, or a connection left open fails here, named by file and line.
// A block that cannot run with only Redis says why on the line before its fence:
//   <!-- example: typecheck-only: needs the downstream simulator -->
// Examples read REDIS_URL and KEY_PREFIX; each block runs under a prefix of its own, deleted afterwards.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { collectExamples, exampleLabel, parseMarkdown, type MarkdownExample } from './support/markdown-examples';
import { deleteKeysByPrefix, redisUrl, uniquePrefix } from './support/redis-server';

const ROOT = resolve(__dirname, '..');
// Generous for a busy 2-core machine; an example that is still running after this has left a handle open.
const RUN_LIMIT_MS = 20_000;
// Inside the repository, so tsconfig's `@breakwater/*` paths resolve exactly as for a reader's file
// at the root; `.tmp/` is git-ignored and outside tsconfig's `include`.
const WORK_DIR = join(ROOT, '.tmp', `docs-examples-${randomUUID().slice(0, 8)}`);
const PREFIX = uniquePrefix('docs-examples');

const { files, examples, problems } = collectExamples(ROOT);
const runnable = examples.filter((e) => e.check.kind === 'run');

const pathOf = (e: MarkdownExample): string => join(WORK_DIR, `${e.file.replace(/[^\w.-]+/g, '_')}-L${e.line}.${e.language}`);
const keyPrefixOf = (e: MarkdownExample): string => `${PREFIX}L${e.line}:`;
const named = (list: MarkdownExample[]): Array<[string, MarkdownExample]> => list.map((e) => [`${exampleLabel(e)} (${e.heading})`, e]);

function createProgram(paths: string[]): ts.Program {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.json'),
    // Forced module scope keeps one example's top-level names from clashing with another's in this shared program.
    { noEmit: true, allowJs: true, checkJs: true, moduleDetection: ts.ModuleDetectionKind.Force },
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (parsed === undefined) throw new Error('tsconfig.json could not be read');
  return ts.createProgram({ rootNames: paths, options: parsed.options });
}

/** The compiler's complaints about one example, each at its line in the Markdown file. */
function diagnosticsOf(program: ts.Program, e: MarkdownExample): string[] {
  const source = program.getSourceFile(pathOf(e));
  if (source === undefined) return [`${exampleLabel(e)}: not part of the program`];
  return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].map((d) => {
    const at = d.start === undefined ? { line: 0, character: 0 } : source.getLineAndCharacterOfPosition(d.start);
    return `${e.file}:${e.codeLine + at.line}:${at.character + 1} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  output: string;
}

function run(e: MarkdownExample, limitMs = RUN_LIMIT_MS): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', pathOf(e)], {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL: redisUrl(), KEY_PREFIX: keyPrefixOf(e) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, limitMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, timedOut, output });
    });
  });
}

function describeFailure(e: MarkdownExample, r: RunResult, limitMs = RUN_LIMIT_MS): string | undefined {
  if (!r.timedOut && r.code === 0) return undefined;
  const why = r.timedOut
    ? `did not exit by itself within ${limitMs / 1000} s (something is left open: a connection, a timer, a server)`
    : `exited with ${r.code === null ? `signal ${String(r.signal)}` : `code ${r.code}`}`;
  const tail = r.output.trim().split('\n').slice(-25).join('\n');
  return `${exampleLabel(e)} (${e.heading}) ${why}\n--- its output ---\n${tail}`;
}

// Broken on purpose, each in one of the ways the README's examples once were: the checker must catch them.
const BROKEN_MD = [
  '# Broken examples',
  '```ts',
  "import { createCoordinationRedis } from '@breakwater/redis-store';",
  '',
  "const redis = createCoordinationRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');",
  'await redis.ping();',
  '```',
  '```ts',
  "import { createCoordinationRedis } from '@breakwater/redis-store';",
  '',
  "createCoordinationRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379').on('ready', () => console.log('connected, never closed'));",
  '```',
  '```ts',
  "throw new Error('a failing example');",
  '```',
].join('\n');
const broken = parseMarkdown('broken.md', BROKEN_MD).examples;
// Long enough for tsx to start and Redis to answer on a busy machine, short enough not to slow the suite much.
const HANG_LIMIT_MS = 8_000;

describe('the block finder', () => {
  const md = [
    '# Title',
    '```ts',
    'const a = 1;',
    '```',
    '## Section',
    '<!-- example: typecheck-only: needs the simulator -->',
    '',
    '````typescript',
    '```',
    '````',
    '```',
    'import { x } from "y";',
    '```',
    '<!-- example: fragment -->',
    '```js',
    'f();',
    '```',
    '```sh',
    'npm test',
    '```',
  ].join('\n');

  it('finds ts/typescript/js blocks with their lines, headings and markers, and flags untagged code and unknown markers', () => {
    const { examples: found, problems: flagged } = parseMarkdown('x.md', md);

    expect(found.map((e) => [e.line, e.codeLine, e.heading, e.language, e.code, e.check])).toEqual([
      [2, 3, 'Title', 'ts', 'const a = 1;\n', { kind: 'run' }],
      [8, 9, 'Section', 'ts', '```\n', { kind: 'typecheck-only', reason: 'needs the simulator' }],
      [15, 16, 'Section', 'js', 'f();\n', { kind: 'run' }],
    ]);
    expect(flagged.map((p) => p.line)).toEqual([11, 15]);
  });
});

describe('every TypeScript and JavaScript block in the Markdown', () => {
  let program: ts.Program;

  beforeAll(async () => {
    await mkdir(WORK_DIR, { recursive: true });
    for (const e of [...examples, ...broken]) await writeFile(pathOf(e), e.code);
    program = createProgram([...examples, ...broken].map(pathOf));
  }, 120_000);

  afterAll(async () => {
    await rm(WORK_DIR, { recursive: true, force: true });
    await deleteKeysByPrefix(redisUrl(), PREFIX).catch(() => undefined);
  });

  it('would catch a top-level await, a connection left open and a failing example, naming the Markdown line', async () => {
    const [topLevelAwait, leftOpen, failing] = broken;

    expect(diagnosticsOf(program, topLevelAwait)).toEqual([expect.stringMatching(/^broken\.md:6:1 TS1378: /)]);
    const hung = await run(leftOpen, HANG_LIMIT_MS);
    expect(hung.output).toContain('connected, never closed');
    expect(describeFailure(leftOpen, hung, HANG_LIMIT_MS)).toMatch(/^broken\.md:8 \(Broken examples\) did not exit by itself within 8 s/);
    expect(describeFailure(failing, await run(failing))).toMatch(/^broken\.md:13 \(Broken examples\) exited with code 1\n[^]*a failing example/);
  }, 60_000);

  it('are found: the README and docs examples this test exists for, and no block it cannot classify', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'docs/policies.md']));
    expect(examples.map((e) => `${e.file} § ${e.heading}`)).toEqual(
      expect.arrayContaining(['README.md § Protect a call with a fleet breaker', 'README.md § Compose policies', 'docs/policies.md § Resilience policies']),
    );
    expect(runnable.length).toBeGreaterThanOrEqual(5);
    expect(problems.map((p) => `${p.file}:${p.line}: ${p.problem}`)).toEqual([]);
  });

  it('share a compiler setup without problems of its own', () => {
    expect([...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()].map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
  });

  it.each(named(examples))('%s type-checks with the repository tsconfig', (_label, e) => {
    expect(diagnosticsOf(program, e)).toEqual([]);
  });

  it.each(named(runnable))(
    '%s runs against Redis and exits 0 by itself',
    async (_label, e) => {
      expect(describeFailure(e, await run(e))).toBeUndefined();
    },
    RUN_LIMIT_MS + 10_000,
  );
});
