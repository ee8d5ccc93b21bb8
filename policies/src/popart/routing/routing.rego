# Alert routing: which operators (and supervisors) receive an alert. An operator receives it when
# the operator's agency and role may see it (popart.visibility), the agency's jurisdiction
# concerns the alert's area (or the alert has no area), and the alert is at least as severe as
# the operator's min_severity.
package popart.routing

import data.popart.config
import data.popart.geo
import data.popart.release
import data.popart.visibility

# METADATA
# description: 'Entrypoint popart/routing/decision: { "recipients": [username], "reasons": { username: [why] } }.'
# entrypoint: true
decision := {"recipients": recipients, "reasons": reasons}

severity_rank := {"low": 1, "medium": 2, "high": 3, "critical": 4}

routed_roles := {"operator", "supervisor"}

verdicts := [verdict(op, input.alert) | some op in input.operators]

recipients := [v.username | some v in verdicts; v.routed]

# One entry per username (the first operator entry with that username decides).
reasons[username] := v.reasons if {
	some i, v in verdicts
	username := v.username
	not earlier(i, username)
}

earlier(i, username) if {
	some j, w in verdicts
	j < i
	w.username == username
}

verdict(op, alert) := {"username": op.username, "routed": count(failed) == 0, "reasons": why} if {
	results := checks(op, alert)
	failed := [c.reason | some c in results; not c.ok]
	why := reasons_of(results, failed)
}

reasons_of(results, []) := [c.reason | some c in results]

reasons_of(_, failed) := failed if count(failed) > 0

checks(op, _) := [{"ok": false, "reason": concat("", ["the role ", op.role, " does not receive alerts"])}] if {
	not op.role in routed_roles
}

checks(op, _) := [{"ok": false, "reason": "the operator's agency is not registered in the network configuration"}] if {
	op.role in routed_roles
	not config.agencies[op.agency]
}

checks(op, alert) := [seen, area_check(op, alert), severity_check(op, alert)] if {
	op.role in routed_roles
	config.agencies[op.agency]

	# an operator whose console asked for an exercise (op.exercise) is routed that exercise's alerts too
	subject := {"agency": op.agency, "role": op.role, "username": op.username, "exercise": object.get(op, "exercise", null)}
	v := visibility.decide(subject, alert)
	seen := {"ok": v.allow, "reason": concat("; ", visibility.reasons(v.why, subject, alert))}
}

area_check(_, alert) := {"ok": true, "reason": "the alert has no area"} if {
	object.get(alert, "area", null) == null
}

area_check(op, alert) := {"ok": true, "reason": concat("", ["the alert's area concerns the territory of ", release.agency_name(op.agency)])} if {
	geo.area_in_agency_territory(alert.area, op.agency)
}

area_check(op, alert) := {"ok": false, "reason": concat("", ["the alert's area lies outside the territory of ", release.agency_name(op.agency)])} if {
	object.get(alert, "area", null) != null
	not geo.area_in_agency_territory(alert.area, op.agency)
}

# An alert with no (or an unknown) severity ranks below "low"; no min_severity means "low".
alert_rank(alert) := severity_rank[alert.severity] if {
	severity_rank[alert.severity]
} else := 0

severity_check(op, alert) := {"ok": true, "reason": concat("", ["severity ", alert.severity, " meets the operator's minimum (", min_severity(op), ")"])} if {
	alert_rank(alert) >= severity_rank[min_severity(op)]
}

severity_check(op, alert) := {"ok": false, "reason": reason} if {
	alert_rank(alert) < severity_rank[min_severity(op)]
	reason := concat("", ["severity ", severity_text(alert), " is below the operator's minimum (", min_severity(op), ")"])
}

severity_check(op, _) := {"ok": false, "reason": "the operator's min_severity is not one of low, medium, high, critical"} if {
	not severity_rank[min_severity(op)]
}

min_severity(op) := s if {
	s := object.get(op, "min_severity", null)
	s != null
} else := "low"

severity_text(alert) := alert.severity if is_string(alert.severity)

else := "unknown"
