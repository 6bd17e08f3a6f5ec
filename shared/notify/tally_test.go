package notify_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestLedger_DynaliteTally: the tally against a real DynamoDB wire
// protocol: each event counted once, a replay recognised once handled,
// first and last kept whatever the order, a new window after the old one,
// and concurrent deliveries all counted.
func TestLedger_DynaliteTally(t *testing.T) {
	_, l := startDynalite(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	const window = 24 * time.Hour
	count := func(id, ev string, at time.Time) (n int, replayed, recounted bool) {
		t.Helper()
		tl, err := l.Tally(ctx, id, ev, at, window, at, false)
		if err != nil {
			t.Fatal(err)
		}
		return tl.Count, tl.Replayed, tl.Recounted
	}
	if n, _, _ := count("f", "e1", t0.Add(time.Minute)); n != 1 {
		t.Fatalf("first event: count %d", n)
	}
	if n, _, _ := count("f", "e2", t0); n != 2 { // arrives out of order
		t.Fatalf("second event: count %d", n)
	}
	if n, _, _ := count("f", "e3", t0.Add(5*time.Minute)); n != 3 {
		t.Fatalf("third event: count %d", n)
	}
	// A second delivery of e3 before it was handled: not counted again.
	if n, replayed, recounted := count("f", "e3", t0.Add(5*time.Minute)); n != 3 || replayed || !recounted {
		t.Fatalf("e3 again: count %d replayed %v recounted %v; want 3, a retry", n, replayed, recounted)
	}
	if err := l.MarkHandled(ctx, "f", "e3"); err != nil {
		t.Fatal(err)
	}
	if n, replayed, _ := count("f", "e3", t0.Add(5*time.Minute)); n != 3 || !replayed {
		t.Fatalf("e3 after it was handled: count %d replayed %v; want a replay", n, replayed)
	}
	got, err := l.GetTally(ctx, "f")
	if err != nil {
		t.Fatal(err)
	}
	if got.Count != 3 || !got.First.Equal(t0) || !got.Last.Equal(t0.Add(5*time.Minute)) {
		t.Errorf("tally %+v, want 3 calls from %s to %s", got, t0, t0.Add(5*time.Minute))
	}
	// A dry run sees what the next event would make, and writes nothing.
	dry, err := l.Tally(ctx, "f", "e4", t0.Add(time.Hour), window, t0.Add(time.Hour), true)
	if err != nil || dry.Count != 4 {
		t.Fatalf("dry run: %+v %v", dry, err)
	}
	if again, _ := l.GetTally(ctx, "f"); again.Count != 3 {
		t.Errorf("the dry run wrote: count %d", again.Count)
	}
	// After the window, a new one starts.
	if n, _, _ := count("f", "e5", t0.Add(window+time.Minute)); n != 1 {
		t.Errorf("after the window: count %d, want a new window", n)
	}
	// Fifty deliveries at once, each a different event: all counted.
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := l.Tally(ctx, "burst", fmt.Sprintf("b%02d", i), t0.Add(time.Duration(i)*time.Second), window, t0, false); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	b, _ := l.GetTally(ctx, "burst")
	if b.Count != 50 || !b.First.Equal(t0) || !b.Last.Equal(t0.Add(49*time.Second)) {
		t.Errorf("burst tally %+v, want 50 calls from %s to %s", b, t0, t0.Add(49*time.Second))
	}
}
