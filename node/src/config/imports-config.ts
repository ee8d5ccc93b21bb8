/**
 * The `imports` section of the node config: partner feeds the node pulls on a schedule and publishes
 * as its agency (modules/partner-import). Part of NodeConfig (config.ts); an invalid value is refused with its path.
 * Imports are TAXII 2.1 collections or MISP feeds. Passwords are never in the file: an import names the environment variable that holds it.
 */
import { z } from 'zod';
import { checkUniqueIds } from './unique-ids.js';
import { roles } from '../identity.js';

const httpUrl = z.string().url('must be an absolute URL').refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL')
  .refine((u) => !/^https?:\/\/[^/]*@/.test(u), 'must not hold credentials (user:password@): use auth.passwordEnv');

export const importSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,40}$/, 'must be 2-41 lowercase letters, digits or "-", e.g. "europol-taxii"')
    .describe('Name of the import: the importing user is "import:<id>" in the audit log, and its cursor is kept under it'),
  kind: z.enum(['taxii', 'misp']).describe('"taxii": a TAXII 2.1 collection (GET objects/ with added_after, limit and next); "misp": a MISP feed (manifest.json and one {uuid}.json per event)'),
  url: httpUrl.describe('TAXII: the partner\'s API root (with `collection`) or the URL of the collection itself; MISP: the feed\'s base URL (where manifest.json is)'),
  collection: z.string().trim().min(1).optional().describe('TAXII: id of the collection under the API root `url`; absent: `url` is the collection'),
  auth: z.object({
    username: z.string().min(1).describe('HTTP Basic user name at the partner'),
    passwordEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be the name of an environment variable, e.g. "POPART_IMPORT_EUROPOL_PASSWORD"')
      .describe('Environment variable holding the password (never the password itself in the file)'),
  }).optional().describe('HTTP Basic credentials for the partner; absent: no Authorization header'),
  intervalSeconds: z.number().int().min(1).max(86_400).default(300).describe('Seconds between pulls; after a failure of the partner the delay doubles, up to an hour'),
  defaultTlp: z.enum(['clear', 'green', 'amber', 'amber+strict', 'red'])
    .describe('TLP marking added to objects that carry none (what the partner agreed to share them as); without it they would count as AMBER'),
  role: z.enum(roles).default('analyst').describe('Role of the importing principal "import:<id>" (it must be one that may publish)'),
  pageSize: z.number().int().min(1).max(1000).default(200).describe('Objects asked for per page (TAXII limit)'),
  timeoutMs: z.number().int().min(100).max(300_000).default(30_000).describe('Deadline of one request to the partner'),
}).superRefine((i, ctx) => {
  if (i.kind === 'misp' && i.collection) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['collection'], message: 'a MISP feed has no collections: give the feed\'s base URL in url' });
  if (i.role === 'auditor') ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['role'], message: 'an auditor may not publish: use analyst, operator or supervisor' });
});

export type ImportConfig = z.infer<typeof importSchema>;

export const importsConfigSchema = z.array(importSchema).default([]).superRefine((list, ctx) => {
  checkUniqueIds(list, ctx, (id) => `"${id}" names two imports: each needs its own id (and cursor)`);
}).describe('Partner feeds pulled on a schedule and published as this agency (docs/partners.md)');
