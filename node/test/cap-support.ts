/**
 * Test helpers for CAP 1.2 messages: reading their fields, and leaving every message the tests produce in
 * POPART_CAP_OUT, where `npm test` validates them against the OASIS CAP 1.2 XML schema with xmllint
 * (test/cap-xsd.check.ts); webhook receivers on 127.0.0.1.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

let counter = 0;

/** Leaves a CAP message (a whole document, or an `<alert>` element of a feed) where the schema check finds it. */
export function recordCapMessage(name: string, xml: string): void {
  const dir = process.env.POPART_CAP_OUT;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const document = xml.startsWith('<?xml') ? xml : `<?xml version="1.0" encoding="UTF-8"?>\n${xml}\n`;
  writeFileSync(join(dir, `${name.replace(/[^a-z0-9-]+/gi, '-')}-${process.pid}-${++counter}.xml`), document);
}

function unescape(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** The text of every element `name` (no attributes, text content only) in document order, unescaped. */
export function capTexts(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, 'g'))].map((m) => unescape(m[1] as string));
}

/** The text of the only element `name`; undefined when there is none, an error when there are several. */
export function capText(xml: string, name: string): string | undefined {
  const all = capTexts(xml, name);
  if (all.length > 1) throw new Error(`${all.length} <${name}> elements where one was expected`);
  return all[0];
}

/** The value of the `<parameter>` named `valueName`. */
export function capParameter(xml: string, valueName: string): string | undefined {
  const m = new RegExp(`<parameter>\\s*<valueName>${valueName}</valueName>\\s*<value>([^<]*)</value>`).exec(xml);
  return m ? unescape(m[1] as string) : undefined;
}

/** The CAP `<alert>` elements carried by an Atom feed, in feed order. */
export function feedAlerts(atom: string): string[] {
  return [...atom.matchAll(/<alert xmlns="urn:oasis:names:tc:emergency:cap:1\.2">[\s\S]*?<\/alert>/g)].map((m) => m[0]);
}

/** One POST a webhook receiver got. */
export interface Delivery { headers: IncomingMessage['headers']; body: string; at: number }

export interface WebhookReceiver {
  url: string;
  got: Delivery[];
  /** Requests held open (never answered). */
  hanging: ServerResponse[];
  /** Answers what is held open and stops the server. */
  close(): Promise<void>;
}

/** A webhook receiver on 127.0.0.1 that records each POST; `answer` picks the status of the n-th (null: never answer). */
export async function webhookReceiver(answer: (n: number) => number | null = () => 204): Promise<WebhookReceiver> {
  const got: Delivery[] = [];
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const status = answer(got.length);
      if (status === null) hanging.push(res);
      else res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, hanging,
    async close() {
      for (const res of hanging) res.writeHead(204).end();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
