package popart.geo_test

import data.popart.config
import data.popart.geo
import data.popart.testing

territory(key) := config.agencies[key].jurisdiction

square := {"type": "Polygon", "coordinates": [
	[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
	[[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]],
]}

test_point_in_polygon_with_a_hole if {
	geo.point_in_territory([1, 1], square)
	geo.point_in_territory([9, 5], square)
	not geo.point_in_territory([5, 5], square)
	not geo.point_in_territory([11, 5], square)
	not geo.point_in_territory([-1, 5], square)
}

test_multipolygon_islands if {
	geo.point_in_territory([2.9, 39.6], territory("pn")) # Mallorca
	geo.point_in_territory([-15.5, 28.1], territory("pn")) # Gran Canaria
	geo.point_in_territory([-16.9, 32.65], territory("pj")) # Madeira
	not geo.point_in_territory([-16.9, 32.65], territory("pn"))
}

test_spain_and_portugal_do_not_overlap_at_their_capitals if {
	geo.point_in_territory([-3.7, 40.42], territory("pn"))
	not geo.point_in_territory([-3.7, 40.42], territory("pj"))
	geo.point_in_territory([-9.14, 38.72], territory("pj"))
	not geo.point_in_territory([-9.14, 38.72], territory("pn"))
	geo.point_in_territory([-8.61, 41.15], territory("pj")) # Porto
	not geo.point_in_territory([-8.61, 41.15], territory("pn"))
}

# [area, agency, concerns the territory, centre inside]
table := [
	["bernabeu", "mad", true, true],
	["bernabeu", "crm", true, true],
	["bernabeu", "pn", true, true],
	["bernabeu", "pj", false, false],
	["alcala", "mad", false, false],
	["alcala", "crm", true, true],
	["toledo", "crm", false, false],
	["toledo", "pn", true, true],
	["lisbon", "pj", true, true],
	["lisbon", "pn", false, false],
	["madrid_edge", "mad", true, false],
	["madrid_corner", "mad", false, false],
	["madrid_corner", "crm", true, true],
	["madrid_touch", "mad", false, false],
	["madrid_strip", "mad", true, false],
]

test_areas_and_territories if {
	failures := [row |
		some row in table
		not row_holds(row)
	]
	print("failing rows:", failures)
	failures == []
}

# row: [area name, agency key, area concerns the territory, centre inside]
row_holds(row) if {
	area := testing.areas[row[0]]
	in_territory(area, row[1]) == row[2]
	centre_in(area, row[1]) == row[3]
}

in_territory(area, key) if geo.area_in_territory(area, territory(key))

else := false

centre_in(area, key) if geo.point_in_territory(area.center, territory(key))

else := false

test_boxes_touching_do_not_overlap if {
	not geo.boxes_overlap([0, 0, 1, 1], [1, 0, 2, 1])
	geo.boxes_overlap([0, 0, 1.5, 1], [1, 0, 2, 1])
}

edge(a, b) := geo.edges([[a, b]])[0]

test_edges_and_boxes if {
	geo.edge_meets_box(edge([-1, 1], [3, 1]), [0, 0, 2, 2]) # through the box
	geo.edge_meets_box(edge([-1, -1], [3, 3]), [0, 0, 2, 2]) # along the diagonal
	geo.edge_meets_box(edge([0.5, 0.5], [1, 1]), [0, 0, 2, 2]) # inside the box
	geo.edge_meets_box(edge([2, -1], [2, 3]), [0, 0, 2, 2]) # along an edge of the box
	geo.edge_meets_box(edge([1, 3], [3, 1]), [0, 0, 2, 2]) # through a corner only
	not geo.edge_meets_box(edge([1.5, 3], [3, 1.5]), [0, 0, 2, 2]) # boxes overlap, the line passes the corner
	not geo.edge_meets_box(edge([3, 0], [3, 2]), [0, 0, 2, 2]) # beside the box
	not geo.edge_meets_box(edge([-1, 3], [3, 3]), [0, 0, 2, 2]) # above the box
}

test_box_and_polygon if {
	triangle := [[[0, 0], [10, 0], [5, 10], [0, 0]]]
	geo.box_meets_polygon([4, 9, 6, 11], triangle) # around a vertex
	not geo.box_meets_polygon([7, 9, 9, 11], triangle) # beside a slanted edge
	geo.box_meets_polygon([4, 1, 6, 2], triangle) # wholly inside
	geo.box_meets_polygon([-1, -1, 11, 11], triangle) # around the whole polygon
	not geo.box_meets_polygon([11, 0, 12, 1], triangle) # outside
	holed := square.coordinates
	not geo.box_meets_polygon([4.5, 4.5, 5.5, 5.5], holed) # wholly inside the hole
	geo.box_meets_polygon([3, 4.5, 5, 5.5], holed) # across the hole's edge
}

test_agency_territory_matches_the_generic_tests if {
	points := [[-3.7, 40.42], [-9.14, 38.72], [2.17, 41.39], [-3.68, 40.45], [2.9, 39.6], [0, 0]]
	every key, _ in config.agencies {
		{p | some p in points; geo.point_in_agency_territory(p, key)} == {p | some p in points; geo.point_in_territory(p, territory(key))}
	}
}

test_agency_territory_has_every_polygon if {
	geo.point_in_agency_territory([2.9, 39.6], "pn") # Mallorca: a second polygon
}

test_agency_area_matches_the_generic_test if {
	areas := [
		{"bbox": [-3.71, 40.41, -3.69, 40.43], "center": [-3.7, 40.42]},
		{"bbox": [-9.2, 38.6, -9.0, 38.8], "center": [-9.1, 38.7]},
		{"bbox": [-4.5, 40.0, -2.5, 41.0], "center": [-3.5, 41.5]},
		{"bbox": [10, 10, 11, 11], "center": [10.5, 10.5]},
	]
	every key, _ in config.agencies {
		{i | some i, a in areas; geo.area_in_agency_territory(a, key)} == {i | some i, a in areas; geo.area_in_territory(a, territory(key))}
	}
}
