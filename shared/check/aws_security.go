package check

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// KMSAPI is the part of the KMS client the key-rotation check calls:
// ListKeys (paginated), DescribeKey and GetKeyRotationStatus.
type KMSAPI interface {
	kms.ListKeysAPIClient
	DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
	GetKeyRotationStatus(ctx context.Context, in *kms.GetKeyRotationStatusInput, optFns ...func(*kms.Options)) (*kms.GetKeyRotationStatusOutput, error)
}

// CloudTrailAPI is the part of the CloudTrail client the trail check calls:
// DescribeTrails (one unpaginated call, shadow trails included) and
// GetTrailStatus per trail.
type CloudTrailAPI interface {
	DescribeTrails(ctx context.Context, in *cloudtrail.DescribeTrailsInput, optFns ...func(*cloudtrail.Options)) (*cloudtrail.DescribeTrailsOutput, error)
	GetTrailStatus(ctx context.Context, in *cloudtrail.GetTrailStatusInput, optFns ...func(*cloudtrail.Options)) (*cloudtrail.GetTrailStatusOutput, error)
}

// GuardDutyAPI is the part of the GuardDuty client the monitoring check
// calls: ListDetectors (paginated) and GetDetector.
type GuardDutyAPI interface {
	guardduty.ListDetectorsAPIClient
	GetDetector(ctx context.Context, in *guardduty.GetDetectorInput, optFns ...func(*guardduty.Options)) (*guardduty.GetDetectorOutput, error)
}

// keys judges automatic rotation of every customer-managed key that can
// rotate (see KMSKey.Rotatable); other keys are not reported.
func (r *run) keys(ctx context.Context, _ func(string) bool) {
	scope := r.a.Scope.ARN("kms", "")
	if r.a.KMS == nil {
		r.add(r.errored(KMSKeyRotation, scope, missingClient("KMS")))
		return
	}
	g, gctx := r.group(ctx)
	p := kms.NewListKeysPaginator(r.a.KMS, &kms.ListKeysInput{})
	for p.HasMorePages() {
		var page *kms.ListKeysOutput
		if err := r.call(ctx, func(ctx context.Context) (err error) { page, err = p.NextPage(ctx); return err }); err != nil {
			r.add(r.errored(KMSKeyRotation, scope, fmt.Errorf("kms:ListKeys: %w", err)))
			break
		}
		for _, k := range page.Keys {
			g.Go(func() error {
				if res, ok := r.key(gctx, aws.ToString(k.KeyId), aws.ToString(k.KeyArn)); ok {
					r.add(res)
				}
				return nil
			})
		}
	}
	_ = g.Wait()
}

func (r *run) key(ctx context.Context, id, keyARN string) (Result, bool) {
	res := keyARN
	if res == "" {
		res = id
	}
	var d *kms.DescribeKeyOutput
	if err := r.call(ctx, func(ctx context.Context) (err error) {
		d, err = r.a.KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
		return err
	}); err != nil {
		return r.errored(KMSKeyRotation, res, fmt.Errorf("kms:DescribeKey %s: %w", id, err)), true
	}
	if d.KeyMetadata == nil {
		return r.errored(KMSKeyRotation, res, fmt.Errorf("kms:DescribeKey %s returned no key metadata", id)), true
	}
	m := d.KeyMetadata
	k := KMSKey{ID: id, ARN: keyARN, Manager: string(m.KeyManager), Spec: string(m.KeySpec), State: string(m.KeyState), Origin: string(m.Origin)}
	if k.ARN == "" {
		k.ARN = aws.ToString(m.Arn)
	}
	if !k.Rotatable() {
		return Result{}, false
	}
	var rot *kms.GetKeyRotationStatusOutput
	if err := r.call(ctx, func(ctx context.Context) (err error) {
		rot, err = r.a.KMS.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(id)})
		return err
	}); err != nil {
		return r.errored(KMSKeyRotation, k.ARN, fmt.Errorf("kms:GetKeyRotationStatus %s: %w", id, err)), true
	}
	k.RotationEnabled = rot.KeyRotationEnabled
	k.RotationPeriodDays = int(aws.ToInt32(rot.RotationPeriodInDays))
	return KeyRotation(k, r.req.KeyRotationMaxDays, r.now), true
}

// trails judges every trail that logs this region, shadow trails of
// multi-region trails included, with its logging status.
func (r *run) trails(ctx context.Context, _ func(string) bool) {
	scope := r.a.Scope.ARN("cloudtrail", "")
	if r.a.CloudTrail == nil {
		r.add(r.errored(CloudTrailProtected, scope, missingClient("CloudTrail")))
		return
	}
	var out *cloudtrail.DescribeTrailsOutput
	if err := r.call(ctx, func(ctx context.Context) (err error) {
		out, err = r.a.CloudTrail.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(true)})
		return err
	}); err != nil {
		r.add(r.errored(CloudTrailProtected, scope, fmt.Errorf("cloudtrail:DescribeTrails: %w", err)))
		return
	}
	trails := make([]*Trail, len(out.TrailList))
	g, gctx := r.group(ctx)
	for i, t := range out.TrailList {
		g.Go(func() error {
			tr := Trail{Name: aws.ToString(t.Name), ARN: aws.ToString(t.TrailARN), HomeRegion: aws.ToString(t.HomeRegion),
				MultiRegion: aws.ToBool(t.IsMultiRegionTrail), LogFileValidation: aws.ToBool(t.LogFileValidationEnabled), KMSKeyID: aws.ToString(t.KmsKeyId)}
			name := tr.ARN // a shadow trail's status needs its ARN
			if name == "" {
				name = tr.Name
			}
			var st *cloudtrail.GetTrailStatusOutput
			if err := r.call(gctx, func(ctx context.Context) (err error) {
				st, err = r.a.CloudTrail.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String(name)})
				return err
			}); err != nil {
				r.add(r.errored(CloudTrailProtected, name, fmt.Errorf("cloudtrail:GetTrailStatus %s: %w", tr.Name, err)))
				return nil
			}
			tr.Logging = aws.ToBool(st.IsLogging)
			trails[i] = &tr
			return nil
		})
	}
	_ = g.Wait()
	var ok []Trail
	for _, t := range trails {
		if t != nil {
			ok = append(ok, *t)
		}
	}
	// With no trail at all Trails reports the absence against the scope;
	// trails whose status could not be read are already ERROR results.
	if len(ok) > 0 || len(out.TrailList) == 0 {
		r.add(Trails(ok, scope, r.now)...)
	}
}

// guardDuty judges whether an enabled detector monitors the region.
func (r *run) guardDuty(ctx context.Context, _ func(string) bool) {
	scope := r.a.Scope.ARN("guardduty", "")
	if r.a.GuardDuty == nil {
		r.add(r.errored(GuardDutyEnabled, scope, missingClient("GuardDuty")))
		return
	}
	var ids []string
	p := guardduty.NewListDetectorsPaginator(r.a.GuardDuty, &guardduty.ListDetectorsInput{})
	for p.HasMorePages() {
		var page *guardduty.ListDetectorsOutput
		if err := r.call(ctx, func(ctx context.Context) (err error) { page, err = p.NextPage(ctx); return err }); err != nil {
			r.add(r.errored(GuardDutyEnabled, scope, fmt.Errorf("guardduty:ListDetectors: %w", err)))
			return
		}
		ids = append(ids, page.DetectorIds...)
	}
	detectors := make([]Detector, len(ids))
	errs := make([]error, len(ids))
	g, gctx := r.group(ctx)
	for i, id := range ids {
		g.Go(func() error {
			var d *guardduty.GetDetectorOutput
			errs[i] = r.call(gctx, func(ctx context.Context) (err error) {
				d, err = r.a.GuardDuty.GetDetector(ctx, &guardduty.GetDetectorInput{DetectorId: aws.String(id)})
				return err
			})
			if errs[i] == nil {
				detectors[i] = Detector{ID: id, Status: string(d.Status)}
			}
			return nil
		})
	}
	_ = g.Wait()
	for i, err := range errs {
		if err != nil {
			r.add(r.errored(GuardDutyEnabled, scope, fmt.Errorf("guardduty:GetDetector %s: %w", ids[i], err)))
			return
		}
	}
	r.add(GuardDuty(scope, detectors, r.now))
}
