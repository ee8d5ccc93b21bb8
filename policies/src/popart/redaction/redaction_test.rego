package popart.redaction_test

import data.popart.redaction
import data.popart.testing

ext := testing.ext

with_properties(o, properties) := object.union(o, {"properties": properties})

alert_properties := [
	"name", "description", "extensions",
	concat(".", ["extensions", ext]),
	concat(".", ["extensions", ext, "area"]),
	concat(".", ["extensions", ext, "area.latitude"]),
	concat(".", ["extensions", ext, "area.longitude"]),
	concat(".", ["extensions", ext, "area.radius_m"]),
	"x_popart_operator_position",
	"x_popart_persons",
]

location_properties := ["name", "latitude", "longitude", "precision"]

alert(publisher, area) := with_properties(testing.obj(publisher, "green", [], area), alert_properties)

location(publisher, area) := object.union(testing.obj(publisher, "green", [], area), {"type": "location", "category": null, "properties": location_properties})

nothing := {"remove": [], "coarsen": []}

two_decimals(paths) := [{"path": p, "decimals": 2} | some p in paths]

test_partner_loses_operator_position_and_persons if {
	redaction.decide(testing.subject("pj", "analyst"), alert("pn", "bernabeu")) == {
		"remove": ["x_popart_operator_position", "x_popart_persons"],
		"coarsen": [],
	}
}

test_only_present_paths_are_returned if {
	o := with_properties(alert("pn", "bernabeu"), ["name", concat(".", ["extensions", ext, "operator_position"])])
	redaction.decide(testing.subject("pj", "analyst"), o) == {"remove": [concat(".", ["extensions", ext, "operator_position"])], "coarsen": []}
}

test_partner_own_objects_are_not_redacted if {
	redaction.decide(testing.subject("pj", "analyst"), alert("pj", "lisbon")) == nothing
}

test_national_and_regional_get_everything if {
	redaction.decide(testing.subject("pn", "analyst"), alert("mad", "bernabeu")) == nothing
	redaction.decide(testing.subject("crm", "operator"), alert("pn", "madrid_edge")) == nothing
}

test_local_centre_inside_keeps_precision if {
	redaction.decide(testing.subject("mad", "analyst"), alert("pn", "bernabeu")) == nothing
}

test_local_centre_outside_coarsens_the_alert_area if {
	redaction.decide(testing.subject("mad", "operator"), alert("pn", "madrid_edge")) == {
		"remove": [],
		"coarsen": two_decimals([
			concat(".", ["extensions", ext, "area.latitude"]),
			concat(".", ["extensions", ext, "area.longitude"]),
			"x_popart_operator_position",
		]),
	}
}

test_local_centre_outside_coarsens_a_location if {
	redaction.decide(testing.subject("mad", "analyst"), location("crm", "madrid_strip")) == {
		"remove": [],
		"coarsen": two_decimals(["latitude", "longitude"]),
	}
}

test_local_no_area_coarsens if {
	redaction.decide(testing.subject("mad", "analyst"), location("crm", null)).coarsen == two_decimals(["latitude", "longitude"])
}

test_local_own_objects_keep_precision if {
	redaction.decide(testing.subject("mad", "analyst"), location("mad", "madrid_strip")) == nothing
}

test_removed_paths_are_not_coarsened_and_fewest_decimals_win if {
	cfg := object.union(data.popart.config, {"redaction": {
		"remove": [{"id": "r", "levels": ["local"], "paths": ["latitude"]}],
		"coarsen": [
			{"id": "a", "levels": ["local"], "decimals": 3, "paths": ["latitude", "longitude"]},
			{"id": "b", "levels": ["local"], "when": "always", "decimals": 1, "paths": ["longitude"]},
		],
	}})
	d := redaction.decide(testing.subject("mad", "analyst"), location("pn", "bernabeu")) with data.popart.config as cfg
	d == {"remove": ["latitude"], "coarsen": [{"path": "longitude", "decimals": 1}]}
}

test_entrypoint if {
	d := redaction.decision with input as {"subject": testing.subject("pj", "analyst"), "object": alert("pn", "bernabeu")}
	d.remove == ["x_popart_operator_position", "x_popart_persons"]
}

test_paths_names_every_rule_path_once if {
	redaction.paths == sort({"x_popart_persons", "latitude", "x_popart_operator_position"}) with data.popart.config.redaction as {
		"remove": [{"levels": ["partner"], "paths": ["x_popart_persons", "x_popart_operator_position"]}],
		"coarsen": [{"levels": ["local"], "decimals": 2, "paths": ["latitude", "x_popart_operator_position"]}],
	}
}

test_an_unknown_agency_gets_no_redaction if {
	redaction.decide(testing.subject("xx", "analyst"), alert("pn", "bernabeu")) == nothing
}
