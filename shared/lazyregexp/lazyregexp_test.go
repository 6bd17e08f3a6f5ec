package lazyregexp_test

import (
	"slices"
	"testing"

	"github.com/pledge-dev/pledge/shared/lazyregexp"
)

func TestRegexp_CompilesOnFirstUse(t *testing.T) {
	bad := lazyregexp.New(`(`) // no panic here: nothing is compiled yet
	re := lazyregexp.New(`^([a-z]+)-([0-9]+)$`)
	if !re.MatchString("abc-12") || re.MatchString("abc-x") {
		t.Error("MatchString disagrees with the expression")
	}
	if got := re.FindStringSubmatch("abc-12"); !slices.Equal(got, []string{"abc-12", "abc", "12"}) {
		t.Errorf("FindStringSubmatch = %q", got)
	}
	if got := re.ReplaceAllString("abc-12", "$2-$1"); got != "12-abc" {
		t.Errorf("ReplaceAllString = %q", got)
	}
	if re.String() != `^([a-z]+)-([0-9]+)$` {
		t.Errorf("String = %q", re.String())
	}
	if bad.String() != "(" { // names the expression without compiling it
		t.Errorf("String = %q", bad.String())
	}
	defer func() {
		if recover() == nil {
			t.Error("an invalid expression did not panic on first use")
		}
	}()
	bad.MatchString("x")
}
