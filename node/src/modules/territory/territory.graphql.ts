export const territoryTypeDefs = /* GraphQL */ `
  "An agency's territory, as the policies use it (release to local and regional authorities, redaction, alert routing)."
  type Territory {
    "GeoJSON Polygon or MultiPolygon (WGS 84, [longitude, latitude])."
    geometry: JSON!
    "[minLon, minLat, maxLon, maxLat]."
    bbox: [Float!]!
    "[longitude, latitude] of the centre of its first polygon (the mainland: islands come after it)."
    centre: [Float!]!
  }

  extend type Agency {
    "The agency's territory (jurisdiction) in the network's policy configuration; null when it has none."
    jurisdiction: Territory
  }
`;
