import type { AgencySubject } from '../../identity.js';
import { territories } from './territory.js';

export const territoryResolvers = {
  Agency: {
    jurisdiction: async (a: AgencySubject) => (await territories()).get(a.key) ?? null,
  },
};
