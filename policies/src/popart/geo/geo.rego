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

# Ray casting: a horizontal ray from the point towards +longitude crosses the edge a-b.
ray_crosses(p, a, b) if {
	a[1] > p[1]
	b[1] <= p[1]
	p[0] < a[0] + (((p[1] - a[1]) * (b[0] - a[0])) / (b[1] - a[1]))
}

ray_crosses(p, a, b) if {
	a[1] <= p[1]
	b[1] > p[1]
	p[0] < a[0] + (((p[1] - a[1]) * (b[0] - a[0])) / (b[1] - a[1]))
}

# A point lies inside a closed ring (GeoJSON: the last position repeats the first) when a ray
# from it crosses the ring's edges an odd number of times.
point_in_ring(p, ring) if {
	crossings := count([i | some i, a in ring; b := ring[i + 1]; ray_crosses(p, a, b)])
	crossings % 2 == 1
}

# Inside the outer ring and in none of the holes.
point_in_polygon(p, polygon) if {
	point_in_ring(p, polygon[0])
	not point_in_hole(p, polygon)
}

point_in_hole(p, polygon) if {
	some i, ring in polygon
	i > 0
	point_in_ring(p, ring)
}

point_in_territory(p, territory) if point_in_boxed(p, boxed_polygons(territory))

# Twice the signed area of the triangle o-a-b: > 0 counter-clockwise, < 0 clockwise, 0 collinear.
cross(o, a, b) := ((a[0] - o[0]) * (b[1] - o[1])) - ((a[1] - o[1]) * (b[0] - o[0]))

# Segments p1-p2 and q1-q2 share a point (end points and collinear overlaps included).
segments_meet(p1, p2, q1, q2) if {
	cross(p1, p2, q1) * cross(p1, p2, q2) <= 0
	cross(q1, q2, p1) * cross(q1, q2, p2) <= 0
	min([p1[0], p2[0]]) <= max([q1[0], q2[0]])
	min([q1[0], q2[0]]) <= max([p1[0], p2[0]])
	min([p1[1], p2[1]]) <= max([q1[1], q2[1]])
	min([q1[1], q2[1]]) <= max([p1[1], p2[1]])
}

corners(box) := [[box[0], box[1]], [box[2], box[1]], [box[2], box[3]], [box[0], box[3]]]

# A box and a polygon share a point: a corner of the box is inside the polygon, a vertex of the
# polygon's outer ring is in the box, or an edge of the outer ring crosses a diagonal of the box
# (a segment that passes through a box with both ends outside it crosses one of its diagonals).
box_meets_polygon(box, polygon) if {
	some corner in corners(box)
	point_in_polygon(corner, polygon)
}

box_meets_polygon(box, polygon) if {
	some vertex in polygon[0]
	point_in_box(vertex, box)
}

box_meets_polygon(box, polygon) if {
	c := corners(box)
	some i, a in polygon[0]
	b := polygon[0][i + 1]
	some d in [[c[0], c[2]], [c[1], c[3]]]
	segments_meet(a, b, d[0], d[1])
}

# A territory's polygons, each with the bounding box of its outer ring, so that a point or an area far from a
# polygon is dismissed by its box before ray casting or edge crossing.
boxed_polygons(territory) := [{"rings": polygon, "bbox": ring_bbox(polygon[0])} | some polygon in polygons(territory)]

point_in_boxed(p, boxed) if {
	some polygon in boxed
	point_in_box(p, polygon.bbox)
	point_in_polygon(p, polygon.rings)
}

# An area ({ "bbox", "center" }) concerns a territory when its centre lies inside the territory,
# or its box overlaps (shares an area with) the box of one of the territory's polygons and also
# meets that polygon itself.
# The cheap test first: the edge-crossing test only runs when the centre is outside (else), instead
# of for every object as a second rule body would.
area_in_boxed(area, boxed) if {
	point_in_boxed(area.center, boxed)
} else if {
	some polygon in boxed
	boxes_overlap(area.bbox, polygon.bbox)
	box_meets_polygon(area.bbox, polygon.rings)
}

area_in_territory(area, territory) if area_in_boxed(area, boxed_polygons(territory))

# Each agency's territory as boxed polygons: a rule, so it is computed once per evaluation rather than once
# per object.
agency_polygons[key] := boxed_polygons(agency.jurisdiction) if {
	some key, agency in config.agencies
}

point_in_agency_territory(p, key) if point_in_boxed(p, agency_polygons[key])

area_in_agency_territory(area, key) if area_in_boxed(area, agency_polygons[key])
