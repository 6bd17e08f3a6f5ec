package check

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Report is one verification run: every result and a summary per control.
type Report struct {
	GeneratedAt time.Time        `json:"generatedAt"`
	Results     []Result         `json:"results"`
	Controls    []ControlSummary `json:"controls"`
	Totals      Counts           `json:"totals"`
}

// Counts tallies results.
type Counts struct {
	// Checks is how many distinct checks produced results.
	Checks int `json:"checks"`
	// Results is how many results there are (one per check and resource).
	Results  int `json:"results"`
	Passes   int `json:"passes"`
	Failures int `json:"failures"`
	Errors   int `json:"errors"`
}

func (c *Counts) add(r Result) {
	c.Results++
	switch r.Status {
	case Pass:
		c.Passes++
	case Fail:
		c.Failures++
	default:
		c.Errors++
	}
}

// ControlSummary tallies the results that evidence one control.
type ControlSummary struct {
	Control
	Counts
	// CheckIDs are the checks that evidenced the control in this run.
	CheckIDs []string `json:"checkIds"`
}

// Build makes the report of a run. Results are sorted by check id (in
// Definitions order) then resource; controls appear in Controls order, and
// only those some result evidences (a control unknown to Controls is
// listed after them, titled by its id). A result whose status is not PASS
// or FAIL counts as an error.
func Build(results []Result, now time.Time) Report {
	rs := slices.Clone(results)
	order := func(id string) int {
		i := slices.IndexFunc(Definitions, func(d Definition) bool { return d.ID == id })
		if i < 0 {
			return len(Definitions)
		}
		return i
	}
	slices.SortStableFunc(rs, func(a, b Result) int {
		return cmp.Or(cmp.Compare(order(a.CheckID), order(b.CheckID)), cmp.Compare(a.CheckID, b.CheckID), cmp.Compare(a.Resource, b.Resource))
	})

	byControl := map[string]*ControlSummary{}
	var extra []string
	var totals Counts
	checks := map[string]bool{}
	for _, r := range rs {
		totals.add(r)
		checks[r.CheckID] = true
		for _, id := range r.Controls {
			s, ok := byControl[id]
			if !ok {
				c, known := ControlByID(id)
				if !known {
					c = Control{ID: id, English: id, Japanese: id}
					extra = append(extra, id)
				}
				s = &ControlSummary{Control: c}
				byControl[id] = s
			}
			s.add(r)
			if !slices.Contains(s.CheckIDs, r.CheckID) {
				s.CheckIDs = append(s.CheckIDs, r.CheckID)
				s.Checks++
			}
		}
	}
	totals.Checks = len(checks)
	var summaries []ControlSummary
	for _, c := range Controls {
		if s, ok := byControl[c.ID]; ok {
			summaries = append(summaries, *s)
		}
	}
	slices.Sort(extra)
	for _, id := range extra {
		summaries = append(summaries, *byControl[id])
	}
	if rs == nil {
		rs = []Result{}
	}
	if summaries == nil {
		summaries = []ControlSummary{}
	}
	return Report{GeneratedAt: now.UTC(), Results: rs, Controls: summaries, Totals: totals}
}

// ResultsFor returns the results that evidence one control, in report
// order.
func (r Report) ResultsFor(controlID string) []Result {
	var out []Result
	for _, res := range r.Results {
		if slices.Contains(res.Controls, controlID) {
			out = append(out, res)
		}
	}
	return out
}

// MarshalIndent returns the report as indented JSON, as stored in the
// evidence bucket.
func (r Report) MarshalIndent() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("marshal report: %w", err)
	}
	return append(b, '\n'), nil
}

// Change is a result whose status differs from the previous run's.
type Change struct {
	CheckID  string `json:"checkId"`
	Resource string `json:"resource"`
	// Previous is the status in the previous report; empty when the
	// resource was not reported then.
	Previous Status `json:"previous,omitempty"`
	// Current is the status now; empty when the resource is no longer
	// reported.
	Current Status `json:"current,omitempty"`
	// Reason is the current reason, or the previous one when the resource
	// is no longer reported.
	Reason string `json:"reason"`
}

// Recovered reports whether the change is back to PASS.
func (c Change) Recovered() bool { return c.Current == Pass }

// String describes the change in one line for an ops alert.
func (c Change) String() string {
	switch {
	case c.Previous == "":
		return fmt.Sprintf("%s %s: now %s: %s", c.CheckID, c.Resource, c.Current, c.Reason)
	case c.Current == "":
		return fmt.Sprintf("%s %s: was %s, no longer reported: %s", c.CheckID, c.Resource, c.Previous, c.Reason)
	default:
		return fmt.Sprintf("%s %s: %s -> %s: %s", c.CheckID, c.Resource, c.Previous, c.Current, c.Reason)
	}
}

type resultKey struct{ check, resource string }

// Changes returns the results whose status differs between two reports,
// keyed by (check id, resource), in current report order then vanished
// ones in previous order:
//   - a resource whose status changed (new failure, new error, recovery);
//   - a resource new in this run that is not PASS (a first run reports
//     every failure and error, and no pass);
//   - a resource that was FAIL or ERROR and is no longer reported (deleted,
//     or no longer selected), so an open alert is not left hanging.
//
// Equal statuses with different reasons are not changes. No change gives
// an empty (non-nil) slice: the verifier sends no alert.
func Changes(previous, current Report) []Change {
	prev := map[resultKey]Result{}
	for _, r := range previous.Results {
		prev[resultKey{r.CheckID, r.Resource}] = r
	}
	seen := map[resultKey]bool{}
	out := []Change{}
	for _, r := range current.Results {
		k := resultKey{r.CheckID, r.Resource}
		if seen[k] {
			continue
		}
		seen[k] = true
		p, had := prev[k]
		switch {
		case !had && r.Status != Pass:
			out = append(out, Change{CheckID: r.CheckID, Resource: r.Resource, Current: r.Status, Reason: r.Reason})
		case had && p.Status != r.Status:
			out = append(out, Change{CheckID: r.CheckID, Resource: r.Resource, Previous: p.Status, Current: r.Status, Reason: r.Reason})
		}
	}
	gone := map[resultKey]bool{}
	for _, p := range previous.Results {
		k := resultKey{p.CheckID, p.Resource}
		p = prev[k] // the last result for the key, as above
		if seen[k] || gone[k] || p.Status == Pass {
			continue
		}
		gone[k] = true
		out = append(out, Change{CheckID: p.CheckID, Resource: p.Resource, Previous: p.Status, Reason: p.Reason})
	}
	return out
}
