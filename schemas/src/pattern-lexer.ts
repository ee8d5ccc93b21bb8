/** Tokens of the STIX 2.1 Patterning language (STIX 2.1 Part 5 / §9). */
import { PatternSyntaxError } from './errors.js';

export type TokenKind =
  | 'keyword' | 'identifier' | 'string' | 'int' | 'float' | 'bool' | 'timestamp' | 'hex' | 'binary'
  | 'op' | '[' | ']' | '(' | ')' | ':' | '.' | ',' | '*' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Keyword or operator text, identifier name, or the decoded literal text. */
  text: string;
  /** 0-based offset of the first character. */
  pos: number;
}

export const KEYWORDS = new Set([
  'AND', 'OR', 'NOT', 'FOLLOWEDBY', 'LIKE', 'MATCHES', 'ISSUPERSET', 'ISSUBSET', 'EXISTS', 'IN',
  'START', 'STOP', 'SECONDS', 'WITHIN', 'REPEATS', 'TIMES',
]);

const OPERATORS = ['==', '!=', '<>', '<=', '>=', '=', '<', '>'];
const PUNCT = new Set(['[', ']', '(', ')', ':', '.', ',', '*']);
const TS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function readQuoted(src: string, start: number): { text: string; end: number } {
  // src[start] is the opening quote; \' and \\ are the only escapes.
  let i = start + 1;
  let text = '';
  while (i < src.length) {
    const ch = src[i] as string;
    if (ch === '\\') {
      const next = src[i + 1];
      if (next === "'" || next === '\\') {
        text += next;
        i += 2;
        continue;
      }
      throw new PatternSyntaxError(`invalid escape \\${next ?? ''} in string literal (only \\' and \\\\ are allowed)`, i);
    }
    if (ch === "'") return { text, end: i + 1 };
    text += ch;
    i++;
  }
  throw new PatternSyntaxError('unterminated string literal', start);
}

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) throw new PatternSyntaxError('unterminated comment', i);
      i = end + 2;
      continue;
    }
    if (src.startsWith('//', i)) {
      const end = src.indexOf('\n', i);
      i = end < 0 ? src.length : end + 1;
      continue;
    }
    const start = i;
    if ((ch === 't' || ch === 'h' || ch === 'b') && src[i + 1] === "'") {
      const { text, end } = readQuoted(src, i + 1);
      if (ch === 't') {
        if (!TS_RE.test(text)) throw new PatternSyntaxError(`invalid timestamp literal t'${text}' (expected e.g. t'2024-01-01T00:00:00Z')`, start);
        out.push({ kind: 'timestamp', text, pos: start });
      } else if (ch === 'h') {
        if (!/^([0-9a-fA-F]{2})*$/.test(text)) throw new PatternSyntaxError(`invalid hex literal h'${text}' (pairs of hex digits)`, start);
        out.push({ kind: 'hex', text, pos: start });
      } else {
        if (!/^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) {
          throw new PatternSyntaxError(`invalid base64 literal b'${text}'`, start);
        }
        out.push({ kind: 'binary', text, pos: start });
      }
      i = end;
      continue;
    }
    if (ch === "'") {
      const { text, end } = readQuoted(src, i);
      out.push({ kind: 'string', text, pos: start });
      i = end;
      continue;
    }
    const num = /^[+-]?(\d*\.\d+|\d+)/.exec(src.slice(i));
    if (num && (/[\d.]/.test(ch) || /[+-]/.test(ch))) {
      const text = num[0];
      const isFloat = text.includes('.');
      if (!isFloat && /^[+-]?0\d/.test(text)) throw new PatternSyntaxError(`integer literal ${text} must not have leading zeros`, start);
      out.push({ kind: isFloat ? 'float' : 'int', text, pos: start });
      i += text.length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i));
    if (ident) {
      let text = ident[0];
      // A trailing hyphen is never part of an identifier.
      while (text.endsWith('-')) text = text.slice(0, -1);
      if (text === 'true' || text === 'false') out.push({ kind: 'bool', text, pos: start });
      else if (KEYWORDS.has(text)) out.push({ kind: 'keyword', text, pos: start });
      else out.push({ kind: 'identifier', text, pos: start });
      i += text.length;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op) {
      out.push({ kind: 'op', text: op === '==' ? '=' : op === '<>' ? '!=' : op, pos: start });
      i += op.length;
      continue;
    }
    if (PUNCT.has(ch)) {
      out.push({ kind: ch as TokenKind, text: ch, pos: start });
      i++;
      continue;
    }
    throw new PatternSyntaxError(`unexpected character ${JSON.stringify(ch)}`, start);
  }
  out.push({ kind: 'eof', text: '', pos: src.length });
  return out;
}
