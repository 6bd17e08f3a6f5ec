package evidencepack_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/pledge-dev/pledge/shared/evidencepack"
)

var out = flag.String("html-out", "", "write November's rendered pages into this directory (to look at them)")

// node helpers over golang.org/x/net/html.
func find(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var found []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if match(n) {
			found = append(found, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return found
}

func tag(name string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Type == html.ElementNode && n.Data == name }
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func textOf(n *html.Node) string {
	var b strings.Builder
	for _, t := range find(n, func(n *html.Node) bool { return n.Type == html.TextNode }) {
		b.WriteString(t.Data)
	}
	return b.String()
}

func byID(doc *html.Node, id string) *html.Node {
	found := find(doc, func(n *html.Node) bool { return n.Type == html.ElementNode && attr(n, "id") == id })
	if len(found) != 1 {
		return nil
	}
	return found[0]
}

// TestRenderHTML_StructureAndFigures parses both pages of November's pack
// and checks what a reader relies on: the language, the month-at-a-glance
// grid (one cell per control and day, coloured by the day's status), a
// section per control with its status and figures, the grouped failures
// in <details>, reasons in the page's language, no script and no
// external asset.
func TestRenderHTML_StructureAndFigures(t *testing.T) {
	_, _, p := built(t)
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) {
			page, err := evidencepack.RenderHTML(p, lang)
			if err != nil {
				t.Fatal(err)
			}
			if *out != "" {
				if err := os.WriteFile(filepath.Join(*out, "pack."+lang+".html"), page, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			doc, err := html.Parse(bytes.NewReader(page))
			if err != nil {
				t.Fatal(err)
			}
			if h := find(doc, tag("html")); len(h) != 1 || attr(h[0], "lang") != lang {
				t.Errorf("html lang")
			}
			for _, bad := range []string{"script", "link", "img", "iframe", "object"} {
				if n := find(doc, tag(bad)); len(n) > 0 {
					t.Errorf("%d <%s> elements: the page must stand alone", len(n), bad)
				}
			}
			for _, n := range find(doc, func(n *html.Node) bool { return n.Type == html.ElementNode }) {
				for _, a := range n.Attr {
					if (a.Key == "href" || a.Key == "src") && !strings.HasPrefix(a.Val, "#") || strings.HasPrefix(a.Key, "on") {
						t.Errorf("<%s %s=%q>: only fragment links, no handlers", n.Data, a.Key, a.Val)
					}
				}
			}
			glance := byID(doc, "glance")
			if glance == nil {
				t.Fatal("no #glance section")
			}
			svgs := find(glance, tag("svg"))
			if len(svgs) != 1 {
				t.Fatalf("%d SVGs at a glance", len(svgs))
			}
			cells := find(svgs[0], tag("rect"))
			if got, want := len(cells), 13*30; got != want {
				t.Errorf("%d cells at a glance, want %d (13 controls x 30 days)", got, want)
			}
			row := func(id string) int { return slices.Index(evidencepack.ControlIDs(), id) * 30 }
			// A.12.3.1's 14th cell (the missed backup) is red.
			if c := cells[row("A.12.3.1")+13]; attr(c, "class") != "s-breached" || !strings.Contains(textOf(c), "A.12.3.1 2026-11-14") {
				t.Errorf("A.12.3.1 November 14: class %q, title %q", attr(c, "class"), textOf(c))
			}
			// A.16.1.1: no notice on November 2, a late one on the 15th.
			if c := cells[row("A.16.1.1")+1]; attr(c, "class") != "s-none" || !strings.Contains(textOf(c), "A.16.1.1 2026-11-02") {
				t.Errorf("A.16.1.1 November 2: %q %q", attr(c, "class"), textOf(c))
			}
			if c := cells[row("A.16.1.1")+14]; attr(c, "class") != "s-breached" {
				t.Errorf("A.16.1.1 November 15: %q", attr(c, "class"))
			}
			rows := find(find(glance, tag("tbody"))[0], tag("tr"))
			if len(rows) != 13 {
				t.Errorf("%d summary rows", len(rows))
			}
			for _, id := range evidencepack.ControlIDs() {
				s := byID(doc, id)
				if s == nil {
					t.Errorf("no section %s", id)
					continue
				}
				h2 := find(s, tag("h2"))
				if len(h2) != 1 || len(find(h2[0], func(n *html.Node) bool {
					return n.Type == html.ElementNode && strings.HasPrefix(attr(n, "class"), "badge s-")
				})) != 1 {
					t.Errorf("%s: heading without a status badge", id)
				}
			}
			backups := byID(doc, "A.12.3.1")
			if !strings.Contains(textOf(backups), "719 / 720") || len(find(backups, tag("svg"))) != 3 {
				t.Errorf("backups section: %d charts, text %q", len(find(backups, tag("svg"))), textOf(backups)[:200])
			}
			crypto := byID(doc, "A.10.1.1")
			var group *html.Node
			for _, d := range find(crypto, tag("details")) {
				if s := find(d, tag("summary")); len(s) > 0 && strings.Contains(textOf(s[0]), map[string]string{"ja": "analytics-db の暗号化されていないスナップショット 3 件", "en": "3 unencrypted snapshots of analytics-db"}[lang]) {
					group = d
				}
			}
			if group == nil {
				t.Fatal("no grouped row for the unencrypted snapshots")
			}
			items := find(find(group, tag("tbody"))[0], tag("tr"))
			if len(items) != 3 {
				t.Errorf("the group expands to %d rows, want 3", len(items))
			}
			reason := map[string]string{"ja": "暗号化されていません", "en": "is not encrypted"}[lang]
			if !strings.Contains(textOf(items[0]), reason) {
				t.Errorf("reason not in %s: %q", lang, textOf(items[0]))
			}
			notices := byID(doc, "A.16.1.1")
			if dots := find(notices, tag("circle")); len(dots) != 5 {
				t.Errorf("%d notices plotted, want 5", len(dots))
			}
			if !strings.Contains(textOf(notices), "80.0 h") {
				t.Errorf("the longest latency is not shown")
			}
			purges := byID(doc, "CLD.8.1.5")
			near := find(purges, func(n *html.Node) bool {
				return n.Type == html.ElementNode && n.Data == "rect" && attr(n, "class") == "near"
			})
			if len(near) != 1 || !strings.Contains(textOf(near[0]), "tenant-1: 1.5 d") {
				t.Errorf("near-deadline purge bars: %d", len(near))
			}
			verify := byID(doc, "verify")
			if verify == nil || !strings.Contains(textOf(verify), "openssl dgst -sha256 -verify evidence-pack/2026-11/") || !strings.Contains(textOf(verify), "sha256sum -c") {
				t.Errorf("no verification commands")
			}
		})
	}
}

// TestRenderHTML_Escapes: text from evidence is escaped.
func TestRenderHTML_Escapes(t *testing.T) {
	_, _, p := built(t)
	p.Problems = append(p.Problems, evidencepack.Problem{Key: `"><script>alert(1)</script>`, Reason: "<b>x</b>"})
	page, err := evidencepack.RenderHTML(p, "en")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(page, []byte("<script>alert(1)")) || bytes.Contains(page, []byte("<b>x</b>")) {
		t.Error("evidence text reached the page unescaped")
	}
	if _, err := evidencepack.RenderHTML(p, "fr"); err == nil {
		t.Error("rendered in French")
	}
}
