# The egress gate for a page of objects: visibility and redaction for one user, object by object,
# in input order. Objects the user may not see carry no removals or coarsening (nothing leaves).
package popart.gate

import data.popart.redaction
import data.popart.visibility

# METADATA
# description: 'Entrypoint popart/gate/decisions: [{ "id", "allow", "reasons", "rule", "remove", "coarsen" }].'
# entrypoint: true
decisions := [explained(input.subject, obj, decide(input.subject, obj)) | some obj in input.objects]

# METADATA
# description: >-
#   Entrypoint popart/gate/verdicts: the decisions without their reasons, [{ "allow", "rule", "remove", "coarsen" }],
#   for filtering pages, where reasons are not shown (popart/gate/decisions and explain give them). The reasons'
#   sentences are not even written.
# entrypoint: true
verdicts := [verdict(decide(input.subject, obj)) | some obj in input.objects]

# METADATA
# description: >-
#   Entrypoint popart/gate/subject_fields: the fields of input.subject that decisions and verdicts read, sorted. Two
#   subjects equal in these fields get the same decisions for the same objects (the username only names who asked),
#   so the node may reuse a decision made for one analyst for another of the same agency and role.
# entrypoint: true
subject_fields := ["agency", "exercise", "role"]

verdict(d) := {"allow": d.allow, "rule": d.rule, "remove": d.remove, "coarsen": d.coarsen}

decide(subject, obj) := {"allow": v.allow, "rule": v.rule, "remove": r.remove, "coarsen": r.coarsen, "why": v.why} if {
	v := visibility.decide(subject, obj)
	r := redactions(subject, obj, v.allow)
}

explained(subject, obj, d) := {
	"id": object.get(obj, "id", null),
	"allow": d.allow,
	"reasons": visibility.reasons(d.why, subject, obj),
	"rule": d.rule,
	"remove": d.remove,
	"coarsen": d.coarsen,
}

redactions(subject, obj, true) := redaction.decide(subject, obj)

redactions(_, _, false) := {"remove": [], "coarsen": []}
