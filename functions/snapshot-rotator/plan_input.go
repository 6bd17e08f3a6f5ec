package main

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pledge-dev/pledge/shared/retention"
)

// readSnapshots reads the JSON array of snapshots from r as a stream, one
// element at a time, naming the element and field of every problem it finds
// (up to maxInputErrors). A JSON syntax error anywhere is reported alone,
// with its line, column and byte, as encoding/json reports it for the whole
// input. A read error is returned as "read stdin: ...".
//
// Elements of the usual shape ({"id": "...", "created": "..."} with plain
// strings) are read by a small parser; any other element (other fields,
// escapes, other types) goes through encoding/json and the full checks of
// checkElement, so the two paths accept and reject exactly the same input.
func readSnapshots(r io.Reader) ([]retention.Snapshot, error) {
	in := &jsonStream{r: bufio.NewReaderSize(r, 1<<16), line: 1}
	var lead []byte // the white space before the first value
	c, err := in.next()
	for err == nil && (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
		lead = append(lead, c)
		c, err = in.next()
	}
	if err == io.EOF {
		return nil, fmt.Errorf("stdin: no input: want a JSON array of snapshots, e.g. %s", planExample)
	}
	if err != nil {
		return nil, err
	}
	if c != '[' {
		// Not an array: an error either way. Read it all and let
		// encoding/json say what it is, as for any whole input.
		rest, err := io.ReadAll(in.r)
		if err != nil {
			return nil, fmt.Errorf("read stdin: %w", err)
		}
		return nil, topLevelError(append(append(lead, c), rest...))
	}
	lead = nil

	var (
		store snapStore
		errs  inputErrors
		elem  []byte
	)
	fail := errs.add
	for i := 0; ; i++ {
		c, err := in.skipSpace()
		if err != nil {
			return nil, in.eofError(err)
		}
		if c == ']' && i == 0 {
			break
		}
		start, startLine, startCol := in.off-1, in.line, in.col
		if elem, err = in.value(elem[:0], c); err != nil {
			return nil, err
		}
		if id, created, simple := simpleElement(elem); simple {
			// Strict RFC 3339 straight from the bytes; whatever it refuses
			// gets time.Parse's verdict, as before.
			var at time.Time
			if at.UnmarshalText(created) == nil {
				store.add(id, at, i)
			} else if s, ok := parseCreated(i, string(id), string(created), fail); ok {
				store.add([]byte(s.ID), s.Created, i)
			}
		} else if off, msg, valid := elementSyntax(elem, in.pending()); !valid {
			line, col := elementPosition(elem, in.pending(), off, startLine, startCol)
			return nil, syntaxError(start+off, line, col, msg)
		} else if s, ok := checkElement(i, elem, fail); ok {
			store.add([]byte(s.ID), s.Created, i)
		}
		if c, err = in.skipSpace(); err != nil {
			return nil, in.eofError(err)
		}
		if c == ']' {
			break
		}
		if c != ',' {
			return nil, in.badChar("after array element")
		}
		if c, err = in.skipSpace(); err != nil {
			return nil, in.eofError(err)
		}
		if c == ']' {
			return nil, in.badChar("looking for beginning of value")
		}
		in.unread()
	}
	if _, err := in.skipSpace(); err == nil {
		return nil, in.badChar("after top-level value")
	} else if err != io.EOF {
		return nil, err
	}
	for _, d := range store.duplicates() {
		errs.addDuplicate(d)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return store.snapshots(), nil
}

// snapStore holds the snapshots read so far compactly (28 bytes each
// besides the id, against 64 for a retention.Snapshot and its own id
// string), so a million of them stay small until the plan needs them. It
// grows by whole chunks, never by copying what it holds: growing five
// slices by append copied each about four times over (a quarter of the
// plan's CPU for a million snapshots, and fresh pages to fault in).
type snapStore struct {
	ids   [][]byte       // the ids, back to back in chunks of idChunk bytes; an id never spans two
	refs  chunks[uint64] // snapshot i's id: chunk << 32 | offset
	lens  chunks[uint32] // and its length
	secs  chunks[int64]  // creation time, Unix seconds
	nsecs chunks[int32]  // and nanoseconds
	index chunks[int32]  // position in the input
}

const idChunk = 1 << 20

func (st *snapStore) add(id []byte, at time.Time, i int) {
	n := len(st.ids)
	if n == 0 || cap(st.ids[n-1])-len(st.ids[n-1]) < len(id) {
		st.ids = append(st.ids, make([]byte, 0, max(idChunk, len(id))))
		n++
	}
	st.refs.add(uint64(n-1)<<32 | uint64(len(st.ids[n-1])))
	st.lens.add(uint32(len(id)))
	st.ids[n-1] = append(st.ids[n-1], id...)
	st.secs.add(at.Unix())
	st.nsecs.add(int32(at.Nanosecond()))
	st.index.add(int32(i))
}

func (st *snapStore) len() int { return st.lens.len() }

func (st *snapStore) id(i int) []byte {
	ref, n := st.refs.at(i), st.lens.at(i)
	off := uint32(ref)
	return st.ids[ref>>32][off : off+n]
}

// snapshots makes the retention snapshots: ids are substrings of one
// string per chunk, times are in UTC (the plan prints them in its own zone).
func (st *snapStore) snapshots() []retention.Snapshot {
	strs := make([]string, len(st.ids))
	for k, b := range st.ids {
		strs[k] = string(b)
	}
	st.ids = nil
	out := make([]retention.Snapshot, st.len())
	for i := range out {
		ref, n := st.refs.at(i), st.lens.at(i)
		off := uint32(ref)
		out[i] = retention.Snapshot{ID: strs[ref>>32][off : off+n], Created: time.Unix(st.secs.at(i), int64(st.nsecs.at(i))).UTC()}
	}
	return out
}

// chunks is a sequence that grows by chunks of chunkLen elements.
type chunks[T any] [][]T

const chunkLen = 1 << 16

func (c *chunks[T]) add(v T) {
	n := len(*c)
	if n == 0 || len((*c)[n-1]) == chunkLen {
		*c = append(*c, make([]T, 0, chunkLen))
		n++
	}
	(*c)[n-1] = append((*c)[n-1], v)
}

func (c chunks[T]) at(i int) T { return c[i/chunkLen][i%chunkLen] }

func (c chunks[T]) len() int {
	if len(c) == 0 {
		return 0
	}
	return (len(c)-1)*chunkLen + len(c[len(c)-1])
}

// inputErrors keeps the first maxInputErrors problems, by input position,
// and counts the rest. Problems within elements arrive in input order;
// repeated ids, found after the whole input is read, are merged in.
type inputErrors struct {
	first []inputError
	total int
}

type inputError struct {
	at  int
	msg string
}

func (e *inputErrors) add(i int, format string, a ...any) {
	e.total++
	if len(e.first) < maxInputErrors {
		e.first = append(e.first, inputError{i, fmt.Sprintf("stdin: snapshot [%d]: ", i) + fmt.Sprintf(format, a...)})
	}
}

func (e *inputErrors) addDuplicate(d duplicate) {
	e.total++
	if len(e.first) == maxInputErrors && e.first[len(e.first)-1].at < d.at {
		return
	}
	msg := fmt.Sprintf("stdin: snapshot [%d]: \"id\": %q repeats snapshot [%d]", d.at, d.id, d.first)
	k, _ := slices.BinarySearchFunc(e.first, d.at, func(x inputError, at int) int { return x.at - at })
	e.first = slices.Insert(e.first, k, inputError{d.at, msg})
	if len(e.first) > maxInputErrors {
		e.first = e.first[:maxInputErrors]
	}
}

func (e *inputErrors) err() error {
	if e.total == 0 {
		return nil
	}
	msgs := make([]string, 0, len(e.first)+1)
	for _, x := range e.first {
		msgs = append(msgs, x.msg)
	}
	if more := e.total - len(e.first); more > 0 {
		msgs = append(msgs, fmt.Sprintf("and %d more", more))
	}
	return errors.New(strings.Join(msgs, "; "))
}

// duplicate is a snapshot whose id an earlier snapshot has.
type duplicate struct {
	at, first int
	id        string
}

// duplicates finds the snapshots whose id repeats an earlier one's, by
// input position. It sorts 64-bit hashes of the ids rather than filling a
// map: a million ids need 16 MB instead of about 70, and half the time.
// Equal hashes are compared by id.
func (st *snapStore) duplicates() []duplicate {
	type hashed struct {
		h uint64
		i int32
	}
	seed := maphash.MakeSeed()
	hs := make([]hashed, st.len())
	for i := range hs {
		hs[i] = hashed{maphash.Bytes(seed, st.id(i)), int32(i)}
	}
	slices.SortFunc(hs, func(a, b hashed) int {
		if c := cmp.Compare(a.h, b.h); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	var dups []duplicate
	for lo := 0; lo < len(hs); {
		hi := lo + 1
		for hi < len(hs) && hs[hi].h == hs[lo].h {
			hi++
		}
		// Within a run of equal hashes (in input order), a snapshot repeats
		// the earliest one with its id.
		for j := lo + 1; j < hi; j++ {
			id := st.id(int(hs[j].i))
			for k := lo; k < j; k++ {
				if bytes.Equal(st.id(int(hs[k].i)), id) {
					dups = append(dups, duplicate{at: int(st.index.at(int(hs[j].i))), first: int(st.index.at(int(hs[k].i))), id: string(id)})
					break
				}
			}
		}
		lo = hi
	}
	slices.SortFunc(dups, func(a, b duplicate) int { return a.at - b.at })
	return dups
}

// topLevelError says why a whole input that is not a JSON array is not
// one, in the words of encoding/json.
func topLevelError(input []byte) error {
	if len(bytes.TrimSpace(input)) == 0 {
		return fmt.Errorf("stdin: no input: want a JSON array of snapshots, e.g. %s", planExample)
	}
	var elems []json.RawMessage
	err := json.Unmarshal(input, &elems)
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := position(input, syn.Offset)
		return fmt.Errorf("stdin: JSON syntax error at line %d, column %d (byte %d): %s", line, col, syn.Offset, strings.TrimPrefix(syn.Error(), "json: "))
	case errors.As(err, &typ):
		return fmt.Errorf("stdin: want a JSON array of snapshots, got %s, e.g. %s", article(typ.Value), planExample)
	case err != nil:
		return fmt.Errorf("stdin: %w", err)
	default: // a leading character that is not JSON white space, e.g. \v
		return fmt.Errorf("stdin: want a JSON array of snapshots, got null, e.g. %s", planExample)
	}
}

// elementSyntax returns encoding/json's syntax error for one element, as
// an offset into it (counting the bad byte) and a message; ok is true when
// the element is valid JSON. It judges the element where it stands: after
// the array's "[" (which counts toward the nesting limit) and followed by
// next, the byte read after a scalar (0 if none), so a literal cut short
// ("tru") is judged by the byte that cut it, as encoding/json does over
// the whole input.
func elementSyntax(elem []byte, next byte) (off int64, msg string, ok bool) {
	in := make([]byte, 0, len(elem)+2)
	in = append(append(in, '['), elem...)
	if next != 0 {
		in = append(in, next)
	}
	var v json.RawMessage
	err := json.Unmarshal(in, &v)
	var syn *json.SyntaxError
	if !errors.As(err, &syn) {
		return 0, "", true
	}
	msg = strings.TrimPrefix(syn.Error(), "json: ")
	if syn.Offset == int64(len(in)) && msg == "unexpected end of JSON input" {
		return 0, "", true // the element is whole; what follows is the caller's
	}
	return syn.Offset - 1, msg, false
}

// elementPosition is the line and column of offset off (counting the bad
// byte) into an element that starts at line, col; next is the delimiter
// after it, which off may point at.
func elementPosition(elem []byte, next byte, off int64, line, col int) (int, int) {
	if off > int64(len(elem)) && next != 0 {
		elem = append(elem[:len(elem):len(elem)], next)
	}
	l, c := position(elem, off)
	if l == 1 {
		c += col - 1
	}
	return line + l - 1, c
}

// checkElement checks an element that is not of the usual shape, field by
// field, reporting through fail.
func checkElement(i int, raw json.RawMessage, fail func(int, string, ...any)) (retention.Snapshot, bool) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		fail(i, "want an object with \"id\" and \"created\", got %s", jsonKind(raw))
		return retention.Snapshot{}, false
	}
	var unknown []string
	for k := range obj {
		if k != "id" && k != "created" {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		fail(i, "unknown field %q: want only \"id\" and \"created\"", unknown[0])
		return retention.Snapshot{}, false
	}
	id, ok := stringField(i, obj, "id", fail)
	if !ok {
		return retention.Snapshot{}, false
	}
	created, ok := stringField(i, obj, "created", fail)
	if !ok {
		return retention.Snapshot{}, false
	}
	return parseCreated(i, id, created, fail)
}

// parseCreated makes the snapshot once id and created are known strings.
func parseCreated(i int, id, created string, fail func(int, string, ...any)) (retention.Snapshot, bool) {
	at, err := time.Parse(time.RFC3339, created)
	if err != nil {
		fail(i, "\"created\": %q is not an RFC 3339 time: want e.g. \"2026-11-21T10:00:00+09:00\"", created)
		return retention.Snapshot{}, false
	}
	return retention.Snapshot{ID: id, Created: at}, true
}

// simpleElement reads {"id": "...", "created": "..."} (either order, JSON
// white space anywhere) whose strings are non-blank, valid UTF-8 without
// escapes or control characters. Anything else is not simple, and the
// caller checks it in full.
func simpleElement(b []byte) (id, created []byte, ok bool) {
	i := 0
	space := func() {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
			i++
		}
	}
	str := func() ([]byte, bool) {
		if i >= len(b) || b[i] != '"' {
			return nil, false
		}
		i++
		s := i
		for i < len(b) && b[i] != '"' {
			if b[i] == '\\' || b[i] < 0x20 {
				return nil, false
			}
			i++
		}
		if i >= len(b) {
			return nil, false
		}
		i++
		return b[s : i-1], true
	}
	space()
	if i >= len(b) || b[i] != '{' {
		return nil, nil, false
	}
	i++
	var idB, createdB []byte
	for n := 0; n < 2; n++ {
		space()
		key, ok := str()
		if !ok {
			return nil, nil, false
		}
		space()
		if i >= len(b) || b[i] != ':' {
			return nil, nil, false
		}
		i++
		space()
		val, ok := str()
		if !ok || !utf8.Valid(val) || len(bytes.TrimSpace(val)) == 0 {
			return nil, nil, false
		}
		switch {
		case string(key) == "id" && idB == nil:
			idB = val
		case string(key) == "created" && createdB == nil:
			createdB = val
		default:
			return nil, nil, false
		}
		space()
		if n == 0 {
			if i >= len(b) || b[i] != ',' {
				return nil, nil, false
			}
			i++
		}
	}
	if i >= len(b) || b[i] != '}' {
		return nil, nil, false
	}
	i++
	space()
	if i != len(b) {
		return nil, nil, false
	}
	return idB, createdB, true
}

// jsonStream reads JSON bytes, keeping the line and column of the last
// byte read for error messages.
type jsonStream struct {
	r         *bufio.Reader
	off       int64 // bytes read
	line, col int   // of the last byte read (col 0: it was a newline)
	last      byte

	back              bool // unread: next returns last again
	prevOff           int64
	prevLine, prevCol int
}

func (s *jsonStream) next() (byte, error) {
	var c byte
	if s.back {
		s.back, c = false, s.last
	} else {
		var err error
		if c, err = s.r.ReadByte(); err != nil {
			if err != io.EOF {
				return 0, fmt.Errorf("read stdin: %w", err)
			}
			return 0, err
		}
	}
	s.prevOff, s.prevLine, s.prevCol = s.off, s.line, s.col
	s.off++
	if c == '\n' {
		s.line, s.col = s.line+1, 0
	} else {
		s.col++
	}
	s.last = c
	return c, nil
}

// pending is the byte unread, if any (0 if none).
func (s *jsonStream) pending() byte {
	if s.back {
		return s.last
	}
	return 0
}

// unread makes next return the last byte again.
func (s *jsonStream) unread() {
	s.back = true
	s.off, s.line, s.col = s.prevOff, s.prevLine, s.prevCol
}

// skipSpace returns the next byte that is not JSON white space.
func (s *jsonStream) skipSpace() (byte, error) {
	for {
		c, err := s.next()
		if err != nil {
			return 0, err
		}
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c, nil
		}
	}
}

// value appends to buf the JSON value that starts with c (already read):
// a string, an object or array up to its matching bracket, or a literal or
// number up to the next delimiter, or what there is of it when the input
// ends first. It checks only what it needs to find the end; the caller
// checks the value itself.
func (s *jsonStream) value(buf []byte, c byte) ([]byte, error) {
	buf = append(buf, c)
	switch {
	case c == '"':
		return s.stringRest(buf)
	case c == '{' || c == '[':
		for depth := 1; depth > 0; {
			c, err := s.next()
			if err == io.EOF {
				return buf, nil
			}
			if err != nil {
				return nil, err
			}
			buf = append(buf, c)
			switch c {
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			case '"':
				if buf, err = s.stringRest(buf); err != nil {
					return nil, err
				}
			}
		}
		return buf, nil
	case c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z':
		for {
			c, err := s.next()
			if err == io.EOF {
				return buf, nil
			}
			if err != nil {
				return nil, err
			}
			if c == ',' || c == ']' || c == '}' || c == ' ' || c == '\t' || c == '\n' || c == '\r' {
				s.unread()
				return buf, nil
			}
			buf = append(buf, c)
		}
	default:
		return nil, s.badChar("looking for beginning of value")
	}
}

// stringRest appends the rest of a string whose opening quote is in buf,
// or what there is of it when the input ends first. It takes the bytes up
// to each quote from the read buffer at once.
func (s *jsonStream) stringRest(buf []byte) ([]byte, error) {
	escaped := false // the last byte taken is an unescaped backslash
	for {
		chunk, err := s.r.ReadSlice('"')
		s.advance(chunk)
		buf = append(buf, chunk...)
		switch {
		case err == nil:
			body := chunk[:len(chunk)-1]
			if !escaped && bytes.IndexByte(body, '\\') < 0 {
				return buf, nil
			}
			escaped = endsEscaped(escaped, body)
			if !escaped {
				return buf, nil
			}
			escaped = false // that quote was escaped; the string goes on
		case err == io.EOF:
			return buf, nil
		case errors.Is(err, bufio.ErrBufferFull):
			escaped = endsEscaped(escaped, chunk)
		default:
			return nil, fmt.Errorf("read stdin: %w", err)
		}
	}
}

// endsEscaped says whether b, taken after a byte that was (escaped) or was
// not an unescaped backslash, ends in an unescaped backslash.
func endsEscaped(escaped bool, b []byte) bool {
	for _, c := range b {
		if escaped {
			escaped = false
		} else if c == '\\' {
			escaped = true
		}
	}
	return escaped
}

// advance accounts for bytes taken from the reader in bulk.
func (s *jsonStream) advance(b []byte) {
	if len(b) == 0 {
		return
	}
	s.off += int64(len(b))
	if n := bytes.Count(b, []byte{'\n'}); n > 0 {
		s.line += n
		s.col = len(b) - 1 - bytes.LastIndexByte(b, '\n')
	} else {
		s.col += len(b)
	}
	s.last = b[len(b)-1]
}

// eofError turns the end of input inside the array into encoding/json's
// "unexpected end of JSON input"; other errors pass through.
func (s *jsonStream) eofError(err error) error {
	if err != io.EOF {
		return err
	}
	return syntaxError(s.off, s.line, s.col, "unexpected end of JSON input")
}

// badChar reports the byte just read as encoding/json would.
func (s *jsonStream) badChar(context string) error {
	return syntaxError(s.off, s.line, s.col, "invalid character "+quoteChar(s.last)+" "+context)
}

func syntaxError(off int64, line, col int, msg string) error {
	return fmt.Errorf("stdin: JSON syntax error at line %d, column %d (byte %d): %s", line, max(col, 1), off, msg)
}

// quoteChar formats a byte as encoding/json's syntax errors do.
func quoteChar(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	q := strconv.Quote(string(rune(c)))
	return "'" + q[1:len(q)-1] + "'"
}
