package main

// This file holds the SDK operations the evidence-reporter calls, as
// method values: a consumer interface holding a method value keeps only
// that operation in the binary, where holding the client would keep every
// operation of its service reachable through an interface (see
// functions/compliance-verifier/clients.go).

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// s3Calls holds the s3 operations the evidence-reporter calls.
type s3Calls struct {
	listObjectsV2 func(context.Context, *s3.ListObjectsV2Input, ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	getObject     func(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	putObject     func(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

func newS3Calls(c *s3.Client) s3Calls {
	return s3Calls{listObjectsV2: c.ListObjectsV2, getObject: c.GetObject, putObject: c.PutObject}
}

func (c s3Calls) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, o ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	return c.listObjectsV2(ctx, in, o...)
}

func (c s3Calls) GetObject(ctx context.Context, in *s3.GetObjectInput, o ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	return c.getObject(ctx, in, o...)
}

func (c s3Calls) PutObject(ctx context.Context, in *s3.PutObjectInput, o ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	return c.putObject(ctx, in, o...)
}

// kmsCalls holds the kms operations the evidence-reporter calls.
type kmsCalls struct {
	sign         func(context.Context, *kms.SignInput, ...func(*kms.Options)) (*kms.SignOutput, error)
	getPublicKey func(context.Context, *kms.GetPublicKeyInput, ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error)
}

func newKmsCalls(c *kms.Client) kmsCalls {
	return kmsCalls{sign: c.Sign, getPublicKey: c.GetPublicKey}
}

func (c kmsCalls) Sign(ctx context.Context, in *kms.SignInput, o ...func(*kms.Options)) (*kms.SignOutput, error) {
	return c.sign(ctx, in, o...)
}

func (c kmsCalls) GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, o ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error) {
	return c.getPublicKey(ctx, in, o...)
}
