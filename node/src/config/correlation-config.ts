/**
 * The config section `correlation` (modules/correlation/): when two objects of the same category are close enough in
 * space and time to be linked, and how many objects one value may link. Part of NodeConfig (config.ts).
 */
import { z } from 'zod';

export const correlationConfigSchema = z.object({
  enabled: z.boolean().default(true)
    .describe('Correlate objects as they arrive (false: no links are made; what is linked already stays)'),
  distanceM: z.number().positive().max(100_000).default(1000)
    .describe('Alerts of the same category whose centres are at most this far apart (metres) are linked'),
  windowS: z.number().int().positive().max(7 * 86_400).default(900)
    .describe('... when their active periods (created to last modified) are at most this far apart (seconds)'),
  maxLinksPerValue: z.number().int().positive().max(10_000).default(100)
    .describe('A new object is linked to at most this many objects through one shared value'),
  maxNearby: z.number().int().positive().max(10_000).default(200)
    .describe('A new alert is compared with at most this many alerts near it'),
  maxProximityLinks: z.number().int().positive().max(10_000).default(20)
    .describe('... and linked to at most this many of them within the limits: the nearest (distance, then time apart)'),
}).describe('Correlation of objects across agencies as they arrive (shared observables, proximity in space and time)');

export type CorrelationConfig = z.infer<typeof correlationConfigSchema>;
