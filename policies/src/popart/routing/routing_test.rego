package popart.routing_test

import data.popart.routing
import data.popart.testing

alert(publisher, tlp, audience, area, severity) := object.union(testing.obj(publisher, tlp, audience, area), {"severity": severity})

operators := [
	{"username": "pn-operator", "agency": "pn", "role": "operator", "min_severity": "medium"},
	{"username": "pn-supervisor", "agency": "pn", "role": "supervisor", "min_severity": "critical"},
	{"username": "pn-analyst", "agency": "pn", "role": "analyst", "min_severity": "low"},
	{"username": "pj-operator", "agency": "pj", "role": "operator", "min_severity": "low"},
	{"username": "mad-operator", "agency": "mad", "role": "operator", "min_severity": "low", "position": [-3.69, 40.45]},
	{"username": "crm-operator", "agency": "crm", "role": "operator"},
	{"username": "xx-operator", "agency": "xx", "role": "operator", "min_severity": "low"},
]

route(a) := d if {
	d := routing.decision with input as {"now": "2025-06-01T20:00:00Z", "alert": a, "operators": operators}
}

test_green_drone_over_the_bernabeu if {
	d := route(alert("pn", "green", [], "bernabeu", "high"))
	d.recipients == ["pn-operator", "mad-operator", "crm-operator"]
	d.reasons["pn-supervisor"] == ["severity high is below the operator's minimum (critical)"]
	d.reasons["pn-analyst"] == ["the role analyst does not receive alerts"]
	d.reasons["pj-operator"] == ["the alert's area lies outside the territory of Polícia Judiciária"]
	d.reasons["xx-operator"] == ["the operator's agency is not registered in the network configuration"]
	d.reasons["crm-operator"] == [
		"TLP:GREEN: shared with the whole community; the object's area concerns the territory of Comunidad de Madrid – ASEM112; an alert: operators receive alerts",
		"the alert's area concerns the territory of Comunidad de Madrid – ASEM112",
		"severity high meets the operator's minimum (low)",
	]
}

test_critical_amber_named_to_mad_only if {
	d := route(alert("pn", "amber", ["mad"], "bernabeu", "critical"))
	d.recipients == ["pn-operator", "pn-supervisor", "mad-operator"]
	d.reasons["crm-operator"] == ["TLP:AMBER: Comunidad de Madrid – ASEM112 is not among the named recipients"]
}

test_alert_outside_madrid_city if {
	d := route(alert("pn", "green", [], "alcala", "high"))
	d.recipients == ["pn-operator", "crm-operator"]
	count(d.reasons["mad-operator"]) == 2
}

test_no_area_goes_by_markings if {
	d := route(alert("pj", "green", [], null, "low"))
	d.recipients == ["pj-operator", "mad-operator", "crm-operator"]
	d.reasons["pn-operator"] == ["severity low is below the operator's minimum (medium)"]
}

test_missing_severity_reaches_nobody if {
	d := route(alert("pn", "green", [], "bernabeu", null))
	d.recipients == []
	d.reasons["crm-operator"] == ["severity unknown is below the operator's minimum (low)"]
}

test_bad_min_severity if {
	bad := {"username": "u", "agency": "pn", "role": "operator", "min_severity": "urgent"}
	d := routing.decision with input as {"alert": alert("pn", "green", [], null, "high"), "operators": [bad]}
	d == {"recipients": [], "reasons": {"u": ["the operator's min_severity is not one of low, medium, high, critical"]}}
}

test_duplicate_usernames_first_wins if {
	d := routing.decision with input as {"alert": alert("pn", "green", [], null, "high"), "operators": [
		{"username": "u", "agency": "pn", "role": "operator"},
		{"username": "u", "agency": "pn", "role": "auditor"},
	]}
	d.recipients == ["u"]
	count(d.reasons.u) == 3
}

test_exercise_alerts_only_to_operators_in_that_exercise if {
	drill := object.union(alert("pn", "green", [], "bernabeu", "high"), {"exercise": "stadium-drone-1"})
	d := route(drill)
	d.recipients == []
	d.reasons["mad-operator"][0] == concat("", [
		"TLP:GREEN: shared with the whole community; the object's area concerns the territory of Policía Municipal de Madrid; ",
		"an object of the exercise stadium-drone-1 (training): shown only when that exercise is asked for, never among real data",
	])
	training := [{"username": "mad-operator", "agency": "mad", "role": "operator", "min_severity": "low", "exercise": "stadium-drone-1"}]
	t := routing.decision with input as {"now": "2025-06-01T20:00:00Z", "alert": drill, "operators": training}
	t.recipients == ["mad-operator"]
}
