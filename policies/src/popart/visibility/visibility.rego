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

after_release(subject, obj, released) := by_role(subject, obj, released) if released.allow

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

by_role(subject, _, released) := denied(
	"visibility.auditor", released,
	"auditors see no object content: what was consulted and disclosed is in the audit log",
) if {
	subject.role == "auditor"
}

by_role(subject, _, released) := allowed(
	concat("", ["visibility.", subject.role]), released,
	concat("", [subject.role, "s see everything released to their agency"]),
) if {
	subject.role in {"analyst", "supervisor"}
}

by_role(subject, obj, released) := allowed("visibility.operator_alert", released, "an alert: operators receive alerts") if {
	subject.role == "operator"
	is_alert(obj)
}

by_role(subject, obj, released) := allowed(
	"visibility.operator_territory", released,
	concat("", ["a ", obj.type, " with no area: judged by markings and audience alone"]),
) if {
	subject.role == "operator"
	not is_alert(obj)
	obj.type in territorial_types
	object.get(obj, "area", null) == null
}

by_role(subject, obj, released) := allowed(
	"visibility.operator_territory", released,
	concat("", ["a ", obj.type, " whose area concerns the territory of ", release.agency_name(subject.agency)]),
) if {
	subject.role == "operator"
	not is_alert(obj)
	obj.type in territorial_types
	geo.area_in_agency_territory(obj.area, subject.agency)
}

by_role(subject, obj, released) := denied(
	"visibility.operator_territory", released,
	concat("", [
		"operators see sightings and indicators of their territory: this ", obj.type,
		"'s area lies outside the territory of ", release.agency_name(subject.agency),
	]),
) if {
	subject.role == "operator"
	not is_alert(obj)
	obj.type in territorial_types
	object.get(obj, "area", null) != null
	not geo.area_in_agency_territory(obj.area, subject.agency)
}

by_role(subject, obj, released) := denied(
	"visibility.operator_role", released,
	concat("", ["operators see alerts, and sightings and indicators of their territory; this is a ", obj.type, " that is not an alert"]),
) if {
	subject.role == "operator"
	not is_alert(obj)
	not obj.type in territorial_types
}

by_role(subject, _, released) := denied("visibility.unknown_role", released, "the user's role is not one the policy knows") if {
	not subject.role in {"analyst", "supervisor", "operator", "auditor"}
}

# An alert is an object carrying the public-space alert extension: it has a category.
is_alert(obj) if object.get(obj, "category", null) != null
