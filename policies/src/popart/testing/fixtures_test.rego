# Shared test fixtures (a *_test.rego file, so never part of a build): agencies' identities,
# named areas around Madrid and Portugal, and an object builder.
package popart.testing

ids[key] := agency.identity_id if {
	some key, agency in data.popart.config.agencies
}

ext := "extension-definition--eede3623-5bda-4618-a696-fd5bf0b5744f"

# Areas: { bbox: [minLon, minLat, maxLon, maxLat], center: [lon, lat] }.
areas := {
	# Santiago Bernabéu: Madrid city, the Comunidad, Spain.
	"bernabeu": {"bbox": [-3.6905, 40.4525, -3.6862, 40.4541], "center": [-3.68835, 40.4533]},
	# Alcalá de Henares: in the Comunidad, outside Madrid city.
	"alcala": {"bbox": [-3.38, 40.47, -3.35, 40.49], "center": [-3.365, 40.48]},
	# Toledo: Spain, outside the Comunidad.
	"toledo": {"bbox": [-4.04, 39.85, -4.0, 39.87], "center": [-4.02, 39.86]},
	# Lisbon: Portugal.
	"lisbon": {"bbox": [-9.2, 38.69, -9.1, 38.75], "center": [-9.15, 38.72]},
	# Straddles Madrid city's western edge, centre outside the city.
	"madrid_edge": {"bbox": [-3.95, 40.4, -3.85, 40.46], "center": [-3.9, 40.43]},
	# In the box of Madrid city (north-west corner) but outside its polygon.
	"madrid_corner": {"bbox": [-3.885, 40.615, -3.875, 40.625], "center": [-3.88, 40.62]},
	# Shares only an edge with the box of Madrid city.
	"madrid_touch": {"bbox": [-3.95, 40.4, -3.89, 40.45], "center": [-3.92, 40.425]},
	# A thin strip across Madrid city: no corner in the polygon, no vertex in the box, centre outside.
	"madrid_strip": {"bbox": [-3.95, 40.4, -3.0, 40.41], "center": [-3.475, 40.405]},
}

obj(publisher, tlp, audience, area) := {
	"id": "incident--8f1e3c52-6a0d-4a4b-9b7e-5d6c2f9a1b01",
	"type": "incident",
	"publisher": publisher,
	"tlp": tlp,
	"audience": [ids[k] | some k in audience],
	"category": "drone",
	"severity": "high",
	"area": object.get(areas, area, null),
	"properties": ["name", "description"],
}

subject(agency, role) := {"agency": agency, "role": role, "username": concat("-", [agency, role])}
