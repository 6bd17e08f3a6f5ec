package runner_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// initCostly are calls that cost a cold start real time when a
// package-level variable is initialised with them: every Lambda function
// pays for them at each start, used or not. shared/lazyregexp compiles a
// pattern on first use; anything else is made with sync.OnceValue.
var initCostly = map[string]bool{
	"regexp.MustCompile": true, "regexp.Compile": true,
	"gzip.NewWriter": true, "gzip.NewWriterLevel": true, "flate.NewWriter": true,
	"template.New": true, "template.Must": true,
}

// TestFunctions_NoCostlyPackageInit keeps the work above out of the
// package initialisation of every Pledge package a function links (found
// once linked: shared/config's patterns and a gzip writer in shared/purge
// cost about 10 ms of a 25-50 ms init).
func TestFunctions_NoCostlyPackageInit(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-json=ImportPath,Dir,GoFiles", "../../functions/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	checked := 0
	for dec.More() {
		var p struct {
			ImportPath, Dir string
			GoFiles         []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(p.ImportPath, "github.com/pledge-dev/pledge/") {
			continue
		}
		checked++
		fset := token.NewFileSet()
		for _, name := range p.GoFiles {
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range f.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.VAR {
					continue
				}
				ast.Inspect(g, func(n ast.Node) bool {
					switch n := n.(type) {
					case *ast.FuncLit:
						return false // runs when called, not at init
					case *ast.CallExpr:
						if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
							if x, ok := sel.X.(*ast.Ident); ok && initCostly[x.Name+"."+sel.Sel.Name] {
								t.Errorf("%s: %s at package init; compile or build it on first use (shared/lazyregexp, sync.OnceValue)", fset.Position(n.Pos()), x.Name+"."+sel.Sel.Name)
							}
						}
					}
					return true
				})
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d Pledge packages linked by the functions: the listing is wrong", checked)
	}
}
