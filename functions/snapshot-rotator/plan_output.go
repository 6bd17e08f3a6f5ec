package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"time"

	"github.com/pledge-dev/pledge/shared/retention"
)

// writePlan prints the plan as it goes, through a buffer, in exactly the
// form json.Encoder gave it with SetIndent("", "  ") and SetEscapeHTML(false):
//
//	{"timezone", "policy", "keep": [{"id", "created", "reasons"}], "delete": [{"id", "created"}]}
//
// with times in RFC 3339 (nanoseconds when there are any) in loc.
func writePlan(w io.Writer, loc *time.Location, p retention.Policy, plan retention.Plan) error {
	out := planWriter{w: bufio.NewWriterSize(w, 1<<16)}
	out.raw("{\n  \"timezone\": ")
	out.str(loc.String())
	out.raw(",\n  \"policy\": ")
	out.str(p.String())
	out.raw(",\n  \"keep\": [")
	for i, k := range plan.Keep {
		out.item(i, k.Snapshot, loc)
		out.raw(",\n      \"reasons\": [")
		for j, r := range k.Reasons {
			if j > 0 {
				out.raw(",")
			}
			out.raw("\n        ")
			out.str(r.String())
		}
		if len(k.Reasons) > 0 {
			out.raw("\n      ")
		}
		out.raw("]\n    }")
	}
	out.end(len(plan.Keep))
	out.raw(",\n  \"delete\": [")
	for i, d := range plan.Delete {
		out.item(i, d, loc)
		out.raw("\n    }")
	}
	out.end(len(plan.Delete))
	out.raw("\n}\n")
	if out.err != nil {
		return out.err
	}
	return out.w.Flush()
}

// planWriter writes JSON pieces, keeping the first error.
type planWriter struct {
	w       *bufio.Writer
	err     error
	scratch bytes.Buffer
	tbuf    []byte
}

func (o *planWriter) raw(s string) {
	if o.err == nil {
		_, o.err = o.w.WriteString(s)
	}
}

// item opens the i-th object of a list with its id and creation time.
func (o *planWriter) item(i int, s retention.Snapshot, loc *time.Location) {
	if i > 0 {
		o.raw(",")
	}
	o.raw("\n    {\n      \"id\": ")
	o.str(s.ID)
	o.raw(",\n      \"created\": \"")
	o.tbuf = s.Created.In(loc).AppendFormat(o.tbuf[:0], time.RFC3339Nano)
	if o.err == nil {
		_, o.err = o.w.Write(o.tbuf) // RFC 3339 needs no escaping
	}
	o.raw("\"")
}

// end closes a list of n items.
func (o *planWriter) end(n int) {
	if n > 0 {
		o.raw("\n  ")
	}
	o.raw("]")
}

// str writes s as a JSON string: as it is when it is printable ASCII with
// nothing to escape, else escaped by encoding/json (HTML left alone).
func (o *planWriter) str(s string) {
	for i := 0; i < len(s); i++ {
		if !plainJSON[s[i]] {
			o.escaped(s)
			return
		}
	}
	o.raw("\"")
	o.raw(s)
	o.raw("\"")
}

func (o *planWriter) escaped(s string) {
	o.scratch.Reset()
	enc := json.NewEncoder(&o.scratch)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil && o.err == nil {
		o.err = err
	}
	o.raw(string(bytes.TrimSuffix(o.scratch.Bytes(), []byte("\n"))))
}

// plainJSON marks the bytes a JSON string holds as they are: printable
// ASCII but the quote and the backslash.
var plainJSON = func() (t [256]bool) {
	for c := 0x20; c <= 0x7e; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()
