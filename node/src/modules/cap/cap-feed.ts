/**
 * An Atom feed (RFC 4287) of CAP messages: one entry per alert, newest first, each carrying its CAP message inline
 * (`<content type="application/cap+xml">`, the `<alert>` element as the content's only child) and linking to the
 * message's own URL, as public-warning aggregators read CAP feeds.
 */
import { CAP_MEDIA_TYPE, type CapMessage } from './cap-message.js';
import { parentElement, textElement, XML_DECLARATION, xmlText } from './xml.js';

export const ATOM_MEDIA_TYPE = 'application/atom+xml';

export interface FeedEntry {
  message: CapMessage;
  title: string;
  /** URL of the message alone. */
  link: string;
}

export interface Feed {
  /** A URI naming the feed for good (the node's agency and the feed). */
  id: string;
  title: string;
  /** The feed's own URL. */
  self: string;
  author: string;
  entries: readonly FeedEntry[];
  /** When nothing is in the feed: the time it was made. */
  now: Date;
}

/** An RFC 3339 time of Atom from a CAP dateTime ("-00:00" is UTC). */
function atomTime(capTime: string): string {
  return capTime.replace(/-00:00$/, 'Z');
}

function indent(text: string, depth: number): string {
  const pad = '  '.repeat(depth);
  return text.split('\n').map((line) => pad + line).join('\n');
}

export function atomFeed(feed: Feed): string {
  const updated = feed.entries.map((e) => atomTime(e.message.sent)).sort().at(-1) ?? `${feed.now.toISOString().slice(0, 19)}Z`;
  const lines = [
    textElement('id', feed.id, 1),
    textElement('title', feed.title, 1),
    textElement('updated', updated, 1),
    parentElement('author', [textElement('name', feed.author, 2)], 1),
    `  <link rel="self" type="${ATOM_MEDIA_TYPE}" href="${xmlText(feed.self)}"/>`,
  ];
  for (const entry of feed.entries) {
    lines.push(parentElement('entry', [
      textElement('id', `urn:popart:cap:${entry.message.identifier}`, 2),
      textElement('title', entry.title, 2),
      textElement('updated', atomTime(entry.message.sent), 2),
      `    <link rel="alternate" type="${CAP_MEDIA_TYPE}" href="${xmlText(entry.link)}"/>`,
      parentElement('content', [indent(entry.message.element, 3)], 2, { type: CAP_MEDIA_TYPE }),
    ], 1));
  }
  return `${XML_DECLARATION}\n${parentElement('feed', lines, 0, { xmlns: 'http://www.w3.org/2005/Atom' })}\n`;
}
