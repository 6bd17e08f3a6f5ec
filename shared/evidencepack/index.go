package evidencepack

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// The files of a pack, under evidence-pack/<month>/<generated>/.
const (
	FileJSON      = "pack.json"
	FileHTMLJA    = "pack.ja.html"
	FileHTMLEN    = "pack.en.html"
	FileIndex     = "SHA256SUMS"
	FileSignature = "SHA256SUMS.sig"
	FilePublicKey = "public-key.pem"
)

// Prefix is where the pack of a month generated at gen is written.
func Prefix(month string, gen string) string {
	return fmt.Sprintf("%s/%s/%s/", KindPack, month, gen)
}

// hashed returns the index entry of a pack file.
func hashed(key, kind string, body []byte) Object {
	sum := sha256.Sum256(body)
	return Object{Key: key, Kind: kind, Size: int64(len(body)), SHA256: hex.EncodeToString(sum[:])}
}

// Index returns the signed index of objects: one line per object, "<hex
// SHA-256>  <key>\n" sorted by key, the format `sha256sum -c` reads from a
// directory that holds the bucket's objects under their keys. Keys with a
// newline or a backslash (which sha256sum would escape) are refused: the
// evidence store never writes them.
func Index(objects []Object) ([]byte, error) {
	sorted := slices.Clone(objects)
	slices.SortFunc(sorted, func(a, b Object) int { return cmp.Compare(a.Key, b.Key) })
	var b bytes.Buffer
	for i, o := range sorted {
		if strings.ContainsAny(o.Key, "\n\r\\") || o.Key == "" {
			return nil, fmt.Errorf("index: key %q cannot be listed in sha256sum format", o.Key)
		}
		if len(o.SHA256) != 64 {
			return nil, fmt.Errorf("index: %s has no SHA-256", o.Key)
		}
		if i > 0 && sorted[i-1].Key == o.Key {
			return nil, fmt.Errorf("index: %s is listed twice", o.Key)
		}
		fmt.Fprintf(&b, "%s  %s\n", o.SHA256, o.Key)
	}
	return b.Bytes(), nil
}
