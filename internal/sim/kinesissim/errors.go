package kinesissim

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
)

// The simulator returns the SDK's own modeled error types, so errors.As in
// the console works the same against it as against AWS.

func invalidArgument(format string, a ...any) error {
	return &types.InvalidArgumentException{Message: aws.String(fmt.Sprintf(format, a...))}
}

func notFound(format string, a ...any) error {
	return &types.ResourceNotFoundException{Message: aws.String(fmt.Sprintf(format, a...))}
}

func inUse(format string, a ...any) error {
	return &types.ResourceInUseException{Message: aws.String(fmt.Sprintf(format, a...))}
}

func limitExceeded(format string, a ...any) error {
	return &types.LimitExceededException{Message: aws.String(fmt.Sprintf(format, a...))}
}

func throughputExceeded(format string, a ...any) error {
	return &types.ProvisionedThroughputExceededException{Message: aws.String(fmt.Sprintf(format, a...))}
}

func validation(format string, a ...any) error {
	return &types.ValidationException{Message: aws.String(fmt.Sprintf(format, a...))}
}

// cloudWatchValidation is CloudWatch's generic "ValidationError" (it has no
// modeled type in the SDK).
func cloudWatchValidation(format string, a ...any) error {
	return &smithy.GenericAPIError{Code: "ValidationError", Message: fmt.Sprintf(format, a...), Fault: smithy.FaultClient}
}

// Throttled is the error GetRecords or PutRecord return over a shard's
// limits; tests inject it with Fail.
func Throttled() error {
	return throughputExceeded("Rate exceeded for shard in stream under account (injected).")
}

// ExpiredIterator is the error of a GetRecords call with an iterator older
// than five minutes.
func ExpiredIterator() error {
	return &types.ExpiredIteratorException{Message: aws.String("Iterator expired (injected).")}
}

// LimitExceeded is the control-plane throttle (DescribeStreamSummary and
// friends are rate limited per account).
func LimitExceeded() error {
	return limitExceeded("Rate exceeded for account (injected).")
}
