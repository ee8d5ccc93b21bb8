# Visibility: may this user see the object? Release must allow it for the user's agency (which
# also keeps local and regional authorities to their territory), then the user's role decides.
package popart.visibility

import data.popart.config
import data.popart.geo
import data.popart.release

# METADATA
# description: 'Entrypoint popart/visibility/decision: { "allow", "reasons", "rule" }.'
# entrypoint: true
decision := explained(decide(input.subject, input.object), input.subject, input.object)

# Object types an operator sees when they concern the operator's territory.
territorial_types := {"sighting", "indicator"}

# Release is decided once per object; the role decides only what release allows. Like release's, the
# verdict names its reasons by code ("why"); `explained` writes them out.
decide(subject, obj) := after_release(subject, obj, release.decide(subject.agency, obj))

explained(v, subject, obj) := {"allow": v.allow, "rule": v.rule, "reasons": reasons(v.why, subject, obj)}

reasons(why, subject, obj) := [text(code, subject, obj) | some code in why]

after_release(_, _, released) := released if not released.allow

after_release(subject, obj, released) := exercise_view(subject, obj, released) if released.allow

# Exercise (training) objects are shown only to a request that asked for that exercise explicitly, so they never
# appear among real data on any path; real objects and exercise objects a request asked for are judged by role.
exercise_view(subject, obj, released) := denied("visibility.exercise", released, "exercise_not_asked") if {
	object.get(obj, "exercise", null) != null
	object.get(subject, "exercise", null) != obj.exercise
} else := by_role(subject.role, subject, obj, released)

allowed(rule, released, code) := {"allow": true, "rule": rule, "why": array.concat(released.why, [code])}

denied(rule, released, code) := {"allow": false, "rule": rule, "why": array.concat(released.why, [code])}

# The role decides, by the definitions of the subject's role only (the first argument).
by_role("auditor", _, _, released) := denied("visibility.auditor", released, "auditor")

by_role("analyst", _, _, released) := allowed("visibility.analyst", released, "everything_released")

by_role("supervisor", _, _, released) := allowed("visibility.supervisor", released, "everything_released")

by_role("operator", subject, obj, released) := operator_view(subject, obj, released)

by_role(role, _, _, released) := denied("visibility.unknown_role", released, "unknown_role") if {
	not role in {"analyst", "supervisor", "operator", "auditor"}
}

# Operators: alerts, and sightings and indicators of their territory. One chain, first match wins.
operator_view(subject, obj, released) := allowed("visibility.operator_alert", released, "operator_alert") if {
	is_alert(obj)
} else := denied("visibility.operator_role", released, "operator_role") if {
	not obj.type in territorial_types
} else := denied("visibility.operator_territory", released, "operator_country_out") if {
	release.country_out(config.agencies[subject.agency], obj)
} else := allowed("visibility.operator_territory", released, "operator_no_area") if {
	object.get(obj, "area", null) == null
} else := allowed("visibility.operator_territory", released, "operator_area_in") if {
	geo.area_in_agency_territory(obj.area, subject.agency)
} else := denied("visibility.operator_territory", released, "operator_area_out")

# The sentence of each reason code: the role's own, else release's.
text("auditor", _, _) := "auditors see no object content: what was consulted and disclosed is in the audit log"

text("everything_released", subject, _) := concat("", [subject.role, "s see everything released to their agency"])

text("unknown_role", _, _) := "the user's role is not one the policy knows"

text("exercise_not_asked", _, obj) := concat("", [
	"an object of the exercise ", obj.exercise,
	" (training): shown only when that exercise is asked for, never among real data",
])

text("operator_alert", _, _) := "an alert: operators receive alerts"

text("operator_role", _, obj) := concat("", [
	"operators see alerts, and sightings and indicators of their territory; this is a ",
	obj.type, " that is not an alert",
])

text("operator_no_area", _, obj) := concat("", ["a ", obj.type, " with no known place: judged by markings and audience alone"])

text("operator_country_out", subject, obj) := concat("", [
	"operators see sightings and indicators of their territory: this ", obj.type, " is placed only in ",
	concat(", ", obj.countries), ", outside the territory of ", release.agency_name(subject.agency),
])

text("operator_area_in", subject, obj) := concat("", [
	"a ", obj.type, " whose area concerns the territory of ",
	release.agency_name(subject.agency),
])

text("operator_area_out", subject, obj) := concat("", [
	"operators see sightings and indicators of their territory: this ", obj.type,
	"'s area lies outside the territory of ", release.agency_name(subject.agency),
])

text(code, subject, obj) := release.text(code, subject.agency, obj) if not code in own_codes

own_codes := {
	"auditor", "everything_released", "unknown_role", "exercise_not_asked", "operator_alert", "operator_role",
	"operator_no_area", "operator_area_in", "operator_area_out", "operator_country_out",
}

# An alert is an object carrying the public-space alert extension: it has a category.
is_alert(obj) if object.get(obj, "category", null) != null
