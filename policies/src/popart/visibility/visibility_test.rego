package popart.visibility_test

import data.popart.testing
import data.popart.visibility

# The decision with its reasons in words.
decide(subject, obj) := visibility.explained(visibility.decide(subject, obj), subject, obj)

with_type(o, type, category) := object.union(o, {"type": type, "category": category})

alert(publisher, tlp, audience, area) := testing.obj(publisher, tlp, audience, area)

sighting(publisher, tlp, audience, area) := with_type(testing.obj(publisher, tlp, audience, area), "sighting", null)

in_countries(o, countries) := object.union(o, {"countries": countries})

report(publisher, tlp, audience, area) := with_type(testing.obj(publisher, tlp, audience, area), "report", null)

# [agency, role, object, allow, rule]
table := [
	# Analysts and supervisors see what release allows.
	["pj", "analyst", alert("pn", "amber", ["pj"], "bernabeu"), true, "visibility.analyst"],
	["pj", "analyst", alert("pn", "amber", [], "bernabeu"), false, "release.amber"],
	["crm", "supervisor", report("pn", "green", [], null), true, "visibility.supervisor"],
	["mad", "analyst", alert("pn", "green", [], "alcala"), false, "release.jurisdiction"],
	# Operators: alerts, and sightings and indicators of their territory.
	["pn", "operator", alert("mad", "green", [], "bernabeu"), true, "visibility.operator_alert"],
	["pn", "operator", alert("pj", "green", [], "lisbon"), true, "visibility.operator_alert"],
	["pn", "operator", sighting("mad", "green", [], "bernabeu"), true, "visibility.operator_territory"],
	["pn", "operator", sighting("pj", "green", [], "lisbon"), false, "visibility.operator_territory"],
	["pj", "operator", sighting("pn", "green", [], null), true, "visibility.operator_territory"],
	["mad", "operator", sighting("pn", "green", [], "madrid_edge"), true, "visibility.operator_territory"],
	["mad", "operator", report("pn", "green", [], "bernabeu"), false, "visibility.operator_role"],
	# A sighting placed only by countries: outside when none is the agency's country; inside the country it is an unknown place.
	["pn", "operator", in_countries(sighting("mad", "green", [], null), ["PT"]), false, "visibility.operator_territory"],
	["pn", "operator", in_countries(sighting("mad", "green", [], null), ["ES"]), true, "visibility.operator_territory"],
	["pn", "analyst", in_countries(sighting("mad", "green", [], null), ["PT"]), true, "visibility.analyst"],
	["mad", "operator", alert("pn", "red", [], "bernabeu"), false, "release.red"],
	# Auditors see no content.
	["pn", "auditor", alert("pn", "clear", [], null), false, "visibility.auditor"],
	["pn", "intern", alert("pn", "clear", [], null), false, "visibility.unknown_role"],
]

test_visibility_table if {
	failures := [[row[0], row[1], d] |
		some row in table
		d := decide(testing.subject(row[0], row[1]), row[2])
		[d.allow, d.rule] != [row[3], row[4]]
	]
	print("failing rows:", failures)
	failures == []
}

test_entrypoint if {
	d := visibility.decision with input as {"subject": testing.subject("pj", "analyst"), "object": alert("pn", "amber", ["pj"], "bernabeu")}
	d.allow
	count(d.reasons) == 2
}

test_auditor_reason if {
	d := decide(testing.subject("crm", "auditor"), alert("pn", "green", [], "alcala"))
	d.reasons[count(d.reasons) - 1] == "auditors see no object content: what was consulted and disclosed is in the audit log"
}

test_reasons_never_carry_content if {
	o := object.union(alert("pn", "green", [], "alcala"), {"name": "SECRET-NAME", "description": "SECRET-DESC"})
	every role in ["analyst", "operator", "auditor", "supervisor"] {
		every agency in ["pn", "pj", "mad", "crm"] {
			every reason in decide(testing.subject(agency, role), o).reasons {
				not contains(reason, "SECRET")
			}
		}
	}
}

test_operator_country_reason if {
	d := decide(testing.subject("pn", "operator"), in_countries(sighting("mad", "green", [], null), ["PT"]))
	d.reasons[count(d.reasons) - 1] == concat("", [
		"operators see sightings and indicators of their territory: this sighting is placed only in PT, ",
		"outside the territory of Policía Nacional",
	])
}

in_exercise(o, exercise) := object.union(o, {"exercise": exercise})

asking(subject, exercise) := object.union(subject, {"exercise": exercise})

test_exercise_objects_only_when_that_exercise_is_asked_for if {
	o := in_exercise(alert("pn", "green", [], "bernabeu"), "stadium-drone-1")
	not decide(testing.subject("pn", "analyst"), o).allow
	decide(testing.subject("pn", "analyst"), o).rule == "visibility.exercise"
	not decide(asking(testing.subject("pn", "operator"), "gate-crowding-2"), o).allow
	decide(asking(testing.subject("pn", "operator"), "stadium-drone-1"), o).allow
	decide(asking(testing.subject("pn", "operator"), "stadium-drone-1"), o).rule == "visibility.operator_alert"

	# asking for an exercise changes nothing for real objects, nor what the role allows
	decide(asking(testing.subject("pn", "analyst"), "stadium-drone-1"), alert("pn", "green", [], "bernabeu")).allow
	not decide(asking(testing.subject("pn", "auditor"), "stadium-drone-1"), o).allow

	# release still decides first: the exercise does not open a RED object of another agency
	decide(asking(testing.subject("pj", "analyst"), "x"), in_exercise(alert("pn", "red", [], "bernabeu"), "x")).rule == "release.red"
}

test_exercise_reason if {
	d := decide(testing.subject("mad", "analyst"), in_exercise(alert("pn", "green", [], "bernabeu"), "stadium-drone-1"))
	reason := d.reasons[count(d.reasons) - 1]
	startswith(reason, "an object of the exercise stadium-drone-1 (training): shown only when that exercise is asked for")
}
