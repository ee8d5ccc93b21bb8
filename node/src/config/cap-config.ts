/**
 * The config sections of alerts going out to partner systems: `cap` (how alerts are written as CAP 1.2 messages)
 * and `webhooks` (URLs an agency registers to receive new alerts and objects, each as a principal of the agency
 * with its own role and purpose). Part of NodeConfig (config.ts); an invalid value is refused with its path.
 */
import { z } from 'zod';
import { checkUniqueIds } from './unique-ids.js';
import { roles } from '../identity.js';

export const capConfigSchema = z.object({
  exercise: z.boolean().default(false)
    .describe('The node runs an exercise: every CAP message it writes has status "Exercise" (an alert labelled "exercise" has it anyway)'),
  language: z.string().regex(/^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/, 'must be an RFC 3066 language tag such as "es-ES" or "en"').default('en')
    .describe('Language of the alerts\' text, written in each CAP message\'s info/language'),
  publicUrl: z.string().url().refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL').optional()
    .describe('Base URL partners reach the node at, for the links of the CAP feed (default: from the request\'s Host header)'),
}).describe('CAP 1.2 messages of alerts (GET /cap/alerts.atom, /cap/alerts/{id}.xml, webhooks)');

export const WEBHOOK_EVENTS = ['alerts', 'objects'] as const;
export const WEBHOOK_FORMATS = ['cap', 'stix'] as const;

export const webhookSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,40}$/, 'must be 2-41 lowercase letters, digits or "-", e.g. "dispatch-112" (it names the webhook\'s signing secret in the key service)')
    .describe('Name of the webhook: in the audit log, the X-Popart-Webhook header, and its secret "webhook-<id>" in the key service'),
  url: z.string().url('must be an absolute URL').refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL')
    .describe('Where deliveries are POSTed'),
  role: z.enum(roles).default('operator')
    .describe('The role the receiver gets as a principal of this agency: what the egress gate lets it see (operators and supervisors: the alerts routed to them)'),
  minSeverity: z.enum(['low', 'medium', 'high', 'critical']).default('low').describe('With role operator or supervisor: only alerts of at least this severity'),
  purpose: z.string().trim().min(1).optional()
    .describe('Why the receiver gets data (LED Art. 25), recorded with each delivery; without it only TLP:CLEAR and TLP:GREEN objects are sent'),
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1, 'must name at least one of "alerts", "objects"').default(['alerts'])
    .describe('"alerts": new alerts and their updates and cancellations; "objects": every new object the receiver may see (as STIX)'),
  formats: z.array(z.enum(WEBHOOK_FORMATS)).min(1, 'must name at least one of "cap", "stix"').default(['cap'])
    .describe('"cap": one CAP 1.2 message per alert (application/cap+xml); "stix": a STIX 2.1 bundle per block (application/stix+json)'),
  maxAttempts: z.number().int().min(1).max(20).default(6).describe('Attempts per delivery before it is given up (and audited as failed)'),
  retryDelayMs: z.number().int().min(10).max(600_000).default(1000).describe('Delay before the first retry; doubled after each failed attempt'),
  timeoutMs: z.number().int().min(100).max(120_000).default(5000).describe('Deadline of one attempt'),
  maxQueued: z.number().int().min(1).max(100_000).default(1000).describe('Deliveries stored for this receiver at most (and blocks waiting to be written as deliveries); further ones are dropped and logged'),
}).superRefine((w, ctx) => {
  if (w.events.includes('objects') && !w.formats.includes('stix')) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['formats'], message: 'must include "stix" when events includes "objects" (objects other than alerts have no CAP form)' });
  }
});

export const webhooksConfigSchema = z.array(webhookSchema).default([]).superRefine((hooks, ctx) => {
  checkUniqueIds(hooks, ctx, (id) => `"${id}" names two webhooks: each needs its own id (and secret)`);
}).describe('URLs that receive new alerts and objects, signed (X-Popart-Signature: HMAC-SHA256 with the secret "webhook-<id>" of the key service)');

export type CapConfig = z.infer<typeof capConfigSchema>;
export type WebhookConfig = z.infer<typeof webhookSchema>;
