# Proves the Rego agrees with test/cases.json, the table of named cases the node runs through
# both the wasm and the OPA server runtimes. The runner mounts the file at data.cases:
#   opa test src test/popart cases:test/cases.json   (policies/scripts/test.sh does)
package popart.cases_test

entrypoints := {
	"popart/release/decision",
	"popart/visibility/decision",
	"popart/redaction/decision",
	"popart/routing/decision",
	"popart/gate/decisions",
	"popart/gate/verdicts",
	"popart/redaction/paths",
	"popart/gate/subject_fields",
}

evaluate(c) := r if {
	c.entrypoint == "popart/release/decision"
	r := data.popart.release.decision with input as c.input
}

evaluate(c) := r if {
	c.entrypoint == "popart/visibility/decision"
	r := data.popart.visibility.decision with input as c.input
}

evaluate(c) := r if {
	c.entrypoint == "popart/redaction/decision"
	r := data.popart.redaction.decision with input as c.input
}

evaluate(c) := r if {
	c.entrypoint == "popart/gate/verdicts"
	r := data.popart.gate.verdicts with input as c.input
}

evaluate(c) := r if {
	c.entrypoint == "popart/redaction/paths"
	r := data.popart.redaction.paths with input as c.input
}

evaluate(c) := r if {
	c.entrypoint == "popart/gate/subject_fields"
	r := data.popart.gate.subject_fields with input as c.input
}

evaluate(c) := r if {
	c.entrypoint == "popart/routing/decision"
	r := data.popart.routing.decision with input as c.input
}

evaluate(c) := r if {
	c.entrypoint == "popart/gate/decisions"
	r := data.popart.gate.decisions with input as c.input
}

# For test/make-cases.mjs: the results of a list of draft cases given as input.
results := [{"name": c.name, "result": evaluate(c)} | some c in input]

mismatches := [c.name |
	some c in data.cases
	not evaluate(c) == c.expected
]

test_every_case_matches_the_policies if {
	print("cases whose expected result differs from the policies:", mismatches)
	mismatches == []
}

test_at_least_forty_named_cases if {
	count(data.cases) >= 40
	count({c.name | some c in data.cases}) == count(data.cases)
}

test_every_entrypoint_has_cases if {
	{c.entrypoint | some c in data.cases} == entrypoints
}
