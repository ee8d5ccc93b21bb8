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

# METADATA
# description: >-
#   Entrypoint popart/redaction/paths: every path a redaction rule names, sorted. Only these paths of an object's
#   properties can change a decision, so the node may pass just those.
# entrypoint: true
paths := sort({p | some rule in array.concat(config.redaction.remove, config.redaction.coarsen); some p in rule.paths})

# An agency's own objects are never redacted; otherwise the rules of the agency's level whose
# condition holds, each decided once per object.
decide(subject, obj) := {"remove": [], "coarsen": []} if {
	subject.agency == obj.publisher
} else := {"remove": sort(removed), "coarsen": coarsenings(coarsening, removed, paths)} if {
	lvl := level(subject)
	paths := present(obj)
	removed := {p |
		some rule in config.redaction.remove
		applies(rule, lvl, subject, obj)
		some p in rule.paths
		p in paths
	}
	coarsening := [rule |
		some rule in config.redaction.coarsen
		applies(rule, lvl, subject, obj)
	]
}

# The level of the subject's agency (none for an agency the configuration does not know: no rule applies).
level(subject) := lvl if {
	lvl := config.agencies[subject.agency].level
} else := null

present(obj) := {p | some p in object.get(obj, "properties", [])}

# Sorted by path; when several rules coarsen one path, the fewest decimals win. Removed paths are not coarsened.
coarsenings(rules, removed, present_paths) := [{"path": p, "decimals": min(ds)} |
	some p in sort({q | some rule in rules; some q in rule.paths; q in present_paths; not q in removed})
	ds := [rule.decimals | some rule in rules; p in rule.paths]
]

applies(rule, lvl, subject, obj) if {
	lvl in rule.levels
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
