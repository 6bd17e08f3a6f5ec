package clock_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pledge-dev/pledge/shared/clock"
)

func TestParse(t *testing.T) {
	c, err := clock.Parse("2026-12-01T03:00:00+09:00")
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 11, 30, 18, 0, 0, 0, time.UTC)
	if got := c(); got.Before(want) || got.Sub(want) > time.Second {
		t.Errorf("clock reads %v, want %v and ticking", got, want)
	}
	if _, err := clock.Parse("tomorrow"); err == nil || !strings.Contains(err.Error(), `"tomorrow" is not an RFC 3339 time`) {
		t.Errorf("bad time: %v", err)
	}
	r, _ := clock.Parse("")
	if time.Since(r()) > time.Second {
		t.Error("empty -now must be the real clock")
	}
	at := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	if !clock.Fixed(at)().Equal(at) {
		t.Error("Fixed must not move")
	}
}
