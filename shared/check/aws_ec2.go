package check

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/pledge-dev/pledge/shared/chrony"
)

// EC2API is the part of the EC2 client the checks call: DescribeInstances
// (paginated, filtered by tag and state), GetEbsEncryptionByDefault and
// GetEbsDefaultKmsKeyId.
type EC2API interface {
	ec2.DescribeInstancesAPIClient
	GetEbsEncryptionByDefault(ctx context.Context, in *ec2.GetEbsEncryptionByDefaultInput, optFns ...func(*ec2.Options)) (*ec2.GetEbsEncryptionByDefaultOutput, error)
	GetEbsDefaultKmsKeyId(ctx context.Context, in *ec2.GetEbsDefaultKmsKeyIdInput, optFns ...func(*ec2.Options)) (*ec2.GetEbsDefaultKmsKeyIdOutput, error)
}

// SSMAPI is the part of the SSM client the time-sync check calls:
// DescribeInstanceInformation (which instances' agents are online),
// SendCommand (AWS.TimeSyncDocument, or AWS-RunShellScript with
// ChronycCommand, up to SSMBatchSize
// instances a call) and ListCommandInvocations (Details=true, paginated).
type SSMAPI interface {
	ssm.DescribeInstanceInformationAPIClient
	ssm.ListCommandInvocationsAPIClient
	SendCommand(ctx context.Context, in *ssm.SendCommandInput, optFns ...func(*ssm.Options)) (*ssm.SendCommandOutput, error)
}

// ebs judges EBS encryption by default in the region.
func (r *run) ebs(ctx context.Context, _ func(string) bool) {
	scope := r.a.Scope.ARN("ec2", "")
	if r.a.EC2 == nil {
		r.add(r.errored(EBSEncryptionByDefault, scope, missingClient("EC2")))
		return
	}
	var enc *ec2.GetEbsEncryptionByDefaultOutput
	err := r.call(ctx, func(ctx context.Context) (err error) {
		enc, err = r.a.EC2.GetEbsEncryptionByDefault(ctx, &ec2.GetEbsEncryptionByDefaultInput{})
		return err
	})
	if err != nil {
		r.add(r.errored(EBSEncryptionByDefault, scope, fmt.Errorf("ec2:GetEbsEncryptionByDefault: %w", err)))
		return
	}
	on := aws.ToBool(enc.EbsEncryptionByDefault)
	key := ""
	if on {
		var k *ec2.GetEbsDefaultKmsKeyIdOutput
		err := r.call(ctx, func(ctx context.Context) (err error) {
			k, err = r.a.EC2.GetEbsDefaultKmsKeyId(ctx, &ec2.GetEbsDefaultKmsKeyIdInput{})
			return err
		})
		if err != nil {
			r.add(r.errored(EBSEncryptionByDefault, scope, fmt.Errorf("ec2:GetEbsDefaultKmsKeyId: %w", err)))
			return
		}
		key = aws.ToString(k.KmsKeyId)
	}
	r.add(EBSDefaultEncryption(scope, on, key, r.now))
}

type instance struct {
	id, arn string
}

// taggedInstances lists the running instances that carry every tag.
func (r *run) taggedInstances(ctx context.Context) ([]instance, error) {
	filters := []ec2types.Filter{{Name: aws.String("instance-state-name"), Values: []string{"running"}}}
	for _, k := range slices.Sorted(maps.Keys(r.req.InstanceTags)) {
		filters = append(filters, ec2types.Filter{Name: aws.String("tag:" + k), Values: []string{r.req.InstanceTags[k]}})
	}
	var out []instance
	p := ec2.NewDescribeInstancesPaginator(r.a.EC2, &ec2.DescribeInstancesInput{Filters: filters})
	for p.HasMorePages() {
		var page *ec2.DescribeInstancesOutput
		if err := r.call(ctx, func(ctx context.Context) (err error) { page, err = p.NextPage(ctx); return err }); err != nil {
			return nil, fmt.Errorf("ec2:DescribeInstances: %w", err)
		}
		for _, res := range page.Reservations {
			for _, i := range res.Instances {
				id := aws.ToString(i.InstanceId)
				out = append(out, instance{id: id, arn: r.a.Scope.ARN("ec2", "instance/"+id)})
			}
		}
	}
	return out, nil
}

// timeSync runs ChronycCommand on the selected instances through SSM, in
// batches of SSMBatchSize, and judges each output.
func (r *run) timeSync(ctx context.Context, _ func(string) bool) {
	scope := r.a.Scope.ARN("ec2", "")
	if r.a.EC2 == nil || r.a.SSM == nil {
		r.add(r.errored(TimeSyncChrony, scope, missingClient("EC2 and SSM")))
		return
	}
	instances, err := r.taggedInstances(ctx)
	if err != nil {
		r.add(r.errored(TimeSyncChrony, scope, err))
		return
	}
	g, gctx := r.group(ctx)
	for batch := range slices.Chunk(instances, SSMBatchSize) {
		g.Go(func() error {
			r.add(r.chronyBatch(gctx, batch)...)
			return nil
		})
	}
	_ = g.Wait()
}

// terminal are the invocation statuses that will not change any more.
var terminal = []ssmtypes.CommandInvocationStatus{
	ssmtypes.CommandInvocationStatusSuccess, ssmtypes.CommandInvocationStatusFailed,
	ssmtypes.CommandInvocationStatusCancelled, ssmtypes.CommandInvocationStatusTimedOut,
}

// stderrMarker separates standard output from standard error in a command
// plugin's Output.
const stderrMarker = "----------ERROR-------"

func (r *run) chronyBatch(ctx context.Context, batch []instance) []Result {
	var out []Result
	ids := make([]string, len(batch))
	byID := map[string]instance{}
	for i, in := range batch {
		ids[i] = in.id
		byID[in.id] = in
	}
	fail := func(err error, which []string) {
		for _, id := range which {
			out = append(out, r.errored(TimeSyncChrony, byID[id].arn, err))
		}
	}

	// Only instances whose SSM agent is online can run the command; one
	// that is not would make SendCommand reject the whole batch.
	online := map[string]bool{}
	ping := map[string]string{}
	p := ssm.NewDescribeInstanceInformationPaginator(r.a.SSM, &ssm.DescribeInstanceInformationInput{
		Filters: []ssmtypes.InstanceInformationStringFilter{{Key: aws.String("InstanceIds"), Values: ids}},
	})
	for p.HasMorePages() {
		var page *ssm.DescribeInstanceInformationOutput
		if err := r.call(ctx, func(ctx context.Context) (err error) { page, err = p.NextPage(ctx); return err }); err != nil {
			fail(fmt.Errorf("ssm:DescribeInstanceInformation: %w", err), ids)
			return out
		}
		for _, info := range page.InstanceInformationList {
			id := aws.ToString(info.InstanceId)
			ping[id] = string(info.PingStatus)
			online[id] = info.PingStatus == ssmtypes.PingStatusOnline
		}
	}
	var send []string
	for _, id := range ids {
		switch {
		case online[id]:
			send = append(send, id)
		case ping[id] != "":
			out = append(out, NewResult(TimeSyncChrony, byID[id].arn, Error, fmt.Sprintf("The SSM agent on instance %s is not online (ping status %s), so chronyc could not be run and the clock's state is unknown.", id, ping[id]), r.now).
				ja("インスタンス %s の SSM エージェントがオンラインではない (ping 状態 %s) ため chronyc を実行できず、時計の状態は不明です。", id, ping[id]))
		default:
			out = append(out, NewResult(TimeSyncChrony, byID[id].arn, Error, fmt.Sprintf("Instance %s is not managed by SSM (no SSM agent has registered it), so chronyc could not be run and the clock's state is unknown.", id), r.now).
				ja("インスタンス %s は SSM で管理されていない (SSM エージェントが登録されていない) ため chronyc を実行できず、時計の状態は不明です。", id))
		}
	}
	if len(send) == 0 {
		return out
	}

	var sent *ssm.SendCommandOutput
	err := r.call(ctx, func(ctx context.Context) (err error) {
		in := &ssm.SendCommandInput{
			DocumentName: aws.String(ShellDocument),
			InstanceIds:  send,
			Parameters:   map[string][]string{"commands": {ChronycCommand}, "executionTimeout": {"30"}},
			Comment:      aws.String("pledge compliance-verifier: clock synchronisation (ISO/IEC 27017 A.12.4.4)"),
		}
		if r.a.TimeSyncDocument != "" {
			// The stack's document runs ChronycCommand only and takes no
			// parameters: the role may send nothing else.
			in.DocumentName, in.Parameters = aws.String(r.a.TimeSyncDocument), nil
		}
		sent, err = r.a.SSM.SendCommand(ctx, in)
		return err
	})
	if err != nil {
		fail(fmt.Errorf("ssm:SendCommand: %w", err), send)
		return out
	}
	commandID := ""
	if sent.Command != nil {
		commandID = aws.ToString(sent.Command.CommandId)
	}
	if commandID == "" {
		fail(fmt.Errorf("ssm:SendCommand returned no command id"), send)
		return out
	}

	poll, wait := r.a.CommandPoll, r.a.CommandWait
	if poll <= 0 {
		poll = DefaultCommandPoll
	}
	if wait <= 0 {
		wait = DefaultCommandWait
	}
	done := map[string]ssmtypes.CommandInvocation{}
	last := map[string]ssmtypes.CommandInvocation{}
	var pollErr error
	for polls := int(max(1, wait/poll)); polls > 0 && len(done) < len(send); polls-- {
		if err := r.a.sleep(ctx, poll); err != nil {
			pollErr = err
			break
		}
		lp := ssm.NewListCommandInvocationsPaginator(r.a.SSM, &ssm.ListCommandInvocationsInput{CommandId: aws.String(commandID), Details: true})
		for lp.HasMorePages() {
			var page *ssm.ListCommandInvocationsOutput
			if err := r.call(ctx, func(ctx context.Context) (err error) { page, err = lp.NextPage(ctx); return err }); err != nil {
				pollErr = fmt.Errorf("ssm:ListCommandInvocations %s: %w", commandID, err)
				break
			}
			for _, inv := range page.CommandInvocations {
				id := aws.ToString(inv.InstanceId)
				last[id] = inv
				if slices.Contains(terminal, inv.Status) {
					done[id] = inv
				}
			}
		}
		if pollErr != nil {
			break
		}
	}
	for _, id := range send {
		inv, ok := done[id]
		if !ok {
			if pollErr != nil {
				out = append(out, r.errored(TimeSyncChrony, byID[id].arn, pollErr))
				continue
			}
			status := "no invocation reported"
			if l, seen := last[id]; seen {
				status = "status " + string(l.Status)
			}
			out = append(out, NewResult(TimeSyncChrony, byID[id].arn, Error, fmt.Sprintf("SSM command %s on instance %s did not finish within %s (%s), so the clock's state is unknown.", commandID, id, wait, status), r.now).
				ja("インスタンス %s の SSM コマンド %s が %s 以内に終わらなかった (%s) ため、時計の状態は不明です。", id, commandID, wait, status))
			continue
		}
		out = append(out, r.judgeInvocation(byID[id], commandID, inv))
	}
	return out
}

func (r *run) judgeInvocation(in instance, commandID string, inv ssmtypes.CommandInvocation) Result {
	var output string
	code := int32(0)
	if len(inv.CommandPlugins) > 0 {
		output = aws.ToString(inv.CommandPlugins[0].Output)
		code = inv.CommandPlugins[0].ResponseCode
	}
	stdout, stderr, _ := strings.Cut(output, stderrMarker)
	switch inv.Status {
	case ssmtypes.CommandInvocationStatusSuccess:
		return TimeSync(in.arn, stdout, chrony.Rule{MaxOffset: r.req.MaxClockOffset, Sources: r.req.TimeSources}, r.now)
	case ssmtypes.CommandInvocationStatusFailed:
		said := firstLine(stderr, 200)
		if said == "" {
			said = firstLine(stdout, 200)
		}
		if said == "" {
			said = "no output"
		}
		return NewResult(TimeSyncChrony, in.arn, Error, fmt.Sprintf("%q failed on instance %s (exit code %d, SSM command %s): %s. The clock's state is unknown.", ChronycCommand, in.id, code, commandID, said), r.now).
			ja("インスタンス %s で %q が失敗しました (終了コード %d、SSM コマンド %s): %s。時計の状態は不明です。", in.id, ChronycCommand, code, commandID, said)
	default:
		return NewResult(TimeSyncChrony, in.arn, Error, fmt.Sprintf("SSM command %s on instance %s ended %s (%s), so the clock's state is unknown.", commandID, in.id, inv.Status, orUnknown(aws.ToString(inv.StatusDetails))), r.now).
			ja("インスタンス %s の SSM コマンド %s は %s で終了した (%s) ため、時計の状態は不明です。", in.id, commandID, inv.Status, orUnknownJA(aws.ToString(inv.StatusDetails)))
	}
}
