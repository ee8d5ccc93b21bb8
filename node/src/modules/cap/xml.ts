/** The little XML writing CAP messages and Atom feeds need: escaped text and indented elements. */

/**
 * Text as XML 1.0 character data: the five special characters escaped, and characters XML 1.0 cannot carry at all
 * (C0 controls other than tab, newline and carriage return; U+FFFE, U+FFFF; unpaired surrogates) replaced by U+FFFD.
 */
export function xmlText(value: string): string {
  return value
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** An element with text content on one line, indented by `depth` levels of two spaces. */
export function textElement(name: string, value: string, depth: number): string {
  return `${'  '.repeat(depth)}<${name}>${xmlText(value)}</${name}>`;
}

/** An element holding other lines (already indented one level deeper), with optional attributes. */
export function parentElement(name: string, lines: readonly string[], depth: number, attributes: Record<string, string> = {}): string {
  const pad = '  '.repeat(depth);
  const attrs = Object.entries(attributes).map(([k, v]) => ` ${k}="${xmlText(v)}"`).join('');
  return [`${pad}<${name}${attrs}>`, ...lines, `${pad}</${name}>`].join('\n');
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
