package policy

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// Pools from which random statements and requests are drawn. They are
// small, so that statements often match requests, and they reach every
// part of the evaluator: NotAction, NotResource, variables, set
// operators, negated and IfExists operators, and every principal form.
var (
	genActions   = []string{`"s3:GetObject"`, `"s3:PutObject"`, `"s3:*"`, `"s3:get*"`, `"*"`, `"iam:*"`, `"s3:?etObject"`, `["s3:GetObject","s3:ListBucket"]`}
	genResources = []string{`"*"`, `"arn:aws:s3:::b/*"`, `"arn:aws:s3:::b/${aws:username}/*"`, `"arn:aws:s3:::b"`, `"arn:aws:s3:::c/*"`,
		`"arn:aws:s3:::*/k"`, `["arn:aws:s3:::b/k","arn:aws:s3:::c/*"]`, `"arn:aws:s3:::b/${aws:PrincipalTag/team, 'x'}*"`}
	genConditions = []string{``, ``, ``, ``, ``,
		`{"StringEquals":{"aws:username":"alice"}}`,
		`{"StringNotEquals":{"aws:username":["alice","bob"]}}`,
		`{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`,
		`{"NotIpAddress":{"aws:SourceIp":["10.1.0.0/16","2001:db8::/32"]}}`,
		`{"Bool":{"aws:SecureTransport":"true"}}`,
		`{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}`,
		`{"DateLessThan":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}}`,
		`{"ForAllValues:StringLike":{"aws:TagKeys":["a*","b"]}}`,
		`{"ForAnyValue:StringEquals":{"aws:TagKeys":"a1"}}`,
		`{"Null":{"aws:TokenIssueTime":"true"}}`,
		`{"StringLike":{"s3:prefix":"${aws:username}/*"}}`,
		`{"NumericLessThan":{"s3:max-keys":"100"},"StringNotLikeIfExists":{"s3:prefix":"secret*"}}`,
	}
	genPrincipals = []string{`"*"`, `{"AWS":"*"}`, `{"AWS":"111122223333"}`, `{"AWS":"arn:aws:iam::111122223333:user/alice"}`,
		`{"AWS":"arn:aws:iam::111122223333:role/app"}`, `{"AWS":"arn:aws:sts::111122223333:assumed-role/app/s1"}`,
		`{"AWS":["arn:aws:iam::111122223333:user/bob","111122223333"]}`, `{"Service":"s3.amazonaws.com"}`}

	genCallers   = []Principal{alice, bob, session, anon, root, {Service: "s3.amazonaws.com"}}
	genReqAction = []string{"s3:GetObject", "s3:PutObject", "s3:ListBucket", "iam:CreateUser", "S3:GETOBJECT"}
	genReqRes    = []string{"arn:aws:s3:::b/k", "arn:aws:s3:::b/alice/x", "arn:aws:s3:::c/k", "arn:aws:s3:::b", "arn:aws:s3:::b/x1", "arn:aws:s3:::b/bob/k"}
	genContext   = [][2]string{
		{"aws:username", "alice"}, {"aws:username", "bob"}, {"aws:SourceIp", "10.1.2.3"}, {"aws:SourceIp", "192.0.2.1"},
		{"aws:SourceIp", "2001:db8::1"}, {"aws:SecureTransport", "true"}, {"aws:SecureTransport", "false"},
		{"aws:MultiFactorAuthPresent", "true"}, {"aws:CurrentTime", "2023-06-01T00:00:00Z"}, {"aws:CurrentTime", "2025-06-01T00:00:00Z"},
		{"aws:TagKeys", "a1|b"}, {"aws:TagKeys", "c"}, {"aws:TokenIssueTime", "2023-06-01T00:00:00Z"}, {"s3:prefix", "alice/x"},
		{"s3:prefix", "secret/x"}, {"s3:max-keys", "50"}, {"aws:PrincipalTag/team", "x1"},
	}
)

func pick[T any](rng *rand.Rand, list []T) T { return list[rng.IntN(len(list))] }

func genStatement(rng *rand.Rand, effect string, resource bool) string {
	var b strings.Builder
	b.WriteString(`{"Effect":"` + effect + `"`)
	if resource {
		key := "Principal"
		if effect == "Deny" && rng.IntN(4) == 0 {
			key = "NotPrincipal"
		}
		b.WriteString(`,"` + key + `":` + pick(rng, genPrincipals))
	}
	key := "Action"
	if rng.IntN(5) == 0 {
		key = "NotAction"
	}
	b.WriteString(`,"` + key + `":` + pick(rng, genActions))
	key = "Resource"
	if rng.IntN(5) == 0 {
		key = "NotResource"
	}
	b.WriteString(`,"` + key + `":` + pick(rng, genResources))
	if c := pick(rng, genConditions); c != "" {
		b.WriteString(`,"Condition":` + c)
	}
	b.WriteString("}")
	return b.String()
}

func genEffect(rng *rand.Rand) string {
	if rng.IntN(3) == 0 {
		return "Deny"
	}
	return "Allow"
}

// scenario is a Set as statement texts: policies of statements, by layer.
type scenario struct {
	identity [][]string
	limits   [][][]string
	resource [][]string
}

func genPolicies(rng *rand.Rand, max int, resource bool) [][]string {
	ps := make([][]string, rng.IntN(max+1))
	for i := range ps {
		for range 1 + rng.IntN(3) {
			ps[i] = append(ps[i], genStatement(rng, genEffect(rng), resource))
		}
	}
	return ps
}

func genScenario(rng *rand.Rand) scenario {
	sc := scenario{identity: genPolicies(rng, 2, false), resource: genPolicies(rng, 1, true)}
	for range rng.IntN(3) {
		layer := genPolicies(rng, 2, false)
		if len(layer) == 0 {
			layer = [][]string{{genStatement(rng, "Allow", false)}}
		}
		sc.limits = append(sc.limits, layer)
	}
	return sc
}

func (sc scenario) set(t testing.TB) *Set {
	doc := func(stmts []string) string {
		return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
	}
	s := &Set{}
	for _, p := range sc.identity {
		s.Identity = append(s.Identity, Named{Name: "identity", Policy: mustParse(t, doc(p), Identity)})
	}
	for _, l := range sc.limits {
		var layer []Named
		for _, p := range l {
			layer = append(layer, Named{Name: "limit", Policy: mustParse(t, doc(p), Identity)})
		}
		s.Limits = append(s.Limits, layer)
	}
	for _, p := range sc.resource {
		s.Resource = append(s.Resource, Named{Name: "resource", Policy: mustParse(t, doc(p), Resource)})
	}
	return s
}

func (sc scenario) clone() scenario {
	cp := func(ps [][]string) [][]string {
		out := make([][]string, len(ps))
		for i, p := range ps {
			out[i] = append([]string(nil), p...)
		}
		return out
	}
	c := scenario{identity: cp(sc.identity), resource: cp(sc.resource)}
	for _, l := range sc.limits {
		c.limits = append(c.limits, cp(l))
	}
	return c
}

// withStatement returns sc with one more statement of the given effect,
// in an existing policy or a new one, of the identity side, an existing
// limit layer, or the resource side. (A new limit layer is not "one more
// statement": it is one more thing that must allow.)
func (sc scenario) withStatement(rng *rand.Rand, effect string) scenario {
	c := sc.clone()
	add := func(ps [][]string, resource bool) [][]string {
		st := genStatement(rng, effect, resource)
		if len(ps) == 0 || rng.IntN(3) == 0 {
			return append(ps, []string{st})
		}
		i := rng.IntN(len(ps))
		ps[i] = append(ps[i], st)
		return ps
	}
	switch n := rng.IntN(3); {
	case n == 0 || n == 1 && len(c.limits) == 0:
		c.identity = add(c.identity, false)
	case n == 1:
		i := rng.IntN(len(c.limits))
		c.limits[i] = add(c.limits[i], false)
	default:
		c.resource = add(c.resource, true)
	}
	return c
}

// shuffled returns sc with the statements of each policy, and the
// policies of each layer, in another order.
func (sc scenario) shuffled(rng *rand.Rand) scenario {
	c := sc.clone()
	mix := func(ps [][]string) {
		rng.Shuffle(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
		for _, p := range ps {
			rng.Shuffle(len(p), func(i, j int) { p[i], p[j] = p[j], p[i] })
		}
	}
	mix(c.identity)
	mix(c.resource)
	for _, l := range c.limits {
		mix(l)
	}
	return c
}

func genRequest(rng *rand.Rand) *Request {
	var ctx Context
	for _, kv := range genContext {
		if rng.IntN(3) == 0 {
			ctx.Set(kv[0], splitBar(kv[1])...)
		}
	}
	return &Request{Principal: pick(rng, genCallers), Action: pick(rng, genReqAction), Resource: pick(rng, genReqRes), Context: &ctx}
}

// TestProperties checks, over random policies and requests, that adding
// a Deny statement never turns a denial into Allow nor an explicit deny
// into less; that adding an Allow statement never turns Allow into a
// denial nor anything into an explicit deny; that the order of statements
// and policies does not matter; and that Evaluate and Explain agree.
func TestProperties(t *testing.T) {
	n := 3000
	if raceEnabled || testing.Short() {
		n = 300
	}
	rng := rand.New(rand.NewPCG(1, 2))
	decisions := map[Decision]int{}
	for i := range n {
		sc := genScenario(rng)
		r := genRequest(rng)
		s := sc.set(t)
		d := Evaluate(s, r)
		decisions[d]++
		if e := Explain(s, r); e.Decision != d {
			t.Fatalf("#%d: Explain %v, Evaluate %v\n%+v", i, e.Decision, d, sc)
		}
		if d2 := Evaluate(sc.shuffled(rng).set(t), r); d2 != d {
			t.Fatalf("#%d: %v, shuffled %v\n%+v", i, d, d2, sc)
		}

		withDeny := sc.withStatement(rng, "Deny")
		if d2 := Evaluate(withDeny.set(t), r); d != Allow && d2 == Allow || d == ExplicitDeny && d2 != ExplicitDeny {
			t.Fatalf("#%d: adding a Deny turned %v into %v\nbefore: %+v\nafter: %+v\nrequest: %+v", i, d, d2, sc, withDeny, r)
		}
		withAllow := sc.withStatement(rng, "Allow")
		if d2 := Evaluate(withAllow.set(t), r); d == Allow && d2 != Allow || d != ExplicitDeny && d2 == ExplicitDeny {
			t.Fatalf("#%d: adding an Allow turned %v into %v\nbefore: %+v\nafter: %+v\nrequest: %+v", i, d, d2, sc, withAllow, r)
		}
	}
	// The generator must reach every outcome, or the properties say little.
	for _, d := range []Decision{Deny, Allow, ExplicitDeny} {
		if decisions[d] < n/20 {
			t.Errorf("only %d of %d random cases decided %v", decisions[d], n, d)
		}
	}
	t.Logf("decisions: %v", decisions)
}

// TestConcurrent evaluates one Set and one Context from many goroutines,
// for the race detector: policies and a Context that no one modifies are
// safe to share.
func TestConcurrent(t *testing.T) {
	s, r := benchSetup(t)
	done := make(chan Decision)
	for range 8 {
		go func() {
			var d Decision
			for range 200 {
				d = Evaluate(s, r)
				Explain(s, r)
			}
			done <- d
		}()
	}
	for range 8 {
		if d := <-done; d != Allow {
			t.Errorf("concurrent Evaluate: %v", d)
		}
	}
}
