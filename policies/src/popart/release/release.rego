# Release: may an agency hold an object at all (its node stores it, its users may be shown it)?
# TLP 2.0 (FIRST) at agency level, partner agreements, and the territory of local and regional
# authorities. The role of the user is not considered here (see popart.visibility).
package popart.release

import data.popart.config
import data.popart.geo

# METADATA
# description: 'Entrypoint popart/release/decision: { "allow", "reasons", "rule" }.'
# entrypoint: true
decision := decide(input.subject.agency, input.object)

# TLP levels from least to most restrictive.
tlp_rank := {"clear": 0, "green": 1, "amber": 2, "amber+strict": 3, "red": 4}

# Levels of authority whose agencies hold only what concerns their territory.
territorial_levels := {"local", "regional"}

# The object's TLP: unmarked objects are AMBER.
tlp_of(obj) := tlp if {
	tlp := object.get(obj, "tlp", null)
	tlp != null
} else := "amber"

tlp_label(obj) := concat("", ["TLP:", upper(tlp_of(obj)), unmarked_note(obj)])

unmarked_note(obj) := "" if object.get(obj, "tlp", null) != null

else := " (unmarked)"

agency_name(key) := config.agencies[key].name

agency_name(key) := key if not config.agencies[key]

verdict(allow, rule, reasons) := {"allow": allow, "rule": rule, "reasons": reasons}

# The decision for the agency with key `key`.
decide(key, obj) := verdict(false, "release.unknown_agency", ["the agency is not registered in the network configuration"]) if {
	not config.agencies[key]
}

else := verdict(true, "release.own", ["published by your agency"]) if {
	obj.publisher == key
}

else := m if {
	m := marking(key, obj)
	not m.allow
}

else := verdict(j.allow, rule, array.concat(m.reasons, j.reasons)) if {
	m := marking(key, obj)
	j := territory(key, obj)
	rule := object.get(j, "rule", m.rule)
}

# What the TLP marking, the audience and the partner agreements say.
marking(key, obj) := verdict(true, "release.clear", [concat("", [tlp_label(obj), ": public"])]) if {
	tlp_of(obj) == "clear"
	within_agreement(key, obj)
}

marking(key, obj) := verdict(true, "release.green", [concat("", [tlp_label(obj), ": shared with the whole community"])]) if {
	tlp_of(obj) == "green"
	within_agreement(key, obj)
}

marking(key, obj) := verdict(false, "release.amber", [concat("", [tlp_label(obj), ": ", agency_name(key), " is not among the named recipients"])]) if {
	tlp_of(obj) == "amber"
	not named(key, obj)
}

marking(key, obj) := verdict(true, "release.amber", [concat("", [tlp_label(obj), ": ", agency_name(key), " is a named recipient"])]) if {
	tlp_of(obj) == "amber"
	named(key, obj)
	config.agencies[key].level != "partner"
}

marking(key, obj) := verdict(true, "release.amber", [concat("", [
	tlp_label(obj), ": ", agency_name(key), " is a named recipient, and the agreement with ",
	agency_name(obj.publisher), " lets this partner agency hold TLP:AMBER",
])]) if {
	tlp_of(obj) == "amber"
	named(key, obj)
	config.agencies[key].level == "partner"
	within_agreement(key, obj)
}

marking(key, obj) := partner_refusal(key, obj) if {
	tlp_of(obj) in {"clear", "green"}
	not within_agreement(key, obj)
}

marking(key, obj) := partner_refusal(key, obj) if {
	tlp_of(obj) == "amber"
	named(key, obj)
	not within_agreement(key, obj)
}

marking(_, obj) := verdict(false, "release.amber_strict", [concat("", [tlp_label(obj), ": restricted to the publishing organisation"])]) if {
	tlp_of(obj) == "amber+strict"
}

marking(_, obj) := verdict(false, "release.red", [concat("", [tlp_label(obj), ": restricted to named individuals of the publishing organisation"])]) if {
	tlp_of(obj) == "red"
}

marking(_, obj) := verdict(false, "release.unknown_tlp", ["unrecognised TLP marking: held by the publishing agency only"]) if {
	not tlp_of(obj) in object.keys(tlp_rank)
}

partner_refusal(key, obj) := verdict(false, "release.partner_agreement", [concat("", [
	tlp_label(obj), ": ", agency_name(key), " is a partner agency and no agreement with ",
	agency_name(obj.publisher), " lets it hold TLP:", upper(tlp_of(obj)),
])])

# The agency's identity is among the object's audience (identity ids).
named(key, obj) if config.agencies[key].identity_id in object.get(obj, "audience", [])

# Agencies of every level but partner may hold what TLP allows; a partner agency only up to the
# most permissive max_tlp of the agreements from the publisher to it (GREEN without one).
within_agreement(key, _) if config.agencies[key].level != "partner"

within_agreement(key, obj) if {
	config.agencies[key].level == "partner"
	tlp_rank[tlp_of(obj)] <= partner_max_rank(obj.publisher, key)
}

partner_max_rank(from, to) := max(ranks) if {
	ranks := [tlp_rank[a.max_tlp] | some a in config.agreements; a.from == from; a.to == to]
	count(ranks) > 0
} else := tlp_rank.green

# Territory: local and regional authorities hold only objects whose area concerns their
# jurisdiction (popart.geo.area_in_territory), or objects with no area.
# One chain, first match wins: the territory test runs once per object, not once per rule body.
territory(key, obj) := {"allow": true, "reasons": []} if {
	not config.agencies[key].level in territorial_levels
} else := {"allow": true, "reasons": ["no area: judged by markings and audience alone"]} if {
	object.get(obj, "area", null) == null
} else := {"allow": true, "reasons": [concat("", ["the object's area concerns the territory of ", agency_name(key)])]} if {
	geo.area_in_agency_territory(obj.area, key)
} else := {"allow": false, "rule": "release.jurisdiction", "reasons": [concat("", [
	"the object's area lies outside the territory of ", agency_name(key),
	" (", config.agencies[key].level, " authority)",
])]}
