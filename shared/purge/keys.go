package purge

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// ErrBadKey marks a listed key the engine cannot act on exactly: one that
// does not URL-decode, or that is not valid UTF-8 (S3 keys always are).
var ErrBadKey = errors.New("the listing returned a key that cannot be used as it is")

// listInput is the ListObjectVersions request for a location. Keys are
// requested URL-encoded (EncodingType=url), because XML 1.0 cannot carry
// most control characters: without it one key holding U+0001 makes every
// listing of the prefix fail to parse, for ever.
func listInput(loc Location, pageSize int32, keyMarker string) *s3.ListObjectVersionsInput {
	in := &s3.ListObjectVersionsInput{Bucket: aws.String(loc.Bucket), Prefix: aws.String(loc.Prefix), MaxKeys: aws.Int32(pageSize), EncodingType: s3types.EncodingTypeUrl}
	if keyMarker != "" {
		in.KeyMarker = aws.String(keyMarker)
	}
	return in
}

// decodingLister URL-decodes the keys and markers of the pages it lists
// when S3 says it encoded them, before the paginator reads the next marker.
type decodingLister struct{ api S3API }

func (d decodingLister) ListObjectVersions(ctx context.Context, in *s3.ListObjectVersionsInput, optFns ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error) {
	out, err := d.api.ListObjectVersions(ctx, in, optFns...)
	if err != nil {
		return nil, err
	}
	if err := decodeKeys(out); err != nil {
		return nil, fmt.Errorf("list versions under s3://%s/%s: %w", aws.ToString(in.Bucket), aws.ToString(in.Prefix), err)
	}
	return out, nil
}

// pager returns a paginator over the location's versions with decoded keys.
func (e *Engine) pager(loc Location, pageSize int32, keyMarker string) *s3.ListObjectVersionsPaginator {
	return s3.NewListObjectVersionsPaginator(decodingLister{e.S3}, listInput(loc, pageSize, keyMarker))
}

// decodeKeys decodes, in place, the fields S3 URL-encodes under
// EncodingType=url (S3's encoding writes a space as '+'), and checks that
// every key is valid UTF-8. A page S3 did not encode is left as it is.
func decodeKeys(out *s3.ListObjectVersionsOutput) error {
	encoded := out.EncodingType == s3types.EncodingTypeUrl
	fix := func(what string, p *string) error {
		if p == nil {
			return nil
		}
		s := *p
		if encoded {
			d, err := url.QueryUnescape(s)
			if err != nil {
				return fmt.Errorf("%w: %s %q does not URL-decode: %v", ErrBadKey, what, s, err)
			}
			s = d
		}
		if !utf8.ValidString(s) {
			return fmt.Errorf("%w: %s %q is not valid UTF-8", ErrBadKey, what, s)
		}
		*p = s
		return nil
	}
	for i := range out.Versions {
		if err := fix("key", out.Versions[i].Key); err != nil {
			return err
		}
	}
	for i := range out.DeleteMarkers {
		if err := fix("key", out.DeleteMarkers[i].Key); err != nil {
			return err
		}
	}
	for i := range out.CommonPrefixes {
		if err := fix("common prefix", out.CommonPrefixes[i].Prefix); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		what string
		p    *string
	}{{"key marker", out.KeyMarker}, {"next key marker", out.NextKeyMarker}, {"prefix", out.Prefix}, {"delimiter", out.Delimiter}} {
		if err := fix(f.what, f.p); err != nil {
			return err
		}
	}
	return nil
}

// xmlSafe reports whether a key survives an XML 1.0 request body byte for
// byte. The SDK replaces characters outside XML's range (most C0 controls,
// U+FFFE, U+FFFF) with U+FFFD, which would name another key, so such keys
// are deleted one by one with DeleteObject, whose key travels in the URL.
func xmlSafe(key string) bool {
	for _, r := range key {
		switch {
		case r == 0x09 || r == 0x0A || r == 0x0D:
		case r >= 0x20 && r <= 0xD7FF:
		case r >= 0xE000 && r <= 0xFFFD:
		case r >= 0x10000 && r <= 0x10FFFF:
		default:
			return false
		}
	}
	return true
}
