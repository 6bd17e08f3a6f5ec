package runner_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// initCostly are calls that cost a cold start real time when a
// package-level variable is initialised with them: every Lambda function
// pays for them at each start, used or not. shared/lazyregexp compiles a
// pattern on first use; anything else is made with sync.OnceValue.
var initCostly = map[string]bool{
	"regexp.MustCompile": true, "regexp.Compile": true,
	"compress/gzip.NewWriter": true, "compress/gzip.NewWriterLevel": true, "compress/flate.NewWriter": true,
	"html/template.New": true, "html/template.Must": true, "text/template.New": true, "text/template.Must": true,
}

// TestFunctions_NoCostlyPackageInit keeps the work above out of the
// package-level initialisers and init functions of every Pledge package a function links (found
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
			// The file's import names (aliases included) to their paths.
			paths := map[string]string{}
			for _, im := range f.Imports {
				path, _ := strconv.Unquote(im.Path.Value)
				name := path[strings.LastIndex(path, "/")+1:]
				if im.Name != nil {
					name = im.Name.Name
				}
				paths[name] = path
			}
			// What runs at init: package-level initialisers and init().
			var atInit []ast.Node
			for _, d := range f.Decls {
				switch d := d.(type) {
				case *ast.GenDecl:
					if d.Tok == token.VAR {
						atInit = append(atInit, d)
					}
				case *ast.FuncDecl:
					if d.Recv == nil && d.Name.Name == "init" {
						atInit = append(atInit, d.Body)
					}
				}
			}
			for _, root := range atInit {
				ast.Inspect(root, func(n ast.Node) bool {
					switch n := n.(type) {
					case *ast.FuncLit:
						return false // runs when called, not at init
					case *ast.CallExpr:
						if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
							if x, ok := sel.X.(*ast.Ident); ok && initCostly[paths[x.Name]+"."+sel.Sel.Name] {
								t.Errorf("%s: %s.%s at package init; compile or build it on first use (shared/lazyregexp, sync.OnceValue)", fset.Position(n.Pos()), paths[x.Name], sel.Sel.Name)
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
