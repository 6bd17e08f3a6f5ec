package tenant

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// MaxIDLength is the longest tenant id accepted.
const MaxIDLength = 63

// IDRule describes a valid tenant id, as quoted in errors.
const IDRule = "1-63 characters of a-z, 0-9 and '-', starting with a letter or digit"

// ValidateID reports whether id is a valid tenant id: it must match
// ^[a-z0-9][a-z0-9-]{0,62}$. The error wraps ErrInvalid, quotes the id and
// says which rule it breaks. Ids are never normalised: "Tenant-1" is an
// error, not "tenant-1".
func ValidateID(id string) error {
	if id == "" {
		return idErr(id, "it is empty, which would make the prefix every tenant's")
	}
	if len(id) > MaxIDLength {
		return idErr(id, fmt.Sprintf("it is %d bytes long, more than %d", len(id), MaxIDLength))
	}
	for i := 0; i < len(id); {
		r, size := utf8.DecodeRuneInString(id[i:])
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case r == '-':
			if i == 0 {
				return idErr(id, "it starts with '-'")
			}
		case r == utf8.RuneError && size == 1:
			return idErr(id, fmt.Sprintf("byte %d is not valid UTF-8", i))
		default:
			return idErr(id, fmt.Sprintf("it contains %s at byte %d%s", strconv.QuoteRune(r), i, why(r)))
		}
		i += size
	}
	return nil
}

func why(r rune) string {
	switch {
	case r == '/':
		return ", which would add a level to the S3 prefix"
	case r == '.':
		return ", which could make '..' or a confusable prefix"
	case r == '*' || r == '?':
		return ", a wildcard"
	case r == ' ' || r == '\t' || r == '\n' || r == '\r':
		return ", whitespace"
	case r < 0x20 || r == 0x7f:
		return ", a control character"
	case r >= 'A' && r <= 'Z':
		return ": ids are lower case"
	case r > 0x7f:
		return ", which is not ASCII"
	}
	return ""
}

func idErr(id, reason string) error {
	shown := id
	if len(shown) > 80 {
		shown = shown[:80] + "..."
	}
	return fmt.Errorf("tenant id %q is %w: %s; want %s", shown, ErrInvalid, reason, IDRule)
}
