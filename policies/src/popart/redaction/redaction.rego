# Redaction: which properties leave the node removed or with coarsened numbers, for the user's
# agency. The rules are data (data.popart.config.redaction); only paths the object has (listed in
# input.object.properties) are returned, and an agency's own objects are never redacted.
package popart.redaction

import data.popart.config
import data.popart.geo

# METADATA
# description: 'Entrypoint popart/redaction/decision: { "remove": [path], "coarsen": [{ "path", "decimals" }] }.'
# entrypoint: true
decision := decide(input.subject, input.object)

decide(subject, obj) := {"remove": sort(removed), "coarsen": coarsenings(rules, removed, present(obj))} if {
	rules := coarsen_rules(subject, obj)
	removed := removals(subject, obj)
}

level(subject) := config.agencies[subject.agency].level

present(obj) := {p | some p in object.get(obj, "properties", [])}

removals(subject, obj) := {p |
	some rule in config.redaction.remove
	applies(rule, subject, obj)
	some p in rule.paths
	p in present(obj)
}

# The coarsening rules that apply, decided once per object.
coarsen_rules(subject, obj) := [rule |
	some rule in config.redaction.coarsen
	applies(rule, subject, obj)
]

# Sorted by path; when several rules coarsen one path, the fewest decimals win. Removed paths are not coarsened.
coarsenings(rules, removed, present_paths) := [{"path": p, "decimals": min(ds)} |
	some p in sort({q | some rule in rules; some q in rule.paths; q in present_paths; not q in removed})
	ds := [rule.decimals | some rule in rules; p in rule.paths]
]

applies(rule, subject, obj) if {
	level(subject) in rule.levels
	subject.agency != obj.publisher
	condition_holds(object.get(rule, "when", "always"), subject, obj)
}

condition_holds("always", _, _)

# The object's centre is not known to lie inside the agency's jurisdiction (no area counts as
# not known).
condition_holds("center_outside_jurisdiction", subject, obj) if {
	not center_inside(subject, obj)
}

center_inside(subject, obj) if {
	geo.point_in_agency_territory(obj.area.center, subject.agency)
}
