// Package lazyregexp is a regular expression compiled on first use, as the
// Go tree's own internal/lazyregexp does: a package-level
// regexp.MustCompile runs at program start, and a Lambda function pays for
// every one at each cold start, used or not (shared/config's validation
// patterns cost about 5 ms of init; the bounded repetitions such as
// {1,512} compile into hundreds of instructions).
package lazyregexp

import (
	"regexp"
	"sync"
)

// Regexp is a regexp.Regexp compiled the first time it is used. It panics
// then, as regexp.MustCompile would at init, if the expression is invalid;
// each expression's package tests use it.
type Regexp struct {
	expr    string
	compile func() *regexp.Regexp
}

// New returns expr, to be compiled on first use.
func New(expr string) *Regexp {
	return &Regexp{expr: expr, compile: sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })}
}

// MatchString is regexp.Regexp.MatchString.
func (r *Regexp) MatchString(s string) bool { return r.compile().MatchString(s) }

// FindStringSubmatch is regexp.Regexp.FindStringSubmatch.
func (r *Regexp) FindStringSubmatch(s string) []string { return r.compile().FindStringSubmatch(s) }

// ReplaceAllString is regexp.Regexp.ReplaceAllString.
func (r *Regexp) ReplaceAllString(src, repl string) string {
	return r.compile().ReplaceAllString(src, repl)
}

// String is the expression (without compiling it).
func (r *Regexp) String() string { return r.expr }
