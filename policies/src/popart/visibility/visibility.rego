# Visibility: may this user see the object? Release must allow it for the user's agency (which
# also keeps local and regional authorities to their territory), then the user's role decides.
package popart.visibility

import data.popart.geo
import data.popart.release

# METADATA
# description: 'Entrypoint popart/visibility/decision: { "allow", "reasons", "rule" }.'
# entrypoint: true
decision := decide(input.subject, input.object)

# Object types an operator sees when they concern the operator's territory.
territorial_types := {"sighting", "indicator"}

# Release is decided once per object; the role decides only what release allows.
decide(subject, obj) := after_release(subject, obj, release.decide(subject.agency, obj))

after_release(_, _, released) := released if not released.allow

after_release(subject, obj, released) := by_role(subject.role, subject, obj, released) if released.allow

allowed(rule, released, reason) := {
	"allow": true,
	"rule": rule,
	"reasons": array.concat(released.reasons, [reason]),
}

denied(rule, released, reason) := {
	"allow": false,
	"rule": rule,
	"reasons": array.concat(released.reasons, [reason]),
}

# The role decides, by the definitions of the subject's role only (the first argument).
by_role("auditor", _, _, released) := denied(
	"visibility.auditor", released,
	"auditors see no object content: what was consulted and disclosed is in the audit log",
)

by_role("analyst", _, _, released) := allowed("visibility.analyst", released, "analysts see everything released to their agency")

by_role("supervisor", _, _, released) := allowed("visibility.supervisor", released, "supervisors see everything released to their agency")

by_role("operator", subject, obj, released) := operator_view(subject, obj, released)

by_role(role, _, _, released) := denied("visibility.unknown_role", released, "the user's role is not one the policy knows") if {
	not role in {"analyst", "supervisor", "operator", "auditor"}
}

# Operators: alerts, and sightings and indicators of their territory. One chain, first match wins.
operator_view(subject, obj, released) := allowed("visibility.operator_alert", released, "an alert: operators receive alerts") if {
	is_alert(obj)
} else := denied(
	"visibility.operator_role", released,
	concat("", ["operators see alerts, and sightings and indicators of their territory; this is a ", obj.type, " that is not an alert"]),
) if {
	not obj.type in territorial_types
} else := allowed(
	"visibility.operator_territory", released,
	concat("", ["a ", obj.type, " with no area: judged by markings and audience alone"]),
) if {
	object.get(obj, "area", null) == null
} else := allowed(
	"visibility.operator_territory", released,
	concat("", ["a ", obj.type, " whose area concerns the territory of ", release.agency_name(subject.agency)]),
) if {
	geo.area_in_agency_territory(obj.area, subject.agency)
} else := denied(
	"visibility.operator_territory", released,
	concat("", [
		"operators see sightings and indicators of their territory: this ", obj.type,
		"'s area lies outside the territory of ", release.agency_name(subject.agency),
	]),
)

# An alert is an object carrying the public-space alert extension: it has a category.
is_alert(obj) if object.get(obj, "category", null) != null
