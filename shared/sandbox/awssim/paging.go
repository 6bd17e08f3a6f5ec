package awssim

import (
	"encoding/base64"
	"sort"
	"strings"
)

// tokenPrefix marks the simulator's pagination tokens, so that a token from
// another listing (or a made-up one) is rejected as AWS rejects it.
const tokenPrefix = "awssim1:"

// encodeToken returns an opaque token naming the last key a page returned,
// scoped to one listing so that tokens cannot be swapped between listings.
func encodeToken(scope, key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tokenPrefix + scope + "\x00" + key))
}

// decodeToken returns the key a token names, or false when the token is not
// one encodeToken made for scope.
func decodeToken(scope, token string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", false
	}
	rest, ok := strings.CutPrefix(string(b), tokenPrefix+scope+"\x00")
	if !ok || rest == "" {
		return "", false
	}
	return rest, true
}

// keyPage sorts items by key and returns at most limit of them after the
// key after (all from the start when after is empty), with the key of the
// last item returned when more remain. Because a token names the last item
// returned rather than an offset, items deleted between pages neither skip
// nor repeat any other.
func keyPage[T any](items []T, key func(T) string, after string, limit int) ([]T, string) {
	sort.Slice(items, func(i, j int) bool { return key(items[i]) < key(items[j]) })
	start := 0
	if after != "" {
		start = sort.Search(len(items), func(i int) bool { return key(items[i]) > after })
	}
	end := min(start+limit, len(items))
	page := items[start:end]
	if end < len(items) && end > start {
		return page, key(items[end-1])
	}
	return page, ""
}

// globMatch reports whether s matches an EC2-style filter pattern, where *
// matches any run of characters and ? any single character.
func globMatch(pattern, s string) bool {
	if !strings.ContainsAny(pattern, "*?") {
		return pattern == s
	}
	p, t := []rune(pattern), []rune(s)
	// Iterative wildcard matching with backtracking to the last star.
	pi, ti, star, mark := 0, 0, -1, 0
	for ti < len(t) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == t[ti]):
			pi++
			ti++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ti
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			ti = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
