package wicket_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/wicket-io/wicket"

// TestDependencies holds the import rules of STYLE.md: the root package,
// sigv4 and arn use only the standard library (so that anyone can take
// them alone), policy adds only the root package and arn (so that the
// policy language stays a leaf that every service can use), a storage
// implementation imports no project package but the root (so that it
// cannot reach into the services it stores for), and sts/keyring, which
// holds the secrets, imports only the standard library and the root (so
// that what can touch key bytes stays small enough to read whole).
//
// It checks every package that exists now, transitively, and skips none: a
// rule for a package not yet written is simply met.
func TestDependencies(t *testing.T) {
	rules := []struct {
		desc  string
		match func(pkg string) bool
		// allowed reports whether pkg may depend on dep, transitively.
		allowed func(pkg, dep string, std bool) bool
	}{
		{
			desc:    "the root package imports only the standard library",
			match:   func(pkg string) bool { return pkg == module },
			allowed: func(pkg, dep string, std bool) bool { return std },
		},
		{
			desc:  "sigv4 and arn import only the standard library",
			match: func(pkg string) bool { return under(pkg, module+"/sigv4") || under(pkg, module+"/arn") },
			allowed: func(pkg, dep string, std bool) bool {
				return std || under(dep, module+"/sigv4") && under(pkg, module+"/sigv4") ||
					under(dep, module+"/arn") && under(pkg, module+"/arn")
			},
		},
		{
			desc:  "policy imports only the standard library, the root package and arn",
			match: func(pkg string) bool { return under(pkg, module+"/policy") },
			allowed: func(pkg, dep string, std bool) bool {
				return std || dep == module || under(dep, module+"/arn") || under(dep, module+"/policy")
			},
		},
		{
			desc:  "storage packages import no project package but the root",
			match: func(pkg string) bool { return under(pkg, module+"/storage") },
			allowed: func(pkg, dep string, std bool) bool {
				if !under(dep, module) {
					return true // third-party drivers are what storage is for
				}
				// A store's own subpackages (storage/sqlite/...) are part of it.
				name, _, _ := strings.Cut(strings.TrimPrefix(pkg, module+"/storage/"), "/")
				return dep == module || under(dep, module+"/storage/"+name)
			},
		},
		{
			desc:  "sts/keyring, which holds the secrets, imports only the standard library and the root package",
			match: func(pkg string) bool { return under(pkg, module+"/sts/keyring") },
			allowed: func(pkg, dep string, std bool) bool {
				return std || dep == module || under(dep, module+"/sts/keyring")
			},
		},
	}

	std := map[string]bool{}
	for _, line := range goList(t, "-deps", "-f", "{{.ImportPath}} {{.Standard}}", "./...") {
		path, isStd, _ := strings.Cut(line, " ")
		std[path] = isStd == "true"
	}
	checked := 0
	for _, line := range goList(t, "-f", "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}", "./...") {
		fields := strings.Fields(line)
		pkg, deps := fields[0], fields[1:]
		for _, r := range rules {
			if !r.match(pkg) {
				continue
			}
			checked++
			for _, dep := range deps {
				if !r.allowed(pkg, dep, std[dep] || dep == "C") {
					t.Errorf("%s: %s depends on %s", r.desc, pkg, dep)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no package matched any rule; is the module path right?")
	}
}

// under reports whether pkg is dir or inside it.
func under(pkg, dir string) bool {
	return pkg == dir || strings.HasPrefix(pkg, dir+"/")
}

// goList runs go list -e with args and returns its lines. -e keeps a package
// that does not build (another change in progress) from hiding the imports
// of the rest.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the dependency rules need the go command: %v", err)
	}
	cmd := exec.Command(goTool, append([]string{"list", "-e"}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}
