// The code blocks of the repository's Markdown, as test/docs-examples.test.ts checks them: every
// TypeScript or JavaScript block is a program a reader may copy, so each must compile and run.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export type ExampleLanguage = 'ts' | 'js';

/** How a block is checked: `run` compiles and runs it against Redis; `typecheck-only` says why it cannot run here. */
export type ExampleCheck = { kind: 'run' } | { kind: 'typecheck-only'; reason: string };

export interface MarkdownExample {
  /** Relative to the repository root, with `/`. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** 1-based line of the block's first line of code: a compiler's line 0 is this line. */
  codeLine: number;
  /** The nearest heading above the block. */
  heading: string;
  language: ExampleLanguage;
  code: string;
  check: ExampleCheck;
}

/** A block the checker cannot accept as it stands: an unknown marker, code in an untagged fence. */
export interface MarkdownProblem {
  file: string;
  line: number;
  problem: string;
}

const LANGUAGES: Record<string, ExampleLanguage> = { ts: 'ts', typescript: 'ts', js: 'js', javascript: 'js' };
const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/;
const MARKER = /^<!--\s*example:\s*(.*?)\s*-->$/;
const TYPECHECK_ONLY = /^typecheck-only\s*[-:—]\s*(\S.*)$/;
// A fence without a language that holds code would escape every check: it has to say what it is.
const LOOKS_LIKE_CODE = /^\s*(import|export|const|let|await|async function|function|class|interface)\s/m;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'coverage']);

/** Every Markdown file under `root`, outside dependencies, build output and hidden directories (scratch space). */
export function markdownFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || SKIPPED_DIRS.has(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name.endsWith('.md')) found.push(relative(root, path).split('\\').join('/'));
    }
  };
  walk(root);
  return found.sort();
}

export function parseMarkdown(file: string, text: string): { examples: MarkdownExample[]; problems: MarkdownProblem[] } {
  const lines = text.split('\n');
  const examples: MarkdownExample[] = [];
  const problems: MarkdownProblem[] = [];
  let heading = '';
  let lastNonBlank = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const open = FENCE.exec(line);
    if (open === null) {
      const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
      if (h !== null) heading = h[1];
      if (line.trim() !== '') lastNonBlank = line.trim();
      continue;
    }
    const fence = open[1];
    const info = open[2].toLowerCase();
    const start = i;
    const body: string[] = [];
    const close = new RegExp(`^ {0,3}${fence[0]}{${fence.length},}\\s*$`);
    for (i++; i < lines.length && !close.test(lines[i]); i++) body.push(lines[i]);
    if (i === lines.length) problems.push({ file, line: start + 1, problem: 'the code block is never closed' });
    const code = body.join('\n') + '\n';
    const marker = MARKER.exec(lastNonBlank);
    lastNonBlank = '';
    const language = LANGUAGES[info];
    if (language === undefined) {
      if (info === '' && LOOKS_LIKE_CODE.test(code)) problems.push({ file, line: start + 1, problem: 'a fence without a language holds code: tag it ```ts (or ```text if it is not a program)' });
      if (marker !== null) problems.push({ file, line: start + 1, problem: `an example marker before a ${info || 'plain'} block, which is never checked` });
      continue;
    }
    let check: ExampleCheck = { kind: 'run' };
    if (marker !== null) {
      const only = TYPECHECK_ONLY.exec(marker[1]);
      if (only === null) {
        problems.push({ file, line: start + 1, problem: `unknown marker "${marker[0]}": the only one is <!-- example: typecheck-only: why it cannot run with only Redis -->` });
      } else {
        check = { kind: 'typecheck-only', reason: only[1] };
      }
    }
    examples.push({ file, line: start + 1, codeLine: start + 2, heading, language, code, check });
  }
  return { examples, problems };
}

export function collectExamples(root: string): { files: string[]; examples: MarkdownExample[]; problems: MarkdownProblem[] } {
  const files = markdownFiles(root);
  const examples: MarkdownExample[] = [];
  const problems: MarkdownProblem[] = [];
  for (const file of files) {
    const parsed = parseMarkdown(file, readFileSync(join(root, file), 'utf8'));
    examples.push(...parsed.examples);
    problems.push(...parsed.problems);
  }
  return { files, examples, problems };
}

export const exampleLabel = (e: Pick<MarkdownExample, 'file' | 'line'>): string => `${e.file}:${e.line}`;
