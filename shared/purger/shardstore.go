package purger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pledge-dev/pledge/shared/purge"
	"github.com/pledge-dev/pledge/shared/tenant"
)

// ShardDB is the part of the DynamoDB client the shard store uses.
type ShardDB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

// ShardStore keeps a sharded purge's state on extra items of the tenant
// registry table: "<tenant>#shards" (the purge's shard names and the ones
// done) and "<tenant>#<shard>" (one shard's range, owner, checkpoint and,
// once done, its summary). '#' never occurs in a tenant id, and the items
// have no status, so the registry's status index never sees them. Every
// write is conditional: a shard's checkpoint only while its claimer still
// owns it, a shard counted done once, for the purge it belongs to.
type ShardStore struct {
	DB    ShardDB
	Table string
}

// ErrShardLost reports a shard another invocation has claimed since.
var ErrShardLost = errors.New("the shard is now another invocation's")

// shardItem is one shard's state.
type shardItem struct {
	Name       string
	PurgeID    string
	Shard      purge.Shard
	Owner      string
	Checkpoint []byte
	Done       bool
	Summary    *shardSummary
}

// shardSummary is what the join needs of a finished shard.
type shardSummary struct {
	Counts         purge.Counts `json:"counts"`
	FirstDeletion  time.Time    `json:"first_deletion,omitzero"`
	LastDeletion   time.Time    `json:"last_deletion,omitzero"`
	Layout         purge.Layout `json:"layout"`
	Segments       int          `json:"segments"`
	ManifestSHA256 string       `json:"manifest_sha256"`
}

func shardKey(tenantID, name string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{tenant.KeyAttribute: &types.AttributeValueMemberS{Value: tenantID + "#" + name}}
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func conditionFailed(err error) bool {
	var cf *types.ConditionalCheckFailedException
	return errors.As(err, &cf)
}

// Create records a purge's shards, once: items that exist already for
// the same purge are left as they are (a retried coordinator).
func (st *ShardStore) Create(ctx context.Context, tenantID, purgeID string, shards []purge.Shard) error {
	names := make([]types.AttributeValue, len(shards))
	for i, sh := range shards {
		names[i] = s(sh.Name)
		spec, _ := json.Marshal(sh)
		err := st.putOnce(ctx, tenantID, map[string]types.AttributeValue{
			tenant.KeyAttribute: s(tenantID + "#" + sh.Name), "purge_id": s(purgeID), "shard": s(string(spec)),
			"done": &types.AttributeValueMemberBOOL{Value: false},
		}, purgeID, "owner")
		if err != nil {
			return fmt.Errorf("record shard %s of tenant %s: %w", sh.Name, tenantID, err)
		}
	}
	err := st.putOnce(ctx, tenantID, map[string]types.AttributeValue{
		tenant.KeyAttribute: s(tenantID + "#shards"), "purge_id": s(purgeID), "names": &types.AttributeValueMemberL{Value: names},
		"count": &types.AttributeValueMemberN{Value: strconv.Itoa(len(shards))},
	}, purgeID, "done")
	if err != nil {
		return fmt.Errorf("record the shards of tenant %s: %w", tenantID, err)
	}
	return nil
}

// putOnce writes item unless it exists with work started on it (the
// started attribute set); an item of this purge that exists is fine.
func (st *ShardStore) putOnce(ctx context.Context, tenantID string, item map[string]types.AttributeValue, purgeID, started string) error {
	_, err := st.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(st.Table), Item: item,
		ConditionExpression:       aws.String("attribute_not_exists(#k) OR purge_id = :p AND attribute_not_exists(#o)"),
		ExpressionAttributeNames:  map[string]string{"#k": tenant.KeyAttribute, "#o": started},
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s(purgeID)}})
	if conditionFailed(err) {
		// Already there: fine if it is this purge's.
		out, gerr := st.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(st.Table), Key: map[string]types.AttributeValue{tenant.KeyAttribute: item[tenant.KeyAttribute]}, ConsistentRead: aws.Bool(true)})
		if gerr != nil {
			return gerr
		}
		if p, ok := out.Item["purge_id"].(*types.AttributeValueMemberS); ok && p.Value == purgeID {
			return nil
		}
		return fmt.Errorf("%w: %s holds another purge's shard", tenant.ErrConflict, tenantID)
	}
	return err
}

// Claim makes owner the shard's owner and returns its state; a previous
// owner's saves fail from now on.
func (st *ShardStore) Claim(ctx context.Context, tenantID, name, owner string) (shardItem, error) {
	out, err := st.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(st.Table), Key: shardKey(tenantID, name),
		ConditionExpression:       aws.String("attribute_exists(#k)"),
		UpdateExpression:          aws.String("SET #o = :o, attempts = if_not_exists(attempts, :z) + :one"),
		ExpressionAttributeNames:  map[string]string{"#k": tenant.KeyAttribute, "#o": "owner"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":o": s(owner), ":z": &types.AttributeValueMemberN{Value: "0"}, ":one": &types.AttributeValueMemberN{Value: "1"}},
		ReturnValues:              types.ReturnValueAllNew,
	})
	if conditionFailed(err) {
		return shardItem{}, fmt.Errorf("claim shard %s of tenant %s: %w: no such shard", name, tenantID, tenant.ErrNotFound)
	}
	if err != nil {
		return shardItem{}, fmt.Errorf("claim shard %s of tenant %s: %w", name, tenantID, err)
	}
	return parseShard(name, out.Attributes)
}

// Get reads a shard's state.
func (st *ShardStore) Get(ctx context.Context, tenantID, name string) (shardItem, error) {
	out, err := st.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(st.Table), Key: shardKey(tenantID, name), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return shardItem{}, fmt.Errorf("read shard %s of tenant %s: %w", name, tenantID, err)
	}
	if len(out.Item) == 0 {
		return shardItem{}, fmt.Errorf("read shard %s of tenant %s: %w", name, tenantID, tenant.ErrNotFound)
	}
	return parseShard(name, out.Item)
}

func parseShard(name string, it map[string]types.AttributeValue) (shardItem, error) {
	sh := shardItem{Name: name}
	str := func(k string) string {
		if v, ok := it[k].(*types.AttributeValueMemberS); ok {
			return v.Value
		}
		return ""
	}
	sh.PurgeID, sh.Owner = str("purge_id"), str("owner")
	if err := json.Unmarshal([]byte(str("shard")), &sh.Shard); err != nil {
		return shardItem{}, fmt.Errorf("shard %s: range: %w", name, err)
	}
	if c := str("checkpoint"); c != "" {
		sh.Checkpoint = []byte(c)
	}
	if d, ok := it["done"].(*types.AttributeValueMemberBOOL); ok {
		sh.Done = d.Value
	}
	if sum := str("summary"); sum != "" {
		sh.Summary = &shardSummary{}
		if err := json.Unmarshal([]byte(sum), sh.Summary); err != nil {
			return shardItem{}, fmt.Errorf("shard %s: summary: %w", name, err)
		}
	}
	return sh, nil
}

// Save stores the shard's checkpoint while owner still owns it.
func (st *ShardStore) Save(ctx context.Context, tenantID, name, owner string, blob []byte) error {
	_, err := st.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(st.Table), Key: shardKey(tenantID, name),
		ConditionExpression:       aws.String("#o = :o AND done = :f"),
		UpdateExpression:          aws.String("SET checkpoint = :c, updated_at = :t"),
		ExpressionAttributeNames:  map[string]string{"#o": "owner"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":o": s(owner), ":f": &types.AttributeValueMemberBOOL{Value: false}, ":c": s(string(blob)), ":t": s(time.Now().UTC().Format(time.RFC3339))},
	})
	if conditionFailed(err) {
		return fmt.Errorf("save checkpoint of shard %s of tenant %s: %w", name, tenantID, ErrShardLost)
	}
	return err
}

// Finish marks the shard done with its summary (while owner owns it, or
// again if it is done already) and counts it among the purge's shards
// done, once. It returns how many are done of how many.
func (st *ShardStore) Finish(ctx context.Context, tenantID, purgeID, name, owner string, sum shardSummary) (done, total int, err error) {
	b, _ := json.Marshal(sum)
	_, err = st.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(st.Table), Key: shardKey(tenantID, name),
		ConditionExpression:       aws.String("#o = :o OR done = :t"),
		UpdateExpression:          aws.String("SET done = :t, summary = if_not_exists(summary, :s)"),
		ExpressionAttributeNames:  map[string]string{"#o": "owner"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":o": s(owner), ":t": &types.AttributeValueMemberBOOL{Value: true}, ":s": s(string(b))},
	})
	if conditionFailed(err) {
		return 0, 0, fmt.Errorf("finish shard %s of tenant %s: %w", name, tenantID, ErrShardLost)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("finish shard %s of tenant %s: %w", name, tenantID, err)
	}
	out, err := st.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(st.Table), Key: shardKey(tenantID, "shards"),
		ConditionExpression:       aws.String("purge_id = :p"),
		UpdateExpression:          aws.String("ADD done :n"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s(purgeID), ":n": &types.AttributeValueMemberSS{Value: []string{name}}},
		ReturnValues:              types.ReturnValueAllNew,
	})
	if err != nil {
		return 0, 0, fmt.Errorf("count shard %s of tenant %s done: %w", name, tenantID, err)
	}
	if d, ok := out.Attributes["done"].(*types.AttributeValueMemberSS); ok {
		done = len(d.Value)
	}
	if c, ok := out.Attributes["count"].(*types.AttributeValueMemberN); ok {
		total, _ = strconv.Atoi(c.Value)
	}
	return done, total, nil
}
