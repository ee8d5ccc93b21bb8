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
} else := verdict(true, "release.own", ["published by your agency"]) if {
	obj.publisher == key
} else := with_territory(marking(tlp_of(obj), config.agencies[key], key, obj), config.agencies[key], key, obj)

# A marking that refuses is the decision; one that allows is completed by the territory.
with_territory(m, _, _, _) := m if not m.allow

with_territory(m, agency, key, obj) := verdict(j.allow, object.get(j, "rule", m.rule), array.concat(m.reasons, j.reasons)) if {
	m.allow
	j := territory(agency, key, obj)
}

# What the TLP marking, the audience and the partner agreements say. The first argument is the
# object's TLP, so that only the definitions of that TLP are tried.
marking("clear", agency, key, obj) := verdict(true, "release.clear", [concat("", [tlp_label(obj), ": public"])]) if {
	within_agreement(agency, "clear", obj.publisher, key)
} else := partner_refusal(key, obj)

marking("green", agency, key, obj) := verdict(true, "release.green", [concat("", [tlp_label(obj), ": shared with the whole community"])]) if {
	within_agreement(agency, "green", obj.publisher, key)
} else := partner_refusal(key, obj)

marking("amber", agency, key, obj) := verdict(false, "release.amber", [said_of(obj, key, " is not among the named recipients")]) if {
	not named(key, obj)
} else := verdict(true, "release.amber", [said_of(obj, key, " is a named recipient")]) if {
	agency.level != "partner"
} else := verdict(true, "release.amber", [concat("", [
	tlp_label(obj), ": ", agency_name(key), " is a named recipient, and the agreement with ",
	agency_name(obj.publisher), " lets this partner agency hold TLP:AMBER",
])]) if {
	within_agreement(agency, "amber", obj.publisher, key)
} else := partner_refusal(key, obj)

marking("amber+strict", _, _, obj) := verdict(false, "release.amber_strict", [concat("", [tlp_label(obj), ": restricted to the publishing organisation"])])

marking("red", _, _, obj) := verdict(false, "release.red", [concat("", [tlp_label(obj), ": restricted to named individuals of the publishing organisation"])])

marking(tlp, _, _, _) := verdict(false, "release.unknown_tlp", ["unrecognised TLP marking: held by the publishing agency only"]) if {
	not tlp_rank[tlp]
}

# "<TLP label>: <agency name><text>".
said_of(obj, key, text) := concat("", [tlp_label(obj), ": ", agency_name(key), text])

partner_refusal(key, obj) := verdict(false, "release.partner_agreement", [concat("", [
	tlp_label(obj), ": ", agency_name(key), " is a partner agency and no agreement with ",
	agency_name(obj.publisher), " lets it hold TLP:", upper(tlp_of(obj)),
])])

# The agency's identity is among the object's audience (identity ids).
named(key, obj) if config.agencies[key].identity_id in object.get(obj, "audience", [])

# Agencies of every level but partner may hold what TLP allows; a partner agency only up to the
# most permissive max_tlp of the agreements from the publisher to it (GREEN without one).
within_agreement(agency, _, _, _) if agency.level != "partner"

within_agreement(agency, tlp, publisher, key) if {
	agency.level == "partner"
	tlp_rank[tlp] <= partner_max_rank(publisher, key)
}

partner_max_rank(from, to) := max(ranks) if {
	ranks := [tlp_rank[a.max_tlp] | some a in config.agreements; a.from == from; a.to == to]
	count(ranks) > 0
} else := tlp_rank.green

# Territory: local and regional authorities hold only objects whose area concerns their
# jurisdiction (popart.geo.area_in_territory), or objects with no area.
# One chain, first match wins: the territory test runs once per object, not once per rule body.
territory(agency, key, obj) := {"allow": true, "reasons": []} if {
	not agency.level in territorial_levels
} else := {"allow": true, "reasons": ["no area: judged by markings and audience alone"]} if {
	object.get(obj, "area", null) == null
} else := {"allow": true, "reasons": [concat("", ["the object's area concerns the territory of ", agency_name(key)])]} if {
	geo.area_in_agency_territory(obj.area, key)
} else := {"allow": false, "rule": "release.jurisdiction", "reasons": [concat("", [
	"the object's area lies outside the territory of ", agency_name(key),
	" (", agency.level, " authority)",
])]}
