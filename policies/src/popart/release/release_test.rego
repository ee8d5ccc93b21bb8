package popart.release_test

import data.popart.release
import data.popart.testing

# The decision with its reasons in words.
decide(key, obj) := release.explained(release.decide(key, obj), key, obj)

# [agency, publisher, tlp, audience, area, allow, rule]
table := [
	# TLP:CLEAR and GREEN: the whole community (partners too); territory for local and regional.
	["pj", "pn", "clear", [], null, true, "release.clear"],
	["mad", "pn", "clear", [], "bernabeu", true, "release.clear"],
	["mad", "pn", "clear", [], "lisbon", false, "release.jurisdiction"],
	["pn", "mad", "green", [], "toledo", true, "release.green"],
	["pj", "pn", "green", [], "bernabeu", true, "release.green"],
	["crm", "pn", "green", [], "alcala", true, "release.green"],
	["crm", "pn", "green", [], "toledo", false, "release.jurisdiction"],
	["mad", "pn", "green", [], "alcala", false, "release.jurisdiction"],
	["mad", "pn", "green", [], null, true, "release.green"],
	["mad", "pn", "green", [], "madrid_edge", true, "release.green"],
	["mad", "pn", "green", [], "madrid_corner", false, "release.jurisdiction"],
	["mad", "pn", "green", [], "madrid_touch", false, "release.jurisdiction"],
	# TLP:AMBER: the publisher and the named agencies; partners only with an agreement.
	["pn", "mad", "amber", ["crm"], "bernabeu", false, "release.amber"],
	["crm", "mad", "amber", ["crm"], "bernabeu", true, "release.amber"],
	["mad", "pn", "amber", ["mad"], "bernabeu", true, "release.amber"],
	["mad", "pn", "amber", ["mad"], "toledo", false, "release.jurisdiction"],
	["pj", "pn", "amber", ["pj"], "bernabeu", true, "release.amber"],
	["pj", "pn", "amber", [], "bernabeu", false, "release.amber"],
	["pj", "mad", "amber", ["pj"], "bernabeu", false, "release.partner_agreement"],
	["pj", "mad", "green", [], "bernabeu", true, "release.green"],
	# Unmarked objects are AMBER.
	["crm", "pn", null, ["crm"], "alcala", true, "release.amber"],
	["crm", "pn", null, [], "alcala", false, "release.amber"],
	["pj", "pn", null, ["pj"], null, true, "release.amber"],
	# AMBER+STRICT and RED: the publisher only.
	["pj", "pn", "amber+strict", ["pj"], null, false, "release.amber_strict"],
	["mad", "pn", "amber+strict", ["mad"], "bernabeu", false, "release.amber_strict"],
	["pn", "pn", "amber+strict", [], null, true, "release.own"],
	["crm", "pn", "red", ["crm"], "alcala", false, "release.red"],
	["mad", "mad", "red", [], "lisbon", true, "release.own"],
	# Unknown markings and agencies.
	["pj", "pn", "purple", ["pj"], null, false, "release.unknown_tlp"],
	["xx", "pn", "clear", [], null, false, "release.unknown_agency"],
]

test_release_table if {
	failures := [[row, d] |
		some row in table
		d := decide(row[0], testing.obj(row[1], row[2], row[3], row[4]))
		[d.allow, d.rule] != [row[5], row[6]]
	]
	print("failing rows:", failures)
	failures == []
}

test_entrypoint_reads_the_input if {
	d := release.decision with input as {"subject": testing.subject("pj", "auditor"), "object": testing.obj("pn", "green", [], null)}
	d == {"allow": true, "rule": "release.green", "reasons": ["TLP:GREEN: shared with the whole community"]}
}

test_reasons_name_markings_and_territory if {
	d := decide("mad", testing.obj("pn", "green", [], "alcala"))
	d.reasons == [
		"TLP:GREEN: shared with the whole community",
		"the object's area lies outside the territory of Policía Municipal de Madrid (local authority)",
	]
}

test_unmarked_is_said if {
	d := decide("crm", testing.obj("pn", null, [], "alcala"))
	d.reasons == ["TLP:AMBER (unmarked): Comunidad de Madrid – ASEM112 is not among the named recipients"]
}

test_missing_tlp_and_audience_fields_mean_unmarked_and_nobody if {
	d := decide("crm", {"publisher": "pn", "type": "indicator"})
	d.allow == false
	d.rule == "release.amber"
}

test_agreement_ceiling if {
	cfg := object.union(data.popart.config, {"agreements": [{"from": "pn", "to": "pj", "max_tlp": "clear"}]})
	d := decide("pj", testing.obj("pn", "green", [], null)) with data.popart.config as cfg
	d.rule == "release.partner_agreement"
	d.reasons == ["TLP:GREEN: Polícia Judiciária is a partner agency and no agreement with Policía Nacional lets it hold TLP:GREEN"]
}

test_unknown_publisher_is_named_by_key if {
	d := decide("pj", testing.obj("zz", "amber", ["pj"], null))
	d.rule == "release.partner_agreement"
	contains(d.reasons[0], "no agreement with zz")
}

# An object placed only by countries (standard STIX locations with a country and no coordinates).
in_countries(o, countries) := object.union(o, {"countries": countries})

test_placed_only_in_another_country_is_outside_a_local_or_regional_territory if {
	every key in ["mad", "crm"] {
		d := decide(key, in_countries(testing.obj("pn", "green", [], null), ["PT"]))
		[d.allow, d.rule] == [false, "release.jurisdiction"]
		d.reasons[1] == concat("", [
			"the object is placed only in PT, not in ES where the territory of ", release.agency_name(key),
			" lies (", data.popart.config.agencies[key].level, " authority)",
		])
	}
}

test_placed_in_the_agency_country_without_coordinates_is_an_unknown_place if {
	d := decide("mad", in_countries(testing.obj("pn", "green", [], null), ["PT", "ES"]))
	[d.allow, d.rule] == [true, "release.green"]
	d.reasons[1] == "no known place: judged by markings and audience alone"
}

test_countries_do_not_matter_when_the_area_is_known if {
	d := decide("mad", in_countries(testing.obj("pn", "green", [], "bernabeu"), ["PT"]))
	[d.allow, d.rule] == [true, "release.green"]
}

# The stated decision (policies/README.md, "Objects whose place is unknown"): an object with no area and no country is
# judged by markings and audience alone, for every level; a partner or national agency ignores countries.
test_unknown_place_is_judged_by_markings_alone if {
	every key in ["pn", "pj", "mad", "crm"] {
		decide(key, testing.obj("pn", "green", [], null)).allow
		decide(key, testing.obj("pn", "amber", ["pj", "mad", "crm"], null)).allow
	}
	every key in ["pj", "mad", "crm"] {
		not decide(key, testing.obj("pn", "amber", [], null)).allow
	}
}

test_national_and_partner_agencies_ignore_countries if {
	national := decide("pn", in_countries(testing.obj("mad", "green", [], null), ["PT"]))
	partner := decide("pj", in_countries(testing.obj("pn", "green", [], null), ["ES"]))
	[national.allow, partner.allow] == [true, true]
}

test_decisions_entrypoint_judges_each_object_in_order if {
	objects := [
		testing.obj("pn", "green", [], "bernabeu"),
		testing.obj("pn", "red", [], "bernabeu"),
		testing.obj("pn", "green", [], "lisbon"),
		testing.obj("pn", "amber", ["mad"], "bernabeu"),
	]
	ds := release.decisions with input as {"subject": testing.subject("mad", "auditor"), "objects": objects}
	[[d.allow, d.rule] | some d in ds] == [
		[true, "release.green"],
		[false, "release.red"],
		[false, "release.jurisdiction"],
		[true, "release.amber"],
	]

	# the same decisions, reasons included, as one object at a time
	ds == [decision_alone("mad", o) | some o in objects]
}

decision_alone(key, obj) := d if {
	d := release.decision with input as {"subject": testing.subject(key, "auditor"), "object": obj}
}

test_decisions_of_no_objects_is_empty if {
	release.decisions == [] with input as {"subject": testing.subject("pn", "analyst"), "objects": []}
}
