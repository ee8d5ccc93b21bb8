# Plane geometry on WGS 84 longitude/latitude degrees, in plain arithmetic (OPA has no geo
# built-ins, and the wasm target supports only a few): bounding boxes, point in polygon by ray
# casting, and whether an object's area (its bounding box and centre) concerns a territory
# (a GeoJSON Polygon or MultiPolygon). policies/README.md states the rules in words.
package popart.geo

import data.popart.config

# The polygons of a territory, each a list of rings (the first the outer ring, the others holes).
polygons(territory) := [territory.coordinates] if territory.type == "Polygon"

polygons(territory) := territory.coordinates if territory.type == "MultiPolygon"

# [minLon, minLat, maxLon, maxLat] of a ring.
ring_bbox(ring) := [min(xs), min(ys), max(xs), max(ys)] if {
	xs := [p[0] | some p in ring]
	ys := [p[1] | some p in ring]
}

# Two boxes share an area (touching edges or corners is not enough).
boxes_overlap(a, b) if {
	a[0] < b[2]
	a[2] > b[0]
	a[1] < b[3]
	a[3] > b[1]
}

# A point lies in a box, edges included.
point_in_box(p, box) if {
	box[0] <= p[0]
	p[0] <= box[2]
	box[1] <= p[1]
	p[1] <= box[3]
}

# The edges of a polygon, every ring, each as [ax, ay, bx, by, minx, miny, maxx, maxy, bx - ax, by - ay]:
# computed once per polygon (see boxed_polygons), so that the tests below are plain comparisons.
edges(polygon) := [[a[0], a[1], b[0], b[1], min([a[0], b[0]]), min([a[1], b[1]]), max([a[0], b[0]]), max([a[1], b[1]]), b[0] - a[0], b[1] - a[1]] |
	some ring in polygon
	some i, a in ring
	b := ring[i + 1]
]

# Ray casting with the even-odd rule over all rings: a horizontal ray from the point towards
# +longitude crosses an odd number of edges when the point is inside the outer ring and in no hole
# (the holes of a valid GeoJSON polygon lie inside its outer ring and do not overlap).
point_in_edges(p, es) if {
	crossings := count([1 |
		some e in es
		e[5] <= p[1] # exactly one end above the point: miny <= y < maxy
		p[1] < e[7]
		p[0] < e[0] + (((p[1] - e[1]) * e[8]) / e[9])
	])
	crossings % 2 == 1
}

# A point inside a polygon given as rings (the outer ring first, then holes).
point_in_polygon(p, polygon) if point_in_edges(p, edges(polygon))

point_in_territory(p, territory) if point_in_boxed(p, boxed_polygons(territory))

corners(box) := [[box[0], box[1]], [box[2], box[1]], [box[2], box[3]], [box[0], box[3]]]

# An edge and a box share a point (edges included): their boxes meet, and the box's corners are not all
# strictly on one side of the edge's line (the separating axes of a segment and a box).
edge_meets_box(e, box) if {
	e[4] <= box[2]
	e[6] >= box[0]
	e[5] <= box[3]
	e[7] >= box[1]
	sides := [side | some c in corners(box); side := (e[8] * (c[1] - e[1])) - (e[9] * (c[0] - e[0]))]
	min(sides) <= 0
	max(sides) >= 0
}

# A box and a polygon share a point: an edge of one of its rings meets the box, or, when none does, the box
# lies wholly inside the polygon or wholly outside it, and one corner tells which.
box_meets_polygon(box, polygon) if box_meets_edges(box, edges(polygon))

box_meets_edges(box, es) if {
	some e in es
	edge_meets_box(e, box)
}

box_meets_edges(box, es) if point_in_edges([box[0], box[1]], es)

# A territory's polygons, each with the bounding box of its outer ring, so that a point or an area far from a
# polygon is dismissed by its box before ray casting or edge crossing.
boxed_polygons(territory) := [{"edges": edges(polygon), "bbox": ring_bbox(polygon[0])} | some polygon in polygons(territory)]

point_in_boxed(p, boxed) if {
	some polygon in boxed
	point_in_box(p, polygon.bbox)
	point_in_edges(p, polygon.edges)
}

# An area ({ "bbox", "center" }) concerns a territory when its centre lies inside the territory,
# or its box overlaps (shares an area with) the box of one of the territory's polygons and also
# meets that polygon itself.
# The cheap test first: the edge test only runs when the centre is outside (else), instead of for every
# object as a second rule body would. With the centre outside, the bbox cannot lie wholly inside the
# polygon, so it meets the polygon exactly when one of the polygon's edges meets it.
area_in_boxed(area, boxed) if {
	point_in_boxed(area.center, boxed)
} else if {
	some polygon in boxed
	boxes_overlap(area.bbox, polygon.bbox)
	some e in polygon.edges
	edge_meets_box(e, area.bbox)
}

area_in_territory(area, territory) if area_in_boxed(area, boxed_polygons(territory))

# Each agency's territory as boxed polygons: a rule, so it is computed once per evaluation rather than once
# per object.
agency_polygons[key] := boxed_polygons(agency.jurisdiction) if {
	some key, agency in config.agencies
}

point_in_agency_territory(p, key) if point_in_boxed(p, agency_polygons[key])

area_in_agency_territory(area, key) if area_in_boxed(area, agency_polygons[key])
