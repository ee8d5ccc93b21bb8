package popart.gate_test

import data.popart.gate
import data.popart.testing

page := [
	object.union(testing.obj("pn", "green", [], "bernabeu"), {"id": "incident--1", "properties": ["name", "x_popart_persons"]}),
	object.union(testing.obj("pn", "red", [], "bernabeu"), {"id": "incident--2", "properties": ["name", "x_popart_persons"]}),
	object.union(testing.obj("mad", "amber", ["pj"], null), {"id": "incident--3"}),
]

test_page_in_order_with_redaction_only_when_shown if {
	d := gate.decisions with input as {"now": "2025-06-01T20:00:00Z", "subject": testing.subject("pj", "analyst"), "objects": page}
	[x.id | some x in d] == ["incident--1", "incident--2", "incident--3"]
	[x.allow | some x in d] == [true, false, false]
	[x.rule | some x in d] == ["visibility.analyst", "release.red", "release.partner_agreement"]
	d[0].remove == ["x_popart_persons"]
	d[1].remove == []
	d[1].coarsen == []
}

test_empty_page if {
	gate.decisions == [] with input as {"subject": testing.subject("pn", "analyst"), "objects": []}
}

test_verdicts_are_the_decisions_without_reasons if {
	given := {"now": "2025-06-01T20:00:00Z", "subject": testing.subject("pj", "analyst"), "objects": page}
	v := gate.verdicts with input as given
	d := gate.decisions with input as given
	v == [{"allow": x.allow, "rule": x.rule, "remove": x.remove, "coarsen": x.coarsen} | some x in d]
	count(v) == 3
}

# Every subject of the fixtures against the page, with and without the fields subject_fields leaves out: the same
# decisions. A rule that reads another field of the subject (the username, a new attribute) fails here, and the
# field belongs in subject_fields.
test_decisions_read_only_the_subject_fields if {
	subjects := [
		testing.subject("pn", "analyst"), testing.subject("pj", "analyst"), testing.subject("mad", "operator"),
		testing.subject("crm", "auditor"), object.union(testing.subject("mad", "operator"), {"exercise": "drill-1"}),
	]
	objects := array.concat(page, [object.union(testing.obj("mad", "green", [], "bernabeu"), {"id": "incident--4", "exercise": "drill-1"})])
	every s in subjects {
		kept := {k: v | some k in gate.subject_fields; v := s[k]}
		other := object.union(kept, {"username": "someone-else", "display_name": "Someone Else"})
		full := gate.decisions with input as {"subject": s, "objects": objects}
		full == gate.decisions with input as {"subject": other, "objects": objects}
		gate.verdicts with input as {"subject": s, "objects": objects} == gate.verdicts with input as {"subject": other, "objects": objects}
	}
}

test_subject_fields_sorted if {
	gate.subject_fields == sort(gate.subject_fields)
}
