# Release: may an agency hold an object at all (its node stores it, its users may be shown it)?
# TLP 2.0 (FIRST) at agency level, partner agreements, and the territory of local and regional
# authorities. The role of the user is not considered here (see popart.visibility).
package popart.release

import data.popart.config
import data.popart.geo

# METADATA
# description: 'Entrypoint popart/release/decision: { "allow", "reasons", "rule" }.'
# entrypoint: true
decision := explained(decide(input.subject.agency, input.object), input.subject.agency, input.object)

# METADATA
# description: >-
#   Entrypoint popart/release/decisions: [{ "allow", "reasons", "rule" }], one per object of input.objects, in
#   order. What the node's listener asks for each block it stores: one evaluation for many objects, so that the
#   agencies' territories (popart.geo.agency_polygons) are prepared once, not once per object.
# entrypoint: true
decisions := [explained(decide(input.subject.agency, obj), input.subject.agency, obj) | some obj in input.objects]

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

# A verdict names its reasons by code ("why"); `explained` turns them into sentences. Filtering a page
# needs only allow and rule, so the sentences are written only when asked for.
verdict(allow, rule, why) := {"allow": allow, "rule": rule, "why": why}

# A verdict with its reasons in words, for the agency with key `key`.
explained(v, key, obj) := {"allow": v.allow, "rule": v.rule, "reasons": reasons(v.why, key, obj)}

reasons(why, key, obj) := [text(code, key, obj) | some code in why]

# The decision for the agency with key `key`.
decide(key, obj) := verdict(false, "release.unknown_agency", ["unknown_agency"]) if {
	not config.agencies[key]
} else := verdict(true, "release.own", ["own"]) if {
	obj.publisher == key
} else := with_territory(marking(tlp_of(obj), config.agencies[key], key, obj), config.agencies[key], key, obj)

# A marking that refuses is the decision; one that allows is completed by the territory.
with_territory(m, _, _, _) := m if not m.allow

with_territory(m, agency, key, obj) := verdict(j.allow, object.get(j, "rule", m.rule), array.concat(m.why, j.why)) if {
	m.allow
	j := territory(agency, key, obj)
}

# What the TLP marking, the audience and the partner agreements say. The first argument is the
# object's TLP, so that only the definitions of that TLP are tried.
marking("clear", agency, key, obj) := verdict(true, "release.clear", ["clear"]) if {
	within_agreement(agency, "clear", obj.publisher, key)
} else := verdict(false, "release.partner_agreement", ["partner_refusal"])

marking("green", agency, key, obj) := verdict(true, "release.green", ["green"]) if {
	within_agreement(agency, "green", obj.publisher, key)
} else := verdict(false, "release.partner_agreement", ["partner_refusal"])

marking("amber", agency, key, obj) := verdict(false, "release.amber", ["amber_not_named"]) if {
	not named(key, obj)
} else := verdict(true, "release.amber", ["amber_named"]) if {
	agency.level != "partner"
} else := verdict(true, "release.amber", ["amber_partner"]) if {
	within_agreement(agency, "amber", obj.publisher, key)
} else := verdict(false, "release.partner_agreement", ["partner_refusal"])

marking("amber+strict", _, _, _) := verdict(false, "release.amber_strict", ["amber_strict"])

marking("red", _, _, _) := verdict(false, "release.red", ["red"])

marking(tlp, _, _, _) := verdict(false, "release.unknown_tlp", ["unknown_tlp"]) if {
	not tlp_rank[tlp]
}

# The sentence of each reason code.
text("unknown_agency", _, _) := "the agency is not registered in the network configuration"

text("own", _, _) := "published by your agency"

text("clear", _, obj) := concat("", [tlp_label(obj), ": public"])

text("green", _, obj) := concat("", [tlp_label(obj), ": shared with the whole community"])

text("amber_not_named", key, obj) := said_of(obj, key, " is not among the named recipients")

text("amber_named", key, obj) := said_of(obj, key, " is a named recipient")

text("amber_partner", key, obj) := concat("", [
	said_of(obj, key, " is a named recipient, and the agreement with "),
	agency_name(obj.publisher), " lets this partner agency hold TLP:AMBER",
])

text("partner_refusal", key, obj) := concat("", [
	said_of(obj, key, " is a partner agency and no agreement with "),
	agency_name(obj.publisher), " lets it hold TLP:", upper(tlp_of(obj)),
])

text("amber_strict", _, obj) := concat("", [tlp_label(obj), ": restricted to the publishing organisation"])

text("red", _, obj) := concat("", [tlp_label(obj), ": restricted to named individuals of the publishing organisation"])

text("unknown_tlp", _, _) := "unrecognised TLP marking: held by the publishing agency only"

text("no_area", _, _) := "no known place: judged by markings and audience alone"

text("country_out", key, obj) := concat("", [
	"the object is placed only in ", concat(", ", obj.countries), ", not in ", config.agencies[key].country,
	" where the territory of ", agency_name(key), " lies (", config.agencies[key].level, " authority)",
])

text("area_in", key, _) := concat("", ["the object's area concerns the territory of ", agency_name(key)])

text("area_out", key, _) := concat("", [
	"the object's area lies outside the territory of ", agency_name(key),
	" (", config.agencies[key].level, " authority)",
])

# "<TLP label>: <agency name><text>".
said_of(obj, key, text) := concat("", [tlp_label(obj), ": ", agency_name(key), text])

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
# jurisdiction (popart.geo.area_in_territory), or objects with no known place. An object placed only by
# countries (standard STIX locations without coordinates) is outside when none is the agency's country.
# One chain, first match wins: the territory test runs once per object, not once per rule body.
territory(agency, key, obj) := {"allow": true, "why": []} if {
	not agency.level in territorial_levels
} else := {"allow": false, "rule": "release.jurisdiction", "why": ["country_out"]} if {
	country_out(agency, obj)
} else := {"allow": true, "why": ["no_area"]} if {
	object.get(obj, "area", null) == null
} else := {"allow": true, "why": ["area_in"]} if {
	geo.area_in_agency_territory(obj.area, key)
} else := {"allow": false, "rule": "release.jurisdiction", "why": ["area_out"]}

# The object has no area, is placed in one or more countries, and none of them is the agency's.
country_out(agency, obj) if {
	object.get(obj, "area", null) == null
	countries := object.get(obj, "countries", [])
	count(countries) > 0
	not agency.country in countries
}
