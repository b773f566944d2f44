const OPEN = new Set(['(', '[', '{']);
const CLOSE = new Set([')', ']', '}']);
const QUOTES = new Set(['"', "'", '`']);

/**
 * How many parameters `fn`'s source declares, defaults and rest included (`length` stops at the
 * first default). Read from Function.prototype.toString: commas at the top level of the parameter
 * list, skipping strings, templates and brackets. Undefined when the source is not readable
 * (a native or bound function).
 */
export function declaredParameterCount(fn: (...args: never[]) => unknown): number | undefined {
  const source = Function.prototype.toString.call(fn);
  const start = source.indexOf('(');
  if (start < 0 || source.includes('[native code]')) return undefined;
  let depth = 0;
  let count = 0;
  let sawToken = false;
  for (let i = start + 1; i < source.length; i++) {
    const c = source[i];
    if (QUOTES.has(c)) {
      i = endOfString(source, i);
      sawToken = true;
    } else if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? -1 : end + 1;
    } else if (c === '/' && source[i + 1] === '/') {
      i = source.indexOf('\n', i);
    } else if (OPEN.has(c)) {
      depth++;
      sawToken = true;
    } else if (CLOSE.has(c)) {
      if (depth === 0) return sawToken ? count + 1 : count;
      depth--;
    } else if (c === ',' && depth === 0) {
      count++;
      sawToken = false;
    } else if (!/\s/.test(c)) {
      sawToken = true;
    }
    if (i < 0) return undefined;
  }
  return undefined;
}

/** The index of the quote closing the string (or template) opened at `open`. */
function endOfString(source: string, open: number): number {
  const quote = source[open];
  for (let i = open + 1; i < source.length; i++) {
    if (source[i] === '\\') i++;
    else if (source[i] === quote) return i;
  }
  return -1;
}
