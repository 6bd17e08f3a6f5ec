package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// generateSnapshots writes n snapshots as a JSON array the way an export
// might: shuffled, mixed zones and precisions, some ids with characters
// that need escaping, pretty or compact.
func generateSnapshots(n int, seed uint64, pretty bool) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	zones := []*time.Location{time.UTC, time.FixedZone("", 9*3600), time.FixedZone("", -7*3600), time.FixedZone("", 5*3600+1800)}
	base := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	b.WriteString("[")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		if pretty {
			b.WriteString("\n  ")
		}
		at := base.Add(-time.Duration(r.Int64N(int64(400 * 24 * time.Hour)))).In(zones[r.IntN(len(zones))])
		layout := time.RFC3339
		if r.IntN(5) == 0 {
			layout = time.RFC3339Nano
		}
		id := fmt.Sprintf("pledge-orders-db-%08d", i)
		switch r.IntN(50) {
		case 0:
			id += `-"quoted"\back`
		case 1:
			id += "-スナップショット-<&>"
		case 2:
			id += "\t\u2028"
		}
		idJSON := fmt.Sprintf("%q", id)
		if strings.ContainsAny(id, "\u2028") {
			idJSON = `"` + strings.ReplaceAll(strings.ReplaceAll(id, "\t", `\t`), "\u2028", `\u2028`) + `"`
		}
		if r.IntN(2) == 0 {
			fmt.Fprintf(&b, `{"id": %s, "created": "%s"}`, idJSON, at.Format(layout))
		} else {
			fmt.Fprintf(&b, `{ "created":"%s" ,"id":%s }`, at.Format(layout), idJSON)
		}
	}
	if pretty {
		b.WriteString("\n")
	}
	b.WriteString("]")
	return b.Bytes()
}

// comparePlans runs the streaming and the old implementation on the same
// input and arguments and fails on any difference in output or error.
func comparePlans(t testing.TB, input []byte, args ...string) {
	t.Helper()
	var got, want bytes.Buffer
	gotErr := runPlan(args, bytes.NewReader(input), &got)
	wantErr := runPlanOld(args, bytes.NewReader(input), &want)
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
		t.Fatalf("args %q, input %.200q:\nerror  %v\nbefore %v", args, input, gotErr, wantErr)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Fatalf("args %q: output differs from the old implementation's (%d vs %d bytes)\n%s", args, got.Len(), want.Len(), firstDiff(got.Bytes(), want.Bytes()))
	}
}

func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-200)
	return fmt.Sprintf("at byte %d:\n--- new ---\n%s\n--- old ---\n%s", i, a[lo:min(len(a), i+200)], b[lo:min(len(b), i+200)])
}

func TestRunPlan_MatchesOld_Generated(t *testing.T) {
	policies := [][]string{
		{"--keep-hourly", "24", "--keep-daily", "7", "--keep-weekly", "4", "--tz", "Asia/Tokyo"},
		{"--keep-last", "3", "--keep-monthly", "-1", "--keep-yearly", "2", "--tz", "America/New_York"},
		{"--keep-daily", "-1", "--tz", "UTC"},
	}
	for _, pretty := range []bool{false, true} {
		input := generateSnapshots(20000, 14, pretty)
		for _, args := range policies {
			comparePlans(t, input, args...)
		}
	}
}

// Every kind of bad input gets the same error, at the same line, column
// and byte, as before; and nothing is printed.
func TestRunPlan_MatchesOld_Errors(t *testing.T) {
	ok := `{"id": "a", "created": "2026-11-21T10:00:00Z"}`
	for _, in := range []string{
		"", " \n\t", "\v", "\ufeff[]", "[]", " [ ] ", "[ ]\n", "null", "true", "42", `"s"`, `{}`, `{"a": }`, `[`, `[ `, "[\n", `]`,
		`[` + ok, `[` + ok + `,`, `[` + ok + `,]`, `[` + ok + ` ` + ok + `]`, `[` + ok + `}`, `[` + ok + `] x`, `[` + ok + "]\n\n x",
		`[{"id": "a", "created": "2026-11-21T10:00:00Z"]`, `[{]`, `[{"id"}]`, `[{"id": }]`, `[{"id" "a"}]`, `[{"id": "a",}]`,
		`[x]`, `[T]`, `[tru]`, `[true"x"]`, `[01]`, `[-]`, `[1.]`, `[1e]`, `[nul`, `[1,2`, `["abc`, `["a\`, `["\q"]`, `["a` + "\n" + `"]`,
		`[null, 1, "s", [], {}, true]`, `[{"ID": "a", "Created": "2026-11-21T10:00:00Z"}]`, `[{"id": "a", "id": "b", "created": "2026-11-21T10:00:00Z"}]`,
		`[{"id": "a\u0062", "created": "2026-11-21T10:00:00Z"}]`, "[{\"id\": \"a\xff\", \"created\": \"2026-11-21T10:00:00Z\"}]", `[{"id": "　", "created": "2026-11-21T10:00:00Z"}]`,
		`[{"id": " a ", "created": " 2026-11-21T10:00:00Z"}]`, `[{"id": "a", "created": "2026-11-21T10:00:00Z", "x": 1, "b": 2}]`,
		"[\n  " + ok + ",\n  {\"id\": \"b\" \"created\": \"2026-11-21T11:00:00Z\"}\n]", "[\n" + ok + ",\n\n   {\"id\":\n \"b\",\n\"created\": x}]",
		"[\n  " + ok + ",\n  " + ok + "\n]", `[{"id": ""}, {"id": "b", "created": "x"}, ` + ok + `, {"id": "a", "created": "2026-11-22T10:00:00Z"}]`,
		mixedErrors(30), mixedErrors(7),
		"[" + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + "]", "[" + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + "]",
		`[{"id": "a", "created": "2026-11-21T10:00:00Z"}, {"x": ` + strings.Repeat(`{"y": `, 10000) + "1" + strings.Repeat("}", 10001) + "]",
	} {
		comparePlans(t, []byte(in), "--keep-daily", "7", "--tz", "Asia/Tokyo")
	}
}

// mixedErrors is n snapshots where repeated ids and bad elements
// interleave, so the first ten errors come from both kinds.
func mixedErrors(n int) string {
	var b strings.Builder
	b.WriteString("[")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		switch i % 4 {
		case 0:
			fmt.Fprintf(&b, `{"id": "s%d", "created": "2026-11-21T10:00:00Z"}`, i%3)
		case 1:
			b.WriteString(`{"id": ""}`)
		case 2:
			fmt.Fprintf(&b, `{"id": "s%d", "created": "2026-11-2%dT10:00:00Z"}`, i%5, i%9)
		default:
			b.WriteString(`{"id": "same", "created": "2026-11-21T10:00:00Z"}`)
		}
	}
	b.WriteString("]")
	return b.String()
}

func FuzzRunPlan_MatchesOld(f *testing.F) {
	f.Add(generateSnapshots(5, 1, true))
	f.Add([]byte(`[{"id": "a", "created": "2026-11-21T10:00:00Z", "x": 1}, null, 3, "s", [], {}]`))
	f.Add([]byte("[\n{\"id\":\"a\"\n"))
	f.Add([]byte(`[{"id": "a\"b", "created": "2026-11-21T10:00:00.5+05:30"} , {"created":"2026-11-20T10:00:00Z","id":"b"}]`))
	f.Fuzz(func(t *testing.T, input []byte) {
		comparePlans(t, input, "--keep-hourly", "3", "--keep-daily", "2", "--keep-yearly", "-1", "--tz", "America/New_York")
	})
}

// The store grows by chunks: inputs that cross its chunk boundaries (of
// snapshots and of id bytes), with an id longer than a whole id chunk and
// with repeated ids on both sides of a boundary, plan and fail as before.
func TestRunPlan_MatchesOld_AcrossStoreChunks(t *testing.T) {
	n := 2*chunkLen + 5
	input := generateSnapshots(n, 27, false)
	long := `{"id": "` + strings.Repeat("x", idChunk+10) + `", "created": "2026-11-20T10:00:00Z"}`
	grown := append(bytes.Clone(input[:len(input)-1]), ","+long+"]"...)
	if int64(len(grown)) < 3*idChunk {
		t.Fatalf("input of %d bytes: too small to fill three id chunks", len(grown))
	}
	comparePlans(t, grown, "--keep-hourly", "24", "--keep-daily", "7", "--tz", "Asia/Tokyo")
	dups := append(bytes.Clone(grown[:len(grown)-1]), fmt.Sprintf(
		`,{"id": "pledge-orders-db-%08d", "created": "2026-11-20T11:00:00Z"},{"id": "pledge-orders-db-%08d", "created": "2026-11-20T12:00:00Z"},%s]`,
		0, chunkLen-1, long)...)
	comparePlans(t, dups, "--keep-daily", "7", "--tz", "Asia/Tokyo")
}

func TestSnapStore_AcrossChunks(t *testing.T) {
	var st snapStore
	base := time.Date(2026, 11, 21, 0, 0, 0, 123, time.UTC)
	id := func(i int) string {
		if i == chunkLen+1 {
			return strings.Repeat("L", idChunk+1) // larger than a chunk: a chunk of its own
		}
		return fmt.Sprintf("snap-%d-%s", i, strings.Repeat("p", i%40))
	}
	n := 2*chunkLen + 3
	for i := range n {
		st.add([]byte(id(i)), base.Add(time.Duration(i)*time.Second), 10*i)
	}
	if st.len() != n {
		t.Fatalf("len %d, want %d", st.len(), n)
	}
	for _, i := range []int{0, 1, chunkLen - 1, chunkLen, chunkLen + 1, chunkLen + 2, 2 * chunkLen, n - 1} {
		if got := string(st.id(i)); got != id(i) {
			t.Errorf("id(%d) = %.40q, want %.40q", i, got, id(i))
		}
		if got := int(st.index.at(i)); got != 10*i {
			t.Errorf("index %d = %d", i, got)
		}
	}
	snaps := st.snapshots()
	for _, i := range []int{0, chunkLen - 1, chunkLen, chunkLen + 1, chunkLen + 2, n - 1} {
		if snaps[i].ID != id(i) || !snaps[i].Created.Equal(base.Add(time.Duration(i)*time.Second)) {
			t.Errorf("snapshot %d = %.40q %v", i, snaps[i].ID, snaps[i].Created)
		}
	}
}
