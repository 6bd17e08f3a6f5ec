package check

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// S3API is the part of the S3 client the bucket checks call:
// GetBucketEncryption, GetBucketPolicy, and for tenant buckets
// GetBucketVersioning and GetBucketLifecycleConfiguration.
type S3API interface {
	GetBucketEncryption(ctx context.Context, in *s3.GetBucketEncryptionInput, optFns ...func(*s3.Options)) (*s3.GetBucketEncryptionOutput, error)
	GetBucketPolicy(ctx context.Context, in *s3.GetBucketPolicyInput, optFns ...func(*s3.Options)) (*s3.GetBucketPolicyOutput, error)
	GetBucketVersioning(ctx context.Context, in *s3.GetBucketVersioningInput, optFns ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error)
	GetBucketLifecycleConfiguration(ctx context.Context, in *s3.GetBucketLifecycleConfigurationInput, optFns ...func(*s3.Options)) (*s3.GetBucketLifecycleConfigurationOutput, error)
}

// The error codes S3 answers when a bucket has no such configuration:
// not an error, the facts are "not configured".
const (
	codeNoEncryption = "ServerSideEncryptionConfigurationNotFoundError"
	codeNoPolicy     = "NoSuchBucketPolicy"
	codeNoLifecycle  = "NoSuchLifecycleConfiguration"
)

// buckets judges each configured bucket's default encryption and TLS-only
// policy.
func (r *run) buckets(ctx context.Context, want func(string) bool) {
	g, gctx := r.group(ctx)
	for _, b := range r.req.Buckets {
		// BucketDefaultEncryption names buckets in the aws partition; the
		// errors use the same resource so that runs compare.
		encRes := "arn:aws:s3:::" + b.Name
		tlsRes := fmt.Sprintf("arn:%s:s3:::%s", r.a.Scope.partition(), b.Name)
		versions := want(S3NoncurrentRetention) && b.Tenant && r.req.NoncurrentVersionDays > 0
		if r.a.S3 == nil {
			if want(S3DefaultEncryption) {
				r.add(r.errored(S3DefaultEncryption, encRes, missingClient("S3")))
			}
			if want(S3TLSOnly) {
				r.add(r.errored(S3TLSOnly, tlsRes, missingClient("S3")))
			}
			if versions {
				r.add(r.errored(S3NoncurrentRetention, encRes, missingClient("S3")))
			}
			continue
		}
		if versions {
			g.Go(func() error {
				facts, err := r.bucketVersioning(gctx, b.Name)
				if err != nil {
					r.add(r.errored(S3NoncurrentRetention, encRes, err))
					return nil
				}
				r.add(NoncurrentRetention(facts, r.req.NoncurrentVersionDays, r.req.TenantPrefix, r.now))
				return nil
			})
		}
		if want(S3DefaultEncryption) {
			g.Go(func() error {
				facts, err := r.bucketEncryption(gctx, b.Name)
				if err != nil {
					r.add(r.errored(S3DefaultEncryption, encRes, err))
					return nil
				}
				r.add(BucketDefaultEncryption(facts, b.RequireKMS, b.KMSKeyID, r.now))
				return nil
			})
		}
		if want(S3TLSOnly) {
			g.Go(func() error {
				var out *s3.GetBucketPolicyOutput
				err := r.call(gctx, func(ctx context.Context) (err error) {
					out, err = r.a.S3.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(b.Name)})
					return err
				})
				switch {
				case errorCode(err) == codeNoPolicy:
					r.add(BucketPolicyTLS(tlsRes, "", r.now))
				case err != nil:
					r.add(r.errored(S3TLSOnly, tlsRes, fmt.Errorf("s3:GetBucketPolicy %s: %w", b.Name, err)))
				default:
					r.add(BucketPolicyTLS(tlsRes, aws.ToString(out.Policy), r.now))
				}
				return nil
			})
		}
	}
	_ = g.Wait()
}

func (r *run) bucketEncryption(ctx context.Context, name string) (BucketEncryption, error) {
	facts := BucketEncryption{Bucket: name}
	var out *s3.GetBucketEncryptionOutput
	err := r.call(ctx, func(ctx context.Context) (err error) {
		out, err = r.a.S3.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(name)})
		return err
	})
	if errorCode(err) == codeNoEncryption {
		return facts, nil
	}
	if err != nil {
		return facts, fmt.Errorf("s3:GetBucketEncryption %s: %w", name, err)
	}
	if out.ServerSideEncryptionConfiguration == nil {
		return facts, nil
	}
	for _, rule := range out.ServerSideEncryptionConfiguration.Rules {
		if d := rule.ApplyServerSideEncryptionByDefault; d != nil {
			facts.Configured = true
			facts.Algorithm = string(d.SSEAlgorithm)
			facts.KMSKeyID = aws.ToString(d.KMSMasterKeyID)
			facts.BucketKeyEnabled = aws.ToBool(rule.BucketKeyEnabled)
			break
		}
	}
	return facts, nil
}

// bucketVersioning reads a bucket's versioning status and the lifecycle
// rules that expire noncurrent versions.
func (r *run) bucketVersioning(ctx context.Context, name string) (Versioning, error) {
	facts := Versioning{Bucket: name, Rules: []NoncurrentRule{}}
	var ver *s3.GetBucketVersioningOutput
	if err := r.call(ctx, func(ctx context.Context) (err error) {
		ver, err = r.a.S3.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(name)})
		return err
	}); err != nil {
		return facts, fmt.Errorf("s3:GetBucketVersioning %s: %w", name, err)
	}
	facts.Status = string(ver.Status)
	var lc *s3.GetBucketLifecycleConfigurationOutput
	err := r.call(ctx, func(ctx context.Context) (err error) {
		lc, err = r.a.S3.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String(name)})
		return err
	})
	if errorCode(err) == codeNoLifecycle {
		return facts, nil
	}
	if err != nil {
		return facts, fmt.Errorf("s3:GetBucketLifecycleConfiguration %s: %w", name, err)
	}
	for _, rule := range lc.Rules {
		nv := rule.NoncurrentVersionExpiration
		if nv == nil || aws.ToInt32(nv.NoncurrentDays) <= 0 {
			continue
		}
		//lint:ignore SA1019 rules written before Filter existed still carry only the top-level Prefix, which S3 returns as it was set
		nr := NoncurrentRule{ID: aws.ToString(rule.ID), Enabled: rule.Status == s3types.ExpirationStatusEnabled, Prefix: aws.ToString(rule.Prefix),
			Days: int(aws.ToInt32(nv.NoncurrentDays)), NewerVersions: int(aws.ToInt32(nv.NewerNoncurrentVersions))}
		if f := rule.Filter; f != nil {
			nr.Prefix = aws.ToString(f.Prefix)
			nr.Narrowed = f.Tag != nil || f.ObjectSizeGreaterThan != nil || f.ObjectSizeLessThan != nil
			if a := f.And; a != nil {
				nr.Prefix = aws.ToString(a.Prefix)
				nr.Narrowed = nr.Narrowed || len(a.Tags) > 0 || a.ObjectSizeGreaterThan != nil || a.ObjectSizeLessThan != nil
			}
		}
		facts.Rules = append(facts.Rules, nr)
	}
	return facts, nil
}
