/** The threat map: what the feed shows (same filters), drawn on the offline map. */
import { useMemo } from 'react';
import { Filters, toApiFilter, type FilterState } from '../feed/feed.js';
import { useThreats } from '../feed/use-threats.js';
import { useI18n } from '../i18n/i18n.js';
import { LeftOutNote, PurposeField } from '../purpose.js';
import { navigate, threatPath } from '../router.js';
import { useSession } from '../session.js';
import { ErrorNote, titleOf } from '../ui.js';
import { mainBBox, territoryFeature, threatFeatures } from './features.js';
import { boundsOf, MapLegend, MapView } from './map-view.js';
import { venueFeatures } from './venues.js';

export function MapPage({ filter, setFilter }: { filter: FilterState; setFilter(f: FilterState): void }) {
  const { t } = useI18n();
  const { session } = useSession();
  const { items, error, leftOut } = useThreats(toApiFilter(filter), 200);
  const agency = session.user.agency;
  const features = useMemo(() => [
    ...territoryFeature(agency.jurisdiction, `${t('legendTerritory')}: ${agency.name}`),
    ...venueFeatures(),
    ...threatFeatures(items, titleOf),
  ], [items, agency, t]);
  // Fit to the objects drawn, or to the user's territory when there are none.
  const fit = useMemo(() => boundsOf(features.filter((f) => f.properties.objectId))
    ?? mainBBox(agency.jurisdiction), [features, agency]);
  return (
    <section aria-labelledby="map-title">
      <h2 id="map-title">{t('mapTitle')}</h2>
      <PurposeField />
      <Filters value={filter} onChange={setFilter} />
      <ErrorNote error={error} />
      <LeftOutNote leftOut={leftOut} />
      <MapView features={features} fit={fit} label={t('mapTitle')} onSelect={(id) => navigate(threatPath(id))} />
      <MapLegend kinds={['territory', 'venue', 'alert', 'threat', 'point', 'track', 'pilot']} />
    </section>
  );
}
